/**
 * `npm run bench -- --only search`: search on a 10,000-document corpus, side by side with the test
 * database's own text search, and indexing lag under steady writes.
 *
 * - One OpenSearch 2.19 node (full JIT, 512 MiB heap, security off here) and the MongoDB-wire
 *   server; the api pod with search on, behind the rendered NGINX config.
 * - Corpus: 10,000 generated documents (a 2,000-word vocabulary, Zipf-like word frequencies; titles
 *   of 6 words, bodies of 200), written to MongoDB and indexed by search:reindex.
 * - Warm-up: BENCH_SEARCH_WARMUP (2000) searches over 4 connections, discarded (the engine's JIT).
 * - Search: GET /api/v1/search?q=<one or two words>&limit=10 through NGINX at BENCH_SEARCH_RATE
 *   (300) req/s for BENCH_SEARCH_SECONDS (10), paced, 32 connections; latency per request.
 * - Peer: the same queries as a MongoDB `$text` search (text index on title and body, sorted by
 *   textScore, limit 10) on mongo-java-server, straight from the driver (no HTTP, NGINX or app in
 *   front: a floor for that path), at the same rate; a regex scan where `$text` is not supported.
 * - Indexing lag: creates and updates through NGINX at BENCH_SEARCH_WRITE_RATE (200) writes/s for
 *   BENCH_SEARCH_SECONDS, after BENCH_SEARCH_WRITE_WARMUP_SECONDS (3) of the same writes unmeasured
 *   (the lag index is new); lag = acknowledged → visible in the index (testing/index-lag.ts).
 */
import { readFileSync } from 'node:fs';
import { MongoClient, ObjectId } from 'mongodb';
import { documentsCollection } from '../services/api/src/documents/store';
import { loadConfig } from '../services/api/src/config';
import { SearchEngine } from '../services/api/src/search/engine';
import { reindex } from '../services/api/src/search/reindex';
import { startMongoWireServer } from '../services/api/test/support/mongo-wire';
import { startOpenSearch } from '../services/api/test/support/opensearch';
import { Load } from '../e2e/load';
import { cpuMs } from './support/load';
import { childPids } from './support/stacks';
import { IndexLagWatcher } from '../testing/index-lag';
import { startApiPod } from '../testing/pods';
import { ms, quantile, request, sleep } from '../testing/util';

const rate = Number(process.env.BENCH_SEARCH_RATE ?? 300);
const writeRate = Number(process.env.BENCH_SEARCH_WRITE_RATE ?? 200);
const seconds = Number(process.env.BENCH_SEARCH_SECONDS ?? 10);
const warmupRequests = Number(process.env.BENCH_SEARCH_WARMUP ?? 2000);
const lagWarmupSeconds = Number(process.env.BENCH_SEARCH_WRITE_WARMUP_SECONDS ?? 3);
const corpusSize = Number(process.env.BENCH_SEARCH_DOCUMENTS ?? 10_000);
const alias = 'documents';
const dbName = 'bench_search';

