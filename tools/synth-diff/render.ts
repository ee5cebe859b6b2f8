import type { AttributeChange, BlockKind, StackDiff } from './diff';
import { align } from './lcs';

export interface RenderOptions {
  /** Heading text. @default 'Synth diff' */
  readonly title?: string;
  /** What the base is, e.g. `origin/main (1a2b3c4)`. @default - not shown */
  readonly baseLabel?: string;
  /** What the head is, e.g. `cdktf.out`. @default - not shown */
  readonly headLabel?: string;
  /** Blocks plus attribute changes listed per stack before "... N more". @default 100 */
  readonly maxChangesPerStack?: number;
  /** Attribute changes listed per block before "... N more". @default 25 */
  readonly maxAttributesPerBlock?: number;
  /** Changed lines shown per multi-line text attribute (config files in config maps). @default 20 */
  readonly maxTextLines?: number;
  /** Hard cap on the Markdown's length; GitHub rejects comments over 65536 characters. @default 65000 */
  readonly maxChars?: number;
  /** First line, an HTML comment a workflow finds to update its comment in place. @default '<!-- synth-diff -->' */
  readonly marker?: string;
}

const KIND_HEADINGS: Record<BlockKind, string> = {
  resource: 'Resources',
  data: 'Data sources',
  output: 'Outputs',
  provider: 'Providers',
  module: 'Modules',
  variable: 'Variables',
  local: 'Locals',
  terraform: 'Terraform settings',
  other: 'Other blocks',
};

/** Values longer than this are described ("(string, 240 chars)") rather than printed. */
const MAX_VALUE_CHARS = 160;
const MAX_TEXT_LINE_CHARS = 160;
/** Room kept for the truncation note: fixed text plus at most 10 names of 60 characters. */
const NOTE_RESERVE = 1_000;
/** Below this the headline and note alone could not fit. */
const MIN_CHARS = 2_000;
const SIGN = { added: '+', removed: '-', changed: '!' } as const;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that survives any content and Markdown tables. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\s+/g, ' ')}\``;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.includes('\n');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    if (value.includes('\n')) return `(text, ${plural(value.split('\n').length, 'line')})`;
    return value.length <= MAX_VALUE_CHARS ? JSON.stringify(value) : `(string, ${value.length} chars)`;
  }
  const json = JSON.stringify(value) ?? 'null';
  if (json.length <= MAX_VALUE_CHARS) return json;
  if (Array.isArray(value)) return `[...] (${plural(value.length, 'item')})`;
  return `{...} (${plural(Object.keys(value as object).length, 'key')})`;
}

function clip(line: string): string {
  return line.length <= MAX_TEXT_LINE_CHARS ? line : `${line.slice(0, MAX_TEXT_LINE_CHARS)}...`;
}

/** A line diff of two texts, so a reviewer sees which line of an NGINX config changed. */
function textDiffLines(before: string, after: string, maxLines: number): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const changed = align(a, b).filter((step) => step.op !== 'same');
  const lines = changed
    .slice(0, maxLines)
    .map((step) => (step.op === 'removed' ? `-         ${clip(a[step.a])}` : step.op === 'added' ? `+         ${clip(b[step.b])}` : ''));
  if (changed.length > maxLines) lines.push(`          ... ${plural(changed.length - maxLines, 'more changed line')}`);
  return lines;
}

function attributeLines(change: AttributeChange, maxTextLines: number): string[] {
  const head = `${SIGN[change.action]}     ${change.path}`;
  if (change.sensitive) return [`${head}: (sensitive)`];
  if (change.action === 'added') return [`${head}: ${formatValue(change.after)}`];
  if (change.action === 'removed') return [`${head}: ${formatValue(change.before)}`];
  if (isText(change.before) || isText(change.after)) {
    const before = typeof change.before === 'string' ? change.before : '';
    const after = typeof change.after === 'string' ? change.after : '';
    return [`${head}: (text changed)`, ...textDiffLines(before, after, maxTextLines)];
  }
  return [`${head}: ${formatValue(change.before)} -> ${formatValue(change.after)}`];
}

interface Limits {
  readonly maxChangesPerStack: number;
  readonly maxAttributesPerBlock: number;
  readonly maxTextLines: number;
}

/** The body of one stack's section: a `diff` code block, so GitHub colours additions and removals. */
function stackLines(diff: StackDiff, limits: Limits): string[] {
  const total = diff.blocks.reduce((sum, block) => sum + 1 + block.attributes.length, 0);
  const lines: string[] = [];
  let listed = 0;
  let kind: BlockKind | undefined;
  for (const block of diff.blocks) {
    if (listed >= limits.maxChangesPerStack) break;
    if (block.kind !== kind) {
      kind = block.kind;
      lines.push(`# ${KIND_HEADINGS[kind]}`);
    }
    lines.push(`${SIGN[block.action]} ${block.address}`);
    listed++;
    const shown = block.attributes.slice(0, Math.min(limits.maxAttributesPerBlock, limits.maxChangesPerStack - listed));
    for (const change of shown) lines.push(...attributeLines(change, limits.maxTextLines));
    listed += shown.length;
    const hidden = block.attributes.length - shown.length;
    if (hidden > 0) {
      lines.push(`      ... ${plural(hidden, 'more attribute change')}`);
      listed += hidden;
    }
  }
  if (listed < total) lines.push(`... ${total - listed} more changes in this stack`);
  return lines;
}

