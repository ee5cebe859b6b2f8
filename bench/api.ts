/**
 * API benchmark: GET /api/v1/documents/:id through the api pod's setup (NGINX on the rendered api
 * config, proxying over the unix socket to the API process, which reads MongoDB and queues a
 * request_log record) beside the same NGINX binary on the rendered static-files config serving a
 * JSON file with the same bytes. Prints a Markdown table with throughput, p50/p99 latency and ratios.
 * Run: `npm run bench:api` (needs nginx, wrk, and the MongoDB-wire server: scripts/ci-install-mongo-wire.sh).
 * BENCH_API_SECONDS (default 5) per run, BENCH_API_ROUNDS (default 3) interleaved rounds; medians count.
 * The database is mongo-java-server (in memory, on the same CPUs), so the API column includes a
 * MongoDB round trip to it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { NginxBackend, renderNginxConfig } from '../constructs/nginx';
import { startApiWithDatabase } from '../testing/pods';
import { httpRequest } from '../__tests__/support/http';
import { startNginx } from '../testing/nginx';

const seconds = Number(process.env.BENCH_API_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_API_ROUNDS ?? 3);
const connections = 32;

interface Run {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One wrk run with the latency distribution; throws on socket errors or non-2xx answers. */
function wrk(url: string): Run {
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  if (run.error) throw new Error(`wrk not runnable (${run.error.message}); install it (Debian package "wrk")`);
  if (run.status !== 0) throw new Error(`wrk failed:\n${run.stderr}`);
  if (/Socket errors|Non-2xx/.test(run.stdout)) throw new Error(`failed requests during the run:\n${run.stdout}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout);
  if (!rps) throw new Error(`no Requests/sec in wrk output:\n${run.stdout}`);
  return { rps: Number(rps[1]), p50Ms: percentile(run.stdout, '50'), p99Ms: percentile(run.stdout, '99') };
}

function percentile(output: string, which: string): number {
  const match = new RegExp(`^\\s+${which}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`no ${which}% latency in wrk output:\n${output}`);
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  // A quiet log level: the benchmark measures serving, not log formatting.
  const stack = await startApiWithDatabase({ trustedProxies: ['127.0.0.1'] });
  const load = loadavg()[0];
  try {
    const created = await httpRequest(stack.pod.baseUrl, '/api/v1/documents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Benchmark document', body: 'Lorem ipsum dolor sit amet. '.repeat(30), author: 'bench', tags: ['bench', 'nginx'] }),
    });
    if (created.status !== 201) throw new Error(`could not create the document: ${created.status} ${created.body}`);
    const apiPath = `/api/v1/documents/${JSON.parse(created.body).id}`;
    const apiBody = (await httpRequest(stack.pod.baseUrl, apiPath)).body;

    const staticNginx = await startNginx({
      config: (layout) => {
        writeFileSync(join(layout.htmlDir, 'index.html'), 'ok');
        writeFileSync(join(layout.htmlDir, 'document.json'), apiBody);
        return renderNginxConfig({ ...layout.testProps, backend: NginxBackend.staticFiles({ root: layout.htmlDir }), trustedProxies: [] });
      },
    });
    try {
      const staticBody = (await httpRequest(staticNginx.baseUrl, '/document.json')).body;
      if (staticBody !== apiBody) throw new Error('the static file and the API response differ');

      const apiUrl = `${stack.pod.baseUrl}${apiPath}`;
      const staticUrl = `${staticNginx.baseUrl}/document.json`;
      wrk(apiUrl); // warm-up: JIT, connection pools, page cache
      wrk(staticUrl);
      const apiRuns: Run[] = [];
      const staticRuns: Run[] = [];
      for (let round = 0; round < rounds; round++) {
        apiRuns.push(wrk(apiUrl));
        staticRuns.push(wrk(staticUrl));
      }
      const summary = (runs: Run[]) => ({ rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50Ms)), p99: median(runs.map((r) => r.p99Ms)) });
      const a = summary(apiRuns);
      const s = summary(staticRuns);
      const ms = (value: number) => value.toFixed(2);

      console.log(`### API: GET /api/v1/documents/:id through NGINX + unix socket vs the same NGINX serving the same JSON as a file\n`);
      console.log(
        `wrk -t1 -c${connections}, ${seconds} s per run, median of ${rounds} interleaved rounds; 1 NGINX worker each; ${apiBody.length} B body; ` +
          `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${load.toFixed(1)} at start.\n`,
      );
      console.log('| target | req/s | p50 ms | p99 ms |');
      console.log('| --- | ---: | ---: | ---: |');
      console.log(`| API through NGINX (socket, MongoDB read, analytics) | ${Math.round(a.rps)} | ${ms(a.p50)} | ${ms(a.p99)} |`);
      console.log(`| NGINX static JSON file | ${Math.round(s.rps)} | ${ms(s.p50)} | ${ms(s.p99)} |`);
      console.log(`| ratio API / static | ${(a.rps / s.rps).toFixed(3)} | ${(a.p50 / s.p50).toFixed(1)}x | ${(a.p99 / s.p99).toFixed(1)}x |`);
    } finally {
      await staticNginx.stop();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
