/**
 * `npm run bench:search-ab`: the engine's CPU per search for variants of the search request, on the
 * search benchmark's corpus, straight to one OpenSearch node (no api, no NGINX, one search at a time
 * unless BENCH_AB_CONCURRENCY). The tool behind docs/benchmarks.md's "What was measured".
 *
 * Variants run back to back in BENCH_AB_ROUNDS (16) interleaved rounds of BENCH_AB_SEARCHES (200)
 * each, after BENCH_AB_WARMUP (10000) searches of every variant (the JIT), and each is compared
 * with the first round by round: other jobs on the shared CPUs move both sides of a difference
 * alike, while they moved single figures by ±30%. BENCH_AB_JFR=<file> records the run with JDK
 * Flight Recorder (profile settings; `jfr print --events jdk.ExecutionSample <file>`).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { indexBody } from '../services/api/src/search/index-definition';
import { searchBody, searchResponseFields } from '../services/api/src/search/query';
import { startOpenSearch } from '../services/api/test/support/opensearch';
import { corpusBody, corpusTitle, queries } from './support/search-corpus';
import { cpuMs } from './support/load';
import { childPids } from './support/stacks';

const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 16);
const searchesPerRound = Number(process.env.BENCH_AB_SEARCHES ?? 200);
const warmupSearches = Number(process.env.BENCH_AB_WARMUP ?? 10_000);
const concurrency = Number(process.env.BENCH_AB_CONCURRENCY ?? 1);
const corpusSize = 10_000;

interface Variant {
  name: string;
  index: string;
  query?: string;
  body: (q: string) => Record<string, unknown>;
}

/** The index as the api creates it, and one with term vectors for the fast vector highlighter. */
function indices(): Record<string, Record<string, unknown>> {
  const withVectors = indexBody() as { mappings: { properties: Record<string, Record<string, unknown>> } };
  for (const field of ['title', 'body']) {
    withVectors.mappings.properties[field] = { ...withVectors.mappings.properties[field], index_options: 'positions', term_vector: 'with_positions_offsets' };
  }
  return { docs: indexBody(), docs_vectors: withVectors };
}

const firstPage = (q: string) => searchBody({ q, limit: 10 }, undefined);
const variants: Variant[] = [
  { name: 'the api’s search (first page)', index: 'docs', query: `filter_path=${searchResponseFields.join(',')}`, body: firstPage },
  { name: 'limit + 1 hits, whole answer (before)', index: 'docs', body: (q) => ({ ...firstPage(q), size: 11, track_total_hits: false }) },
  { name: 'no highlighting (a floor)', index: 'docs', body: (q) => ({ ...firstPage(q), highlight: undefined }) },
  { name: 'fvh on term vectors', index: 'docs_vectors', body: (q) => ({ ...firstPage(q), highlight: { ...(firstPage(q).highlight as object), type: 'fvh' } }) },
  { name: 'word boundaries (boundary_scanner: word)', index: 'docs', body: (q) => ({ ...firstPage(q), highlight: { ...(firstPage(q).highlight as object), boundary_scanner: 'word' } }) },
];
const only = process.env.BENCH_AB_ONLY?.split(',').map(Number);
if (only) variants.splice(0, variants.length, ...variants.filter((_, i) => only.includes(i)));

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(base: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const jfr = process.env.BENCH_AB_JFR;
  const engine = await startOpenSearch({ fullJit: true, jvmOptions: jfr ? [`-XX:StartFlightRecording=filename=${jfr},settings=profile`] : [] });
  const base = engine.urls[0];
  try {
    const jvmPid = childPids(process.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('OpenSearchTestNode'));
    if (jvmPid === undefined) throw new Error('the engine JVM is not a child of this process');
    const now = new Date().toISOString();
    for (const [index, definition] of Object.entries(indices())) {
      const created = await call(base, 'PUT', `/${index}`, JSON.stringify(definition));
      if (created.status !== 200) throw new Error(`creating ${index}: ${created.body}`);
      for (let first = 0; first < corpusSize; first += 1000) {
        const lines: string[] = [];
        for (let n = first; n < first + 1000; n++) {
          const id = n.toString(16).padStart(24, '0');
          lines.push(JSON.stringify({ index: { _id: id } }), JSON.stringify({ id, title: corpusTitle(n), body: corpusBody(n), author: `author${n % 50}`, tags: [`tag${n % 20}`], version: 1, createdAt: now, updatedAt: now }));
        }
        const bulk = await call(base, 'POST', `/${index}/_bulk`, `${lines.join('\n')}\n`);
        if (bulk.status !== 200 || (JSON.parse(bulk.body) as { errors: boolean }).errors) throw new Error(`indexing ${index}: ${bulk.body.slice(0, 500)}`);
      }
      await call(base, 'POST', `/${index}/_refresh`);
    }

    const run = async (variant: Variant, count: number, offset: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < count; i = next++) {
            const answer = await call(base, 'POST', `/${variant.index}/_search${variant.query ? `?${variant.query}` : ''}`, JSON.stringify(variant.body(queries[(i + offset) % queries.length])));
            if (answer.status !== 200) throw new Error(`${variant.name}: ${answer.status} ${answer.body.slice(0, 400)}`);
          }
        }),
      );
    };
    for (let done = 0; done < warmupSearches; done += 500) for (const variant of variants) await run(variant, 500, done);
    process.stderr.write(`warmed up; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

    const perSearchUs: number[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [v, variant] of variants.entries()) {
        const before = cpuMs(jvmPid);
        await run(variant, searchesPerRound, round * 37);
        perSearchUs[v].push(((cpuMs(jvmPid) - before) / searchesPerRound) * 1000);
      }
      process.stderr.write(`round ${round + 1}/${rounds}: ${perSearchUs.map((xs) => xs[round].toFixed(0)).join(' / ')} µs; load average ${loadavg()[0].toFixed(1)}\n`);
    }
    const quartiles = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return [0.25, 0.5, 0.75].map((q) => sorted[Math.floor(q * (sorted.length - 1))]);
    };
    process.stdout.write(`engine CPU per search, ${rounds} rounds of ${searchesPerRound}, ${concurrency} at a time; median and [quartiles] of each variant, and of its difference from the first round by round\n`);
    for (const [v, variant] of variants.entries()) {
      const [q1, median, q3] = quartiles(perSearchUs[v]);
      const [d1, dMedian, d3] = quartiles(perSearchUs[v].map((us, round) => us - perSearchUs[0][round]));
      process.stdout.write(`- ${variant.name}: ${median.toFixed(0)} µs [${q1.toFixed(0)}–${q3.toFixed(0)}]${v === 0 ? '' : `; difference ${dMedian >= 0 ? '+' : ''}${dMedian.toFixed(0)} µs [${d1.toFixed(0)}…${d3.toFixed(0)}]`}\n`);
    }
  } finally {
    agent.destroy();
    await engine.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench search-ab: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
