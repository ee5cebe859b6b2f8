import { accessSync, constants, statSync } from 'node:fs';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The daemon's settings, one per environment variable (the table in README.md). */
export type Settings = ReturnType<typeof readSettings>;

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Reads and checks the environment; every error names the variable and how to fix it. */
export function readSettings(env: Record<string, string | undefined>) {
  const get = (name: string, fallback?: string): string => {
    const value = env[name]?.trim() || fallback;
    if (value === undefined) throw new Error(`${name} is required; set it in the container's env (see services/frontend-server/README.md)`);
    return value;
  };
  const millis = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name, String(fallback));
    if (!/^\d+$/.test(raw) || +raw < min || +raw > max) throw new Error(`${name} must be a whole number of milliseconds from ${min} to ${max} (got "${raw}")`);
    return +raw;
  };

  const manifestRaw = get('MANIFEST_URL');
  const manifestUrl = URL.canParse(manifestRaw) ? new URL(manifestRaw) : undefined;
  if (manifestUrl?.protocol !== 'https:' && !(manifestUrl?.protocol === 'http:' && LOOPBACK_HOSTS.includes(manifestUrl.hostname))) {
    throw new Error(`MANIFEST_URL must be an https:// URL (plain http only for a loopback test server); got "${manifestRaw}"`);
  }
  // Pages put this prefix in href attributes; it must not need escaping to stay a URL.
  const assetBaseUrl = get('ASSET_BASE_URL', '/static/');
  if (!/^(\/|https:\/\/)[^\s"'<>`&]*\/$/.test(assetBaseUrl)) {
    throw new Error(`ASSET_BASE_URL must be a path or https:// URL ending in "/", like "/static/" (got "${assetBaseUrl}")`);
  }
  const outputDir = get('OUTPUT_DIR', '/srv/www');
  try {
    accessSync(outputDir, constants.W_OK);
    if (!statSync(outputDir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Error(`OUTPUT_DIR "${outputDir}" must be an existing directory this user can write (mount the shared emptyDir there)`);
  }
  const manifestAuth = get('MANIFEST_AUTH', 'none');
  if (manifestAuth !== 'none' && manifestAuth !== 'metadata') {
    throw new Error(`MANIFEST_AUTH must be "metadata" (a bearer token of the pod's Google identity from the metadata server) or "none" (got "${manifestAuth}")`);
  }
  const metadataHost = get('GCE_METADATA_HOST', '169.254.169.254');
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(metadataHost)) throw new Error(`GCE_METADATA_HOST must be a host or host:port (got "${metadataHost}")`);
  const logLevel = get('LOG_LEVEL', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const metricsPortRaw = env.METRICS_PORT?.trim();
  if (metricsPortRaw && (!/^\d+$/.test(metricsPortRaw) || +metricsPortRaw < 1 || +metricsPortRaw > 65535)) {
    throw new Error(`METRICS_PORT must be a TCP port from 1 to 65535 (got "${metricsPortRaw}"); the pod uses 9464`);
  }
  const metricsHost = get('METRICS_HOST', '127.0.0.1');
  if (!/^[0-9A-Za-z.:-]+$/.test(metricsHost)) throw new Error(`METRICS_HOST must be an IP address to listen on, e.g. "0.0.0.0" for the pod IP (got "${metricsHost}")`);

  return {
    pagesFile: get('PAGES_FILE'),
    /** Prometheus metrics on their own TCP listener; absent when METRICS_PORT is unset. */
    metrics: metricsPortRaw ? { host: metricsHost, port: +metricsPortRaw } : undefined,
    manifestUrl,
    manifestAuth,
    metadataHost,
    assetBaseUrl,
    outputDir,
    pollIntervalMs: millis('POLL_INTERVAL_MS', 30_000, 100, 86_400_000),
    fetchTimeoutMs: millis('FETCH_TIMEOUT_MS', 5_000, 100, 600_000),
    logLevel,
  };
}
