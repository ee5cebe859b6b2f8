/**
 * The frontend pod, for live tests and the benchmark: the generator daemon (a real process) writing
 * into the HTML dir of a real NGINX that runs the config the workloads construct renders, and a
 * loopback server standing in for the bundle bucket's manifest.json.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNginxConfig } from '../../constructs/nginx';
import { ManifestServer, startManifestServer, viteManifest } from '../../services/frontend-server/test/support/manifest-server';
import { frontendNginxConfig as stackFrontendNginxConfig } from '../../stacks/workloads-stack';
import { RunningNginx, startNginx, type NginxTestLayout } from '../support/nginx';

const DAEMON_MAIN = join(__dirname, '../../services/frontend-server/src/main.ts');

export const FRONTEND_PAGES = `
pages:
  - route: /
    title: Isoscribe
    description: Write together.
    canonical: https://isoscribe.example/
  - route: /about
    title: About Isoscribe
    canonical: https://isoscribe.example/about
fallback:
  title: Isoscribe app
  robots: noindex
`;

/** The frontend NGINX config exactly as stacks/workloads-stack.ts builds it, rebased onto a test layout. */
export function frontendNginxConfig(layout: NginxTestLayout, workerProcesses = 1): string {
  return renderNginxConfig({ ...stackFrontendNginxConfig([], layout.htmlDir), ...layout.testProps, workerProcesses });
}

export interface FrontendStack {
  readonly nginx: RunningNginx;
  readonly manifest: ManifestServer;
  /** The daemon's stdout, one parsed JSON log line each. */
  daemonLogs(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startFrontendStack(options: { pollIntervalMs: number; manifestAvailable?: boolean; workerProcesses?: number }): Promise<FrontendStack> {
  const manifest = await startManifestServer(viteManifest('v1'));
  if (options.manifestAvailable === false) manifest.serve({ status: 503 });
  const nginx = await startNginx({ config: (layout) => frontendNginxConfig(layout, options.workerProcesses) }).catch(async (error) => {
    await manifest.close();
    throw error;
  });
  const pagesFile = join(nginx.dir, 'pages.yaml');
  writeFileSync(pagesFile, FRONTEND_PAGES);
  const env = {
    PATH: process.env.PATH,
    PAGES_FILE: pagesFile,
    MANIFEST_URL: manifest.url,
    ASSET_BASE_URL: '/static/',
    OUTPUT_DIR: nginx.layout.htmlDir,
    POLL_INTERVAL_MS: String(options.pollIntervalMs),
    FETCH_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'info',
  };
  const daemon = spawn(process.execPath, ['--import', 'tsx', DAEMON_MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  daemon.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  return {
    nginx,
    manifest,
    daemonLogs: () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)),
    stop: async () => {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGTERM');
      await exited;
      await nginx.stop();
      await manifest.close();
    },
  };
}
