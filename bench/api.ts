/**
 * API benchmark: our API (the shipped artifact, `node dist/server.js`, NODE_ENV=production) side by
 * side with the seed's stack (bench/peer: aiohttp + Gunicorn uvloop worker + PyMongo async), each
 * behind a real NGINX on the api config the workloads stack renders, on the same MongoDB-wire server,
 * same documents, same request tracking. For each endpoint (get, list, create):
 *
 * - throughput: wrk -t1 -c32 (saturation), and the app's CPU time per request during it;
 * - latency at a fixed rate: vegeta at BENCH_API_RATE req/s (open loop), p50/p99/max, CPU per request;
 *
 * in interleaved rounds (ours and the peer alternate, so noise from other jobs hits both), with the
 * load average before every run. The peer runs one worker (equal CPU: one API process) and, for
 * throughput, also two workers.
 *
 * Run: `npm run bench -- --only api` or `npm run bench:api` (needs nginx, wrk, Java, and
 * ci/install/bench-tools.sh for vegeta and the peer's venv). Settings:
 *   BENCH_API_SECONDS (5) per wrk run, BENCH_API_RATE_SECONDS (10) per vegeta run,
 *   BENCH_API_RATE (1000) req/s, BENCH_API_ROUNDS (3), BENCH_API_ENDPOINTS (get,list,create),
 *   BENCH_API_PEER2 (1; 0 skips the two-worker peer), BENCH_API_NODE_ARGS (extra node flags for
 *   ours, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" or "--trace-gc"), BENCH_API_LOG_FILE (a file
 *   that gets everything ours writes, e.g. that GC trace), BENCH_API_ENV (extra env for ours, "K=V,K=V"),
 *   BENCH_API_BASELINE_DIR (a directory with another build of services/api, e.g. an earlier commit's
 *   `git archive` built with tsc: measured as "baseline" in the same interleaved rounds) and
 *   BENCH_API_BASELINE_ENV (its extra env, "K=V,K=V"; "K=" unsets a container setting) and
 *   BENCH_API_BASELINE_LABEL (what it is, for the report) and BENCH_API_BASELINE_NODE_FLAGS (0: without
 *   the pod's node flags, for a build from before they existed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { httpRequest } from '../__tests__/support/http';
import { requestLogCollection } from '../services/api/src/analytics/request-log';
import { startMongoWireServer } from '../services/api/test/support/mongo-wire';
import { RateRun, Target, ThroughputRun, vegeta, withCpu, wrk } from './support/load';
import { SCRAPE_INTERVAL } from '../workloads/nginx-fronted-workload';
import { BenchStack, buildApi, startOurs, startPeer } from './support/stacks';

const seconds = Number(process.env.BENCH_API_SECONDS ?? 5);
const rateSeconds = Number(process.env.BENCH_API_RATE_SECONDS ?? 10);
const rate = Number(process.env.BENCH_API_RATE ?? 1000);
const rounds = Number(process.env.BENCH_API_ROUNDS ?? 3);
const withPeer2 = process.env.BENCH_API_PEER2 !== '0';
/** BENCH_API_OURS_ONLY=1: no peer at all (profiling and A/B runs of our own changes; no comparison table). */
const oursOnly = process.env.BENCH_API_OURS_ONLY === '1' || process.env.BENCH_API_METRICS_ONLY === '1';
const connections = 32;
const ENDPOINTS = ['get', 'list', 'create'] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const endpoints = (process.env.BENCH_API_ENDPOINTS ?? ENDPOINTS.join(',')).split(',').map((e) => {
  if (!(ENDPOINTS as readonly string[]).includes(e)) throw new Error(`BENCH_API_ENDPOINTS takes a comma-separated subset of ${ENDPOINTS.join(',')} (got "${e}")`);
  return e as Endpoint;
});
const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const envPairs = (name: string): NodeJS.ProcessEnv =>
  Object.fromEntries(
    (process.env[name] ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`${name} takes KEY=VALUE pairs separated by commas (got "${pair}")`);
        // An empty value unsets the variable (e.g. a container setting the baseline did not have).
        return [pair.slice(0, eq), pair.slice(eq + 1) || undefined];
      }),
  );
