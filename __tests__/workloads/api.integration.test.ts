/**
 * The api pod for real: the API process on a unix socket behind a real NGINX running the config
 * the workloads construct renders for the api, on the MongoDB-wire test server. Loopback stands in
 * for the load balancer hop, so it is the trusted proxy here.
 */
import { MongoClient } from 'mongodb';
import { requestLogCollection } from '../../services/api/src/analytics/request-log';
import { waitFor } from '../../services/api/test/support/app';
import { httpRequest } from '../support/http';
import { startApiWithDatabase, type ApiWithDatabase } from '../../testing/pods';

let stack: ApiWithDatabase;
let client: MongoClient;
let base: string;

beforeAll(async () => {
  // Loopback stands in for the load balancer hop, the only trusted proxy here.
  stack = await startApiWithDatabase({ trustedProxies: ['127.0.0.1'], appEnv: { ANALYTICS_FLUSH_INTERVAL_MS: '50' } });
  client = await new MongoClient(stack.mongo.uri).connect();
  base = stack.pod.baseUrl;
}, 30_000);

afterAll(async () => {
  await client?.db(stack.dbName).dropDatabase();
  await client?.close();
  await stack?.stop();
});

const logRecord = (requestId: string) =>
  waitFor(`request_log record ${requestId}`, () => client.db(stack.dbName).collection(requestLogCollection).findOne({ requestId }));

describe('api behind real NGINX', () => {
  it('is ready through NGINX and reports MongoDB up', async () => {
    const res = await httpRequest(base, '/readyz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ready', mongodb: 'up' });
  });

  it('creates and reads a document through NGINX', async () => {
    const created = await httpRequest(base, '/api/v1/documents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Behind NGINX', body: 'Proxied over a unix socket.', author: 'ada', tags: ['nginx'] }),
    });
    expect(created.status).toBe(201);
    const document = JSON.parse(created.body);
    expect(created.headers.location).toBe(`/api/v1/documents/${document.id}`);

    const fetched = await httpRequest(base, `/api/v1/documents/${document.id}`);
    expect(fetched.status).toBe(200);
    expect(JSON.parse(fetched.body)).toEqual(document);
    expect(fetched.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('keeps the request id end to end: response header, NGINX access log and request_log', async () => {
    const res = await httpRequest(base, '/api/v1/documents?limit=1', { headers: { 'x-request-id': 'live-trace-0001' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('live-trace-0001');
    expect((await logRecord('live-trace-0001'))!.status).toBe(200);
    await stack.pod.nginx.waitForAccessLog((entry) => entry.request_id === 'live-trace-0001');
  });

  it('records the id NGINX generates when the client sends none', async () => {
    const res = await httpRequest(base, '/api/v1/documents/0123456789abcdef01234567');
    expect(res.status).toBe(404);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(res.body).requestId).toBe(id);
    expect((await logRecord(id))!.status).toBe(404);
  });

  it('records the true client IP from X-Forwarded-For via the trusted hop, never a spoofed entry', async () => {
    await httpRequest(base, '/api/v1/documents', { headers: { 'x-request-id': 'live-ip-00001', 'x-forwarded-for': '198.51.100.66, 203.0.113.7' } });
    await httpRequest(base, '/api/v1/documents', { headers: { 'x-request-id': 'live-ip-00002', 'x-real-ip': '198.51.100.99' } });
    expect(await logRecord('live-ip-00001')).toMatchObject({ ip: '203.0.113.7', host: expect.stringMatching(/^127\.0\.0\.1/) });
    // A client-sent X-Real-IP is replaced by NGINX: with no XFF the client is the TCP peer.
    expect((await logRecord('live-ip-00002'))!.ip).toBe('127.0.0.1');
  });

  it('redacts sensitive query values in request_log (NGINX passes the query through)', async () => {
    await httpRequest(base, '/api/v1/documents?author=ada&access_token=abc123', { headers: { 'x-request-id': 'live-redact-1' } });
    expect((await logRecord('live-redact-1'))!.url).toBe('/api/v1/documents?author=ada&access_token=REDACTED');
  });

  // NGINX's own answers (413, 414, 400, request IDs) are tested in __tests__/constructs/nginx/; here what the api does with what NGINX passes on.
  it.each(['/api/v1/../../../../etc/passwd', '/api/v1/documents/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/api/v1/documents/%00'])(
    'answers the traversal attempt %s with 400 or 404 and no file content',
    async (path) => {
      const res = await httpRequest(base, path);
      expect([400, 404]).toContain(res.status);
      expect(res.body).not.toContain('root:');
    },
  );

  it("passes the api's own JSON errors through unchanged", async () => {
    const res = await httpRequest(base, '/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'live-bad-json' }, body: '{"title":' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'bad_request', message: "Body is not valid JSON but content-type is set to 'application/json'", requestId: 'live-bad-json' });
  });
});
