// Every documents endpoint and error path, in process (Fastify inject) against the MongoDB-wire server.
import type { FastifyInstance } from 'fastify';
import { Double, MongoClient, ObjectId } from 'mongodb';
import { startApp, testDbName, testEnv } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

let server: MongoWireServer;
let app: FastifyInstance;
let client: MongoClient;
const dbName = testDbName('documents');

beforeAll(async () => {
  server = await startMongoWireServer();
  app = await startApp(testEnv(server.uri, dbName, { BODY_LIMIT_BYTES: '4096' }));
  client = await new MongoClient(server.uri).connect();
});

afterAll(async () => {
  await client?.db(dbName).dropDatabase();
  await client?.close();
  await app?.close();
  await server?.stop();
});

const json = { 'content-type': 'application/json' };

async function create(fields: Record<string, unknown> = {}) {
  const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload: { title: 'On NGINX', body: 'Text.', author: 'ada', ...fields } });
  expect(response.statusCode).toBe(201);
  return response.json();
}

describe('create and get', () => {
  it('creates a document at version 1 and returns it with a Location', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload: { title: 'T', body: 'B', author: 'ada', tags: ['go', 'k8s'] } });
    expect(response.statusCode).toBe(201);
    const document = response.json();
    expect(document).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'T',
      body: 'B',
      author: 'ada',
      tags: ['go', 'k8s'],
      version: 1,
      createdAt: expect.any(String),
      updatedAt: document.createdAt,
    });
    expect(response.headers.location).toBe(`/api/v1/documents/${document.id}`);
    expect(new Date(document.createdAt).toISOString()).toBe(document.createdAt);

    const fetched = await app.inject({ url: `/api/v1/documents/${document.id}` });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(document);
  });

  it('defaults tags to an empty list', async () => {
    expect((await create()).tags).toEqual([]);
  });

  it('answers 404 for an unknown id', async () => {
    const response = await app.inject({ url: '/api/v1/documents/0123456789abcdef01234567', headers: { 'x-request-id': 'req-404' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'no document with id 0123456789abcdef01234567', requestId: 'req-404' });
  });

  it('answers 400 for an id that cannot exist', async () => {
    const response = await app.inject({ url: '/api/v1/documents/not-an-id' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'bad_request', message: 'params/id must match pattern "^[0-9a-fA-F]{24}$"' });
  });
});