const oursEnv = envPairs('BENCH_API_ENV');
const baselineDir = process.env.BENCH_API_BASELINE_DIR;
const baselineEnv = envPairs('BENCH_API_BASELINE_ENV');
const baselineLabel = process.env.BENCH_API_BASELINE_LABEL ?? baselineDir;
/** BENCH_API_BASELINE_NODE_FLAGS=0: the baseline runs without the pod's node flags (a build from before they existed). */
const baselineNodeFlags = process.env.BENCH_API_BASELINE_NODE_FLAGS !== '0';
/**
 * BENCH_API_METRICS_ONLY=1 (`npm run bench -- --only api-metrics`): what the Prometheus instrumentation
 * costs, alone: ours (the pod's environment: metrics on, scraped at the PodMonitoring's interval) and
 * "ours without metrics" (the same build with METRICS_PORT unset: no listener, no per-request
 * observation, no default metrics), in BENCH_API_METRICS_ROUNDS (8) rounds where the two run back to
 * back, in alternating order: saturation throughput (wrk) and CPU per request at a fixed rate
 * (vegeta, below). Each round gives a paired cost (1 − with ÷ without), so a burst of outside load
 * lands on both halves of a pair; the report is the median pair and the spread of all pairs, beside
 * both stacks' medians. No peer.
 * BENCH_API_METRICS_AB=1 adds "ours without metrics" to the full comparison's rounds too.
 */
const metricsOnly = process.env.BENCH_API_METRICS_ONLY === '1';
const metricsAb = metricsOnly || process.env.BENCH_API_METRICS_AB === '1';
const metricsRounds = Number(process.env.BENCH_API_METRICS_ROUNDS ?? 8);
/**
 * The metrics comparison's fixed-rate runs: BENCH_API_METRICS_RATE (500) req/s for
 * BENCH_API_METRICS_RATE_SECONDS (4) s, well under saturation on every endpoint. The API process's CPU
 * per request there hardly depends on what else the machine runs, unlike saturation throughput, which
 * on shared cores measures the scheduler as much as the app.
 */
const fixedRate = metricsOnly ? Number(process.env.BENCH_API_METRICS_RATE ?? 500) : rate;
const fixedRateSeconds = metricsOnly ? Number(process.env.BENCH_API_METRICS_RATE_SECONDS ?? 4) : rateSeconds;
const WITHOUT_METRICS = 'ours without metrics';
/** The PodMonitoring's scrape interval ("30s"). */
const scrapeIntervalMs = Number(/^(\d+)s$/.exec(SCRAPE_INTERVAL)?.[1] ?? NaN) * 1000;

/** The document every stack serves for `get`: the same 1044-byte JSON answer as the earlier benchmark. */
const document = { title: 'Benchmark document', body: 'Lorem ipsum dolor sit amet. '.repeat(30), author: 'bench', tags: ['bench', 'nginx'] };
/** Documents each stack's list pages over (newest 20 of them per request). */
const seedDocuments = 50;
/** Created by the `create` runs; removed after each run so every list run sees the same collection. */
const createdAuthor = 'bench-create';
const createBody = JSON.stringify({ title: 'Created by the benchmark', body: 'Lorem ipsum dolor sit amet. '.repeat(30), author: createdAuthor, tags: ['bench'] });

interface Measured {
  throughput: Array<ThroughputRun & { cpuUsPerRequest: number; load: number }>;
  fixedRate: Array<RateRun & { cpuUsPerRequest: number; load: number; databasePauseMs: number }>;
}

/**
 * Reads the JVM's `-Xlog:gc` file from where the last call stopped: the longest pause (ms) logged
 * since then, 0 for none. Lines look like `[…][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(64M) 3.456ms`.
 */
function gcPauseReader(file: string): () => number {
  let offset = 0;
  return () => {
    if (!existsSync(file)) return 0;
    const text = readFileSync(file, 'utf8');
    const fresh = text.slice(offset);
    offset = text.length;
    let longest = 0;
    for (const match of fresh.matchAll(/ Pause .* (\d+(?:\.\d+)?)ms$/gm)) longest = Math.max(longest, Number(match[1]));
    return longest;
  };
}

const log = (line: string) => process.stderr.write(`bench api: ${line}\n`);
const load1 = () => loadavg()[0];

