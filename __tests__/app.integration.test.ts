import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { synthesized } from './support/topology';

const root = resolve(__dirname, '..');

/** Stacks of one environment, in deploy order, with the stacks each depends on. */
function expectedStacks(env: string, regions: string[]): Record<string, string[]> {
  const core = `isoscribe-${env}-core`;
  const stacks: Record<string, string[]> = { [core]: [] };
  for (const region of regions) stacks[`isoscribe-${env}-cluster-${region}`] = [core];
  for (const region of regions) stacks[`isoscribe-${env}-workloads-${region}`] = [`isoscribe-${env}-cluster-${region}`, core].sort();
  // The search engine of each region: the operator's CRDs first (stated: no reference crosses), then the engine.
  for (const region of regions) stacks[`isoscribe-${env}-search-operator-${region}`] = [`isoscribe-${env}-cluster-${region}`];
  for (const region of regions) {
    stacks[`isoscribe-${env}-search-${region}`] = [`isoscribe-${env}-cluster-${region}`, core, `isoscribe-${env}-search-operator-${region}`].sort();
  }
  // ingress waits for every region's workloads (their Services create the NEGs); dns-authorization
  // publishes ingress's certificate records; edge reads ingress and waits for dns-authorization.
  stacks[`isoscribe-${env}-ingress`] = [core, ...regions.map((r) => `isoscribe-${env}-workloads-${r}`)].sort();
  stacks[`isoscribe-${env}-dns-authorization`] = [`isoscribe-${env}-ingress`];
  stacks[`isoscribe-${env}-edge`] = [`isoscribe-${env}-dns-authorization`, `isoscribe-${env}-ingress`];
  // monitoring's uptime checks go through the Cloudflare zone edge puts live.
  stacks[`isoscribe-${env}-monitoring`] = [`isoscribe-${env}-edge`];
  // Applied by hand once per project (docs/deploy.md); nothing depends on it.
  stacks[`isoscribe-${env}-bootstrap`] = [];
  return stacks;
}

describe('the real `cdktf synth` CLI (run once by the jest global setup)', () => {
  it('writes a manifest listing every stack of every environment with its dependencies', () => {
    const { dir, manifest } = synthesized();
    const actual = Object.fromEntries(
      Object.entries(manifest.stacks).map(([name, s]) => [name, [...s.dependencies].sort()]),
    );
    expect(actual).toEqual({
      ...expectedStacks('dev', ['us-central1']),
      ...expectedStacks('staging', ['europe-west1']),
      ...expectedStacks('production', ['us-central1', 'europe-west1', 'asia-northeast1']),
    });
    for (const name of Object.keys(actual)) {
      expect(existsSync(join(dir, 'stacks', name, 'cdk.tf.json'))).toBe(true);
    }
  });
});

describe('the app with an invalid configuration', () => {
  it('exits non-zero, lists every problem with its fix, and writes nothing', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'isoscribe-bad-')), 'cdktf.out');
    // Break two rules in two environments (the widened range collides with two others), then run the real entry point.
    const script = `
      const { ENVIRONMENTS } = require('./config');
      ENVIRONMENTS[0].workloads.api.image.tag = 'latest';
      ENVIRONMENTS[2].regions[1].nodeCidr = '10.0.0.0/16';
      require('./main').main();
    `;
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid Isoscribe configuration (3 problems)');
    expect(run.stderr).toContain('config/dev.ts › workloads.api.image.tag: must be pinned');
    expect(run.stderr).toMatch(/config\/production\.ts › regions\[1\]\.nodeCidr: 10\.0\.0\.0\/16 overlaps regions\[0\]\.nodeCidr/);
    expect(existsSync(outdir)).toBe(false);
  });

  it('rejects an unknown ISOSCRIBE_ENVS name the same way', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'isoscribe-bad-')), 'cdktf.out');
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ISOSCRIBE_ENVS: 'prod' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ISOSCRIBE_ENVS: unknown environment "prod"; choose from dev, staging, production');
    expect(existsSync(outdir)).toBe(false);
  });
});
