import { execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/**
 * Runs the real `cdktf synth` CLI once for the whole test run, into a temporary directory that the
 * tests read through ISOSCRIBE_SYNTH_DIR (see synthesized() in topology.ts). Every property and
 * snapshot test then checks exactly what users deploy, and the suite pays for one synth, not one per
 * test file. Image overrides from the environment are cleared: tests check the committed config.
 */
export default function globalSetup(): void {
  if (process.env.ISOSCRIBE_SYNTH_DIR) return; // set by a caller that synthesized already
  const root = resolve(__dirname, '../..');
  const outdir = mkdtempSync(join(tmpdir(), 'isoscribe-test-synth-'));
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
  for (const key of Object.keys(env)) {
    if (/^ISOSCRIBE_/.test(key)) delete env[key];
  }
  execFileSync(join(root, 'node_modules/.bin/cdktf'), ['synth', '--output', outdir], { cwd: root, env, stdio: 'pipe' });
  process.env.ISOSCRIBE_SYNTH_DIR = outdir;
  // Only this directory is the run's to delete (global-teardown.ts); a caller's synth is left alone.
  process.env.ISOSCRIBE_TEST_SYNTH_DIR = outdir;
}
