// npx tsx ci/deploy-waves.ts --env production [--manifest cdktf.out/manifest.json] [--markdown]
// Prints, as GitHub step outputs (`name=value` lines for $GITHUB_OUTPUT), the stacks of each deploy
// wave of one environment (stack-order.ts) and how long its apply job may run; `--markdown`: the
// table docs/deploy.md shows.
import { parseArgs } from 'node:util';
import { readManifest, stackWaves, StackOrderError } from '../tools/stack-order/stack-order';

/** Wave jobs in .github/workflows/deploy-environment.yml; a topology with more waves fails loudly here. */
export const DEPLOY_WAVE_JOBS = 7;

/**
 * Minutes an apply job of each layer may run. Longer than the slowest chain of Terraform's own
 * timeouts in the stack, so Terraform gives up (and releases the state lock) before GitHub kills
 * the job: a cluster is created or updated (provider timeouts 40 / 60 min) and then its node pool (30 min); a first
 * rollout waits for every Deployment (10 min each, in parallel) and the NEGs the pods create.
 */
export const APPLY_TIMEOUT_MINUTES: Readonly<Record<string, number>> = {
  core: 30,
  cluster: 100,
  workloads: 45,
  // Before 'search' (layerOf takes the first match): every CRD, then the operator's rollout (10 min).
  'search-operator': 30,
  // Custom resources and plain objects: nothing waits for a rollout (the operator builds the engine after apply).
  search: 20,
  ingress: 45,
  // A handful of DNS records.
  'dns-authorization': 10,
  edge: 20,
  // Alert policies, channels, uptime checks and a dashboard: API calls of seconds each.
  monitoring: 15,
};

/** `isoscribe-<env>-<layer>[-<region>]` → layer. */
export function layerOf(stack: string): string {
  const layer = Object.keys(APPLY_TIMEOUT_MINUTES).find((l) => new RegExp(`^isoscribe-[a-z0-9]+-${l}(-|$)`).test(stack));
  if (!layer) throw new StackOrderError(`stack "${stack}" has no apply timeout: add its layer to APPLY_TIMEOUT_MINUTES in ci/deploy-waves.ts`);
  return layer;
}

export interface DeployWave {
  readonly stacks: string[];
  readonly applyTimeoutMinutes: number;
}

export function deployWaves(waves: string[][]): DeployWave[] {
  if (waves.length > DEPLOY_WAVE_JOBS) {
    throw new StackOrderError(`the stacks need ${waves.length} deploy waves but .github/workflows/deploy-environment.yml runs ${DEPLOY_WAVE_JOBS}; add wave jobs there and raise DEPLOY_WAVE_JOBS`);
  }
  return waves.map((stacks) => ({ stacks, applyTimeoutMinutes: Math.max(...stacks.map((s) => APPLY_TIMEOUT_MINUTES[layerOf(s)])) }));
}

/** `waveN=<JSON array>` and `waveN_timeout=<minutes>` for N = 1..DEPLOY_WAVE_JOBS; empty waves are `[]`. */
export function githubOutputs(waves: DeployWave[]): string {
  const lines: string[] = [];
  for (let n = 1; n <= DEPLOY_WAVE_JOBS; n++) {
    const wave = waves[n - 1];
    lines.push(`wave${n}=${JSON.stringify(wave?.stacks ?? [])}`, `wave${n}_timeout=${wave?.applyTimeoutMinutes ?? 1}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The Markdown table docs/deploy.md shows for one environment (checked against the manifest by a test). */
export function renderWaveTable(waves: DeployWave[]): string {
  const rows = waves.map((w, i) => `| ${i + 1} | ${w.stacks.map((s) => `\`${s}\``).join(', ')} | ${w.applyTimeoutMinutes} min |`);
  return ['| wave | stacks (planned, then applied, in parallel) | apply timeout |', '| --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) {
  try {
    const { values } = parseArgs({
      options: { manifest: { type: 'string', default: 'cdktf.out/manifest.json' }, env: { type: 'string' }, markdown: { type: 'boolean', default: false } },
    });
    if (!values.env) throw new StackOrderError('usage: deploy-waves.ts --env <environment> [--manifest cdktf.out/manifest.json] [--markdown]');
    const waves = deployWaves(stackWaves(readManifest(values.manifest), { environment: values.env }));
    process.stdout.write(values.markdown ? `${renderWaveTable(waves)}\n` : githubOutputs(waves));
  } catch (error) {
    process.stderr.write(`deploy-waves: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
