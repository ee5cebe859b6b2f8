// npx tsx tools/stack-order/stack-order.ts [--manifest cdktf.out/manifest.json] [--env staging] [--include-bootstrap] [--json | --waves]
// Prints the stacks of a cdktf synth output in dependency order (one per line, or a JSON array), so
// CI diffs and deploys in the order the app's cross-stack references dictate rather than a list
// written into the workflow by hand.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { environmentPrefix } from '../../config';
import { BOOTSTRAP_LAYER } from '../../stacks/bootstrap-stack';

export interface StackManifest {
  readonly stacks: Readonly<Record<string, { readonly dependencies?: readonly string[] }>>;
}

export interface StackOrderOptions {
  /** Only the stacks of this environment (`isoscribe-<env>-...`). @default - every stack */
  readonly environment?: string;
  /**
   * Keep the bootstrap stacks. They are applied by hand once per project (docs/deploy.md), never by
   * CI, and nothing depends on them. @default false
   */
  readonly includeBootstrap?: boolean;
}

export class StackOrderError extends Error {
  override name = 'StackOrderError';
}

/**
 * Topological order of the selected stacks: every stack comes after all stacks it depends on. Among
 * stacks that are ready at the same time the order is alphabetical, so the output is deterministic.
 */
export function stackOrder(manifest: StackManifest, options: StackOrderOptions = {}): string[] {
  if (manifest === null || typeof manifest !== 'object' || manifest.stacks === null || typeof manifest.stacks !== 'object') {
    throw new StackOrderError('the manifest has no "stacks" object; pass the manifest.json of a cdktf synth output');
  }
  const all = Object.keys(manifest.stacks);
  const selected = all.filter(
    (name) =>
      (options.environment === undefined || name.startsWith(`${environmentPrefix(options.environment)}-`)) &&
      (options.includeBootstrap === true || !name.endsWith(`-${BOOTSTRAP_LAYER}`)),
  );
  if (options.environment !== undefined && selected.length === 0) {
    throw new StackOrderError(`no stack of environment "${options.environment}" in the manifest (stacks: ${all.join(', ') || 'none'}); synthesize it, e.g. ISOSCRIBE_ENVS=${options.environment} npm run synth`);
  }
  const chosen = new Set(selected);

  const pending = new Map<string, Set<string>>();
  for (const name of selected) {
    const dependencies = manifest.stacks[name].dependencies ?? [];
    for (const dependency of dependencies) {
      if (!(dependency in manifest.stacks)) {
        throw new StackOrderError(`stack "${name}" depends on "${dependency}", which is not in the manifest`);
      }
      if (!chosen.has(dependency)) {
        throw new StackOrderError(`stack "${name}" depends on "${dependency}", which the selection leaves out; select both`);
      }
    }
    pending.set(name, new Set(dependencies));
  }

  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([name]) => name).sort();
    if (ready.length === 0) {
      throw new StackOrderError(`stacks depend on each other in a cycle: ${[...pending.keys()].sort().join(', ')}`);
    }
    const next = ready[0];
    order.push(next);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }
  return order;
}

/**
 * The same stacks in waves: every stack of a wave depends only on stacks of earlier waves, so the
 * stacks of one wave (e.g. the clusters of every region) can be planned and applied in parallel.
 * A stack goes in the earliest wave its dependencies allow.
 */
export function stackWaves(manifest: StackManifest, options: StackOrderOptions = {}): string[][] {
  const order = stackOrder(manifest, options);
  const waveOf = new Map<string, number>();
  for (const name of order) {
    const dependencies = manifest.stacks[name].dependencies ?? [];
    waveOf.set(name, Math.max(-1, ...dependencies.map((d) => waveOf.get(d)!)) + 1);
  }
  const waves: string[][] = [];
  for (const name of order) (waves[waveOf.get(name)!] ??= []).push(name);
  return waves;
}

export function readManifest(file: string): StackManifest {
  if (!fs.existsSync(file)) throw new StackOrderError(`${file} not found; run \`npm run synth\` first`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StackManifest;
  } catch (error) {
    throw new StackOrderError(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      manifest: { type: 'string', default: 'cdktf.out/manifest.json' },
      env: { type: 'string' },
      'include-bootstrap': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      waves: { type: 'boolean', default: false },
    },
  });
  const options = { environment: values.env, includeBootstrap: values['include-bootstrap'] };
  if (values.waves) {
    process.stdout.write(`${JSON.stringify(stackWaves(readManifest(values.manifest), options))}\n`);
    return;
  }
  const order = stackOrder(readManifest(values.manifest), options);
  process.stdout.write(values.json ? `${JSON.stringify(order)}\n` : `${order.join('\n')}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`stack-order: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