/** A deterministic vocabulary and word picker (Zipf-like: word i has weight 1/(i+1)). */
function words(count: number, seed: number): string[] {
  const vocabulary = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}x${((i * 7919) % 997).toString(36)}`);
  const cumulative: number[] = [];
  vocabulary.reduce((sum, _, i) => (cumulative[i] = sum + 1 / (i + 1)), 0);
  const total = cumulative[cumulative.length - 1];
  let state = seed;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const target = (state / 2 ** 31) * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    out.push(vocabulary[lo]);
  }
  return out;
}

/** Queries of one or two mid-frequency words (ranks 20–400), the same list for both engines. */
const queries = Array.from({ length: 200 }, (_, i) => words(1 + (i % 2), 1000 + i).join(' ')).map((q, i) => (i % 3 === 0 ? words(1, 5000 + i)[0] : q));

async function main(): Promise<void> {
  const progress = (line: string) => process.stderr.write(`bench search: ${line}\n`);
  const [mongo, engine] = await Promise.all([startMongoWireServer({ fullJit: true }), startOpenSearch({ fullJit: true })]);
  const client = await new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 120_000 }).connect();
  const pod = await startApiPod(mongo.uri, { name: 'search', trustedProxies: ['127.0.0.1'], searchNodes: engine.urls, appEnv: { LOG_LEVEL: 'warn', MONGODB_DB: dbName } });
  try {
    const documents = client.db(dbName).collection(documentsCollection);
    progress(`writing ${corpusSize} documents`);
    const now = new Date();
    for (let i = 0; i < corpusSize; i += 1000) {
      await documents.insertMany(
        Array.from({ length: Math.min(1000, corpusSize - i) }, (_, j) => ({
          _id: new ObjectId(),
          title: words(6, i + j + 1).join(' '),
          body: words(200, 1_000_000 + i + j).join(' '),
          author: `author${(i + j) % 50}`,
          tags: [`tag${(i + j) % 20}`],
          version: 1,
          createdAt: now,
          updatedAt: now,
        })),
      );
    }
    // Indexed the way an operator fills a new index: search:reindex (bulk copies, no per-document mark to clear).
    const indexStarted = Date.now();
    const searchEngine = new SearchEngine(loadConfig({ PORT: '1', MONGODB_URI: mongo.uri, SEARCH_NODES: engine.urls.join(','), SEARCH_INDEX: alias }).search!);
    try {
      await reindex(client.db(dbName), searchEngine, { settleMs: 0 });
    } finally {
      await searchEngine.close();
    }
    const indexSeconds = (Date.now() - indexStarted) / 1000;
    await fetch(`${engine.urls[0]}/${alias}/_refresh`, { method: 'POST' });
    progress(`indexed in ${indexSeconds.toFixed(1)} s`);

    // Warm-up: the engine's JIT (C2) takes thousands of searches to compile the query and highlight
    // paths; 50 left the measured run on a cold engine. Discarded.
    const warmupStarted = Date.now();
    const warmup = new Load({
      baseUrl: pod.baseUrl,
      request: (i) => ({ method: 'GET', path: `/api/v1/search?q=${encodeURIComponent(queries[i % queries.length])}&limit=10` }),
      requestId: (i) => `bench-search-warmup-${i}`,
      concurrency: 4,
      ratePerSecond: 10_000,
      maxRequests: warmupRequests,
      maxDurationMs: 60_000,
    });
    while (warmup.samples.length < warmupRequests && Date.now() - warmupStarted < 60_000) await sleep(200);
    await warmup.stop();
    progress(`warmed up with ${warmupRequests} searches in ${((Date.now() - warmupStarted) / 1000).toFixed(1)} s`);

    const jvmPid = childPids(process.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('OpenSearchTestNode'));
    const processes = { api: [pod.app.pid!], NGINX: [pod.nginx.pid, ...childPids(pod.nginx.pid)], engine: jvmPid ? [jvmPid] : [] };
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMs(pid), 0)]));
    const engineBefore = await engineSearchStats(engine.urls[0]);

    progress(`search through NGINX at ${rate} req/s for ${seconds} s`);
    const load = new Load({
      baseUrl: pod.baseUrl,
      request: (i) => ({ method: 'GET', path: `/api/v1/search?q=${encodeURIComponent(queries[i % queries.length])}&limit=10` }),
      requestId: (i) => `bench-search-${i}`,
      concurrency: 32,
      ratePerSecond: rate,
      maxRequests: rate * seconds,
      maxDurationMs: seconds * 1000 + 5000,
    });
    await sleep(seconds * 1000 + 500);
    const searched = await load.stop();
    const engineAfter = await engineSearchStats(engine.urls[0]);
    const cpuPerSearch = Object.entries(processes)
      .map(([name, pids]) => `${name} ${(((pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore[name]) * 1000) / searched.samples.length).toFixed(0)} µs`)
      .join(', ');
    const engineSearches = engineAfter.queries - engineBefore.queries;
    const searchMs = searched.samples.filter((s) => s.status === 200).map((s) => s.end - s.start);
    const searchFailed = searched.samples.length - searchMs.length;

    progress('the same queries through the test database');
    const peer = await mongoTextSearch(documents, progress);

    // On a database of its own: mongo-java-server scans the whole collection for an update filtered
    // on _id and version (the indexer's conditional clear; MongoDB looks _id up), so on the corpus's
    // 10,000 documents the test database, not the design, would set the pace.
    progress(`indexing lag at ${writeRate} writes/s for ${seconds} s`);
    const lagPod = await startApiPod(mongo.uri, { name: 'search-lag', trustedProxies: ['127.0.0.1'], searchNodes: engine.urls, appEnv: { LOG_LEVEL: 'warn', MONGODB_DB: `${dbName}_lag`, SEARCH_INDEX: 'lag' } });
    const lag = await indexingLag(lagPod.baseUrl, engine.urls[0]).finally(() => lagPod.stop());

    const row = (what: string, values: number[], failed: number, target: string) =>
      `| ${what} | ${values.length + failed} | ${failed} | ${ms(quantile(values, 0.5))} | ${ms(quantile(values, 0.99))} | ${ms(Math.max(0, ...values))} | ${target} |`;
    const p99 = quantile(searchMs, 0.99);
    process.stdout.write(
      [
        `### Search: OpenSearch 2.19 through the api and NGINX vs the test database's ${peer.kind}, ${corpusSize} documents`,
        '',
        `One OpenSearch node (full JIT, 512 MiB heap, security off), the api pod on the rendered NGINX config, mongo-java-server (in memory) for MongoDB; everything on the same ${require('node:os').cpus().length} CPUs. Corpus: generated, 6-word titles, 200-word bodies, Zipf-like vocabulary of 2,000 words; indexed by search:reindex in ${indexSeconds.toFixed(1)} s. Indexing lag: creates and updates (3:1) through NGINX, paced, after ${lagWarmupSeconds} s of the same writes unmeasured, on a database and alias of their own (mongo-java-server scans a collection for the indexer's _id-and-version update; MongoDB looks the _id up). Queries: 200 one- or two-word queries, limit 10, paced at the rate over 32 connections. Warm-up: ${warmupRequests} searches over 4 connections, discarded. Peer: ${peer.description}.`,
        '',
        '| path | requests | failed | p50 | p99 | max | target |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
        row(`GET /api/v1/search through NGINX @${rate}/s`, searchMs, searchFailed, `p99 ≤ 25 ms: ${p99 <= 25 ? 'met' : 'not met'}`),
        row(`${peer.kind} on the test database @${rate}/s (driver, no HTTP)`, peer.latencies, peer.failed, ''),
        row(`indexing lag @${writeRate} writes/s (acknowledged → visible)`, lag.lags, lag.unseen, `p99 ≤ 2 s: ${quantile(lag.lags, 0.99) <= 2000 ? 'met' : 'not met'}`),
        '',
        `- search statuses: ${Object.entries(searched.counts).map(([k, v]) => `${k}: ${v}`).join(', ')}; requests sent ${searched.samples.length} of ${rate * seconds} (32 connections; a slow answer holds its connection)`,
        `- CPU per search during the run (all processes' user+system time / requests sent): ${cpuPerSearch}; the engine ran ${engineSearches} searches for ${searched.samples.length} requests, spending on average ${((engineAfter.queryMs - engineBefore.queryMs) / Math.max(1, engineSearches)).toFixed(1)} ms in the query phase and ${((engineAfter.fetchMs - engineBefore.fetchMs) / Math.max(1, engineSearches)).toFixed(1)} ms in the fetch phase (highlighting) per search; search thread pool rejections ${engineAfter.rejected - engineBefore.rejected}, largest queue ${engineAfter.largest}`,
        `- writes acknowledged during the lag run: ${lag.acknowledged} of ${lag.sent}`,
      ].join('\n') + '\n',
    );
  } finally {
    await pod.stop();
    await client.close();
    await Promise.all([mongo.stop(), engine.stop()]);
  }
}

