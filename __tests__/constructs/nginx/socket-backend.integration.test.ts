import { NginxBackend, READINESS_PATH, renderNginxConfig, type NginxConfigProps } from '../../../constructs/nginx';
import { httpRequest } from '../../support/http';
import { startNginx, type NginxTestLayout, type RunningNginx } from '../../../testing/nginx';
import { rawRequest } from '../../../testing/util';
import { startUnixHttpServer, type UnixHttpServer } from '../../support/unix-http-server';

// A real NGINX on the rendered config, in front of a small Node app on a unix socket.

const HEX_ID = /^[0-9a-f]{32}$/;
const APP_READINESS_PATH = '/internal/ready'; // differs from /readyz to prove the mapping

function socketConfig(trustedProxies: string[], readTimeoutSeconds?: number) {
  return (l: NginxTestLayout) =>
    renderNginxConfig({
      ...l.testProps,
      backend: NginxBackend.unixSocket({ socketPath: l.socketPath, readinessPath: APP_READINESS_PATH, readTimeoutSeconds }),
      trustedProxies,
      clientMaxBodySize: '1k',
    } satisfies NginxConfigProps);
}

/** The app echoes what NGINX sent it, so tests see both sides of the proxy. */
async function startEchoApp(nginx: RunningNginx, state: { ready: boolean }): Promise<UnixHttpServer> {
  return startUnixHttpServer(nginx.layout.socketPath, (req, res, body) => {
    if (req.url === APP_READINESS_PATH) {
      res.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ready: state.ready, from: 'app' }));
      return;
    }
    const payload = { url: req.url, method: req.method, headers: req.headers, bodyBytes: body.length };
    // Headers NGINX owns: the client must see NGINX's value only.
    res.writeHead(200, { 'content-type': 'application/json', 'x-frame-options': 'SAMEORIGIN', 'x-request-id': 'from-app', 'x-powered-by': 'node' });
    res.end(req.url === '/big' ? JSON.stringify({ ...payload, padding: 'x'.repeat(4096) }) : JSON.stringify(payload));
  });
}

type Echo = { url: string; headers: Record<string, string | undefined>; bodyBytes: number };
const echo = (body: string) => JSON.parse(body) as Echo;

