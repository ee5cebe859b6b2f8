// Search under faults, against a real OpenSearch 2.19 node and the MongoDB-wire server: the engine
// down, paused past the deadline, a mapping conflict, an oversized document, racing writers, a full
// reindex while searches run. Real tier (npm run test:real): one engine for the whole suite. The
// engine secured as in production (the security plugin, the api's role) is tried in
// __tests__/constructs/search/opensearch-cluster.security.real.test.ts.
import type { FastifyInstance } from 'fastify';
import { MongoClient, ObjectId } from 'mongodb';
import { SearchEngine, SearchUnavailableError } from '../src/search/engine';
import { searchBody } from '../src/search/query';
import { reindex } from '../src/search/reindex';
import { loadConfig } from '../src/config';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';
import { OpenSearchCluster, startOpenSearch } from './support/opensearch';
import { createDocument, indexedVersions, json, searchEnv, storedVersions, waitForAgreement } from './support/search';

jest.setTimeout(180_000);

const dbName = testDbName('search_faults');
const alias = 'faults';
let mongo: MongoWireServer;
let engine: OpenSearchCluster;
let app: FastifyInstance;
const env = () => testEnv(mongo.uri, dbName, searchEnv(engine.urls, alias, { BODY_LIMIT_BYTES: String(4 * 1024 * 1024), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }));

beforeAll(async () => {
  // A 1 MB request limit (the default is 100 MB) so one document can be too large for the engine.
  [mongo, engine] = await Promise.all([startMongoWireServer(), startOpenSearch({ settings: { 'http.max_content_length': '1mb' } })]);
  app = await startApp(env());
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([mongo?.stop(), engine?.stop()]);
});

const node = () => engine.nodes[0];
const agree = () => waitForAgreement(mongo.uri, dbName, engine.urls[0], alias, 60_000);

async function patch(target: FastifyInstance, id: string, version: number, title: string) {
  return target.inject({ method: 'PATCH', url: `/api/v1/documents/${id}`, headers: json, payload: { version, title } });
}