/** The same queries through MongoDB's own text search on the test database, paced at the same rate. */
async function mongoTextSearch(documents: ReturnType<ReturnType<MongoClient['db']>['collection']>, progress: (line: string) => void) {
  let kind = '$text';
  let description = '`$text` on a text index over title and body, sorted by textScore, limit 10, straight from the Node driver';
  let run = (q: string) => documents.find({ $text: { $search: q } }, { projection: { score: { $meta: 'textScore' }, title: 1 }, sort: { score: { $meta: 'textScore' } }, limit: 10 }).toArray();
  try {
    await documents.createIndex({ title: 'text', body: 'text' }, { name: 'bench_text' });
    await run(queries[0]);
  } catch (error) {
    progress(`$text unavailable (${(error as Error).message}); using a regex scan`);
    kind = 'regex scan';
    description = 'a case-insensitive regex over title and body (no text search in the server), limit 10, straight from the Node driver';
    run = (q: string) => documents.find({ $or: [{ title: { $regex: q.split(' ')[0], $options: 'i' } }, { body: { $regex: q.split(' ')[0], $options: 'i' } }] }, { projection: { title: 1 }, limit: 10 }).toArray();
  }
  const latencies: number[] = [];
  let failed = 0;
  const total = rate * seconds;
  // Bounded even when it cannot keep up: requests not started within 30 s past the run count as failed.
  await paced(total, rate, 32, seconds * 1000 + 30_000, async (i) => {
    const t0 = performance.now();
    try {
      await run(queries[i % queries.length]);
      latencies.push(performance.now() - t0);
    } catch {
      failed++;
    }
  });
  return { kind, description, latencies, failed: failed + (total - latencies.length - failed) };
}