describe('NGINX socket backend, no trusted proxy covering the client', () => {
  let nginx: RunningNginx;
  let app: UnixHttpServer;
  const state = { ready: true };

  beforeAll(async () => {
    nginx = await startNginx({ config: socketConfig(['10.0.0.0/8', '2001:db8::/32']) });
    app = await startEchoApp(nginx, state);
  });
  afterAll(async () => {
    await app?.close();
    await nginx?.stop();
  });

  it('generates a request ID when none is sent, passes it to the app, returns and logs it', async () => {
    const res = await httpRequest(nginx.baseUrl, '/generated');
    expect(res.status).toBe(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(HEX_ID);
    expect(echo(res.body).headers['x-request-id']).toBe(id);
    expect((await nginx.waitForAccessLog((e) => e.path === '/generated')).request_id).toBe(id);
  });

  it('keeps a well-formed incoming request ID end to end', async () => {
    const id = 'trace-2024.06_abcDEF-0123';
    const res = await httpRequest(nginx.baseUrl, '/kept', { headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
    expect(echo(res.body).headers['x-request-id']).toBe(id);
    expect((await nginx.waitForAccessLog((e) => e.path === '/kept')).request_id).toBe(id);
  });

  it.each([
    ['too short', 'abc'],
    ['overlong', 'a'.repeat(129)],
    ['quotes and spaces', 'x" injected "y'],
    ['JSON breaking', '{"a":1}'],
  ])('replaces a garbage incoming request ID (%s)', async (_label, garbage) => {
    const res = await httpRequest(nginx.baseUrl, '/garbage', { headers: { 'x-request-id': garbage } });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(HEX_ID);
    expect(echo(res.body).headers['x-request-id']).toBe(id);
  });

  it('ignores X-Forwarded-For from an untrusted peer: app and log see the TCP peer', async () => {
    const res = await httpRequest(nginx.baseUrl, '/spoof', { headers: { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' } });
    const seen = echo(res.body).headers;
    expect(seen['x-real-ip']).toBe('127.0.0.1');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    const entry = await nginx.waitForAccessLog((e) => e.path === '/spoof');
    expect(entry.client_ip).toBe('127.0.0.1');
    expect(entry.peer_ip).toBe('127.0.0.1');
  });

  it('sends X-Forwarded-Proto https unless the LB said http', async () => {
    const proto = async (value?: string) =>
      echo((await httpRequest(nginx.baseUrl, '/proto', { headers: value ? { 'x-forwarded-proto': value } : {} })).body).headers['x-forwarded-proto'];
    expect(await proto()).toBe('https');
    expect(await proto('http')).toBe('http');
    expect(await proto('javascript')).toBe('https');
  });

  it('passes Host, strips hop-by-hop Connection, and reuses upstream connections', async () => {
    const before = app.requests.length;
    await httpRequest(nginx.baseUrl, '/reuse/1', { headers: { host: 'isoscribe.example' } });
    await httpRequest(nginx.baseUrl, '/reuse/2', { headers: { host: 'isoscribe.example' } });
    const [first, second] = app.requests.slice(before);
    expect(first.headers.host).toBe('isoscribe.example');
    expect(first.headers.connection).toBeUndefined();
    expect(second.connection).toBe(first.connection);
  });

  it('adds security headers and replaces the app\'s copies instead of duplicating them', async () => {
    const res = await httpRequest(nginx.baseUrl, '/headers');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['x-request-id']).toMatch(HEX_ID);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['server']).toBe('nginx');
  });

  it('buffers a body within the limit and delivers it whole', async () => {
    const res = await httpRequest(nginx.baseUrl, '/upload', { method: 'POST', body: 'b'.repeat(1000) });
    expect(res.status).toBe(200);
    expect(echo(res.body).bodyBytes).toBe(1000);
  });

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('answers 413 JSON to a body over client_max_body_size (%s), without reaching the app', async (_label, chunked) => {
    const before = app.requests.length;
    const res = await httpRequest(nginx.baseUrl, '/upload-too-big', { method: 'POST', body: 'b'.repeat(4096), chunked });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'payload_too_large', status: 413, request_id: res.headers['x-request-id'] });
    expect(app.requests.length).toBe(before);
  });

  it('answers /nginx-health itself and keeps it out of the access log', async () => {
    const res = await httpRequest(nginx.baseUrl, '/nginx-health');
    expect(res.status).toBe(200);
    await httpRequest(nginx.baseUrl, '/after-health');
    await nginx.waitForAccessLog((e) => e.path === '/after-health');
    expect(nginx.accessLog().some((e) => e.path === '/nginx-health')).toBe(false);
    expect(app.requests.some((r) => r.url === '/nginx-health')).toBe(false);
  });

  it(`proxies ${READINESS_PATH} to the app's readiness path, passing its 503 through`, async () => {
    state.ready = true;
    const ready = await httpRequest(nginx.baseUrl, READINESS_PATH);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, from: 'app' });
    state.ready = false;
    const notReady = await httpRequest(nginx.baseUrl, READINESS_PATH);
    state.ready = true;
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({ ready: false, from: 'app' });
    expect(app.requests.at(-1)!.url).toBe(APP_READINESS_PATH);
  });

  it('logs the path without the query string, in the JSON fields the log pipeline expects', async () => {
    await httpRequest(nginx.baseUrl, '/search?token=s3cr3t&q=1', { headers: { referer: 'https://ref.example/', 'user-agent': 'jest-agent' } });
    const entry = await nginx.waitForAccessLog((e) => e.path === '/search');
    expect(nginx.logs()).not.toContain('s3cr3t');
    expect(entry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
      request_id: expect.stringMatching(HEX_ID),
      client_ip: '127.0.0.1',
      peer_ip: '127.0.0.1',
      method: 'GET',
      path: '/search',
      status: 200,
      bytes: expect.any(Number),
      request_time: expect.any(Number),
      upstream_response_time: expect.stringMatching(/^\d+\.\d{3}$/),
      referer: 'https://ref.example/',
      user_agent: 'jest-agent',
      host: '127.0.0.1',
    });
  });

  it('gzips text responses for clients that accept it', async () => {
    const res = await httpRequest(nginx.baseUrl, '/big', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['vary']).toContain('Accept-Encoding');
  });

  it('answers 414 to a request line longer than its buffers', async () => {
    expect((await httpRequest(nginx.baseUrl, `/${'a'.repeat(9000)}`)).status).toBe(414);
  });

  it('answers 400 to a header line over 8 KiB and to a garbage request line, without reaching the app', async () => {
    const before = app.requests.length;
    expect((await httpRequest(nginx.baseUrl, '/', { headers: { cookie: 'c'.repeat(9000) } })).status).toBe(400);
    expect((await rawRequest(nginx.baseUrl, 'GARBAGE\r\n\r\n')).status).toBe(400);
    expect(app.requests.length).toBe(before);
  });
});

