import { align } from './lcs';
import type { SynthOutput, TerraformJson } from './load';
import { containsSensitive, looksLikeSecret, type PathSegment } from './sensitive';

/** What a Terraform JSON block is, in the order a reviewer reads them. */
export const BLOCK_KINDS = ['resource', 'data', 'output', 'provider', 'module', 'variable', 'local', 'terraform', 'other'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export type ChangeAction = 'added' | 'removed' | 'changed';

/** One changed attribute of a changed block. `before`/`after` are absent when `sensitive`. */
export interface AttributeChange {
  /** `node_config.shielded_instance_config.enable_secure_boot`, `rule[0].match`, `labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly action: ChangeAction;
  /** True when the value must never be printed; then `before` and `after` are left out. */
  readonly sensitive: boolean;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** One added, removed or changed block: a resource, data source, output, provider, ... */
export interface BlockChange {
  readonly kind: BlockKind;
  /** Terraform address: `google_container_cluster.main`, `data.google_client_config.current`, `output.vpc_id`, `provider.google`. */
  readonly address: string;
  readonly action: ChangeAction;
  /** The changed attributes; empty for added and removed blocks. */
  readonly attributes: readonly AttributeChange[];
}

export interface StackDiff {
  readonly stack: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Sorted by kind (BLOCK_KINDS order), then address. */
  readonly blocks: readonly BlockChange[];
  readonly counts: { readonly added: number; readonly removed: number; readonly changed: number };
}

interface Block {
  readonly kind: BlockKind;
  /** Resource or data source type (`kubernetes_secret_v1`), for type-specific masking; '' otherwise. */
  readonly type: string;
  readonly value: unknown;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const METADATA_KEY = '//';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function entriesOf(value: unknown): Array<[string, unknown]> {
  return isObject(value) ? Object.entries(value) : [];
}

/** Splits a stack's Terraform JSON into addressable blocks. cdktf's `//` metadata is not a block. */
function blocksOf(config: TerraformJson): Map<string, Block> {
  const blocks = new Map<string, Block>();
  for (const [section, content] of Object.entries(config)) {
    switch (section) {
      case METADATA_KEY:
        break;
      case 'resource':
      case 'data':
        for (const [type, named] of entriesOf(content)) {
          for (const [name, value] of entriesOf(named)) {
            const address = section === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
            blocks.set(address, { kind: section, type, value });
          }
        }
        break;
      case 'provider':
        // cdktf writes each provider type as an array of configurations, told apart by `alias`.
        for (const [type, configs] of entriesOf(content)) {
          (Array.isArray(configs) ? configs : [configs]).forEach((value, index) => {
            const alias = isObject(value) && typeof value.alias === 'string' ? `.${value.alias}` : index === 0 ? '' : `[${index}]`;
            blocks.set(`provider.${type}${alias}`, { kind: 'provider', type: '', value });
          });
        }
        break;
      case 'output':
      case 'module':
      case 'variable':
      case 'locals': {
        const kind = section === 'locals' ? 'local' : section;
        const prefix = section === 'variable' ? 'var' : kind;
        for (const [name, value] of entriesOf(content)) blocks.set(`${prefix}.${name}`, { kind, type: '', value });
        break;
      }
      case 'terraform':
        blocks.set('terraform', { kind: 'terraform', type: '', value: content });
        break;
      default:
        // moved, import, removed, check, ...: compared as a whole.
        blocks.set(section, { kind: 'other', type: '', value: content });
    }
  }
  return blocks;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (looksLikeSecret(segment)) text += '["(sensitive)"]';
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** JSON with sorted keys and without cdktf metadata: equal for semantically equal values. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((key) => key !== METADATA_KEY).sort(byString);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Drops cdktf metadata from a value before it is reported as added or removed. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byString)) if (key !== METADATA_KEY) copy[key] = withoutMetadata(value[key]);
  return copy;
}

interface DiffContext {
  readonly type: string;
  /** Paths that are masked whatever their name, e.g. the value of an output marked `sensitive`. */
  readonly forced: (path: readonly PathSegment[]) => boolean;
  readonly out: AttributeChange[];
}

function report(ctx: DiffContext, path: readonly PathSegment[], action: ChangeAction, before: unknown, after: unknown): void {
  const sensitive =
    ctx.forced(path) ||
    (action !== 'added' && containsSensitive(ctx.type, path, before)) ||
    (action !== 'removed' && containsSensitive(ctx.type, path, after));
  const change: AttributeChange = sensitive
    ? { path: formatPath(path), action, sensitive }
    : {
        path: formatPath(path),
        action,
        sensitive,
        ...(action === 'added' ? {} : { before: withoutMetadata(before) }),
        ...(action === 'removed' ? {} : { after: withoutMetadata(after) }),
      };
  ctx.out.push(change);
}

function diffValue(ctx: DiffContext, before: unknown, after: unknown, path: PathSegment[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byString);
    for (const key of keys) {
      if (key === METADATA_KEY) continue;
      const child = [...path, key];
      if (!Object.hasOwn(after, key)) report(ctx, child, 'removed', before[key], undefined);
      else if (!Object.hasOwn(before, key)) report(ctx, child, 'added', undefined, after[key]);
      else diffValue(ctx, before[key], after[key], child);
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    diffArray(ctx, before, after, path);
  } else if (before !== after && canonical(before) !== canonical(after)) {
    report(ctx, path, 'changed', before, after);
  }
}

/**
 * Arrays of equal length are compared index by index. Otherwise elements are aligned first so an
 * inserted rule is reported once; unmatched elements in the same gap are paired up as changes.
 */
function diffArray(ctx: DiffContext, before: unknown[], after: unknown[], path: PathSegment[]): void {
  if (before.length === after.length) {
    before.forEach((item, index) => diffValue(ctx, item, after[index], [...path, index]));
    return;
  }
  const steps = align(before.map(canonical), after.map(canonical));
  let removed: number[] = [];
  let added: number[] = [];
  const flushGap = (): void => {
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) diffValue(ctx, before[removed[k]], after[added[k]], [...path, added[k]]);
    for (const index of removed.slice(paired)) report(ctx, [...path, index], 'removed', before[index], undefined);
    for (const index of added.slice(paired)) report(ctx, [...path, index], 'added', undefined, after[index]);
    removed = [];
    added = [];
  };
  for (const step of steps) {
    if (step.op === 'removed') removed.push(step.a);
    else if (step.op === 'added') added.push(step.b);
    else flushGap();
  }
  flushGap();
}

