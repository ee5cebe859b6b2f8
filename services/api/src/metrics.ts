// Prometheus metrics of the API (prom-client), served on a TCP port of their own (METRICS_PORT): the
// pod IP, never through NGINX, so visitors cannot read them and the load balancer never routes there.
// Managed Prometheus scrapes it through the workload's PodMonitoring.
//
// Cheap on the hot path: one histogram observation per request into plain arrays (RequestDurations);
// queue depth, drops and MongoDB deadline expiries are counted where they happen as plain numbers
// and read only when scraped.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Histogram } from 'prom-client';

/** What the scrape reads from the app's own counters at scrape time. */
export interface ScrapeSources {
  analytics(): { queued: number; dropped: number };
  mongodbDeadlineExpiries(): number;
}

/** Seconds; the LB's SLO thresholds (300 ms for the api) fall on a bound. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 2.5, 5];

type DurationLabels = { method: string; route: string; status: string };
interface DurationSeries {
  readonly labels: DurationLabels;
  /** Observations per bucket (not cumulative); the last is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * The request-duration histogram in plain arrays, rendered only when scraped, in the shape
 * prom-client's own Histogram hands the registry (bucket lines with `le`, then `_sum` and `_count`).
 * prom-client's Histogram converts, validates and hashes the label set on every observe(), even
 * through a labels() child (lib/histogram.js, observe()): about 2 µs a request on these cores
 * against under 0.1 µs here, for a request that costs the API ~70 µs of CPU in all
 * (`npm run bench -- --only api-metrics` measures the API with and without metrics).
 */
class RequestDurations {
  readonly name = 'isoscribe_api_http_request_duration_seconds';
  readonly help = 'Time from request to answer, by route pattern (not the raw URL), method and status';
  private readonly series = new Map<string, DurationSeries>();

  constructor(private readonly bounds: readonly number[]) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  /** What the registry renders (prom-client's metric object: name, help, type, values). */
  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += counts[i];
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  /** Registry#resetMetrics calls it. */
  reset(): void {
    this.series.clear();
  }
}

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly duration = new RequestDurations(DURATION_BUCKETS);
  private readonly unavailable: Counter;

  constructor(sources: ScrapeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // The registry reads a metric through its name and get() alone (prom-client 15 lib/registry.js);
    // its type admits only prom-client's own classes.
    this.registry.registerMetric(this.duration as unknown as Histogram);
    this.unavailable = new Counter({
      name: 'isoscribe_api_mongodb_unavailable_answers_total',
      help: 'Answers 503 because MongoDB is unreachable or an operation missed its deadline',
      registers,
    });
    let deadlinesSeen = 0;
    new Counter({
      name: 'isoscribe_api_mongodb_deadline_expiries_total',
      help: 'MongoDB operations abandoned at MONGODB_OPERATION_TIMEOUT_MS',
      registers,
      collect() {
        const total = sources.mongodbDeadlineExpiries();
        this.inc(total - deadlinesSeen);
        deadlinesSeen = total;
      },
    });
    new Gauge({
      name: 'isoscribe_api_analytics_queue_depth',
      help: 'request_log records waiting to be written',
      registers,
      collect() {
        this.set(sources.analytics().queued);
      },
    });
    let droppedSeen = 0;
    new Counter({
      name: 'isoscribe_api_analytics_dropped_records_total',
      help: 'request_log records dropped because the queue was full (MongoDB away too long)',
      registers,
      collect() {
        const total = sources.analytics().dropped;
        this.inc(total - droppedSeen);
        droppedSeen = total;
      },
    });
  }

  /** One answered request; `route` is the matched route's pattern, or "unmatched". */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.duration.observe(method, route, status, seconds);
  }

  mongodbUnavailableAnswer(): void {
    this.unavailable.inc();
  }
}

/**
 * Serves GET /metrics from `registry` on host:port; everything else is 404. The same listener is in
 * services/frontend-server/src/metrics.ts: each service is its own package and image (services/node-service.Dockerfile copies
 * one workspace), so they share no source.
 */
export function startMetricsServer(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}
