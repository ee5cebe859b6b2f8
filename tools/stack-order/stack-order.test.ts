import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployWaves, DEPLOY_WAVE_JOBS, githubOutputs, layerOf } from '../../ci/deploy-waves';
import { stackOrder, StackOrderError, stackWaves, type StackManifest } from './stack-order';

const manifest = (stacks: Record<string, string[]>): StackManifest => ({
  stacks: Object.fromEntries(Object.entries(stacks).map(([name, dependencies]) => [name, { dependencies }])),
});

// The shape of the real app, listed out of order on purpose.
const app = manifest({
  'isoscribe-prod-edge': ['isoscribe-prod-ingress'],
  'isoscribe-prod-ingress': ['isoscribe-prod-workloads-b', 'isoscribe-prod-workloads-a', 'isoscribe-prod-core'],
  'isoscribe-prod-workloads-b': ['isoscribe-prod-cluster-b', 'isoscribe-prod-core'],
  'isoscribe-prod-workloads-a': ['isoscribe-prod-cluster-a', 'isoscribe-prod-core'],
  'isoscribe-prod-cluster-b': ['isoscribe-prod-core'],
  'isoscribe-prod-cluster-a': ['isoscribe-prod-core'],
  'isoscribe-prod-core': [],
  'isoscribe-prod-bootstrap': [],
  'isoscribe-dev-core': [],
  'isoscribe-dev-bootstrap': [],
});

describe('stackOrder', () => {
  it('orders dependencies first, alphabetically among stacks ready together, without bootstrap stacks', () => {
    expect(stackOrder(app, { environment: 'prod' })).toEqual([
      'isoscribe-prod-core',
      'isoscribe-prod-cluster-a',
      'isoscribe-prod-cluster-b',
      'isoscribe-prod-workloads-a',
      'isoscribe-prod-workloads-b',
      'isoscribe-prod-ingress',
      'isoscribe-prod-edge',
    ]);
  });

  it('keeps bootstrap stacks when asked, and every environment when none is named', () => {
    expect(stackOrder(app, { environment: 'dev', includeBootstrap: true })).toEqual(['isoscribe-dev-bootstrap', 'isoscribe-dev-core']);
    expect(stackOrder(app)).toHaveLength(8);
  });

  it('reports a cycle with the stacks in it', () => {
    expect(() => stackOrder(manifest({ 'isoscribe-x-a': ['isoscribe-x-b'], 'isoscribe-x-b': ['isoscribe-x-a'], 'isoscribe-x-c': [] }))).toThrow(
      new StackOrderError('stacks depend on each other in a cycle: isoscribe-x-a, isoscribe-x-b'),
    );
  });

  it('reports a dependency missing from the manifest or left out by the selection', () => {
    expect(() => stackOrder(manifest({ 'isoscribe-x-a': ['isoscribe-x-gone'] }))).toThrow('stack "isoscribe-x-a" depends on "isoscribe-x-gone", which is not in the manifest');
    expect(() => stackOrder(manifest({ 'isoscribe-x-a': ['isoscribe-y-b'], 'isoscribe-y-b': [] }), { environment: 'x' })).toThrow(
      'stack "isoscribe-x-a" depends on "isoscribe-y-b", which the selection leaves out; select both',
    );
  });

  it('names the fix for an environment that was not synthesized', () => {
    expect(() => stackOrder(app, { environment: 'staging' })).toThrow(/no stack of environment "staging".*ISOSCRIBE_ENVS=staging npm run synth/);
  });
});

describe('tools/stack-order/stack-order.ts', () => {
  const root = path.resolve(__dirname, '../..');
  const run = (args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'tools/stack-order/stack-order.ts', ...args], { cwd: root, encoding: 'utf8' });

  it('prints one stack per line, or JSON, from a manifest file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-order-'));
    try {
      const file = path.join(dir, 'manifest.json');
      fs.writeFileSync(file, JSON.stringify(app));
      const lines = run(['--manifest', file, '--env', 'dev']);
      expect(lines.status).toBe(0);
      expect(lines.stdout).toBe('isoscribe-dev-core\n');
      const json = run(['--manifest', file, '--env', 'prod', '--json']);
      expect(JSON.parse(json.stdout)).toEqual(stackOrder(app, { environment: 'prod' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with the fix when there is no manifest', () => {
    const result = run(['--manifest', path.join(os.tmpdir(), 'no-such-dir-stack-order', 'manifest.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/manifest\.json not found; run `npm run synth` first/);
  });
});

describe('stackWaves and the deploy waves', () => {
  it('groups stacks that can be applied together: every wave depends only on earlier ones', () => {
    expect(stackWaves(app, { environment: 'prod' })).toEqual([
      ['isoscribe-prod-core'],
      ['isoscribe-prod-cluster-a', 'isoscribe-prod-cluster-b'],
      ['isoscribe-prod-workloads-a', 'isoscribe-prod-workloads-b'],
      ['isoscribe-prod-ingress'],
      ['isoscribe-prod-edge'],
    ]);
  });

  it('gives each wave the apply timeout of its slowest layer, and GitHub outputs for every wave job', () => {
    const waves = deployWaves(stackWaves(app, { environment: 'prod' }));
    expect(waves.map((w) => w.applyTimeoutMinutes)).toEqual([30, 100, 45, 45, 20]);
    const outputs = githubOutputs(deployWaves([['isoscribe-dev-core']]));
    expect(outputs.split('\n')).toEqual(expect.arrayContaining(['wave1=["isoscribe-dev-core"]', 'wave1_timeout=30', 'wave2=[]', `wave${DEPLOY_WAVE_JOBS}=[]`]));
  });

  it('fails loudly for a topology with more waves than the workflow runs, or a layer without a timeout', () => {
    const deep = Array.from({ length: DEPLOY_WAVE_JOBS + 1 }, () => ['isoscribe-prod-core']);
    expect(() => deployWaves(deep)).toThrow(/need 8 deploy waves but \.github\/workflows\/deploy-environment\.yml runs 7; add wave jobs there and raise DEPLOY_WAVE_JOBS/);
    expect(() => deployWaves([['isoscribe-prod-tracing']])).toThrow(/"isoscribe-prod-tracing" has no apply timeout: add its layer to APPLY_TIMEOUT_MINUTES/);
    expect(layerOf('isoscribe-production-cluster-us-central1')).toBe('cluster');
  });
});
