// GET /api/v1/search and the indexing behind it, in process (Fastify inject) against a real
// OpenSearch 2.19 node (security off here: production's TLS and users are the cluster operator's)
// and the MongoDB-wire server. Faults and the three-node cluster are in the real tier (*.real.test.ts).
import type { FastifyInstance } from 'fastify';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';
import { OpenSearchCluster, startOpenSearch } from './support/opensearch';
import { ObjectId } from 'mongodb';
import { adoptUnregionedMarks, clearDeletions, clearPending } from '../src/search/indexer';
import { pageOf, searchBody } from '../src/search/query';
import { createDocument, json, searchEnv, waitForAgreement } from './support/search';
import { SearchEngine, SearchUnavailableError } from '../src/search/engine';
import { loadConfig } from '../src/config';

jest.setTimeout(60_000);

const dbName = testDbName('search');
const alias = 'search_test';
let mongo: MongoWireServer;
let engine: OpenSearchCluster;
let app: FastifyInstance;

beforeAll(async () => {
  [mongo, engine] = await Promise.all([startMongoWireServer(), startOpenSearch()]);
  app = await startApp(testEnv(mongo.uri, dbName, searchEnv(engine.urls, alias, { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' })));
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([mongo?.stop(), engine?.stop()]);
});

const search = (query: string) => app.inject({ url: `/api/v1/search?${query}` });

type SearchPage = { hits: Array<{ id: string; version: number }>; nextCursor: string | null };

async function searchUntil(query: string, check: (body: SearchPage) => boolean): Promise<SearchPage> {
  return waitFor(`search ${query}`, async () => {
    const res = await search(query);
    const body = res.json() as SearchPage;
    return res.statusCode === 200 && check(body) ? body : undefined;
  });
}

describe('search over documents written through the API', () => {
  let kafka: { id: string };
  let castle: { id: string };
  let tagged: { id: string };

  beforeAll(async () => {
    kafka = await createDocument(app, { title: 'Notes on Kafka', body: 'A log of everything that streams.', author: 'grace', tags: ['streaming'] });
    castle = await createDocument(app, { title: 'The castle', body: 'Kafka wrote about a castle & its <officials>.', author: 'ada' });
    tagged = await createDocument(app, { title: 'Queues', body: 'Brokers and partitions.', author: 'linus', tags: ['kafka-ops'] });
    for (let i = 0; i < 25; i++) await createDocument(app, { title: `Paging ${i}`, body: `paging sample number ${i}`, author: 'pager', tags: ['paging'] });
    await waitForAgreement(mongo.uri, dbName, engine.urls[0], alias);
  });

  it('ranks a title match above a body match and highlights the matches (HTML-escaped)', async () => {
    const res = await search('q=kafka');
    expect(res.statusCode).toBe(200);
    const { hits } = res.json();
    expect(hits.map((hit: { id: string }) => hit.id).slice(0, 1)).toEqual([kafka.id]);
    expect(hits.map((hit: { id: string }) => hit.id)).toEqual(expect.arrayContaining([castle.id, tagged.id]));
    expect(hits[0]).toMatchObject({ title: 'Notes on Kafka', author: 'grace', tags: ['streaming'], version: 1, highlights: { title: 'Notes on <mark>Kafka</mark>' } });
    const castleHit = hits.find((hit: { id: string }) => hit.id === castle.id);
    expect(castleHit.highlights.body).toEqual(['<mark>Kafka</mark> wrote about a castle &amp; its &lt;officials&gt;.']);
  });

  it('finds words in tags and author names, stems English, and filters by tag and author', async () => {
    expect((await search('q=ops')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([tagged.id]);
    expect((await search('q=grace')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([kafka.id]);
    expect((await search('q=stream')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([kafka.id]);
    expect((await search('q=kafka&author=ada')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([castle.id]);
    expect((await search('q=kafka&tag=kafka-ops')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([tagged.id]);
  });

  it('pages with an opaque cursor: pages never overlap and together hold every hit once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search(`q=paging&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body: { hits: Array<{ id: string }>; nextCursor: string | null } = res.json();
      seen.push(...body.hits.map((hit) => hit.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('a first page fetches only its own hits and counts one more to know whether another page follows', async () => {
    // The engine fetches and highlights `limit` hits on a first page, `limit + 1` after a cursor.
    expect(searchBody({ q: 'paging', limit: 7 }, undefined)).toMatchObject({ size: 7, track_total_hits: 8 });
    expect(searchBody({ q: 'paging', limit: 7 }, { score: 1, id: 'a'.repeat(24) })).toMatchObject({ size: 8, track_total_hits: false });
    // Exactly `limit` matches: one page, no cursor; one fewer: a cursor to a page with the last hit.
    const all = (await search('q=paging&limit=25')).json();
    expect([all.hits.length, all.nextCursor]).toEqual([25, null]);
    const first = (await search('q=paging&limit=24')).json();
    expect(first.hits).toHaveLength(24);
    const rest = (await search(`q=paging&limit=24&cursor=${first.nextCursor}`)).json();
    expect([rest.hits.length, rest.nextCursor]).toEqual([1, null]);
    expect(new Set([...first.hits, ...rest.hits].map((hit: { id: string }) => hit.id)).size).toBe(25);
    // filter_path leaves no hits.hits when nothing matches.
    expect((await search('q=zzyzx')).json()).toEqual({ hits: [], nextCursor: null });
    expect(pageOf({ q: 'x', limit: 10 }, undefined, { hits: { total: { value: 0 } } })).toEqual({ hits: [], more: false });
  });

  it('answers 400 naming the parameter for bad input', async () => {
    const first = (await search('q=paging&limit=2')).json();
    const cases: Array<[string, RegExp]> = [
      ['', /querystring\/q is required/],
      ['q=', /querystring\/q must NOT have fewer than 1 characters/],
      ['q=%20%20', /querystring\/q must hold at least one non-space character/],
      [`q=${'x'.repeat(201)}`, /querystring\/q must NOT have more than 200 characters/],
      ['q=a&limit=0', /querystring\/limit must be >= 1/],
      ['q=a&limit=51', /querystring\/limit must be <= 50/],
      ['q=a&limit=ten', /querystring\/limit must be integer/],
      ['q=a&cursor=%21%21', /querystring\/cursor must match pattern/],
      ['q=a&cursor=bm90LWEtY3Vyc29y', /querystring\/cursor is not a cursor this API issued/],
      [`q=other&limit=2&cursor=${first.nextCursor}`, /querystring\/cursor belongs to another query/],
      ['q=a&sort=title', /querystring has unknown property "sort"/],
    ];
    for (const [query, message] of cases) {
      const res = await search(query);
      expect([query, res.statusCode, res.json().error]).toEqual([query, 400, 'bad_request']);
      expect(res.json().message).toMatch(message);
    }
  });

  it('follows updates and deletes: a changed title is found by its new words, a deleted document is gone', async () => {
    const doc = await createDocument(app, { title: 'Draft about otters', body: 'x', author: 'ada' });
    await searchUntil('q=otters', (body) => body.hits.some((hit) => hit.id === doc.id));
    const patched = await app.inject({ method: 'PATCH', url: `/api/v1/documents/${doc.id}`, headers: json, payload: { version: 1, title: 'Final about beavers' } });
    expect(patched.statusCode).toBe(200);
    const found = await searchUntil('q=beavers', (body) => body.hits.some((hit) => hit.id === doc.id));
    expect(found.hits.find((hit) => hit.id === doc.id)!.version).toBe(2);
    expect((await search('q=otters')).json().hits).toEqual([]);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${doc.id}` })).statusCode).toBe(204);
    await searchUntil('q=beavers', (body) => body.hits.length === 0);
    await waitForAgreement(mongo.uri, dbName, engine.urls[0], alias);
  });

  it('a delete that fails (409) leaves the document in search', async () => {
    const doc = await createDocument(app, { title: 'Kept walrus', body: 'x', author: 'ada' });
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${doc.id}?version=7` })).statusCode).toBe(409);
    await waitFor('the indexer to settle', () => app.searchIndexer!.stats().rounds > 0);
    await waitForAgreement(mongo.uri, dbName, engine.urls[0], alias);
    expect((await search('q=walrus')).json().hits.map((hit: { id: string }) => hit.id)).toEqual([doc.id]);
  });
});

// Production runs an engine per region (docs/search.md), each fed by its own region's indexer from
// the one MongoDB. Here two api processes' indexers stand for two regions, their "engines" two
// aliases on the suite's node: separate indices, as separate as two clusters for what is tested.
describe('one engine per region: every region converges on every write, whichever region took it', () => {
  const regionsDb = testDbName('search-regions');
  const regions = { SEARCH_REGIONS: 'region-a,region-b' };
  const regionApp = (region: 'a' | 'b') =>
    startApp(testEnv(mongo.uri, regionsDb, searchEnv(engine.urls, `region_${region}`, { ...regions, SEARCH_REGION: `region-${region}`, LOG_LEVEL: 'silent' })));
  const agree = (region: 'a' | 'b') => waitForAgreement(mongo.uri, regionsDb, engine.urls[0], `region_${region}`, 15_000);

  it('writes through region a while region b is away reach both engines; each clears only its own marks', async () => {
    const [appA, firstB] = await Promise.all([regionApp('a'), regionApp('b')]);
    let appB: FastifyInstance | undefined = firstB;
    try {
      const docs = [];
      for (let i = 0; i < 12; i++) docs.push(await createDocument(appA, { title: `Regional ${i}`, body: 'fjord', author: 'ada' }));
      await Promise.all([agree('a'), agree('b')]);

      // Region b's api (and its indexer) is down while region a takes updates and deletes.
      await appB.close();
      appB = undefined;
      for (const doc of docs.slice(0, 4)) {
        const res = await appA.inject({ method: 'PATCH', url: `/api/v1/documents/${doc.id}`, headers: json, payload: { version: 1, title: 'Regional revised' } });
        expect(res.statusCode).toBe(200);
      }
      for (const doc of docs.slice(4, 8)) expect((await appA.inject({ method: 'DELETE', url: `/api/v1/documents/${doc.id}` })).statusCode).toBe(204);
      await agree('a');
      // Region a is done, and region b's share of the backlog is still there, marked for b alone.
      const db = appA.mongo.db;
      await waitFor('region a to pull its marks', async () => (await db.collection('documents').countDocuments({ searchPending: 'region-a' })) === 0);
      expect(await db.collection('documents').countDocuments({ searchPending: 'region-b' })).toBe(4);
      expect(await db.collection('search_deletions').find({}, { projection: { regions: 1 } }).toArray()).toHaveLength(4);
      expect(await db.collection('search_deletions').countDocuments({ regions: 'region-a' })).toBe(0);

      appB = await regionApp('b');
      const inB = await agree('b');
      expect(inB.size).toBe(8);
      // Both regions done: no marks and no deletion records left behind.
      await waitFor('the backlog to empty', async () =>
        (await db.collection('documents').countDocuments({ searchPending: { $exists: true } })) === 0 && (await db.collection('search_deletions').countDocuments({})) === 0);
    } finally {
      await Promise.all([appA.close(), appB?.close()]);
    }
  });

  it('a region is pulled from a mark only at the version it indexed; old single marks become pending everywhere', async () => {
    const client = (await regionApp('a'));
    try {
      const db = client.mongo.db;
      await client.searchIndexer!.stop(); // only the functions under test touch these records
      const documents = db.collection<{ _id: ObjectId; version: number; searchPending?: unknown }>('documents');
      const id = new ObjectId();
      await documents.insertOne({ _id: id, version: 2, searchPending: ['region-a', 'region-b'] });
      // Region a indexed version 1; version 2 landed meanwhile: the mark stays for both.
      await clearPending(db, 'region-a', [{ id, version: 1 }], false);
      expect((await documents.findOne({ _id: id }))!.searchPending).toEqual(['region-a', 'region-b']);
      await clearPending(db, 'region-a', [{ id, version: 2 }], false);
      expect((await documents.findOne({ _id: id }))!.searchPending).toEqual(['region-b']);
      await clearPending(db, 'region-b', [{ id, version: 2 }], false);
      expect(await documents.findOne({ _id: id })).not.toHaveProperty('searchPending');

      const deletions = db.collection<{ _id: ObjectId; at: Date; regions?: string[] }>('search_deletions');
      const gone = new ObjectId();
      await deletions.insertOne({ _id: gone, at: new Date(), regions: ['region-a', 'region-b'] });
      await clearDeletions(db, 'region-b', [gone]);
      expect((await deletions.findOne({ _id: gone }))!.regions).toEqual(['region-a']);
      await clearDeletions(db, 'region-a', [gone]);
      expect(await deletions.findOne({ _id: gone })).toBeNull();

      const legacy = new ObjectId();
      const legacyDeletion = new ObjectId();
      await documents.insertOne({ _id: legacy, version: 1, searchPending: true });
      await deletions.insertOne({ _id: legacyDeletion, at: new Date() });
      await adoptUnregionedMarks(db, ['region-a', 'region-b']);
      expect((await documents.findOne({ _id: legacy }))!.searchPending).toEqual(['region-a', 'region-b']);
      expect((await deletions.findOne({ _id: legacyDeletion }))!.regions).toEqual(['region-a', 'region-b']);
      // The only region: the mark goes at once, still only at the indexed version.
      const single = new ObjectId();
      await documents.insertOne({ _id: single, version: 3, searchPending: ['region-a'] });
      await clearPending(db, 'region-a', [{ id: single, version: 2 }], true);
      expect((await documents.findOne({ _id: single }))!.searchPending).toEqual(['region-a']);
      await clearPending(db, 'region-a', [{ id: single, version: 3 }], true);
      expect(await documents.findOne({ _id: single })).not.toHaveProperty('searchPending');
      await documents.deleteMany({ _id: { $in: [id, legacy, single] } });
      await deletions.deleteMany({});
    } finally {
      await client.close();
    }
  });
});

describe('before the index exists', () => {
  it('a search through an alias nobody created yet is a 503 naming the alias, not the engine\'s 404', async () => {
    const early = new SearchEngine(loadConfig(testEnv(mongo.uri, dbName, searchEnv(engine.urls, 'never_created'))).search!);
    try {
      await expect(early.run((options) => early.client.search({ index: early.alias, body: searchBody({ q: 'kafka', limit: 10 }, undefined) as never }, options))).rejects.toThrow(
        new SearchUnavailableError('search alias "never_created" does not exist yet; the api\'s indexer creates it at start (or run search:reindex)'),
      );
    } finally {
      await early.close();
    }
  });
});

describe('without search configured', () => {
  it('answers a JSON 503 on /search and everything else as before', async () => {
    const plain = await startApp(testEnv(mongo.uri, `${dbName}_plain`));
    try {
      const res = await plain.inject({ url: '/api/v1/search?q=kafka', headers: { 'x-request-id': 'no-search' } });
      expect([res.statusCode, res.json()]).toEqual([503, { error: 'unavailable', message: 'search is not configured on this deployment (SEARCH_NODES is unset)', requestId: 'no-search' }]);
      expect((await createDocument(plain, { title: 'T' })).version).toBe(1);
      const stored = await plain.mongo.db.collection('documents').findOne({});
      expect(stored).not.toHaveProperty('searchPending');
    } finally {
      await plain.close();
    }
  });
});
