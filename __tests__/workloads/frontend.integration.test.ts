/**
 * The frontend pod for real: the generator daemon + NGINX on the rendered frontend config + a
 * manifest server. Pages are static files, so what is proven here is what NGINX serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../../services/frontend-server/src/manifest';
import { parsePages } from '../../services/frontend-server/src/pages';
import { renderSite } from '../../services/frontend-server/src/render';
import { etagOf, viteManifest, waitFor } from '../../services/frontend-server/test/support/manifest-server';
import { httpRequest } from '../support/http';
import { SAMPLE_PAGES, startFrontendPod, type FrontendPod } from '../../testing/pods';

// autocannon ships no types; this is the part of its API used here.
type LoadResult = { requests: { total: number }; '2xx': number; non2xx: number; errors: number; timeouts: number; mismatches: number };
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<LoadResult>;

const POLL_INTERVAL_MS = 300;

/** The exact files the daemon writes for a bundle hash, rendered independently of the daemon. */
const expectedSite = (hash: string) => new Map(renderSite(parsePages(SAMPLE_PAGES, 'pages'), parseManifest(viteManifest(hash)), '/static/'));

describe('frontend: generator daemon behind real NGINX', () => {
  let stack: FrontendPod;
  let base: string;
  beforeAll(async () => {
    stack = await startFrontendPod({
      buildHash: 'v1',
      manifestAvailable: false,
      trustedProxies: [],
      fileContents: { 'pages.json': SAMPLE_PAGES },
      appEnv: { POLL_INTERVAL_MS: String(POLL_INTERVAL_MS), FETCH_TIMEOUT_MS: '2000' },
    });
    base = stack.nginx.baseUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers /readyz 503 until the first render, then 200', async () => {
    await waitFor('a failed manifest poll', () => stack.appLogs().find((e) => e.event === 'manifest_failed'));
    const before = await httpRequest(base, '/readyz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({ status: 'not_ready', missing: 'index.html' });

    stack.manifest.serve({ body: viteManifest('v1') });
    await waitFor('readiness', async () => ((await httpRequest(base, '/readyz')).status === 200 ? true : undefined));
    // The daemon logs after it has written the files, so the line can reach us just after /readyz turns 200.
    const rendered = await waitFor('the rendered log entry', () => stack.appLogs().find((e) => e.event === 'rendered'));
    expect(rendered).toMatchObject({ files: 3, script: 'assets/index-v1.js' });
  });

  it('serves each route its own page, revalidated on every use (no-cache + ETag)', async () => {
    const expected = expectedSite('v1');
    for (const [path, file] of [['/', 'index.html'], ['/about', 'about/index.html'], ['/about/', 'about/index.html']]) {
      const res = await httpRequest(base, path);
      expect(res.status).toBe(200);
      expect(res.body).toBe(expected.get(file));
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const again = await httpRequest(base, path, { headers: { 'if-none-match': res.headers.etag! } });
      expect(again.status).toBe(304);
    }
    expect((await httpRequest(base, '/', { method: 'HEAD' })).status).toBe(200);
    expect((await httpRequest(base, '/', { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('answers unknown routes with the SPA fallback, status 200', async () => {
    const fallback = expectedSite('v1').get('200.html')!;
    expect(fallback).toContain('<title>Isoscribe app</title>');
    for (const path of ['/editor/42', '/about/team', '/nope?x=1']) {
      const res = await httpRequest(base, path);
      expect([path, res.status, res.body]).toEqual([path, 200, fallback]);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  // Traversal, dotfiles and directory listings are the static backend's (__tests__/constructs/nginx/static-backend.integration.test.ts).

  it('serves a new bundle from the first poll after the manifest changes, with zero failed requests under load', async () => {
    const [v1, v2] = [expectedSite('v1'), expectedSite('v2')];
    const pages = new Set([v1.get('index.html'), v2.get('index.html')]);
    const load = autocannon({ url: `${base}/`, connections: 8, duration: 2, verifyBody: (body: string) => pages.has(body) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const changedAt = stack.manifest.requests.length; // same tick as serve(): no request falls between
    stack.manifest.serve({ body: viteManifest('v2') });
    await waitFor('the new bundle in the served page', async () => ((await httpRequest(base, '/')).body === v2.get('index.html') ? true : undefined));
    const result = await load;

    // Every request during the switch got a whole page, old or new: nothing failed.
    expect(result.requests.total).toBeGreaterThan(100);
    expect({ non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, mismatches: result.mismatches }).toEqual({ non2xx: 0, errors: 0, timeouts: 0, mismatches: 0 });
    expect(result['2xx']).toBe(result.requests.total);
    // Within one poll interval: the first poll after the change fetched it (200), and the poll after
    // that already sent the new ETag, which the daemon only keeps once the pages are written.
    await waitFor('the second poll after the change', () => stack.manifest.requests[changedAt + 1]);
    expect(stack.manifest.requests[changedAt].status).toBe(200);
    expect(stack.manifest.requests[changedAt + 1]).toEqual({ ifNoneMatch: etagOf(viteManifest('v2')), authorization: 'Bearer ya29.pod-stand-in-token', status: 304 });
    expect((await httpRequest(base, '/about')).body).toBe(v2.get('about/index.html'));
  });

  it('keeps serving the last good pages when the manifest breaks', async () => {
    const v2 = expectedSite('v2');
    for (const broken of [{ body: '{"index.html": ' }, { body: '{}' }, { status: 500 }]) {
      const failures = stack.appLogs().filter((e) => e.event === 'manifest_failed').length;
      stack.manifest.serve(broken);
      await waitFor('a logged manifest failure', () => (stack.appLogs().filter((e) => e.event === 'manifest_failed').length > failures ? true : undefined));
      expect((await httpRequest(base, '/')).body).toBe(v2.get('index.html'));
      expect((await httpRequest(base, '/readyz')).status).toBe(200);
      expect(readFileSync(join(stack.nginx.layout.htmlDir, 'about/index.html'), 'utf8')).toBe(v2.get('about/index.html'));
    }
    expect(stack.appLogs().filter((e) => e.event === 'manifest_failed').slice(-3).map((e) => e.error)).toEqual([
      expect.stringMatching(/manifest is not valid JSON/),
      expect.stringMatching(/exactly one chunk "isEntry": true \(found 0\)/),
      'answered HTTP 500',
    ]);
  });
});
