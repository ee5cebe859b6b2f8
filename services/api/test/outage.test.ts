// MongoDB going away and coming back, with a real server killed (SIGKILL) and restarted on the
// same port. The wire server keeps data in memory, so a restart starts from an empty database.
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { requestLogCollection } from '../src/analytics/request-log';
import { MongoUnavailableError } from '../src/mongo';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

// Real processes and a real server killed and restarted: seconds each, more on a busy shared machine.
jest.setTimeout(30_000);

const dbName = testDbName('outage');
let server: MongoWireServer;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  server = await startMongoWireServer();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await server?.stop();
});

// Outages need a server these tests own; against MONGODB_URL they are skipped.
const ownServer = process.env.MONGODB_URL ? describe.skip : describe;

async function requestLog(): Promise<Array<{ requestId: string; status: number }>> {
  const client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 2000 }).connect();
  try {
    return await client.db(dbName).collection<{ requestId: string; status: number }>(requestLogCollection).find({}, { sort: { _id: 1 } }).toArray();
  } finally {
    await client.close();
  }
}

const getList = (requestId: string) => app!.inject({ url: '/api/v1/documents', headers: { 'x-request-id': requestId } });

ownServer('MongoDB outage', () => {
  it('starts while MongoDB is down (live, ready once the first attempt failed, 503 at once), keeps the newest records, recovers when it returns', async () => {
    await server.kill();
    // A first connection attempt of 2 s, so the test sees the start-up state even on a busy machine.
    app = await startApp(testEnv(server.uri, dbName, { ANALYTICS_QUEUE_MAX: '4', MONGODB_TIMEOUT_MS: '2000', MONGODB_OPERATION_TIMEOUT_MS: '2000' }), {
      waitForMongo: false,
    });

    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    // Not ready during its own start-up (the first connection attempt)…
    const starting = await app.inject({ url: '/readyz' });
    expect([starting.statusCode, starting.json()]).toEqual([503, { status: 'starting', mongodb: 'down' }]);
    // …then ready although MongoDB is down: readiness never depends on the shared database.
    const ready = await waitFor('readyz after the first attempt', async () => {
      const res = await app!.inject({ url: '/readyz' });
      return res.statusCode === 200 ? res : undefined;
    });
    expect(ready.json()).toEqual({ status: 'ready', mongodb: 'down' });
    const down = await getList('while-down');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ error: 'unavailable', message: 'MongoDB is unreachable; retry shortly', requestId: 'while-down' });
    const post = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'application/json', 'x-request-id': 'post-down' }, payload: { title: 'T', body: 'B', author: 'a' } });
    expect(post.statusCode).toBe(503);

    // Ten requests in all while down: the queue keeps the newest ANALYTICS_QUEUE_MAX (4) and counts the rest.
    for (let i = 0; i < 8; i++) await getList(`flood-${i}`);
    expect(app.analytics.stats()).toMatchObject({ queued: 4, dropped: 6 });

    await server.restart();
    await waitFor('readyz to report MongoDB up', async () => (await app!.inject({ url: '/readyz' })).json().mongodb === 'up');
    // The queue flushes by itself once MongoDB is back; a request before that would push out the oldest record.
    await waitFor('the queued records to flush', () => app!.analytics.stats().queued === 0);
    expect((await getList('after-return')).statusCode).toBe(200);
    const records = await waitFor('queued records flushed', async () => {
      const found = await requestLog();
      return found.some((r) => r.requestId === 'after-return') ? found : undefined;
    });
    expect(records.map((r) => [r.requestId, r.status])).toEqual([
      ['flood-4', 503],
      ['flood-5', 503],
      ['flood-6', 503],
      ['flood-7', 503],
      ['after-return', 200],
    ]);
  });

  it('answers 503 while MongoDB is killed mid-run, keeps analytics queued, then reconnects by itself', async () => {
    app = await startApp(testEnv(server.uri, dbName));
    const created = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'application/json' }, payload: { title: 'T', body: 'B', author: 'a' } });
    expect(created.statusCode).toBe(201);
    await server.kill();
    // The first request after the crash meets the broken connection; either way it is a 503.
    for (let i = 0; i < 3; i++) expect((await getList(`mid-outage-${i}`)).statusCode).toBe(503);
    await waitFor('the outage to be noticed', () => !app!.mongo.isAvailable());
    // Still ready: the outage shows in the answers (503 "unavailable") and in /readyz's body.
    const ready = await app.inject({ url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', mongodb: 'down' }]);
    expect(app.analytics.stats().queued).toBeGreaterThanOrEqual(3);
    await server.restart();
    await waitFor('readyz to report MongoDB up', async () => (await app!.inject({ url: '/readyz' })).json().mongodb === 'up');
    // The restarted server is a cold JVM: on a busy machine its first answers can outlast the
    // operation deadline (500 ms here). Those are 503s like the outage's; a write soon lands by itself.
    const answers: number[] = [];
    await waitFor('a write to land again', async () => {
      const again = await app!.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'application/json' }, payload: { title: 'T2', body: 'B', author: 'a' } });
      answers.push(again.statusCode);
      return again.statusCode === 201;
    });
    expect(answers.filter((status) => status !== 503 && status !== 201)).toEqual([]);
    const records = await waitFor('outage records flushed', async () => {
      const found = await requestLog();
      return found.filter((r) => r.requestId.startsWith('mid-outage-')).length === 3 ? found : undefined;
    });
    expect(records.filter((r) => r.requestId.startsWith('mid-outage-')).every((r) => r.status === 503)).toBe(true);
    expect(app.analytics.stats().dropped).toBe(0);
  });
});