describe('create rejects bad input with 400 and a message naming the field', () => {
  const cases: Array<[string, string | Record<string, unknown>, string]> = [
    ['malformed JSON', '{"title": ', "Body is not valid JSON but content-type is set to 'application/json'"],
    ['a missing field', { title: 'T', body: 'B' }, 'body/author is required'],
    ['an empty title', { title: '', body: 'B', author: 'a' }, 'body/title must NOT have fewer than 1 characters'],
    ['an unknown field', { title: 'T', body: 'B', author: 'a', version: 7 }, 'body has unknown property "version"'],
    ['a bad tag', { title: 'T', body: 'B', author: 'a', tags: ['Has Space'] }, 'body/tags/0 must match pattern "^[a-z0-9][a-z0-9-]{0,49}$"'],
    ['a repeated tag', { title: 'T', body: 'B', author: 'a', tags: ['x', 'x'] }, 'body/tags must NOT have duplicate items (items ## 1 and 0 are identical)'],
    ['a wrong type', { title: 'T', body: { nested: true }, author: 'a' }, 'body/body must be string'],
  ];
  it.each(cases)('%s', async (_name, payload, message) => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'bad_request', message, requestId: expect.any(String) });
  });

  it('rejects prototype poisoning', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload: '{"title":"T","body":"B","author":"a","__proto__":{"x":1}}' });
    expect(response.statusCode).toBe(400);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toBe('unsupported_media_type');
  });

  it('answers 413 for a body over BODY_LIMIT_BYTES', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload: { title: 'T', body: 'x'.repeat(5000), author: 'a' } });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('list', () => {
  const author = 'list-author';
  let ids: string[];

  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ author, title: `doc ${i}`, tags: i % 2 === 0 ? ['even'] : ['odd'] })).id);
  });

  async function list(query: string) {
    const response = await app.inject({ url: `/api/v1/documents?${query}` });
    expect(response.statusCode).toBe(200);
    return response.json() as { items: Array<{ id: string }>; nextCursor: string | null };
  }

  it('walks pages newest first with an opaque cursor until nextCursor is null', async () => {
    const first = await list(`author=${author}&limit=2`);
    const second = await list(`author=${author}&limit=2&cursor=${first.nextCursor}`);
    const third = await list(`author=${author}&limit=2&cursor=${second.nextCursor}`);
    expect([...first.items, ...second.items, ...third.items].map((d) => d.id)).toEqual([...ids].reverse());
    expect(third.nextCursor).toBeNull();
  });

  it('serializes exactly the document fields per item (the stored _id never leaves)', async () => {
    const page = await list(`author=${author}&limit=1`);
    expect(Object.keys(page.items[0]).sort()).toEqual(['author', 'body', 'createdAt', 'id', 'tags', 'title', 'updatedAt', 'version']);
  });

  it('filters by author and tag together', async () => {
    const page = await list(`author=${author}&tag=odd`);
    expect(page.items.map((d) => d.id)).toEqual([ids[3], ids[1]]);
  });

  it('answers the same JSON, with the same content type, whether written from BSON or decoded', async () => {
    // Stored by hand: a body with escapes (fast path) and an older record with version as a double,
    // which only the decoding path writes. Both answer as the schema serializes them.
    const store = client.db(dbName).collection('documents');
    const when = new Date('2026-01-02T03:04:05.678Z');
    const fields = { title: 'Quotes "and" \\ back', body: 'line one\nline two\t€ 😀', author: 'both-paths', tags: ['a'], createdAt: when, updatedAt: when };
    const fastId = new ObjectId();
    const decodedId = new ObjectId();
    await store.insertMany([
      { _id: fastId, ...fields, version: 1 },
      { _id: decodedId, ...fields, version: new Double(2) },
    ]);
    const expected = (id: ObjectId, version: number) => ({ id: id.toHexString(), ...fields, version, createdAt: when.toISOString(), updatedAt: when.toISOString() });
    for (const [id, version] of [[fastId, 1], [decodedId, 2]] as const) {
      const response = await app.inject({ url: `/api/v1/documents/${id}` });
      expect([response.statusCode, response.headers['content-type'], response.json()]).toEqual([200, 'application/json; charset=utf-8', expected(id, version)]);
    }
    const page = await app.inject({ url: '/api/v1/documents?author=both-paths&limit=1' });
    expect([page.headers['content-type'], page.json()]).toEqual(['application/json; charset=utf-8', { items: [expected(decodedId, 2)], nextCursor: decodedId.toHexString() }]);
    const rest = await app.inject({ url: `/api/v1/documents?author=both-paths&cursor=${decodedId}` });
    expect(rest.json()).toEqual({ items: [expected(fastId, 1)], nextCursor: null });
  });

  it('returns an empty page for a filter nothing matches', async () => {
    expect(await list('author=nobody-at-all')).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['limit=0', 'querystring/limit must be >= 1'],
    ['limit=101', 'querystring/limit must be <= 100'],
    ['limit=ten', 'querystring/limit must be integer'],
    ['cursor=zzz', 'querystring/cursor must match pattern "^[0-9a-fA-F]{24}$"'],
    ['sort=title', 'querystring has unknown property "sort"'],
  ])('rejects %s', async (query, message) => {
    const response = await app.inject({ url: `/api/v1/documents?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(message);
  });
});

describe('update with optimistic concurrency', () => {
  const patch = (id: string, payload: Record<string, unknown>) => app.inject({ method: 'PATCH', url: `/api/v1/documents/${id}`, headers: json, payload });

  it('applies a change sent with the current version and bumps the version', async () => {
    const document = await create({ tags: ['a'] });
    const response = await patch(document.id, { version: 1, title: 'New title', tags: ['b'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: document.id, title: 'New title', body: document.body, tags: ['b'], version: 2, createdAt: document.createdAt });
    expect(Date.parse(response.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(document.updatedAt));
  });

  it('answers 409 with the current version for a stale version, and changes nothing', async () => {
    const document = await create();
    expect((await patch(document.id, { version: 1, title: 'first' })).statusCode).toBe(200);
    const stale = await patch(document.id, { version: 1, title: 'second' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'conflict', currentVersion: 2, message: expect.stringContaining('"version": 2') });
    expect((await app.inject({ url: `/api/v1/documents/${document.id}` })).json()).toMatchObject({ title: 'first', version: 2 });
  });

  it('answers 404 for an unknown id', async () => {
    expect((await patch('0123456789abcdef01234567', { version: 1, title: 'x' })).statusCode).toBe(404);
  });

  it.each([
    [{ title: 'x' }, 'body/version is required'],
    [{ version: 1 }, 'body must change at least one of title, body, author, tags besides version'],
    [{ version: 0, title: 'x' }, 'body/version must be >= 1'],
    [{ version: 1, id: 'x' }, 'body has unknown property "id"'],
  ])('rejects %j', async (payload, message) => {
    const document = await create();
    const response = await patch(document.id, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(message);
  });
});

describe('delete', () => {
  it('deletes, then answers 404', async () => {
    const document = await create();
    const first = await app.inject({ method: 'DELETE', url: `/api/v1/documents/${document.id}` });
    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${document.id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/v1/documents/${document.id}` })).statusCode).toBe(404);
  });

  it('with ?version, deletes only the version the client saw', async () => {
    const document = await create();
    await app.inject({ method: 'PATCH', url: `/api/v1/documents/${document.id}`, headers: json, payload: { version: 1, title: 'edited' } });
    const stale = await app.inject({ method: 'DELETE', url: `/api/v1/documents/${document.id}?version=1` });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().currentVersion).toBe(2);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/documents/${document.id}?version=2` })).statusCode).toBe(204);
  });
});

describe('routing and indexes', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await app.inject({ url: '/api/v1/nothing?token=x' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found', message: 'no route for GET /api/v1/nothing' });
  });

  it('creates the query indexes at start', async () => {
    const indexes = await client.db(dbName).collection('documents').indexes();
    expect(indexes.map((index) => [index.name, index.key])).toEqual(
      expect.arrayContaining([
        ['author_id', { author: 1, _id: -1 }],
        ['tags_id', { tags: 1, _id: -1 }],
      ]),
    );
  });
});