describe('NGINX socket backend behind trusted proxies (Cloudflare -> LB -> pod)', () => {
  const cloudflareRange = '173.245.48.0/20';
  const lbAddress = '192.0.2.10';
  let nginx: RunningNginx;
  let app: UnixHttpServer;

  beforeAll(async () => {
    // 127.0.0.1 plays the Google front end that connects to the pod.
    nginx = await startNginx({ config: socketConfig(['127.0.0.1', cloudflareRange, lbAddress]) });
    app = await startEchoApp(nginx, { ready: true });
  });
  afterAll(async () => {
    await app?.close();
    await nginx?.stop();
  });

  it.each([
    ['visitor, cloudflare, lb', '198.51.100.7, 173.245.48.5, 192.0.2.10'],
    ['a fake entry the client prepended', '6.6.6.6, 198.51.100.7, 173.245.48.5, 192.0.2.10'],
    ['several fake entries', '10.0.0.1, 1.1.1.1, 198.51.100.7, 173.245.48.5, 192.0.2.10'],
  ])('resolves the visitor from %s', async (_label, xff) => {
    const res = await httpRequest(nginx.baseUrl, '/visitor', { headers: { 'x-forwarded-for': xff } });
    const seen = echo(res.body).headers;
    expect(seen['x-real-ip']).toBe('198.51.100.7');
    expect(seen['x-forwarded-for']).toBe('198.51.100.7');
    const entry = await nginx.waitForAccessLog((e) => e.request_id === res.headers['x-request-id']);
    expect(entry.client_ip).toBe('198.51.100.7');
    expect(entry.peer_ip).toBe('127.0.0.1');
  });
});

describe('NGINX socket backend with the app down', () => {
  let nginx: RunningNginx;

  beforeAll(async () => {
    nginx = await startNginx({ config: socketConfig([]) });
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it.each(['/anything', READINESS_PATH])('answers %s with a 502 JSON body carrying the request ID', async (path) => {
    const res = await httpRequest(nginx.baseUrl, path, { headers: { 'x-request-id': 'down-test-00000001' } });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(res.body)).toEqual({ error: 'bad_gateway', status: 502, request_id: 'down-test-00000001' });
  });

  it('is still live: /nginx-health does not depend on the app', async () => {
    expect((await httpRequest(nginx.baseUrl, '/nginx-health')).status).toBe(200);
  });
});

describe('NGINX socket backend with an app slower than proxy_read_timeout', () => {
  let nginx: RunningNginx;
  let app: UnixHttpServer;

  beforeAll(async () => {
    nginx = await startNginx({ config: socketConfig([], 1) });
    app = await startUnixHttpServer(nginx.layout.socketPath, () => {
      // never answers
    });
  });
  afterAll(async () => {
    await app?.close();
    await nginx?.stop();
  });

  it('answers 504 with a JSON body once the read timeout (1 s here) passes', async () => {
    const res = await httpRequest(nginx.baseUrl, '/slow', { method: 'POST', body: 'once' });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body)).toEqual({ error: 'gateway_timeout', status: 504, request_id: res.headers['x-request-id'] });
    // proxy_next_upstream off: the POST reached the app exactly once, it was not replayed.
    expect(app.requests.filter((r) => r.url === '/slow')).toHaveLength(1);
  });
});
