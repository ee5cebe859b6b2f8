// Request analytics end to end in process: what a request leaves in request_log, and what it must not.
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { requestLogCollection } from '../src/analytics/request-log';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

let server: MongoWireServer;
let client: MongoClient;
let socketApp: FastifyInstance; // as in the pod: behind NGINX on a unix socket
let tcpApp: FastifyInstance; // local run: the TCP peer is the client
const dbName = testDbName('analytics');
const tcpDbName = testDbName('analytics_tcp');

beforeAll(async () => {
  server = await startMongoWireServer();
  [socketApp, tcpApp, client] = await Promise.all([
    startApp(testEnv(server.uri, dbName, { PORT: undefined, LISTEN_SOCKET: '/unused/api.sock', ANALYTICS_TTL_DAYS: '7' })),
    startApp(testEnv(server.uri, tcpDbName)),
    new MongoClient(server.uri).connect(),
  ]);
});

afterAll(async () => {
  await client?.db(dbName).dropDatabase();
  await client?.db(tcpDbName).dropDatabase();
  await client?.close();
  await socketApp?.close();
  await tcpApp?.close();
  await server?.stop();
});

function findRecord(db: string, requestId: string) {
  return waitFor(`request_log record ${requestId}`, () => client.db(db).collection(requestLogCollection).findOne({ requestId }));
}

describe('request_log records', () => {
  it('hold exactly the listed fields, with the IP NGINX resolved and the request id it sent', async () => {
    const before = Date.now();
    const response = await socketApp.inject({
      method: 'POST',
      url: '/api/v1/documents?draft=1',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'f00dfeed',
        'x-real-ip': '203.0.113.9',
        'x-forwarded-for': '198.51.100.1, 203.0.113.9',
        referer: 'https://isoscribe.example/write?session=abc',
        host: 'api.isoscribe.example',
        cookie: 'sid=never-recorded',
        authorization: 'Bearer never-recorded',
      },
      payload: { title: 'private title', body: 'private body', author: 'ada' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['x-request-id']).toBe('f00dfeed');

    const record = await findRecord(dbName, 'f00dfeed');
    expect(record).toEqual({
      _id: expect.anything(),
      time: expect.any(Date),
      ip: '203.0.113.9',
      method: 'POST',
      url: '/api/v1/documents?draft=1',
      status: 201,
      requestId: 'f00dfeed',
      referer: 'https://isoscribe.example/write?session=REDACTED',
      host: 'api.isoscribe.example',
      durationMs: expect.any(Number),
    });
    expect(record!.time.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(record!.time.getTime()).toBeLessThanOrEqual(Date.now());
    expect(JSON.stringify(record)).not.toMatch(/private|never-recorded|198\.51\.100\.1/);
  });

  it('redact sensitive query values in the URL', async () => {
    await socketApp.inject({ url: '/api/v1/documents?author=ada&token=s3cr3t&API_KEY=k', headers: { 'x-request-id': 'redact-1' } });
    expect((await findRecord(dbName, 'redact-1'))!.url).toBe('/api/v1/documents?author=ada&token=REDACTED&API_KEY=REDACTED');
  });

  it('record error responses too, with their status', async () => {
    await socketApp.inject({ url: '/api/v1/documents/0123456789abcdef01234567', headers: { 'x-request-id': 'missing-1' } });
    await socketApp.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'application/json', 'x-request-id': 'bad-1' }, payload: '{' });
    expect((await findRecord(dbName, 'missing-1'))!.status).toBe(404);
    expect((await findRecord(dbName, 'bad-1'))!.status).toBe(400);
  });

  it('store a null IP rather than trust a malformed X-Real-IP', async () => {
    await socketApp.inject({ url: '/api/v1/documents', headers: { 'x-request-id': 'ip-bad', 'x-real-ip': '1.2.3.4; drop' } });
    expect((await findRecord(dbName, 'ip-bad'))!.ip).toBeNull();
  });

  it('over TCP (local runs) use the peer address and ignore X-Real-IP', async () => {
    await tcpApp.inject({ url: '/api/v1/documents', remoteAddress: '192.0.2.44', headers: { 'x-request-id': 'tcp-1', 'x-real-ip': '203.0.113.77' } });
    expect((await findRecord(tcpDbName, 'tcp-1'))!.ip).toBe('192.0.2.44');
  });

  it('are not written for probes', async () => {
    await socketApp.inject({ url: '/healthz', headers: { 'x-request-id': 'probe-live' } });
    await socketApp.inject({ url: '/readyz', headers: { 'x-request-id': 'probe-ready' } });
    await socketApp.inject({ url: '/api/v1/documents', headers: { 'x-request-id': 'after-probes' } });
    await findRecord(dbName, 'after-probes'); // flushed after the probes, so they would be there by now
    expect(await client.db(dbName).collection(requestLogCollection).countDocuments({ requestId: /^probe-/ })).toBe(0);
  });
});

describe('request ids', () => {
  it('generate one when X-Request-ID is missing or unsafe, and echo it', async () => {
    const missing = await socketApp.inject({ url: '/healthz' });
    const unsafe = await socketApp.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0001<script>' } });
    for (const response of [missing, unsafe]) expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('appear in JSON errors', async () => {
    const response = await socketApp.inject({ url: '/api/v1/documents/bad', headers: { 'x-request-id': 'err-7' } });
    expect(response.json().requestId).toBe('err-7');
  });
});

describe('request_log retention', () => {
  // mongo-java-server stores TTL indexes but never expires documents, so the definition is what is checked.
  it('has a TTL index on time of ANALYTICS_TTL_DAYS', async () => {
    const indexes = await client.db(dbName).collection(requestLogCollection).indexes();
    expect(indexes.find((index) => index.name === 'time_ttl')).toMatchObject({ key: { time: 1 }, expireAfterSeconds: 7 * 24 * 3600 });
  });
});