/** Runs `step(i)` for i < total, step i starting no earlier than i / rate s in, `concurrency` at a time; starts none after `maxMs`. */
async function paced(total: number, ratePerSecond: number, concurrency: number, maxMs: number, step: (i: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const due = started + (i * 1000) / ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      if (Date.now() - started > maxMs) return;
      await step(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The engine's own search counters (_nodes/stats): searches run, time in the query and fetch phases, thread pool rejections. */
async function engineSearchStats(engineUrl: string) {
  const answer = (await (await fetch(`${engineUrl}/_nodes/stats/indices,thread_pool`)).json()) as {
    nodes: Record<string, { indices: { search: { query_total: number; query_time_in_millis: number; fetch_time_in_millis: number } }; thread_pool: { search: { rejected: number; largest: number } } }>;
  };
  const node = Object.values(answer.nodes)[0];
  return { queries: node.indices.search.query_total, queryMs: node.indices.search.query_time_in_millis, fetchMs: node.indices.search.fetch_time_in_millis, rejected: node.thread_pool.search.rejected, largest: node.thread_pool.search.largest };
}

async function indexingLag(baseUrl: string, engineUrl: string) {
  // Warm-up, not measured: the lag alias's index is new, and its first bulks (engine JIT for the
  // indexing path, new segments) took 400–600 ms each; a production index is never that cold.
  await writeLoad(baseUrl, undefined, lagWarmupSeconds);
  await sleep(2000);
  const watcher = new IndexLagWatcher(engineUrl, 'lag');
  const { acknowledged, sent } = await writeLoad(baseUrl, watcher, seconds);
  const unseen = await watcher.stop(60_000);
  return { lags: watcher.lags, unseen, acknowledged, sent };
}

/** Creates and updates (3:1) through NGINX at writeRate for `forSeconds`; each acknowledged write is expected by `watcher`. */
async function writeLoad(baseUrl: string, watcher: IndexLagWatcher | undefined, forSeconds: number) {
  const live: Array<{ id: string; version: number }> = [];
  let acknowledged = 0;
  const total = writeRate * forSeconds;
  await paced(total, writeRate, 16, forSeconds * 1000 + 30_000, async (i) => {
    // Three creates, then an update of an earlier document.
    if (i % 4 === 3 && live.length > 0) {
      const doc = live[(i * 31) % live.length];
      const version = doc.version;
      const res = await request(baseUrl, `/api/v1/documents/${doc.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version, body: `lag run update ${i}` }) });
      if (res.status === 200) {
        acknowledged++;
        doc.version = version + 1;
        watcher?.expect(doc.id, version + 1);
      }
    } else {
      const res = await request(baseUrl, '/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `lag run ${i}`, body: 'lag', author: 'bench' }) });
      if (res.status === 201) {
        acknowledged++;
        const id = (JSON.parse(res.body) as { id: string }).id;
        live.push({ id, version: 1 });
        watcher?.expect(id, 1);
      }
    }
  });
  return { acknowledged, sent: total };
}

main().catch((error) => {
  process.stderr.write(`bench search: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
