// The real entrypoint as a process on a unix socket: settings errors, and SIGTERM with a request
// in flight (stop accepting, finish it, flush analytics, close MongoDB, exit 0 in time).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { requestLogCollection } from '../src/analytics/request-log';
import { testDbName, waitFor } from './support/app';
import { ApiProcess, socketGet, spawnApi, startApi } from './support/api-process';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

// Real processes and a real server killed and restarted: seconds each, more on a busy shared machine.
jest.setTimeout(30_000);

const dbName = testDbName('shutdown');
let server: MongoWireServer;
let dir: string;
const apis: ApiProcess[] = [];

beforeAll(async () => {
  server = await startMongoWireServer();
  dir = mkdtempSync(join(tmpdir(), 'api-shutdown-'));
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  const client = await new MongoClient(server.uri).connect();
  await client.db(dbName).dropDatabase();
  await client.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function apiEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    LISTEN_SOCKET: join(dir, 'api.sock'),
    MONGODB_URI: server.uri,
    MONGODB_DB: dbName,
    // Records only reach MongoDB through the shutdown flush in these tests.
    ANALYTICS_FLUSH_INTERVAL_MS: '60000',
    ...overrides,
  };
}

async function launch(overrides: NodeJS.ProcessEnv = {}): Promise<ApiProcess> {
  const api = await startApi(apiEnv(overrides));
  apis.push(api);
  return api;
}

/** Sends a POST's headers with `Expect: 100-continue` and resolves once the server has parsed them. */
async function startSlowPost(socketPath: string, requestId: string, body: string): Promise<{ socket: Socket; finish(): Promise<string> }> {
  const socket = connect(socketPath);
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /api/v1/documents HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Expect: 100-continue\r\nX-Request-ID: ${requestId}\r\nX-Real-IP: 192.0.2.1\r\n\r\n`,
  );
  // Node answers 100 Continue as soon as it has the headers: from here on the request is in flight.
  await waitFor('100 Continue', () => received.startsWith('HTTP/1.1 100 Continue'));
  return {
    socket,
    finish: async () => {
      socket.write(body);
      await closed;
      return received;
    },
  };
}

const refusesConnections = (socketPath: string) =>
  socketGet(socketPath, '/healthz').then(
    () => false,
    () => true,
  );

it('exits 2 naming the variable when a setting is bad', async () => {
  const api = spawnApi({ ...apiEnv(), MONGODB_URI: undefined, MONGODB_URI_FILE: join(dir, 'missing-secret') });
  expect(await api.exited).toBe(2);
  expect(api.output()).toContain(`invalid settings: MONGODB_URI_FILE: cannot read "${join(dir, 'missing-secret')}" (ENOENT)`);
});

it('gives up after SHUTDOWN_TIMEOUT_MS with exit 1', async () => {
  const api = await launch({ SHUTDOWN_TIMEOUT_MS: '1000' });
  const stuck = await startSlowPost(api.socketPath, 'never-finished', '{"title":"x"}');

  api.proc.kill('SIGTERM');
  expect(await api.exited).toBe(1);
  expect(api.output()).toContain('shutdown took over SHUTDOWN_TIMEOUT_MS (1000 ms)');
  stuck.socket.destroy();
});

it('starts on the socket path a killed predecessor left behind; on SIGTERM finishes the request in flight, flushes its record and exits 0', async () => {
  const crashed = await launch();
  crashed.proc.kill('SIGKILL');
  await crashed.exited;
  expect(existsSync(crashed.socketPath)).toBe(true);

  const api = await launch();
  const document = JSON.stringify({ title: 'Written during shutdown', body: 'B', author: 'ada' });
  const slow = await startSlowPost(api.socketPath, 'in-flight-1', document);

  api.proc.kill('SIGTERM');
  await waitFor('new connections to be refused', () => refusesConnections(api.socketPath));
  const response = await slow.finish();

  expect(response).toMatch(/HTTP\/1\.1 201 Created/);
  expect(response).toContain('Written during shutdown');
  expect(await api.exited).toBe(0);
  expect(existsSync(api.socketPath)).toBe(false);
  expect(api.output()).toMatch(/"msg":"closed"/);

  const client = await new MongoClient(server.uri).connect();
  try {
    const record = await client.db(dbName).collection(requestLogCollection).findOne({ requestId: 'in-flight-1' });
    expect(record).toMatchObject({ status: 201, ip: '192.0.2.1', method: 'POST', url: '/api/v1/documents' });
    expect(await client.db(dbName).collection('documents').countDocuments({ title: 'Written during shutdown' })).toBe(1);
  } finally {
    await client.close();
  }
}, 30_000); // two API processes start through tsx: seconds each on a loaded machine, over jest's 5 s default
