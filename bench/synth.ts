/**
 * Synth benchmark: wall time and peak RSS of synthesizing every stack of every environment through
 * the app's fast path (cdktf.json's `app`), plus the full `cdktf synth` CLI and the type-check, once.
 * Prints a Markdown table. Run: `npm run bench:synth` (or as part of `npm run bench`).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { cpus, tmpdir, totalmem } from 'os';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');
const runs = Number(process.env.BENCH_SYNTH_RUNS ?? 5);

interface Sample { wallMs: number; maxRssMb: number }

/** The app command of cdktf.json, e.g. `node app.js`. */
const appCommand: string = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')).app;

/** Runs the app once in a fresh process, exactly as `cdktf synth` does; the child reports its own peak RSS. */
function synthOnce(): Sample {
  const outdir = mkdtempSync(join(tmpdir(), 'isoscribe-bench-'));
  const [bin, ...args] = appCommand.split(' ');
  if (bin !== 'node') throw new Error(`bench/synth.ts expects a "node ..." app command in cdktf.json (got "${appCommand}")`);
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-r', join(__dirname, 'peak-rss.js'), ...args], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  rmSync(outdir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`synth failed (${run.status}):\n${run.stderr}`);
  const report = /BENCH (\{.*\})/.exec(run.stderr);
  if (!report) throw new Error('the child did not report its peak RSS');
  return { wallMs, maxRssMb: JSON.parse(report[1]).maxRss / 1024 };
}

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function countStacks(): number {
  const outdir = mkdtempSync(join(tmpdir(), 'isoscribe-bench-'));
  timeCommand(process.execPath, appCommand.split(' ').slice(1), { CDKTF_OUTDIR: outdir });
  const n = Object.keys(JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')).stacks).length;
  rmSync(outdir, { recursive: true, force: true });
  return n;
}

function main(): void {
  const stacks = countStacks(); // also warms the transpile cache, like any second run
  const samples = Array.from({ length: runs }, synthOnce);
  const walls = samples.map((s) => s.wallMs);
  const rss = samples.map((s) => s.maxRssMb);
  const cliOut = mkdtempSync(join(tmpdir(), 'isoscribe-bench-cli-'));
  const cliMs = timeCommand(join(root, 'node_modules/.bin/cdktf'), ['synth', '--output', cliOut], { CHECKPOINT_DISABLE: '1' });
  rmSync(cliOut, { recursive: true, force: true });
  const tscMs = timeCommand(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.', '--incremental', 'false']);

  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`### Synth (${stacks} stacks, all environments; ${runs} runs; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB)\n`);
  console.log('| measure | median | min | max | target |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| app synth wall time (\`${appCommand}\`) | ${f(median(walls))} | ${f(Math.min(...walls))} | ${f(Math.max(...walls))} | ≤ 2 s |`);
  console.log(`| app synth peak RSS | ${median(rss).toFixed(0)} MB | ${Math.min(...rss).toFixed(0)} MB | ${Math.max(...rss).toFixed(0)} MB | ≤ 400 MB |`);
  console.log(`| \`cdktf synth\` CLI, end to end (once) | ${f(cliMs)} | | | |`);
  console.log(`| type-check \`tsc --noEmit\`, cold (once) | ${f(tscMs)} | | | ≤ 15 s |`);
}

main();