/** Outputs and variables marked `sensitive` on either side never show their value. */
function forcedMask(block: Block, before: unknown, after: unknown): (path: readonly PathSegment[]) => boolean {
  const marked = (value: unknown): boolean => isObject(value) && value.sensitive === true;
  if (!marked(before) && !marked(after)) return () => false;
  const field = block.kind === 'output' ? 'value' : block.kind === 'variable' ? 'default' : undefined;
  return (path) => field !== undefined && path[0] === field;
}

function compareBlocks(a: BlockChange, b: BlockChange): number {
  return BLOCK_KINDS.indexOf(a.kind) - BLOCK_KINDS.indexOf(b.kind) || byString(a.address, b.address);
}

/** Compares one stack's Terraform JSON; either side may be absent (stack added or removed). */
export function diffStack(stack: string, base: TerraformJson | undefined, head: TerraformJson | undefined): StackDiff {
  const before = base === undefined ? new Map<string, Block>() : blocksOf(base);
  const after = head === undefined ? new Map<string, Block>() : blocksOf(head);
  const blocks: BlockChange[] = [];
  for (const [address, block] of before) {
    if (!after.has(address)) blocks.push({ kind: block.kind, address, action: 'removed', attributes: [] });
  }
  for (const [address, block] of after) {
    const old = before.get(address);
    if (old === undefined) {
      blocks.push({ kind: block.kind, address, action: 'added', attributes: [] });
      continue;
    }
    const attributes: AttributeChange[] = [];
    const ctx: DiffContext = { type: block.type, forced: forcedMask(block, old.value, block.value), out: attributes };
    diffValue(ctx, old.value, block.value, []);
    if (attributes.length > 0) blocks.push({ kind: block.kind, address, action: 'changed', attributes });
  }
  blocks.sort(compareBlocks);
  const count = (action: ChangeAction): number => blocks.filter((block) => block.action === action).length;
  const status = base === undefined ? 'added' : head === undefined ? 'removed' : blocks.length > 0 ? 'changed' : 'unchanged';
  return { stack, status, blocks, counts: { added: count('added'), removed: count('removed'), changed: count('changed') } };
}

/** Compares two synth outputs stack by stack. Every stack of either side appears once, sorted by name. */
export function diffSynthOutputs(base: SynthOutput, head: SynthOutput): StackDiff[] {
  const names = [...new Set([...Object.keys(base.stacks), ...Object.keys(head.stacks)])].sort(byString);
  return names.map((name) => diffStack(name, base.stacks[name], head.stacks[name]));
}