it('engine down: search answers a JSON 503, the API keeps working, and every write made meanwhile reaches search once it is back', async () => {
  const before = await Promise.all(Array.from({ length: 20 }, (_, i) => createDocument(app, { title: `before ${i}` })));
  await agree();
  await node().stop();

  const down = await app.inject({ url: '/api/v1/search?q=before', headers: { 'x-request-id': 'search-down' } });
  expect([down.statusCode, down.json()]).toEqual([503, { error: 'unavailable', message: 'search is unavailable right now; retry shortly', requestId: 'search-down' }]);
  expect((await app.inject({ url: '/api/v1/documents?limit=5' })).statusCode).toBe(200);

  // A few hundred writes while the engine is away: creates, updates (some twice) and deletes.
  const created = [];
  for (let i = 0; i < 200; i++) created.push(await createDocument(app, { title: `while down ${i}`, body: `written during the outage ${i}` }));
  for (const doc of created.slice(0, 100)) expect((await patch(app, doc.id, 1, `updated ${doc.id}`)).statusCode).toBe(200);
  for (const doc of created.slice(0, 30)) expect((await patch(app, doc.id, 2, `updated twice ${doc.id}`)).statusCode).toBe(200);
  for (const doc of [...created.slice(150, 200), ...before.slice(0, 10)]) expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${doc.id}` })).statusCode).toBe(204);

  await node().start();
  const stored = await agree();
  expect(stored.size).toBe(20 + 200 - 60);
  expect(stored.get(created[0].id)).toBe(3);
  const found = await app.inject({ url: '/api/v1/search?q=twice&limit=50' });
  expect(found.json().hits).toHaveLength(30);
});

it('engine slow (paused past SEARCH_TIMEOUT_MS): search answers 503 at the deadline, writes wait and converge after it resumes', async () => {
  node().pause();
  try {
    const started = Date.now();
    const slow = await app.inject({ url: '/api/v1/search?q=anything' });
    const tookMs = Date.now() - started;
    expect([slow.statusCode, slow.json().error]).toEqual([503, 'unavailable']);
    // The deadline is 1 s; nothing waits for the engine's own (much longer) timeouts.
    expect(tookMs).toBeLessThan(10_000);
    const doc = await createDocument(app, { title: 'written while paused' });
    expect((await app.inject({ url: `/api/v1/documents/${doc.id}` })).statusCode).toBe(200);
  } finally {
    node().resume();
  }
  await agree();
});

it('a search past the deadline is aborted: its connection closes at once and the client never retries it on the stalled engine', async () => {
  // Left running, each late search cost an overloaded engine the abandoned attempt plus a retry
  // after the per-attempt timeout: load grew exactly when the engine was behind.
  const searchEngine = new SearchEngine(loadConfig(env()).search!);
  const attempts: number[] = [];
  const outcomes: string[] = [];
  searchEngine.client.on('request', () => attempts.push(Date.now()));
  searchEngine.client.on('response', (err) => outcomes.push(err ? err.name : 'answered'));
  node().pause();
  try {
    const started = Date.now();
    const call = searchEngine.run((options) => searchEngine.client.search({ index: alias, body: searchBody({ q: 'anything', limit: 10 }, undefined) as never }, options));
    await expect(call).rejects.toThrow(SearchUnavailableError);
    const deadlineMs = searchEngine.config.timeoutMs;
    expect(Date.now() - started).toBeGreaterThanOrEqual(deadlineMs - 50);
    // Past the time a retry would have been sent and timed out in turn.
    await new Promise((resolve) => setTimeout(resolve, 2 * deadlineMs + 500));
    expect(attempts).toHaveLength(1);
    expect(outcomes).toEqual(['RequestAbortedError']);
    const connections = searchEngine.client.connectionPool.connections as unknown as Array<{ _openRequests: number }>;
    expect(connections.map((c) => c._openRequests)).toEqual([0]);
  } finally {
    node().resume();
    await searchEngine.close();
  }
});

it('racing writers in two api processes never leave an older version indexed', async () => {
  const second = await startApp(env());
  try {
    const doc = await createDocument(app, { title: 'contended' });
    let version = 1;
    // Each round, both processes try to update from the same version; exactly one wins (409 for the other).
    for (let round = 0; round < 40; round++) {
      const answers = await Promise.all([patch(app, doc.id, version, `app one ${round}`), patch(second, doc.id, version, `app two ${round}`)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
      version++;
    }
    await agree();
    expect((await indexedVersions(engine.urls[0], alias)).get(doc.id)).toBe(41);
  } finally {
    await second.close();
  }
});

it('an oversized document (over the engine request limit) is refused alone: the documents around it are indexed and the backlog moves on', async () => {
  const rejectedBefore = app.searchIndexer!.stats().rejected;
  const small = await createDocument(app, { title: 'small neighbour' });
  const big = await createDocument(app, { title: 'huge', body: 'é'.repeat(900_000) }); // 1.8 MB of UTF-8
  const after = await createDocument(app, { title: 'after the huge one' });
  await waitFor('the oversized document to be refused', () => app.searchIndexer!.stats().rejected > rejectedBefore, 30_000);
  const indexed = await waitFor('the neighbours indexed', async () => {
    const versions = await indexedVersions(engine.urls[0], alias);
    return versions.has(small.id) && versions.has(after.id) ? versions : undefined;
  });
  expect(indexed.has(big.id)).toBe(false);
  // The big one is not retried forever: the backlog is empty.
  const client = await new MongoClient(mongo.uri).connect();
  try {
    await waitFor('an empty backlog', async () => (await client.db(dbName).collection('documents').countDocuments({ searchPending: { $exists: true } })) === 0);
    await client.db(dbName).collection('documents').deleteOne({ _id: new ObjectId(big.id) });
  } finally {
    await client.close();
  }
});

it('a mapping conflict (an index behind the alias with other field types) refuses documents without blocking; search:reindex repairs it', async () => {
  const conflictAlias = 'conflicting';
  const conflictDb = `${dbName}_conflict`;
  // An index made by hand where `title` is a number: a text title cannot be indexed there.
  const made = await fetch(`${engine.urls[0]}/conflicting_by_hand`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ mappings: { properties: { title: { type: 'long' } } }, aliases: { [conflictAlias]: {} } }),
  });
  expect(made.status).toBe(200);
  const conflicted = await startApp(testEnv(mongo.uri, conflictDb, searchEnv(engine.urls, conflictAlias, { LOG_LEVEL: 'silent' })));
  try {
    const docs = [];
    for (let i = 0; i < 5; i++) docs.push(await createDocument(conflicted, { title: `a word title ${i}` }));
    await waitFor('the documents to be refused', () => conflicted.searchIndexer!.stats().rejected >= 5, 30_000);
    expect((await indexedVersions(engine.urls[0], conflictAlias)).size).toBe(0);

    const config = loadConfig(testEnv(mongo.uri, conflictDb, searchEnv(engine.urls, conflictAlias))).search!;
    const searchEngine = new SearchEngine(config);
    try {
      const result = await reindex(conflicted.mongo.db, searchEngine, { settleMs: 200 });
      expect(result).toMatchObject({ previous: ['conflicting_by_hand'], documents: 5 });
      expect(result.index).toMatch(/^conflicting_v1_\d{17}$/);
    } finally {
      await searchEngine.close();
    }
    await waitForAgreement(mongo.uri, conflictDb, engine.urls[0], conflictAlias);
    const hits = (await conflicted.inject({ url: '/api/v1/search?q=word' })).json().hits;
    expect(hits).toHaveLength(5);
    expect((await fetch(`${engine.urls[0]}/conflicting_by_hand`)).status).toBe(404);
  } finally {
    await conflicted.close();
  }
});

it('search:reindex swaps in a rebuilt index with zero downtime: searches keep answering, writes during the build are kept', async () => {
  for (let i = 0; i < 100; i++) await createDocument(app, { title: `reindex corpus ${i}`, body: 'zebra' });
  await agree();
  const [oldIndex] = Object.keys((await (await fetch(`${engine.urls[0]}/_alias/${alias}`)).json()) as object);

  let searching = true;
  const statuses: number[] = [];
  const hitCounts: number[] = [];
  const searcher = (async () => {
    while (searching) {
      const res = await app.inject({ url: '/api/v1/search?q=zebra&limit=1' });
      statuses.push(res.statusCode);
      if (res.statusCode === 200) hitCounts.push(res.json().hits.length);
    }
  })();
  const searchEngine = new SearchEngine(loadConfig(env()).search!);
  let writes: Promise<void> | undefined;
  try {
    const build = reindex(app.mongo.db, searchEngine, {
      log: (message) => {
        // Writes once the copy has started, so some land behind the copy and some ahead of it.
        if (message.startsWith('created')) {
          writes = (async () => {
            for (let i = 0; i < 20; i++) {
              const doc = await createDocument(app, { title: `during reindex ${i}`, body: 'zebra' });
              if (i % 2 === 0) expect((await patch(app, doc.id, 1, `during reindex updated ${i}`)).statusCode).toBe(200);
              if (i % 5 === 0) expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${doc.id}` })).statusCode).toBe(204);
            }
          })();
        }
      },
    });
    const result = await build;
    await writes;
    expect(result.previous).toEqual([oldIndex]);
  } finally {
    searching = false;
    await searcher;
    await searchEngine.close();
  }
  expect(statuses.length).toBeGreaterThan(10);
  expect(statuses.every((status) => status === 200)).toBe(true);
  expect(hitCounts.every((count) => count === 1)).toBe(true);
  await agree();
  expect((await storedVersions(mongo.uri, dbName)).size).toBe((await indexedVersions(engine.urls[0], alias)).size);
});
