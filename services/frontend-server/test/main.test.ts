import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startManifestServer, viteManifest, waitFor } from './support/manifest-server';

const MAIN = join(__dirname, '../src/main.ts');

/** The daemon as a real process (TypeScript run by tsx), as the container runs it. */
function daemon(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, exited, logs };
}

describe('frontend-server process', () => {
  let dir: string;
  let pagesFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontend-main-'));
    pagesFile = join(dir, 'pages.yaml');
    writeFileSync(pagesFile, 'pages: [{ route: /, title: Home }]\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 at start with a JSON log naming a bad variable', async () => {
    const run = daemon({ PAGES_FILE: pagesFile, MANIFEST_URL: 'http://bundles.example/manifest.json', OUTPUT_DIR: dir });
    expect(await run.exited).toBe(1);
    expect(run.logs()).toEqual([expect.objectContaining({ level: 'error', event: 'invalid_settings', error: expect.stringMatching(/^MANIFEST_URL must be an https:\/\/ URL/) })]);
  });

  it('exits 1 at start when the pages file is invalid, naming the file and the field', async () => {
    writeFileSync(pagesFile, 'pages: [{ route: /, titel: Home }]\n');
    const run = daemon({ PAGES_FILE: pagesFile, MANIFEST_URL: 'http://127.0.0.1:9/m.json', OUTPUT_DIR: dir });
    expect(await run.exited).toBe(1);
    expect(run.logs()[0].error).toBe(`PAGES_FILE ${pagesFile}: pages[0].titel must be one of route, title, description, canonical, robots, openGraph, twitter (got "titel")`);
  });

  it('renders, then exits 0 on SIGTERM even while a manifest fetch hangs', async () => {
    const manifest = await startManifestServer(viteManifest('one'));
    const run = daemon({ PAGES_FILE: pagesFile, MANIFEST_URL: manifest.url, OUTPUT_DIR: dir, POLL_INTERVAL_MS: '100', FETCH_TIMEOUT_MS: '600000' });
    try {
      await waitFor('index.html', () => (existsSync(join(dir, 'index.html')) ? true : undefined), 10_000);
      manifest.serve({ hang: true });
      const asked = manifest.requests.length;
      await waitFor('a hanging manifest request', () => (manifest.requests.length > asked ? true : undefined));
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.logs().map((entry) => entry.event)).toEqual(['started', 'rendered', 'stopping', 'stopped']);
    } finally {
      run.child.kill('SIGKILL');
      await manifest.close();
    }
  });
});