function fenced(lines: readonly string[]): string {
  const longestRun = Math.max(2, ...lines.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}diff\n${lines.join('\n')}\n${fence}`;
}

function countsText(diff: StackDiff): string {
  const { added, removed, changed } = diff.counts;
  return `${added} added, ${removed} removed, ${changed} changed`;
}

function stackSection(diff: StackDiff, limits: Limits): string {
  const lines = stackLines(diff, limits);
  // Small sections start open: one click less for the common one-line change.
  const open = lines.length <= 15 ? ' open' : '';
  const summary = `<code>${escapeHtml(diff.stack)}</code> (stack ${diff.status}): ${countsText(diff)}`;
  return `<details${open}><summary>${summary}</summary>\n\n${fenced(lines)}\n\n</details>`;
}

function stackList(title: string, diffs: readonly StackDiff[]): string {
  const items = diffs.map((diff) => {
    const resources = diff.blocks.filter((block) => block.kind === 'resource').length;
    return `- ${code(diff.stack)} (${plural(resources, 'resource')})`;
  });
  return `**${title}**\n\n${items.join('\n')}`;
}

/**
 * Renders stack diffs as GitHub-flavoured Markdown for a pull request comment: a headline, a
 * summary table, stacks added and removed, then one collapsible section per stack. Output is
 * deterministic for the same input and never longer than `maxChars`; sections that do not fit are
 * left out and named in a closing note.
 */
export function renderMarkdown(diffs: readonly StackDiff[], opts: RenderOptions = {}): string {
  const title = opts.title ?? 'Synth diff';
  const maxChars = opts.maxChars ?? 65_000;
  if (!Number.isInteger(maxChars) || maxChars < MIN_CHARS) {
    throw new RangeError(`maxChars must be an integer of at least ${MIN_CHARS} (got ${maxChars})`);
  }
  const limits: Limits = {
    maxChangesPerStack: opts.maxChangesPerStack ?? 100,
    maxAttributesPerBlock: opts.maxAttributesPerBlock ?? 25,
    maxTextLines: opts.maxTextLines ?? 20,
  };
  const by = (status: StackDiff['status']): StackDiff[] => diffs.filter((diff) => diff.status === status);
  const [changed, added, removed, unchanged] = [by('changed'), by('added'), by('removed'), by('unchanged')];
  const touched = diffs.filter((diff) => diff.status !== 'unchanged');

  const labels = [opts.baseLabel && `Base: ${code(opts.baseLabel)}`, opts.headLabel && `Head: ${code(opts.headLabel)}`].filter(Boolean);
  const intro: string[] = [opts.marker ?? '<!-- synth-diff -->'];
  if (touched.length === 0) {
    intro.push(`### ${title}: No changes`, `All ${plural(diffs.length, 'stack')} synthesize identically.`);
    if (labels.length > 0) intro.push(labels.join(' · '));
    return intro.join('\n\n') + '\n';
  }
  const headline = [
    changed.length > 0 && `${plural(changed.length, 'stack')} changed`,
    added.length > 0 && `${added.length} added`,
    removed.length > 0 && `${removed.length} removed`,
    unchanged.length > 0 && `${unchanged.length} unchanged`,
  ].filter(Boolean);
  intro.push(`### ${title}: ${headline.join(', ')}`);
  if (labels.length > 0) intro.push(labels.join(' · '));

  // Everything after the intro is optional under the length cap, in reading order.
  const parts: Array<{ text: string; what: string }> = [];
  parts.push({ text: '| Stack | Status | Added | Removed | Changed |\n| --- | --- | ---: | ---: | ---: |', what: 'summary table' });
  for (const diff of touched) {
    const { added: a, removed: r, changed: c } = diff.counts;
    parts.push({ text: `| ${code(diff.stack)} | ${diff.status} | ${a} | ${r} | ${c} |`, what: `summary row of ${diff.stack}` });
  }
  if (unchanged.length > 0) parts.push({ text: `\nUnchanged: ${unchanged.map((diff) => code(diff.stack)).join(', ')}`, what: 'unchanged stacks' });
  if (added.length > 0) parts.push({ text: `\n${stackList('Stacks added', added)}`, what: 'stacks added' });
  if (removed.length > 0) parts.push({ text: `\n${stackList('Stacks removed', removed)}`, what: 'stacks removed' });
  for (const diff of [...changed, ...added, ...removed]) {
    parts.push({ text: `\n${stackSection(diff, limits)}`, what: `stack ${diff.stack}` });
  }

  let markdown = intro.join('\n\n') + '\n\n';
  const left: string[] = [];
  for (const part of parts) {
    if (markdown.length + part.text.length + 1 <= maxChars - NOTE_RESERVE) markdown += `${part.text}\n`;
    else left.push(part.what);
  }
  if (left.length > 0) {
    const named = left.slice(0, 10).map((what) => escapeHtml(what.slice(0, 60))).join(', ');
    const rest = left.length > 10 ? ` and ${left.length - 10} more` : '';
    markdown +=
      `\n> [!NOTE]\n> Output truncated to fit a GitHub comment (${maxChars} characters): left out ${named}${rest}. ` +
      'Run `npm run synth-diff -- --base <ref>` locally for the full diff.\n';
  }
  return markdown;
}
