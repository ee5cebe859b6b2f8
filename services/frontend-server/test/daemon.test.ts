import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDaemon } from '../src/daemon';
import { createLogger } from '../src/log';
import { parsePages } from '../src/pages';
import { readSettings } from '../src/settings';
import { ManifestServer, startManifestServer, startMetadataServer, viteManifest, waitFor } from './support/manifest-server';

const site = parsePages('pages: [{ route: /, title: Home }, { route: /about, title: About }]', 'pages.yaml');

// The daemon in-process against a real HTTP server and a real directory.
describe('runDaemon', () => {
  let dir: string;
  let manifest: ManifestServer;
  let stop: AbortController;
  let running: Promise<void>;
  let events: Array<Record<string, unknown>>;

  const start = (env: Record<string, string> = {}) => {
    const settings = readSettings({ PAGES_FILE: 'unused', MANIFEST_URL: manifest.url, OUTPUT_DIR: dir, POLL_INTERVAL_MS: '100', LOG_LEVEL: 'debug', ...env });
    running = runDaemon(settings, site, stop.signal, createLogger('debug', (line) => events.push(JSON.parse(line))));
  };
  const page = (name = 'index.html') => readFileSync(join(dir, name), 'utf8');
  const event = (name: string, from = 0) => waitFor(`a "${name}" log event`, () => events.slice(from).find((e) => e.event === name));
  const polls = (count: number) => {
    const target = manifest.requests.length + count;
    return waitFor(`${count} more manifest requests`, () => (manifest.requests.length >= target ? true : undefined));
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontend-daemon-'));
    manifest = await startManifestServer(viteManifest('one'));
    stop = new AbortController();
    events = [];
  });
  afterEach(async () => {
    stop.abort();
    await running;
    await manifest.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders every page, then asks with If-None-Match and writes nothing while the manifest is unchanged', async () => {
    start();
    await event('rendered');
    expect(readdirSync(dir).sort()).toEqual(['200.html', 'about', 'index.html']);
    expect(page('about/index.html')).toContain('<script type="module" src="/static/assets/index-one.js"></script>');
    const mtime = statSync(join(dir, 'index.html')).mtimeMs;

    await polls(2);
    const [first, ...later] = manifest.requests;
    expect(first).toEqual({ ifNoneMatch: undefined, status: 200 });
    expect(later.every((r) => r.ifNoneMatch !== undefined && r.status === 304)).toBe(true);
    expect(events.filter((e) => e.event === 'rendered')).toHaveLength(1);
    expect(events.some((e) => e.event === 'manifest_unchanged')).toBe(true);
    expect(statSync(join(dir, 'index.html')).mtimeMs).toBe(mtime);
  });

  it('re-renders when the manifest changes', async () => {
    start();
    await event('rendered');
    const seen = events.length;
    manifest.serve({ body: viteManifest('two') });
    expect(await event('rendered', seen)).toMatchObject({ script: 'assets/index-two.js', files: 3, changed: 3 });
    expect(page()).toContain('/static/assets/index-two.js');
    expect(page()).not.toContain('index-one');
    expect(page('200.html')).toContain('/static/assets/vendor-two.css');
  });

  it.each([
    ['malformed JSON', { body: '{"index.html": {' }, /manifest is not valid JSON/],
    ['no entry', { body: '{"a.js": {"file": "assets/a.js"}}' }, /exactly one chunk "isEntry": true \(found 0\)/],
    ['an HTTP error', { status: 500 }, /answered HTTP 500/],
    ['a 404', { status: 404 }, /answered HTTP 404/],
    ['no answer within FETCH_TIMEOUT_MS', { hang: true as const }, /aborted due to timeout/],
  ])('keeps the last good pages on %s and logs why', async (_, answer, message) => {
    start({ FETCH_TIMEOUT_MS: '200' });
    await event('rendered');
    const before = readdirSync(dir).map((name) => [name, statSync(join(dir, name)).mtimeMs]);
    const seen = events.length;
    manifest.serve(answer);
    const failure = await event('manifest_failed', seen);
    expect(failure).toMatchObject({ level: 'error', url: manifest.url, action: 'keeping the last good pages' });
    expect(failure.error).toMatch(message);
    expect(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).mtimeMs])).toEqual(before);
    expect(page()).toContain('index-one.js');

    // Once the manifest is good again, the next poll renders it.
    manifest.serve({ body: viteManifest('fixed') });
    await waitFor('the fixed bundle', () => (page().includes('index-fixed.js') ? true : undefined));
  });

  it('writes nothing (so NGINX reports not ready) until a manifest can be read', async () => {
    await manifest.close();
    start();
    expect((await event('manifest_failed')).error).toMatch(/fetch failed: .*ECONNREFUSED/);
    expect(await event('manifest_failed')).toMatchObject({ action: 'not ready until a manifest renders' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('serves script-free placeholder pages (so the pod turns ready) while no manifest exists, then the first bundle', async () => {
    manifest.serve({ status: 404 });
    start();
    expect(await event('waiting_for_bundle')).toMatchObject({ level: 'warn', changed: 3 });
    expect(readdirSync(dir).sort()).toEqual(['200.html', 'about', 'index.html']);
    for (const name of ['index.html', '200.html', 'about/index.html']) {
      expect(page(name)).toMatch(/^<!doctype html>\n<html lang="en">/);
      expect(page(name)).toContain('<meta name="robots" content="noindex">');
      expect(page(name)).toContain('This site is being deployed');
      expect(page(name)).not.toMatch(/<script|<link rel="(stylesheet|modulepreload)"/);
    }
    expect(page('about/index.html')).toContain('<title>About</title>');
    await polls(2);
    expect(events.filter((e) => e.event === 'waiting_for_bundle')).toHaveLength(1);

    manifest.serve({ body: viteManifest('first') });
    await event('rendered');
    expect(page()).toContain('<script type="module" src="/static/assets/index-first.js"></script>');
    expect(page('about/index.html')).not.toContain('being deployed');
  });

  it('writes nothing on any other failure before the first render (e.g. 403: the identity cannot read the bucket)', async () => {
    manifest.serve({ status: 403 });
    start();
    expect(await event('manifest_failed')).toMatchObject({ error: 'answered HTTP 403', action: 'not ready until a manifest renders' });
    await polls(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads a private bucket with the pod identity: a metadata-server token (fetched once, reused) on every request', async () => {
    const metadata = await startMetadataServer('ya29.pod-token');
    try {
      manifest.requireBearer('ya29.pod-token');
      start({ MANIFEST_AUTH: 'metadata', GCE_METADATA_HOST: metadata.host });
      await event('rendered');
      await polls(2);
      expect(manifest.requests.every((r) => r.authorization === 'Bearer ya29.pod-token' && r.status !== 401)).toBe(true);
      expect(metadata.requests).toEqual([{ flavor: 'Google' }]);
    } finally {
      await metadata.close();
    }
  });

  it('is refused by a private bucket without MANIFEST_AUTH=metadata, and says why when the metadata server refuses a token', async () => {
    manifest.requireBearer('ya29.pod-token');
    start();
    expect(await event('manifest_failed')).toMatchObject({ error: 'answered HTTP 401' });
    stop.abort();
    await running;

    stop = new AbortController();
    const metadata = await startMetadataServer('unused', 3599, 404);
    try {
      const seen = events.length;
      start({ MANIFEST_AUTH: 'metadata', GCE_METADATA_HOST: metadata.host });
      expect((await event('manifest_failed', seen)).error).toMatch(/metadata server answered HTTP 404 for an access token \(is Workload Identity bound/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await metadata.close();
    }
  });

  it('retries a failed write on the next poll even though the manifest is unchanged', async () => {
    writeFileSync(join(dir, 'about'), 'a file where the about/ directory must go');
    start();
    expect((await event('manifest_failed')).error).toMatch(/EEXIST|ENOTDIR/);
    expect(existsSync(join(dir, 'index.html'))).toBe(false);
    rmSync(join(dir, 'about'));
    await event('rendered');
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    // Never sent If-None-Match for the manifest it failed to write, so it got the body again.
    expect(manifest.requests.slice(0, 2).every((r) => r.status === 200)).toBe(true);
  });

  it('stops promptly on abort, cancelling a fetch in flight', async () => {
    manifest.serve({ hang: true });
    start({ FETCH_TIMEOUT_MS: '600000' });
    await polls(1);
    stop.abort();
    await running;
    expect(events.at(-1)).toMatchObject({ event: 'stopped' });
    expect(events.some((e) => e.event === 'manifest_failed')).toBe(false);
  });
});