// Every MongoDB operation has a deadline (MONGODB_OPERATION_TIMEOUT_MS) and is cut off as soon as
// the driver reports MongoDB unreachable, so no request waits out the driver's retry and server
// selection. The hanging operation is a promise that never settles, standing in for a round trip
// to a server that stopped answering.
const deadlineDb = testDbName('deadline');
const never = () => new Promise<never>(() => {});

describe('MongoDB operation deadline', () => {
  it('rejects an operation that outlives MONGODB_OPERATION_TIMEOUT_MS with a 503-class error', async () => {
    app = await startApp(testEnv(server.uri, deadlineDb, { MONGODB_OPERATION_TIMEOUT_MS: '200' }));
    const started = Date.now();
    const outcome = await app.mongo.run(never).catch((err: unknown) => err);
    const took = Date.now() - started;
    expect(outcome).toBeInstanceOf(MongoUnavailableError);
    expect((outcome as Error).message).toBe('mongodb operation took over 200 ms');
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
  });

  it('passes results and driver errors of operations within the deadline through unchanged', async () => {
    app = await startApp(testEnv(server.uri, deadlineDb));
    await expect(app.mongo.run(async () => 42)).resolves.toBe(42);
    const bug = new TypeError('not a MongoDB problem');
    await expect(app.mongo.run(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});

ownServer('MongoDB dying with operations in flight', () => {
  it('answers them 503 when the driver notices, long before the deadline', async () => {
    app = await startApp(testEnv(server.uri, deadlineDb, { MONGODB_OPERATION_TIMEOUT_MS: '30000' }));
    const inFlight = app.mongo.run(never).catch((err: unknown) => err);
    const killedAt = Date.now();
    await server.kill();
    const outcome = await inFlight;
    expect(outcome).toBeInstanceOf(MongoUnavailableError);
    expect((outcome as Error).message).toBe('mongodb became unreachable');
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    // New operations fail at once while it is away.
    await expect(app.mongo.run(async () => 1)).rejects.toThrow('mongodb unreachable');
    await server.restart();
    await waitFor('MongoDB back', () => app!.mongo.isAvailable());
  });
});