async function seed(stack: BenchStack): Promise<string> {
  const post = (body: object) =>
    httpRequest(stack.nginx.baseUrl, '/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (let i = 0; i < seedDocuments - 1; i++) {
    const res = await post({ ...document, title: `Seed document ${i}`, tags: ['bench', `t${i % 5}`] });
    if (res.status !== 201) throw new Error(`${stack.name}: seeding failed: ${res.status} ${res.body}`);
  }
  const created = await post(document);
  if (created.status !== 201) throw new Error(`${stack.name}: could not create the document: ${created.status} ${created.body}`);
  return JSON.parse(created.body).id;
}

function targetFor(stack: BenchStack, endpoint: Endpoint, id: string): Target {
  const base = stack.nginx.baseUrl;
  if (endpoint === 'get') return { method: 'GET', url: `${base}/api/v1/documents/${id}` };
  if (endpoint === 'list') return { method: 'GET', url: `${base}/api/v1/documents?limit=20` };
  return { method: 'POST', url: `${base}/api/v1/documents`, body: createBody };
}

async function main(): Promise<void> {
  log('building services/api (dist/, as the image ships it)');
  buildApi();
  // The test database is a JVM; a real MongoDB (C++) has no collector pausing it. ZGC keeps its
  // pauses under a millisecond (G1's young pauses reached 30–65 ms on these two cores and showed up
  // as both stacks' max latency); the GC log shows what pauses remain, per run.
  const workDir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const gcLog = join(workDir, 'mongo-wire-gc.log');
  // gc+phases: ZGC logs its (short) pauses there.
  const mongo = await startMongoWireServer({ fullJit: true, jvmArgs: ['-XX:+UseZGC', '-Xms1g', '-Xmx2g', `-Xlog:gc,gc+phases:file=${gcLog}`] });
  const databasePauses = gcPauseReader(gcLog);
  const client = await new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5000 }).connect();
  const stacks: BenchStack[] = [];
  const stopAll = async () => {
    await client.close();
    for (const stack of stacks) await stack.stop();
    await mongo.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, a CI timeout): stop what was started rather than leave NGINX and the apps running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the stacks`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  try {
    const ours = await startOurs({ mongoUri: mongo.uri, dbName: 'bench_ours', nodeArgs, env: oursEnv, logFile: process.env.BENCH_API_LOG_FILE });
    stacks.push(ours);
    const baseline = baselineDir
      ? await startOurs({ mongoUri: mongo.uri, dbName: 'bench_baseline', apiDir: baselineDir, name: 'baseline', env: baselineEnv, podNodeFlags: baselineNodeFlags })
      : undefined;
    if (baseline) stacks.push(baseline);
    const peer = oursOnly ? undefined : await startPeer({ mongoUri: mongo.uri, dbName: 'bench_peer', workers: 1 });
    if (peer) stacks.push(peer);
    const peer2 = withPeer2 && !oursOnly ? await startPeer({ mongoUri: mongo.uri, dbName: 'bench_peer2', workers: 2 }) : undefined;
    if (peer2) stacks.push(peer2);
    // An empty METRICS_PORT is unset for the api (services/api/src/config.ts).
    const bare = metricsAb ? await startOurs({ mongoUri: mongo.uri, dbName: 'bench_bare', name: WITHOUT_METRICS, nodeArgs, env: { ...oursEnv, METRICS_PORT: '', METRICS_HOST: '' } }) : undefined;
    if (bare) stacks.push(bare);
    const dbOf = new Map<BenchStack | undefined, string>([[ours, 'bench_ours'], [baseline, 'bench_baseline'], [peer, 'bench_peer'], [peer2, 'bench_peer2'], [bare, 'bench_bare']]);

    const ids = new Map<BenchStack, string>();
    for (const stack of stacks) ids.set(stack, await seed(stack));
    // The same bytes from both: the comparison is of serving, not of different answers.
    const bodies = await Promise.all([ours, peer ?? ours].map(async (s) => (await httpRequest(s.nginx.baseUrl, `/api/v1/documents/${ids.get(s)}`)).body));
    const shape = (body: string) => JSON.stringify(Object.keys(JSON.parse(body)));
    if (bodies[0].length !== bodies[1].length || shape(bodies[0]) !== shape(bodies[1])) {
      throw new Error(`ours and the peer answer GET differently:\n${bodies[0]}\n${bodies[1]}`);
    }
    // After every run: the documents `create` added, and the request records (the test server
    // enforces no TTL, and an ever-growing in-memory collection would slow the server's GC run by run).
    const removeCreated = async (stack: BenchStack) => {
      const db = client.db(dbOf.get(stack));
      await db.collection('documents').deleteMany({ author: createdAuthor });
      await db.collection(requestLogCollection).deleteMany({});
    };

    log('warm-up (JIT, connection pools)');
    for (const stack of stacks) {
      for (const endpoint of endpoints) wrk(targetFor(stack, endpoint, ids.get(stack)!), connections, 2);
      await removeCreated(stack);
    }

    const results = new Map<string, Measured>();
    const measured = (stack: BenchStack, endpoint: Endpoint) => {
      const key = `${stack.name}|${endpoint}`;
      if (!results.has(key)) results.set(key, { throughput: [], fixedRate: [] });
      return results.get(key)!;
    };
    // The scrape production runs: Managed Prometheus reads the metrics port every SCRAPE_INTERVAL.
    // A child process, since wrk and vegeta block this one's event loop.
    const scraper = ours.metricsUrl ? startScraper(ours.metricsUrl, scrapeIntervalMs) : undefined;
    const totalRounds = metricsOnly ? metricsRounds : rounds;
    for (let round = 0; round < totalRounds; round++) {
      // Alternate who goes first, so a burst of outside load does not always land on the same stack;
      // with and without metrics run back to back, so each round is a fair pair.
      const compared = [ours, ...(bare ? [bare] : []), ...(baseline ? [baseline] : []), ...(peer ? [peer] : [])];
      const order = round % 2 === 0 ? compared : [...compared].reverse();
      for (const endpoint of endpoints) {
        for (const stack of [...order, ...(peer2 ? [peer2] : [])]) {
          const target = targetFor(stack, endpoint, ids.get(stack)!);
          let load = load1();
          const t = withCpu(stack.appPids(), () => wrk(target, connections, seconds));
          measured(stack, endpoint).throughput.push({ ...t, load });
          log(`round ${round + 1}/${totalRounds} ${endpoint} ${stack.name}: ${Math.round(t.rps)} req/s, ${t.cpuUsPerRequest.toFixed(0)} µs CPU/req (load ${load.toFixed(1)})`);
          await removeCreated(stack);
          if (stack === peer2) continue;
          load = load1();
          databasePauses();
          const r = withCpu(stack.appPids(), () => vegeta(target, fixedRate, fixedRateSeconds));
          const databasePauseMs = databasePauses();
          measured(stack, endpoint).fixedRate.push({ ...r, load, databasePauseMs });
          log(
            `round ${round + 1}/${totalRounds} ${endpoint} ${stack.name} @${fixedRate}/s: p50 ${r.p50Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} max ${r.maxMs.toFixed(1)} ms, ` +
              `${(r.success * 100).toFixed(2)}% ok, ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req, longest database GC pause ${databasePauseMs.toFixed(1)} ms (load ${load.toFixed(1)})`,
          );
          await removeCreated(stack);
        }
      }
    }
    await scraper?.stop();
    if (scraper) log(`scraped ours' metrics port ${scraper.scrapes()} times (every ${scrapeIntervalMs / 1000} s)`);
    if (peer) printReport(results, [ours, peer, ...(baseline ? [baseline] : []), ...(peer2 ? [peer2] : []), ...(bare ? [bare] : [])], ids.get(ours)!, bodies[0].length);
    if (bare) printMetricsCost(results, ours, bare, scraper?.scrapes() ?? 0);
  } catch (error) {
    for (const stack of stacks) process.stderr.write(`--- ${stack.name} output (tail) ---\n${stack.output().slice(-3000)}\n`);
    throw error;
  } finally {
    await stopAll();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // Even counts (the metrics comparison's rounds): the mean of the middle two.
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const range0 = (values: number[]) => range(values, 0);
const range = (values: number[], digits: number) =>
  values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})` : '';

function printReport(results: Map<string, Measured>, stacks: BenchStack[], _id: string, bodyBytes: number): void {
  const [ours, peer] = stacks;
  const loads = [...results.values()].flatMap((m) => [...m.throughput, ...m.fixedRate].map((r) => r.load));
  const paths: Record<Endpoint, string> = { get: 'GET /api/v1/documents/:id', list: 'GET /api/v1/documents?limit=20', create: 'POST /api/v1/documents' };
  console.log('### API: ours vs the seed\'s stack (aiohttp + Gunicorn + PyMongo async), same NGINX, same MongoDB-wire server\n');
  console.log(
    `Each stack: a real NGINX on the rendered api config → unix socket → the app → mongo-java-server (one for all, in memory, same CPUs), request tracking on. ` +
      `Ours: \`node dist/server.js\`, NODE_ENV=production (one process). Peer: bench/peer/app.py, Gunicorn with aiohttp's uvloop worker. ` +
      `Throughput: wrk -t1 -c${connections}, ${seconds} s; fixed rate: vegeta ${rate} req/s for ${rateSeconds} s (open loop); medians of ${rounds} interleaved rounds, range in brackets; ` +
      `CPU = user+system time of the app process(es) per request. GET body ${bodyBytes} B; list: 20 of ${seedDocuments} documents. ` +
      `${baselineDir ? `Baseline: ${baselineLabel}, same harness. ` : ''}` +
      `${cpus().length} CPUs, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} over the runs (the benchmark's own processes count: NGINX, the app, the database, the load generator).\n`,
  );
  console.log(`| endpoint | stack | req/s | CPU µs/req | p50 ms @${rate}/s | p99 ms @${rate}/s | max ms @${rate}/s | CPU µs/req @${rate}/s | database GC pause ms @${rate}/s |`);
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const verdicts: string[] = [];
  for (const endpoint of endpoints) {
    for (const stack of stacks) {
      const m = results.get(`${stack.name}|${endpoint}`);
      if (!m) continue;
      const rps = m.throughput.map((r) => r.rps);
      const cpu = m.throughput.map((r) => r.cpuUsPerRequest);
      const cells = [`${Math.round(median(rps))}${range(rps, 0)}`, `${median(cpu).toFixed(0)}`];
      if (m.fixedRate.length > 0) {
        const p50 = m.fixedRate.map((r) => r.p50Ms);
        const p99 = m.fixedRate.map((r) => r.p99Ms);
        const max = m.fixedRate.map((r) => r.maxMs);
        const rateCpu = m.fixedRate.map((r) => r.cpuUsPerRequest);
        const pauses = m.fixedRate.map((r) => r.databasePauseMs);
        cells.push(median(p50).toFixed(2), `${median(p99).toFixed(2)}${range(p99, 1)}`, `${median(max).toFixed(1)}${range(max, 1)}`, median(rateCpu).toFixed(0), `${median(pauses).toFixed(1)}${range(pauses, 1)}`);
      } else cells.push('', '', '', '', '');
      console.log(`| ${paths[endpoint]} | ${stack.name} | ${cells.join(' | ')} |`);
    }
    const o = results.get(`${ours.name}|${endpoint}`)!;
    const p = results.get(`${peer.name}|${endpoint}`)!;
    const ratio = median(o.throughput.map((r) => r.rps)) / median(p.throughput.map((r) => r.rps));
    const cpuRatio = median(p.throughput.map((r) => r.cpuUsPerRequest)) / median(o.throughput.map((r) => r.cpuUsPerRequest));
    const p99 = median(o.fixedRate.map((r) => r.p99Ms));
    const max = median(o.fixedRate.map((r) => r.maxMs));
    const worstMax = Math.max(...o.fixedRate.map((r) => r.maxMs));
    const failedShare = (runs: RateRun[]) => 1 - runs.reduce((sum, r) => sum + r.success * r.requests, 0) / runs.reduce((sum, r) => sum + r.requests, 0);
    const failures = [
      ...(failedShare(o.fixedRate) > 0 ? [`ours ${(failedShare(o.fixedRate) * 100).toFixed(2)}%`] : []),
      ...(failedShare(p.fixedRate) > 0 ? [`peer ${(failedShare(p.fixedRate) * 100).toFixed(2)}%`] : []),
    ];
    verdicts.push(
      `- ${paths[endpoint]}: throughput ${ratio.toFixed(2)}× the peer's (target ≥ 2×: ${ratio >= 2 ? 'met' : 'missed'}); ` +
        `peer CPU per request ${cpuRatio.toFixed(2)}× ours; at ${rate} req/s p99 ${p99.toFixed(2)} ms (≤ 10: ${p99 <= 10 ? 'met' : 'missed'}), ` +
        `max ${max.toFixed(1)} ms, worst round ${worstMax.toFixed(1)} ms (≤ 25: ${max <= 25 ? 'met' : 'missed'})${failures.length > 0 ? `; fixed-rate requests that failed (errors or timeouts): ${failures.join(', ')}` : ''}`,
    );

  }
  console.log(`\n${verdicts.join('\n')}`);
}

