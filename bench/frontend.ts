/**
 * Frontend benchmark: requests/s of a generated page through the frontend pod's setup (NGINX on the
 * rendered frontend config, serving what the generator daemon wrote) beside the same NGINX binary
 * serving the same file with a minimal config. The pages are static files, so the target ratio is
 * >= 0.95. Prints a Markdown table. Run: `npm run bench:frontend` (needs nginx and wrk: ci/setup.sh).
 * BENCH_FRONTEND_SECONDS (default 3) per run, BENCH_FRONTEND_ROUNDS (default 5) interleaved rounds; the median
 * counts, and the spread and the load average are printed because a busy machine moves both sides.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { httpRequest } from '../__tests__/support/http';
import { startNginx, type NginxTestLayout } from '../testing/nginx';
import { waitFor } from '../services/frontend-server/test/support/manifest-server';
import { SAMPLE_PAGES, startFrontendPod } from '../testing/pods';

const seconds = Number(process.env.BENCH_FRONTEND_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_FRONTEND_ROUNDS ?? 5);
const connections = 32;

/** What someone would write to serve a directory, plus the paths an unprivileged NGINX needs. */
function minimalConfig(layout: NginxTestLayout, root: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${layout.tmpDir}/${kind};`).join(' ');
  return `worker_processes 1;
pid ${layout.tmpDir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  ${temp}
  access_log /dev/stdout;
  sendfile on;
  server {
    listen ${layout.listenAddress}:${layout.port};
    root ${root};
    location = /nginx-health { return 200; }
  }
}
`;
}

/** One wrk run; throws on any socket error or non-2xx answer, since a failed request is not a result. */
function wrk(url: string): number {
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url], { encoding: 'utf8' });
  if (run.error) throw new Error(`wrk not runnable (${run.error.message}); install it with ci/setup.sh`);
  if (run.status !== 0) throw new Error(`wrk failed:\n${run.stderr}`);
  if (/Socket errors|Non-2xx/.test(run.stdout)) throw new Error(`failed requests during the run:\n${run.stdout}`);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout);
  if (!match) throw new Error(`no Requests/sec in wrk output:\n${run.stdout}`);
  return Number(match[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const stack = await startFrontendPod({
    buildHash: 'v1',
    trustedProxies: [],
    fileContents: { 'pages.json': SAMPLE_PAGES },
    appEnv: { POLL_INTERVAL_MS: '1000', FETCH_TIMEOUT_MS: '2000' },
  });
  const direct = await startNginx({ config: (layout) => minimalConfig(layout, stack.nginx.layout.htmlDir) }).catch(async (error) => {
    await stack.stop();
    throw error;
  });
  const load = loadavg()[0];
  try {
    await waitFor('the first render', async () => ((await httpRequest(stack.baseUrl, '/readyz')).status === 200 ? true : undefined), 15_000);
    // Same bytes both ways, or the comparison means nothing.
    const pages = [
      { page: '/', setup: '/', direct: '/index.html' },
      { page: '/about', setup: '/about', direct: '/about/index.html' },
    ];
    const rows: string[] = [];
    for (const { page, setup, direct: directPath } of pages) {
      const [a, b] = await Promise.all([httpRequest(stack.baseUrl, setup), httpRequest(direct.baseUrl, directPath)]);
      if (a.status !== 200 || a.body !== b.body) throw new Error(`${page}: the two servers do not serve the same page`);
      const setupRps: number[] = [];
      const directRps: number[] = [];
      wrk(`${stack.baseUrl}${setup}`); // warm-up: page cache, worker start-up
      for (let round = 0; round < rounds; round++) {
        setupRps.push(wrk(`${stack.baseUrl}${setup}`));
        directRps.push(wrk(`${direct.baseUrl}${directPath}`));
      }
      const [s, d] = [median(setupRps), median(directRps)];
      const spread = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
      rows.push(`| \`${page}\` (${a.body.length} B) | ${Math.round(s)} (${spread(setupRps)}) | ${Math.round(d)} (${spread(directRps)}) | ${(s / d).toFixed(2)} |`);
    }
    console.log(`### Frontend: generated page through the frontend setup vs the same NGINX serving the file directly\n`);
    console.log(`wrk -t1 -c${connections}, ${seconds} s per run, median of ${rounds} interleaved rounds; 1 NGINX worker each; ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${load.toFixed(1)} at start.\n`);
    console.log('| page | frontend setup, req/s (min–max) | minimal config, req/s (min–max) | ratio of medians (target >= 0.95) |');
    console.log('| --- | ---: | ---: | ---: |');
    rows.forEach((row) => console.log(row));
  } finally {
    await direct.stop();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
