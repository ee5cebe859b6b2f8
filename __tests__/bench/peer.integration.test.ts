/**
 * The benchmark's peer (bench/peer: the seed's aiohttp + Gunicorn + PyMongo async stack) answers
 * what the benchmark sends exactly as our API does, so the side-by-side figures compare the same
 * work: both behind the rendered api NGINX config, on the same MongoDB-wire server, each request
 * sent to both and the answers compared (statuses, JSON shapes, error codes and messages, headers,
 * the request_log record). Functional only: nothing here is timed.
 */
import { MongoClient } from 'mongodb';
import { requestLogCollection } from '../../services/api/src/analytics/request-log';
import { waitFor } from '../../services/api/test/support/app';
import { BenchStack, startPeer } from '../../bench/support/stacks';
import { httpRequest, type HttpResponse } from '../support/http';
import { startApiWithDatabase, type ApiWithDatabase } from '../../testing';

let ours: ApiWithDatabase;
let peer: BenchStack;
let client: MongoClient;
const peerDb = `live_peer_${process.pid}`;

beforeAll(async () => {
  ours = await startApiWithDatabase({ appEnv: { ANALYTICS_FLUSH_INTERVAL_MS: '50' } });
  peer = await startPeer({ mongoUri: ours.mongo.uri, dbName: peerDb, workers: 1, env: { ANALYTICS_FLUSH_INTERVAL_MS: '50' } });
  client = await new MongoClient(ours.mongo.uri).connect();
}, 60_000);

afterAll(async () => {
  await client?.close();
  await peer?.stop();
  await ours?.stop();
});

type Send = (path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) => Promise<HttpResponse>;
const sender =
  (baseUrl: () => string): Send =>
  (path, init = {}) =>
    httpRequest(baseUrl(), path, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
const toOurs = sender(() => ours.pod.baseUrl);
const toPeer = sender(() => peer.nginx.baseUrl);

/** The parts of an answer that must match: status, content type, and the JSON without per-run values. */
function comparable(res: HttpResponse): unknown {
  const json = JSON.parse(res.body);
  const strip = (value: Record<string, unknown>) => {
    const { id: _id, createdAt, updatedAt, requestId: _requestId, ...rest } = value;
    return { ...rest, ...(createdAt !== undefined ? { createdAt: typeof createdAt, updatedAt: typeof updatedAt } : {}) };
  };
  const body = Array.isArray(json.items) ? { ...json, items: json.items.map(strip), nextCursor: typeof json.nextCursor } : strip(json);
  return { status: res.status, type: res.headers['content-type']?.split(';')[0], body };
}

const doc = { title: 'Parity', body: 'Same work on both stacks.', author: 'ada', tags: ['bench', 'parity'] };

describe('bench peer (the seed stack) answers like our API', () => {
  const created: Record<'ours' | 'peer', string> = { ours: '', peer: '' };

  it('creates: 201, the document, a Location header', async () => {
    const [a, b] = await Promise.all([toOurs('/api/v1/documents', { method: 'POST', body: doc }), toPeer('/api/v1/documents', { method: 'POST', body: doc })]);
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.status).toBe(201);
    created.ours = JSON.parse(a.body).id;
    created.peer = JSON.parse(b.body).id;
    expect(b.headers.location).toBe(`/api/v1/documents/${created.peer}`);
    expect(a.headers.location).toBe(`/api/v1/documents/${created.ours}`);
    // Dates in the same format (JavaScript's toISOString: milliseconds, Z).
    expect(JSON.parse(b.body).createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('gets: the same document bytes but the id and dates, and the same errors for malformed and unknown ids', async () => {
    const [a, b] = await Promise.all([toOurs(`/api/v1/documents/${created.ours}`), toPeer(`/api/v1/documents/${created.peer}`)]);
    expect(comparable(b)).toEqual(comparable(a));
    expect(b.body.length).toBe(a.body.length);
    for (const path of ['/api/v1/documents/not-an-id', '/api/v1/documents/0123456789abcdef01234567']) {
      const [x, y] = await Promise.all([toOurs(path), toPeer(path)]);
      expect(comparable(y)).toEqual(comparable(x));
      expect([400, 404]).toContain(x.status);
    }
  });

  it('lists: newest first, pages with nextCursor, rejects unknown parameters and bad limits alike', async () => {
    await Promise.all([toOurs('/api/v1/documents', { method: 'POST', body: { ...doc, title: 'Second' } }), toPeer('/api/v1/documents', { method: 'POST', body: { ...doc, title: 'Second' } })]);
    for (const path of ['/api/v1/documents?limit=1', '/api/v1/documents?limit=20', '/api/v1/documents?tag=parity&author=ada', '/api/v1/documents?sort=title', '/api/v1/documents?limit=0', '/api/v1/documents?limit=101', '/api/v1/documents?cursor=zz']) {
      const [a, b] = await Promise.all([toOurs(path), toPeer(path)]);
      expect({ path, ...(comparable(b) as object) }).toEqual({ path, ...(comparable(a) as object) });
    }
    const [first] = [JSON.parse((await toPeer('/api/v1/documents?limit=1')).body)];
    expect(first.items[0].title).toBe('Second');
    const next = JSON.parse((await toPeer(`/api/v1/documents?limit=1&cursor=${first.nextCursor}`)).body);
    expect(next.items[0].title).toBe('Parity');
  });

  it('rejects bad bodies with the same codes and messages', async () => {
    const bodies = [{ body: 'x', author: 'a' }, { ...doc, title: '' }, { ...doc, extra: 1 }, { ...doc, tags: ['UPPER'] }, { ...doc, tags: ['a', 'b', 'a', 'b'] }, '{not json'];
    for (const body of bodies) {
      const [a, b] = await Promise.all([toOurs('/api/v1/documents', { method: 'POST', body }), toPeer('/api/v1/documents', { method: 'POST', body })]);
      expect({ body, ...(comparable(b) as object) }).toEqual({ body, ...(comparable(a) as object) });
    }
  });

  it('echoes the request id and writes the same request_log record', async () => {
    const headers = { 'x-request-id': 'parity-1', referer: 'https://isoscribe.com/p?token=abc' };
    const [a, b] = await Promise.all([toOurs('/api/v1/documents?limit=1', { headers }), toPeer('/api/v1/documents?limit=1', { headers })]);
    expect([a.headers['x-request-id'], b.headers['x-request-id']]).toEqual(['parity-1', 'parity-1']);
    const record = (db: string) =>
      waitFor(`request_log record in ${db}`, () => client.db(db).collection(requestLogCollection).findOne({ requestId: 'parity-1' }, { projection: { _id: 0, time: 0, durationMs: 0 } }));
    const [x, y] = await Promise.all([record(ours.dbName), record(peerDb)]);
    expect(y).toEqual(x);
    expect(x).toMatchObject({ ip: '127.0.0.1', method: 'GET', url: '/api/v1/documents?limit=1', status: 200, referer: 'https://isoscribe.com/p?token=REDACTED' });
  });
});
