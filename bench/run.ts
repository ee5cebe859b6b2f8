/**
 * `npm run bench`: every benchmark in one run, one after the other (each in its own process, so
 * none measures another's leftovers), and one Markdown report: the machine, then each benchmark's
 * table. The report goes to stdout and to bench/results.md; with `--update-docs` it also replaces
 * the block between `<!-- bench:start -->` and `<!-- bench:end -->` in docs/benchmarks.md.
 *
 *   npm run bench                        # all: synth, api, frontend, search
 *   npm run bench -- --only api,frontend # a subset
 *   npm run bench -- --update-docs
 *
 * Each benchmark reads its own BENCH_* variables (see the top of bench/<name>.ts). The api benchmark
 * also needs ci/install/bench-tools.sh (vegeta, the peer stack's venv).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { findNginx } from '../testing/nginx';
import { replaceBlock, type BlockMarkers } from '../tools/generated-block';

const root = resolve(__dirname, '..');
const BENCHMARKS = ['synth', 'api', 'frontend', 'search'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
const FIGURES_BLOCK: BlockMarkers = { start: '<!-- bench:start -->', end: '<!-- bench:end -->' };

interface Args {
  only: Benchmark[];
  updateDocs: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [...BENCHMARKS], updateDocs: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--update-docs') args.updateDocs = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only takes a comma-separated subset of ${BENCHMARKS.join(',')} (got "${value ?? ''}")`);
      }
      args.only = BENCHMARKS.filter((b) => names.includes(b));
    } else {
      throw new Error(`unknown argument "${arg}"; use --only <${BENCHMARKS.join(',')}> and/or --update-docs`);
    }
  }
  return args;
}

/** Runs bench/<name>.ts; its stdout (the Markdown table) goes into the report, its stderr (progress) passes through. */
function runBenchmark(name: Benchmark): Promise<{ markdown: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', `${name}.ts`)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise({ markdown: stdout.trim(), seconds: (Date.now() - started) / 1000 });
      else reject(new Error(`bench/${name}.ts failed (${code ?? signal}); its output is above`));
    });
  });
}

/** The machine the figures come from: they mean little without it. */
function machine(): string {
  const cpu = cpus();
  const version = (cmd: string, args: string[], pattern: RegExp): string => {
    const run = spawnSync(cmd, args, { encoding: 'utf8' });
    const match = pattern.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    return match ? match[1] : 'not found';
  };
  const rows: Array<[string, string]> = [
    ['CPU', `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown'}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['OS', `${process.platform} ${release()}`],
    ['Node.js', process.version],
    ['NGINX', version(findNginx(), ['-v'], /nginx\/(\S+)/)],
    ['wrk', version('wrk', ['--version'], /wrk (\S+)/)],
    ['Java (mongo-java-server)', version('java', ['-version'], /version "([^"]+)"/)],
    // `go install` builds carry no version string; the install script records the pinned one.
    ['vegeta', version('cat', [join(root, '.tools', 'bin', '.vegeta-version')], /^(v\S+)/)],
    ['Python (peer stack)', version(join(root, '.venv', 'bench-peer', 'bin', 'python'), ['--version'], /Python (\S+)/)],
    ['load average at start', loadavg().map((l) => l.toFixed(2)).join(', ')],
    ['date', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
  ];
  return ['| machine | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function replaceFiguresBlock(markdown: string): void {
  const file = join(root, 'docs/benchmarks.md');
  const updated = replaceBlock(readFileSync(file, 'utf8'), FIGURES_BLOCK, markdown);
  if (updated === undefined) {
    throw new Error(`docs/benchmarks.md has no "${FIGURES_BLOCK.start}" … "${FIGURES_BLOCK.end}" block; add both markers where the figures belong`);
  }
  writeFileSync(file, updated);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const header = machine(); // before the runs: the load average is the one the first benchmark met
  const sections: string[] = [];
  for (const name of args.only) {
    process.stderr.write(`bench: ${name}…\n`);
    const { markdown, seconds } = await runBenchmark(name);
    process.stderr.write(`bench: ${name} took ${seconds.toFixed(0)} s\n`);
    sections.push(markdown);
  }
  const report = [
    `Figures from \`npm run bench\` (${args.only.join(', ')}); regenerate with \`npm run bench -- --update-docs\`.`,
    '',
    header,
    '',
    sections.join('\n\n'),
  ].join('\n');
  writeFileSync(join(root, 'bench', 'results.md'), `${report}\n`);
  if (args.updateDocs) replaceFiguresBlock(report);
  process.stdout.write(`${report}\n`);
  process.stderr.write(`bench: written to bench/results.md${args.updateDocs ? ' and docs/benchmarks.md' : ''}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
