// The metrics listener of a real app over real TCP, against the MongoDB-wire server: what the
// PodMonitoring scrapes, with the names the alert rules read (monitoring/metrics.ts) and route
// patterns, never raw URLs, as labels.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { APP } from '../../../monitoring/metrics';
import { startApp, testDbName, testEnv, waitFor } from './support/app';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';

jest.setTimeout(30_000);

let server: MongoWireServer;
let app: FastifyInstance | undefined;
let port: number;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  server = await startMongoWireServer();
});
beforeEach(async () => {
  port = await freePort();
  app = await startApp(testEnv(server.uri, testDbName('metrics'), { METRICS_PORT: String(port), MONGODB_OPERATION_TIMEOUT_MS: '2000' }));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  await server?.stop();
});

describe('API metrics on METRICS_PORT', () => {
  it('counts requests by route pattern, method and status, and exposes every metric the alerts read', async () => {
    const created = await app!.inject({ method: 'POST', url: '/api/v1/documents', headers: { 'content-type': 'application/json' }, payload: { title: 't', body: 'b', author: 'ada' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    await app!.inject({ url: `/api/v1/documents/${id}` });
    await app!.inject({ url: `/api/v1/documents/${id}` });
    await app!.inject({ url: '/no/such/path?token=secret' });
    // Search's 503 (not configured here; an engine away alike) is not MongoDB being away.
    expect((await app!.inject({ url: '/api/v1/search?q=anything' })).statusCode).toBe(503);

    const text = await scrape();
    expect(sample(text, APP.apiMongodbUnavailableAnswers)).toBe(0);
    expect(sample(text, `${APP.apiRequestDuration}_count{method="GET",route="/api/v1/documents/:id",status="200"}`)).toBe(2);
    expect(sample(text, `${APP.apiRequestDuration}_count{method="POST",route="/api/v1/documents",status="201"}`)).toBe(1);
    expect(sample(text, `${APP.apiRequestDuration}_count{method="GET",route="unmatched",status="404"}`)).toBe(1);
    expect(text).not.toContain(id);
    expect(text).not.toContain('secret');
    for (const name of [APP.apiMongodbUnavailableAnswers, APP.apiMongodbDeadlineExpiries, APP.apiAnalyticsQueueDepth, APP.apiAnalyticsDropped]) {
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    }
    // The runtime's own: event-loop lag, GC, heap.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it('counts 503s while MongoDB is away, and the records the analytics queue drops', async () => {
    await app!.close();
    port = await freePort();
    app = await startApp(testEnv(server.uri, testDbName('metrics'), { METRICS_PORT: String(port), ANALYTICS_QUEUE_MAX: '2' }));
    await server.kill();
    await waitFor('MongoDB seen down', () => app!.mongo.state() === 'down');
    for (let i = 0; i < 5; i++) expect((await app!.inject({ url: '/api/v1/documents' })).statusCode).toBe(503);
    const text = await waitFor('dropped records counted', async () => {
      const body = await scrape();
      return (sample(body, APP.apiAnalyticsDropped) ?? 0) > 0 ? body : undefined;
    });
    expect(sample(text, APP.apiMongodbUnavailableAnswers)).toBe(5);
    expect(sample(text, APP.apiAnalyticsDropped)).toBe(3);
    expect(sample(text, APP.apiAnalyticsQueueDepth)).toBe(2);
    await server.restart();
  });

  it('answers nothing but GET /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
