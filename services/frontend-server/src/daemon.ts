import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, reason } from './log';
import type { DaemonObserver } from './metrics';
import { Assets, parseManifest } from './manifest';
import { Site } from './pages';
import { renderPlaceholderSite, renderSite } from './render';
import { Settings } from './settings';
import { writeSite } from './site';
import { MetadataTokens } from './token';

/**
 * Polls the manifest every interval with If-None-Match and renders the site whenever it changed.
 * A failed fetch, a bad manifest or a failed write is logged and the last good pages stay; the
 * next poll tries again. Until a first bundle exists (the manifest answers 404, which the bucket
 * says only to a reader allowed to list it) it writes placeholder pages, so a first deploy's pods
 * turn ready; any other failure before a first render leaves the pod not ready. With
 * `manifestAuth: metadata` every request carries the pod's own Google identity (a private bucket).
 * Resolves promptly once `stop` fires, aborting an in-flight fetch.
 */
const NOT_OBSERVED: DaemonObserver = { rendered() {}, confirmed() {}, manifestFailed() {}, placeholder() {} };

export async function runDaemon(settings: Settings, site: Site, stop: AbortSignal, log: Logger, observer: DaemonObserver = NOT_OBSERVED): Promise<void> {
  const url = settings.manifestUrl.href;
  let etag: string | undefined; // of the last manifest rendered, so a failed write is retried in full
  let rendered: Assets | undefined;
  let placeholder = false;
  const tokens = settings.manifestAuth === 'metadata' ? new MetadataTokens(settings.metadataHost) : undefined;

  const poll = async () => {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(settings.fetchTimeoutMs)]);
    const headers: Record<string, string> = etag ? { 'if-none-match': etag } : {};
    if (tokens) headers.authorization = `Bearer ${await tokens.get(signal)}`;
    const response = await fetch(url, { headers, signal });
    if (response.status === 304) {
      await response.body?.cancel();
      observer.confirmed();
      return log('debug', 'manifest_unchanged', { url, etag });
    }
    if (response.status === 404 && !rendered) {
      await response.body?.cancel();
      if (!placeholder) {
        const changed = await writeSite(settings.outputDir, renderPlaceholderSite(site));
        placeholder = true;
        observer.placeholder(true);
        log('warn', 'waiting_for_bundle', { url, changed, action: 'serving placeholder pages until the manifest exists' });
      }
      return;
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
    if (placeholder) observer.placeholder((placeholder = false));
    observer.rendered();
    observer.confirmed();
    log('info', 'rendered', { files: files.length, changed, script: assets.script, etag });
  };

  log('info', 'started', { url, outputDir: settings.outputDir, pollIntervalMs: settings.pollIntervalMs, pages: site.pages.length });
  while (!stop.aborted) {
    await poll().catch((error) => {
      if (stop.aborted) return;
      observer.manifestFailed();
      const action = rendered ? 'keeping the last good pages' : 'not ready until a manifest renders';
      log('error', 'manifest_failed', { url, error: reason(error), action });
    });
    await sleep(settings.pollIntervalMs, undefined, { signal: stop }).catch(() => undefined);
  }
  log('info', 'stopped');
}
