import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, reason } from './log';
import { Assets, parseManifest } from './manifest';
import { Site } from './pages';
import { renderSite } from './render';
import { Settings } from './settings';
import { writeSite } from './site';

/**
 * Polls the manifest every interval with If-None-Match and renders the site whenever it changed.
 * A failed fetch, a bad manifest or a failed write is logged and the last good pages stay; the
 * next poll tries again. Resolves promptly once `stop` fires, aborting an in-flight fetch.
 */
export async function runDaemon(settings: Settings, site: Site, stop: AbortSignal, log: Logger): Promise<void> {
  const url = settings.manifestUrl.href;
  let etag: string | undefined; // of the last manifest rendered, so a failed write is retried in full
  let rendered: Assets | undefined;

  const poll = async () => {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(settings.fetchTimeoutMs)]);
    const response = await fetch(url, { headers: etag ? { 'if-none-match': etag } : {}, signal });
    if (response.status === 304) {
      await response.body?.cancel();
      return log('debug', 'manifest_unchanged', { url, etag });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`answered HTTP ${response.status}`);
    }
    const assets = parseManifest(await response.text());
    const files = renderSite(site, assets, settings.assetBaseUrl);
    const changed = await writeSite(settings.outputDir, files);
    etag = response.headers.get('etag') ?? undefined;
    rendered = assets;
    log('info', 'rendered', { files: files.length, changed, script: assets.script, etag });
  };

  log('info', 'started', { url, outputDir: settings.outputDir, pollIntervalMs: settings.pollIntervalMs, pages: site.pages.length });
  while (!stop.aborted) {
    await poll().catch((error) => {
      if (stop.aborted) return;
      const action = rendered ? 'keeping the last good pages' : 'not ready until a manifest renders';
      log('error', 'manifest_failed', { url, error: reason(error), action });
    });
    await sleep(settings.pollIntervalMs, undefined, { signal: stop }).catch(() => undefined);
  }
  log('info', 'stopped');
}
