// Pull-request plans: runs `cdktf diff` for every stack of one environment, in dependency order, and
// writes Markdown with each stack's plan in a collapsed <details> section.
//
//   npx tsx ci/plan-comment.ts run --env staging --out plan-staging.md   (needs cloud credentials)
//   npx tsx ci/plan-comment.ts combine plan-*.md --out comment.md         (one PR comment)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { PLANNER_DENIED } from '../stacks/bootstrap-stack';
import { readManifest, stackOrder, type StackManifest } from '../tools/stack-order/stack-order';

/** Hidden marker that identifies the one plan comment of a pull request, so it is updated in place. */
export const PLAN_COMMENT_MARKER = '<!-- isoscribe:cdktf-plan -->';
/** GitHub rejects comments over 65,536 characters. */
export const MAX_COMMENT_CHARS = 65_000;

export interface StackPlan {
  readonly stack: string;
  /** Exit status of `cdktf diff`: 0 when it planned (with or without changes). */
  readonly status: number;
  readonly output: string;
  /** Why the stack was not planned at all. @default - it was planned */
  readonly skipped?: string;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/**
 * The resource types (and `data.` sources) of a synthesized stack that hold secret values, which
 * the pull-request planner may not read (PLANNER_DENIED): refreshing them would fail with a 403.
 */
export function secretValueTypes(stack: { resource?: Record<string, unknown>; data?: Record<string, unknown> }): string[] {
  const types = [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {}).map((t) => `data.${t}`)];
  return types.filter((type) => PLANNER_DENIED.some((pattern) => glob(pattern).test(type))).sort();
}

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** `Plan: 1 to add, 2 to change, 0 to destroy.`, `No changes.`, or why there is no plan. */
export function planSummary(plan: StackPlan): string {
  const text = plan.output.replace(ANSI, '');
  if (plan.skipped) return 'not planned (reads secret values)';
  if (plan.status !== 0) return 'failed';
  const counts = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(text);
  if (counts) return `${counts[1]} to add, ${counts[2]} to change, ${counts[3]} to destroy`;
  if (/No changes\./.test(text)) return 'no changes';
  return 'no plan summary found';
}

function fence(text: string): string {
  // A fence longer than any backtick run inside, so plan text can never close it early.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}text\n${text}\n${ticks}`;
}

/** Keeps the first `max` characters of a plan, cut at a line end, and says how much was left out. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('\n', max);
  const kept = text.slice(0, cut > 0 ? cut : max);
  return `${kept}\n... ${text.length - kept.length} more characters: see the job log`;
}

/** Markdown for one environment's plans; each stack's share of `maxChars` is equal. */
export function renderEnvironmentPlans(environment: string, plans: readonly StackPlan[], maxChars = MAX_COMMENT_CHARS): string {
  const header = `### cdktf diff: ${environment}\n\n`;
  const perStack = Math.max(500, Math.floor((maxChars - header.length) / Math.max(1, plans.length)) - 200);
  const sections = plans.map((plan) => {
    const body = clip(plan.output.replace(ANSI, '').trim(), perStack);
    return `<details><summary><code>${plan.stack}</code>: ${planSummary(plan)}</summary>\n\n${fence(body)}\n\n</details>`;
  });
  return `${header}${sections.join('\n')}\n`;
}

/** One PR comment from the per-environment Markdown files: marker first, capped at GitHub's limit. */
export function combinePlans(parts: readonly string[], maxChars = MAX_COMMENT_CHARS): string {
  const intro = `${PLAN_COMMENT_MARKER}\n## Terraform plans\n\nEvery stack, in deploy order, planned against the live state by \`cdktf diff\` (read-only, no state lock).\n\n`;
  const body = `${intro}${parts.map((p) => p.trim()).join('\n\n')}\n`;
  if (body.length <= maxChars) return body;
  const note = '\n\n_Truncated to fit a GitHub comment; the job logs have every plan._\n';
  return body.slice(0, maxChars - note.length) + note;
}

/** Plans every stack of `environment` in cdktf.out, one `cdktf diff` at a time, in deploy order. */
export function planEnvironment(environment: string, manifestFile = 'cdktf.out/manifest.json'): StackPlan[] {
  const manifest = readManifest(manifestFile) as StackManifest & { stacks: Record<string, { synthesizedStackPath?: string }> };
  return stackOrder(manifest, { environment }).map((stack) => {
    const file = manifest.stacks[stack].synthesizedStackPath;
    const secrets = file ? secretValueTypes(JSON.parse(fs.readFileSync(`${manifestFile.replace(/manifest\.json$/, '')}${file}`, 'utf8'))) : [];
    if (secrets.length > 0) {
      const skipped = `Not planned: it holds secret values (${secrets.join(', ')}) and the pull-request planner has no secret access (stacks/bootstrap-stack.ts PLANNER_DENIED). The synth diff shows its changes; the deploy plans it in full.`;
      return { stack, status: 0, output: skipped, skipped };
    }
    process.stderr.write(`plan-comment: cdktf diff ${stack}\n`);
    const run = spawnSync('npx', ['cdktf', 'diff', stack, '--skip-synth', '--no-color'], {
      encoding: 'utf8',
      // A plan only reads: no state lock, so a plan never blocks (or is blocked by) a deploy.
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_ARGS_plan: '-lock=false', TF_IN_AUTOMATION: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    process.stderr.write(output);
    return { stack, status: run.status ?? 1, output };
  });
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { env: { type: 'string' }, out: { type: 'string' }, manifest: { type: 'string', default: 'cdktf.out/manifest.json' } },
  });
  let markdown: string;
  if (command === 'run' && values.env !== undefined) {
    const plans = planEnvironment(values.env, values.manifest);
    markdown = renderEnvironmentPlans(values.env, plans);
    // Plans that failed are reported in the comment; the job fails too, so nobody merges past them.
    if (plans.some((p) => p.status !== 0)) process.exitCode = 1;
  } else if (command === 'combine' && positionals.length > 0) {
    markdown = combinePlans(positionals.map((file) => fs.readFileSync(file, 'utf8')));
  } else {
    throw new Error('usage: plan-comment.ts run --env <environment> [--out file] | combine <file.md>... [--out file]');
  }
  if (values.out === undefined) process.stdout.write(markdown);
  else fs.writeFileSync(values.out, markdown);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`plan-comment: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