/**
 * What the Prometheus instrumentation costs: ours (metrics on, as the pod runs) against the same build
 * without, from the rounds in which the two ran back to back. Each round's pair gives a cost
 * (1 − with ÷ without); the verdict is on the median pair, and the spread of all pairs says how far
 * the machine's noise reaches.
 */
function printMetricsCost(results: Map<string, Measured>, ours: BenchStack, bare: BenchStack, scrapes: number): void {
  const loads = [...results.values()].flatMap((m) => [...m.throughput, ...m.fixedRate].map((r) => r.load));
  const range = (values: number[]) => `${Math.min(...values).toFixed(1)}% … ${Math.max(...values).toFixed(1)}%`;
  const rows = endpoints.map((endpoint) => {
    const o = results.get(`${ours.name}|${endpoint}`)!;
    const b = results.get(`${bare.name}|${endpoint}`)!;
    const throughputCosts = o.throughput.map((run, i) => (1 - run.rps / b.throughput[i].rps) * 100);
    // CPU-bound, throughput goes as 1 / CPU per request: the same cost, read from the fixed-rate runs.
    const cpuCosts = o.fixedRate.map((run, i) => (1 - b.fixedRate[i].cpuUsPerRequest / run.cpuUsPerRequest) * 100);
    const rps = (runs: ThroughputRun[]) => runs.map((r) => r.rps);
    const cpu = (runs: Array<{ cpuUsPerRequest: number }>) => median(runs.map((r) => r.cpuUsPerRequest)).toFixed(1);
    return `| ${endpoint} | ${Math.round(median(rps(o.throughput)))}${range0(rps(o.throughput))} | ${Math.round(median(rps(b.throughput)))}${range0(rps(b.throughput))} | ` +
      `${median(throughputCosts).toFixed(1)}% (${range(throughputCosts)}) | ${cpu(o.fixedRate)} / ${cpu(b.fixedRate)} | ${median(cpuCosts).toFixed(1)}% (${range(cpuCosts)}) | ` +
      `${median(throughputCosts) <= 5 ? 'met' : 'missed'} / ${median(cpuCosts) <= 5 ? 'met' : 'missed'} |`;
  });
  const pairs = results.get(`${ours.name}|${endpoints[0]}`)!.throughput.length;
  console.log([
    `### API: the cost of its Prometheus metrics (same build, METRICS_PORT set vs unset)`,
    '',
    `Ours as the pod runs it (metrics on: a histogram observation per request, the default runtime metrics, its metrics port scraped every ` +
      `${scrapeIntervalMs / 1000} s as the PodMonitoring does, ${scrapes} scrapes in all) against the same build with METRICS_PORT unset. ` +
      `${pairs} rounds; in each the two run back to back, in alternating order, and give one paired cost (1 − with ÷ without) per measure: ` +
      `saturation throughput (wrk -t1 -c${connections}, ${seconds} s) and the API process's CPU time per request at a fixed ${fixedRate} req/s (vegeta, ${fixedRateSeconds} s), ` +
      `which stands for throughput where the API is CPU-bound and hardly depends on what else the machine runs. ` +
      `req/s: median (min–max); costs: median pair (range of all pairs). ` +
      `${cpus().length} CPUs, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} over the runs (the benchmark's own processes count).`,
    '',
    `| endpoint | req/s with metrics | req/s without | throughput cost | CPU µs/req @${fixedRate}/s with / without | CPU cost | ≤ 5% (throughput / CPU) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n'));
}

/** Scrapes `url` every `intervalMs` from a child process until stopped; counts the scrapes that answered 200. */
function startScraper(url: string, intervalMs: number): { stop(): Promise<void>; scrapes(): number } {
  const child = spawn(process.execPath, ['-e', `
    const scrape = () => fetch(${JSON.stringify(url)}).then(async (r) => { await r.text(); if (r.status === 200) process.stdout.write('.'); }, () => {});
    scrape();
    setInterval(scrape, ${intervalMs});
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  child.stdout.on('data', (chunk: Buffer) => (count += chunk.length));
  return {
    scrapes: () => count,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
