// The daemon's metrics, read over a real TCP scrape as Managed Prometheus reads them, while a real
// HTTP server plays the bucket: placeholder pages, the first render, unchanged polls, failures.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP } from '../../../monitoring/metrics';
import { runDaemon } from '../src/daemon';
import { createLogger } from '../src/log';
import { FrontendMetrics, startMetricsServer } from '../src/metrics';
import { parsePages } from '../src/pages';
import { readSettings } from '../src/settings';
import { ManifestServer, startManifestServer, viteManifest, waitFor } from './support/manifest-server';

const site = parsePages('pages: [{ route: /, title: Home }]', 'pages.yaml');

describe('frontend-server metrics', () => {
  let dir: string;
  let manifest: ManifestServer;
  let server: Server;
  let stop: AbortController;
  let running: Promise<void>;

  const scrape = async () => (await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`)).text();
  const value = async (name: string) => {
    const line = (await scrape()).split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };
  const until = (name: string, check: (v: number) => boolean) =>
    waitFor(`${name} to change`, async () => {
      const v = await value(name);
      return v !== undefined && check(v) ? v : undefined;
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontend-metrics-'));
    manifest = await startManifestServer(viteManifest('one'));
    stop = new AbortController();
  });
  afterEach(async () => {
    stop.abort();
    await running;
    await manifest.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports placeholder pages, then the render, unchanged polls as confirmations, and failed polls', async () => {
    manifest.serve({ status: 404 });
    const settings = readSettings({ PAGES_FILE: 'unused', MANIFEST_URL: manifest.url, OUTPUT_DIR: dir, POLL_INTERVAL_MS: '100', METRICS_PORT: '9464' });
    expect(settings.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    const metrics = new FrontendMetrics();
    server = await startMetricsServer(metrics.registry, '127.0.0.1', 0);
    running = runDaemon(settings, site, stop.signal, createLogger('error', () => {}), metrics);

    await until(APP.frontendPlaceholder, (v) => v === 1);
    expect(await value(APP.frontendLastGoodRender)).toBe(0);
    expect(await value(APP.frontendRenders)).toBe(0);

    manifest.serve({ body: viteManifest('one') });
    await until(APP.frontendRenders, (v) => v === 1);
    expect(await value(APP.frontendPlaceholder)).toBe(0);
    const firstGood = await value(APP.frontendLastGoodRender);
    expect(firstGood).toBeGreaterThan(Date.now() / 1000 - 60);
    // 304s keep confirming the pages without a render.
    await until(APP.frontendLastGoodRender, (v) => v > firstGood!);
    expect(await value(APP.frontendRenders)).toBe(1);

    manifest.serve({ status: 500 });
    await until(APP.frontendManifestFailures, (v) => v >= 1);
    expect(await value(APP.frontendPlaceholder)).toBe(0);
  });

  it('refuses a METRICS_PORT that is no TCP port, naming the variable', () => {
    expect(() => readSettings({ PAGES_FILE: 'x', MANIFEST_URL: 'https://example.com/m.json', OUTPUT_DIR: tmpdir(), METRICS_PORT: '70000' })).toThrow(
      /METRICS_PORT must be a TCP port from 1 to 65535 \(got "70000"\)/,
    );
  });
});
