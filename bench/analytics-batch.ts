/**
 * How long one request_log batch write holds the event loop, by batch size: the API's own record
 * builder (toRecord) and insertMany against the MongoDB-wire server, while a 1 ms timer measures
 * event-loop delay (perf_hooks histogram). Requests waiting on the loop see that delay as latency,
 * so this sets ANALYTICS_BATCH_SIZE. The API's CPU per batch (process.cpuUsage: serializing, the
 * socket write, the reply) is the part that load from other processes disturbs least. Run: `npx tsx bench/analytics-batch.ts` (BENCH_BATCH_SIZES,
 * default 50,100,250,500,1000; BENCH_BATCH_RECORDS per size, default 20000).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { RequestRecord, toRecord, writeRequestLog } from '../services/api/src/analytics/request-log';
import { defaultRedactedKeys } from '../services/api/src/config';
import { startMongoWireServer } from '../services/api/test/support/mongo-wire';

const sizes = (process.env.BENCH_BATCH_SIZES ?? '50,100,250,500,1000').split(',').map(Number);
const recordsPerSize = Number(process.env.BENCH_BATCH_RECORDS ?? 20_000);

const record = (): RequestRecord =>
  toRecord(
    {
      startedAt: Date.now(),
      ip: '203.0.113.9',
      method: 'GET',
      url: '/api/v1/documents/6b093d839cd090046b89ab75?fields=title',
      status: 200,
      requestId: '3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      referer: 'https://isoscribe.com/docs?page=2',
      host: 'isoscribe.com',
      durationMs: 1.234,
    },
    defaultRedactedKeys,
  );

async function main(): Promise<void> {
  const mongo = await startMongoWireServer({ fullJit: true });
  const client = await new MongoClient(mongo.uri).connect();
  const db = client.db('bench_batch');
  try {
    // Warm-up: JIT for the serializer and the server.
    for (let i = 0; i < 20; i++) await writeRequestLog(db, Array.from({ length: 200 }, record));
    console.log('### request_log batch size vs event-loop delay\n');
    console.log(`${recordsPerSize} records per size, written one batch after another (the API writes one batch at a time); event-loop delay sampled every 1 ms.\n`);
    console.log('| batch size | batches | API CPU ms per batch | API CPU µs per record | write ms per batch (median) | loop delay p99 ms | loop delay max ms |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const size of sizes) {
      const batches = Math.ceil(recordsPerSize / size);
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      const durations: number[] = [];
      let cpuUs = 0;
      histogram.enable();
      for (let i = 0; i < batches; i++) {
        const batch = Array.from({ length: size }, record);
        const started = performance.now();
        const cpu = process.cpuUsage();
        await writeRequestLog(db, batch);
        const spent = process.cpuUsage(cpu);
        cpuUs += spent.user + spent.system;
        durations.push(performance.now() - started);
        // Give the timer a turn between batches, as requests would get.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      histogram.disable();
      durations.sort((a, b) => a - b);
      const ms = (ns: number) => (ns / 1e6).toFixed(2);
      console.log(
        `| ${size} | ${batches} | ${(cpuUs / batches / 1000).toFixed(2)} | ${(cpuUs / batches / size).toFixed(1)} | ${durations[Math.floor(durations.length / 2)].toFixed(2)} | ` +
          `${ms(histogram.percentile(99))} | ${ms(histogram.max)} |`,
      );
      await db.collection('request_log').deleteMany({});
    }
  } finally {
    await client.close();
    await mongo.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
