import * as fs from 'node:fs';
import * as path from 'node:path';
import { NginxBackend, READINESS_PATH, renderNginxConfig } from '../../../constructs/nginx';
import { httpRequest } from '../../support/http';
import { startNginx, type RunningNginx } from '../../../testing/nginx';

// A real NGINX serving the frontend's HTML directory, as the generator daemon fills it.

const SECRET = 'SECRET-OUTSIDE-ROOT-7f3a';
const INDEX = '<!doctype html><title>shell</title>';

describe('NGINX static-files backend', () => {
  let nginx: RunningNginx;
  let www: string;

  beforeAll(async () => {
    nginx = await startNginx({
      config: (l) => renderNginxConfig({ ...l.testProps, backend: NginxBackend.staticFiles({ root: l.htmlDir }), trustedProxies: [] }),
    });
    www = nginx.layout.htmlDir;
    // A file beside the root that no request may ever reach.
    fs.writeFileSync(path.join(nginx.dir, 'secret.txt'), SECRET);
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  describe('before the generator has written index.html', () => {
    it(`is not ready: ${READINESS_PATH} answers 503`, async () => {
      const res = await httpRequest(nginx.baseUrl, READINESS_PATH);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toEqual({ status: 'not_ready', missing: 'index.html' });
    });

    it('answers routes with 503 instead of looping on the missing SPA shell', async () => {
      expect((await httpRequest(nginx.baseUrl, '/some/route')).status).toBe(503);
      expect(nginx.errorLog()).not.toContain('cycle');
    });

    it('is live regardless', async () => {
      expect((await httpRequest(nginx.baseUrl, '/nginx-health')).status).toBe(200);
    });
  });

  describe('once the generator has written the site', () => {
    beforeAll(() => {
      fs.mkdirSync(path.join(www, 'about'));
      fs.mkdirSync(path.join(www, 'assets'));
      fs.writeFileSync(path.join(www, 'about', 'index.html'), '<!doctype html><title>about</title>');
      fs.writeFileSync(path.join(www, 'assets', 'app.3f9a1c.js'), `console.log(${JSON.stringify('x'.repeat(2048))});`);
      fs.writeFileSync(path.join(www, '.index.html.tmp'), 'half-written');
      fs.symlinkSync(path.join(nginx.dir, 'secret.txt'), path.join(www, 'leak.txt'));
      fs.writeFileSync(path.join(www, 'index.html'), INDEX); // last, like the generator's atomic rename
    });

    it(`is ready: ${READINESS_PATH} answers 200`, async () => {
      const res = await httpRequest(nginx.baseUrl, READINESS_PATH);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 'ready' });
    });

    it('serves HTML with no-cache, a charset and the security headers', async () => {
      const res = await httpRequest(nginx.baseUrl, '/');
      expect(res.status).toBe(200);
      expect(res.body).toBe(INDEX);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['etag']).toBeDefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers['allow']).toBeUndefined();
    });

    it('serves a directory\'s index.html without a redirect', async () => {
      for (const route of ['/about', '/about/']) {
        const res = await httpRequest(nginx.baseUrl, route);
        expect(res.status).toBe(200);
        expect(res.body).toContain('<title>about</title>');
      }
    });

    it('answers unknown routes with the SPA shell and 200', async () => {
      const res = await httpRequest(nginx.baseUrl, '/articles/42/edit?tab=2');
      expect(res.status).toBe(200);
      expect(res.body).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
    });

    it('caches hashed assets for a year as immutable, gzipped', async () => {
      const res = await httpRequest(nginx.baseUrl, '/assets/app.3f9a1c.js', { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-type']).toMatch(/^(application|text)\/javascript/);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('answers a missing asset with 404, never the SPA shell', async () => {
      const res = await httpRequest(nginx.baseUrl, '/assets/app.000000.js');
      expect(res.status).toBe(404);
      expect(res.body).not.toContain(INDEX);
      expect(res.headers['cache-control']).toBeUndefined();
    });

    it('never lists a directory', async () => {
      const res = await httpRequest(nginx.baseUrl, '/assets/');
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('app.3f9a1c.js');
    });

    it('never serves dotfiles (half-written generator output)', async () => {
      const res = await httpRequest(nginx.baseUrl, '/.index.html.tmp');
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('half-written');
    });

    it.each([
      '/leak.txt', // symlink inside the root pointing outside it
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/etc/passwd',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/about/..%2f..%2fsecret.txt',
      '//../secret.txt',
      '/./../secret.txt',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/%252e%252e/secret.txt',
    ])('never serves a file outside the root for %s', async (attempt) => {
      const res = await httpRequest(nginx.baseUrl, attempt);
      expect(res.body).not.toContain(SECRET);
      expect(res.body).not.toMatch(/root:.*:0:0:/);
      // Either refused outright or answered from inside the root (the SPA shell).
      expect([200, 400, 403, 404]).toContain(res.status);
      if (res.status === 200) expect(res.body).toBe(INDEX);
    });

    it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 and Allow: GET, HEAD', async (method) => {
      const res = await httpRequest(nginx.baseUrl, '/', { method, body: method === 'POST' ? 'x=1' : undefined });
      expect(res.status).toBe(405);
      expect(res.headers['allow']).toBe('GET, HEAD');
      expect(res.headers['x-frame-options']).toBe('DENY');
    });

    it('answers HEAD like GET without a body', async () => {
      const res = await httpRequest(nginx.baseUrl, '/', { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers['content-length']).toBe(String(INDEX.length));
    });

    it('answers 414 to a very long URL and 400 to an oversized header', async () => {
      expect((await httpRequest(nginx.baseUrl, `/${'a'.repeat(9000)}`)).status).toBe(414);
      expect((await httpRequest(nginx.baseUrl, '/', { headers: { cookie: 'c'.repeat(9000) } })).status).toBe(400);
    });

    it('logs each request as one JSON line', async () => {
      const res = await httpRequest(nginx.baseUrl, '/logged?email=a@b.example');
      const entry = await nginx.waitForAccessLog((e) => e.request_id === res.headers['x-request-id']);
      expect(entry).toMatchObject({ method: 'GET', path: '/logged', status: 200, client_ip: '127.0.0.1', upstream_response_time: '' });
      expect(nginx.logs()).not.toContain('a@b.example');
    });
  });
});
