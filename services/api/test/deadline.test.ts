// Every MongoDB operation has a deadline (MONGODB_OPERATION_TIMEOUT_MS) and is cut off as soon as
// the driver reports MongoDB unreachable, so no request waits out the driver's retry and server
// selection. Against the real MongoDB-wire server; the hanging operation is a promise that never
// settles, standing in for a round trip to a server that stopped answering.
import type { FastifyInstance } from 'fastify';
import { MongoUnavailableError } from '../src/mongo';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

let server: MongoWireServer;
let app: FastifyInstance | undefined;
const dbName = testDbName('deadline');
const never = () => new Promise<never>(() => {});

beforeAll(async () => {
  server = await startMongoWireServer();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  await server.stop();
});

const ownServer = process.env.MONGODB_URL ? describe.skip : describe;

describe('MongoDB operation deadline', () => {
  it('rejects an operation that outlives MONGODB_OPERATION_TIMEOUT_MS with a 503-class error', async () => {
    app = await startApp(testEnv(server.uri, dbName, { MONGODB_OPERATION_TIMEOUT_MS: '200' }));
    const started = Date.now();
    const outcome = await app.mongo.run(never).catch((err: unknown) => err);
    const took = Date.now() - started;
    expect(outcome).toBeInstanceOf(MongoUnavailableError);
    expect((outcome as Error).message).toBe('mongodb operation took over 200 ms');
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
  });

  it('passes results and driver errors of operations within the deadline through unchanged', async () => {
    app = await startApp(testEnv(server.uri, dbName));
    await expect(app.mongo.run(async () => 42)).resolves.toBe(42);
    const bug = new TypeError('not a MongoDB problem');
    await expect(app.mongo.run(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});

ownServer('MongoDB dying with operations in flight', () => {
  it('answers them 503 when the driver notices, long before the deadline', async () => {
    app = await startApp(testEnv(server.uri, dbName, { MONGODB_OPERATION_TIMEOUT_MS: '30000' }));
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
