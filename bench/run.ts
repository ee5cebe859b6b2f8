/**
 * `npm run bench`: every benchmark in one run, one after the other (each in its own process, so
 * none measures another's leftovers), and one Markdown report: the machine, then each benchmark's
 * table. The report goes to stdout and to bench/results.md; with `--update-docs` it also replaces
 * the block between `<!-- bench:start -->` and `<!-- bench:end -->` in docs/benchmarks.md.
 *
 *   npm run bench                        # all: synth, api, api-metrics, frontend, search
 *   npm run bench -- --only api,frontend # a subset
 *   npm run bench -- --update-docs
 *   npm run bench -- --only api-metrics --update-docs  # the API with and without its metrics (~4 min)
 *
 * `api-metrics` is bench/api.ts with BENCH_API_METRICS_ONLY=1 (ours with and without Prometheus
 * metrics, paired rounds). Its figures have a block of their own in docs/benchmarks.md
 * (`<!-- bench:api-metrics:start -->`), as search has, so rerunning either alone leaves the other figures in
 * place; `--update-docs` with a subset of the shared block's benchmarks is refused (it would drop the rest).
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
const BENCHMARKS = ['synth', 'api', 'api-metrics', 'frontend', 'search'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
/** The script and extra environment of each benchmark (bench/<name>.ts unless said). */
const SCRIPTS: Partial<Record<Benchmark, { script: string; env: Record<string, string> }>> = {
  'api-metrics': { script: 'api', env: { BENCH_API_METRICS_ONLY: '1' } },
};
const FIGURES_BLOCK: BlockMarkers = { start: '<!-- bench:start -->', end: '<!-- bench:end -->' };
/** Benchmarks whose figures have their own block in docs/benchmarks.md. */
const OWN_BLOCKS: Partial<Record<Benchmark, BlockMarkers>> = {
  'api-metrics': { start: '<!-- bench:api-metrics:start -->', end: '<!-- bench:api-metrics:end -->' },
  search: { start: '<!-- bench:search:start -->', end: '<!-- bench:search:end -->' },
};

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
  const { script, env } = SCRIPTS[name] ?? { script: name, env: {} };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', `${script}.ts`)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise({ markdown: stdout.trim(), seconds: (Date.now() - started) / 1000 });
      else reject(new Error(`bench/${script}.ts (${name}) failed (${code ?? signal}); its output is above`));
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

function replaceFiguresBlock(doc: string, markers: BlockMarkers, markdown: string): string {
  const updated = replaceBlock(doc, markers, markdown);
  if (updated === undefined) {
    throw new Error(`docs/benchmarks.md has no "${markers.start}" … "${markers.end}" block; add both markers where the figures belong`);
  }
  return updated;
}

/** The report's heading: which benchmarks, how to regenerate, and the machine. */
function reportOf(names: readonly Benchmark[], header: string, sections: readonly string[]): string {
  const command = names.length === 1 && OWN_BLOCKS[names[0]] ? `npm run bench -- --only ${names[0]} --update-docs` : 'npm run bench -- --update-docs';
  return [`Figures from \`npm run bench\` (${names.join(', ')}); regenerate with \`${command}\`.`, '', header, '', sections.join('\n\n')].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // The shared block is rewritten whole: a subset of its benchmarks would drop the others' figures.
  const sharedMissing = BENCHMARKS.filter((name) => !OWN_BLOCKS[name] && !args.only.includes(name));
  if (args.updateDocs && args.only.some((name) => !OWN_BLOCKS[name]) && sharedMissing.length > 0) {
    throw new Error(
      `--update-docs with --only ${args.only.join(',')} would drop the figures of ${sharedMissing.join(', ')} from docs/benchmarks.md's shared block; ` +
        `add them to --only, run only benchmarks with a block of their own (${Object.keys(OWN_BLOCKS).join(', ')}), or leave out --update-docs`,
    );
  }
  const header = machine(); // before the runs: the load average is the one the first benchmark met
  const sections = new Map<Benchmark, string>();
  for (const name of args.only) {
    process.stderr.write(`bench: ${name}…\n`);
    const { markdown, seconds } = await runBenchmark(name);
    process.stderr.write(`bench: ${name} took ${seconds.toFixed(0)} s\n`);
    sections.set(name, markdown);
  }
  const report = reportOf(args.only, header, [...sections.values()]);
  writeFileSync(join(root, 'bench', 'results.md'), `${report}\n`);
  if (args.updateDocs) {
    const file = join(root, 'docs/benchmarks.md');
    let doc = readFileSync(file, 'utf8');
    // Benchmarks with a block of their own go there; the rest share the main block.
    for (const [name, markers] of Object.entries(OWN_BLOCKS) as Array<[Benchmark, BlockMarkers]>) {
      const section = sections.get(name);
      if (section !== undefined) doc = replaceFiguresBlock(doc, markers, reportOf([name], header, [section]));
    }
    const shared = args.only.filter((name) => !OWN_BLOCKS[name]);
    if (shared.length > 0) doc = replaceFiguresBlock(doc, FIGURES_BLOCK, reportOf(shared, header, shared.map((name) => sections.get(name)!)));
    writeFileSync(file, doc);
  }
  process.stdout.write(`${report}\n`);
  process.stderr.write(`bench: written to bench/results.md${args.updateDocs ? ' and docs/benchmarks.md' : ''}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
