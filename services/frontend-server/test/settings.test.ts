import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../src/settings';

describe('readSettings', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontend-settings-'));
    env = { PAGES_FILE: '/etc/frontend/pages.yaml', MANIFEST_URL: 'https://isoscribe.com/static/.vite/manifest.json', OUTPUT_DIR: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in defaults', () => {
    expect(readSettings(env)).toEqual({
      pagesFile: '/etc/frontend/pages.yaml',
      manifestUrl: new URL(env.MANIFEST_URL),
      manifestAuth: 'none',
      metadataHost: '169.254.169.254',
      assetBaseUrl: '/static/',
      outputDir: dir,
      pollIntervalMs: 30_000,
      fetchTimeoutMs: 5_000,
      logLevel: 'info',
    });
  });

  it('takes every variable', () => {
    const settings = readSettings({ ...env, ASSET_BASE_URL: 'https://cdn.isoscribe.com/b/', POLL_INTERVAL_MS: '1000', FETCH_TIMEOUT_MS: '250', LOG_LEVEL: 'debug' });
    expect(settings).toMatchObject({ assetBaseUrl: 'https://cdn.isoscribe.com/b/', pollIntervalMs: 1000, fetchTimeoutMs: 250, logLevel: 'debug' });
  });

  it.each(['http://127.0.0.1:8080/m.json', 'http://localhost/m.json', 'http://[::1]:9/m.json'])('allows plain http to loopback: %s', (url) => {
    expect(readSettings({ ...env, MANIFEST_URL: url }).manifestUrl.href).toBe(new URL(url).href);
  });

  it.each([
    ['PAGES_FILE', undefined, /PAGES_FILE is required/],
    ['MANIFEST_URL', undefined, /MANIFEST_URL is required/],
    ['MANIFEST_URL', '  ', /MANIFEST_URL is required/],
    ['MANIFEST_URL', 'not a url', /MANIFEST_URL must be an https:\/\/ URL .*got "not a url"/],
    ['MANIFEST_URL', 'http://bundles.internal/manifest.json', /MANIFEST_URL must be an https:\/\/ URL \(plain http only for a loopback/],
    ['MANIFEST_URL', 'file:///etc/passwd', /MANIFEST_URL must be an https:\/\/ URL/],
    ['ASSET_BASE_URL', 'static/', /ASSET_BASE_URL must be a path or https:\/\/ URL ending in "\/"/],
    ['ASSET_BASE_URL', '/static', /ASSET_BASE_URL must be a path or https:\/\/ URL ending in "\/"/],
    ['ASSET_BASE_URL', '/st"atic/', /ASSET_BASE_URL must be/],
    ['ASSET_BASE_URL', 'http://cdn.example/', /ASSET_BASE_URL must be/],
    ['OUTPUT_DIR', '/nonexistent/www', /OUTPUT_DIR "\/nonexistent\/www" must be an existing directory/],
    ['POLL_INTERVAL_MS', 'soon', /POLL_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000 \(got "soon"\)/],
    ['POLL_INTERVAL_MS', '50', /POLL_INTERVAL_MS must be a whole number/],
    ['POLL_INTERVAL_MS', '1.5e3', /POLL_INTERVAL_MS must be a whole number/],
    ['FETCH_TIMEOUT_MS', '-1', /FETCH_TIMEOUT_MS must be a whole number/],
    ['MANIFEST_AUTH', 'gcloud', /MANIFEST_AUTH must be "metadata" .* or "none" \(got "gcloud"\)/],
    ['GCE_METADATA_HOST', 'http://169.254.169.254/', /GCE_METADATA_HOST must be a host or host:port/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of debug, info, warn, error \(got "verbose"\)/],
  ])('rejects %s=%s, naming it', (name, value, message) => {
    const next: Record<string, string | undefined> = { ...env, [name]: value };
    expect(() => readSettings(next)).toThrow(message);
  });

  it('rejects an OUTPUT_DIR that is a file', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => readSettings({ ...env, OUTPUT_DIR: file })).toThrow(/OUTPUT_DIR .* must be an existing directory/);
  });
});
