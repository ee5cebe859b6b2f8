// Prometheus metrics of the API (prom-client), served on a TCP port of their own (METRICS_PORT): the
// pod IP, never through NGINX, so visitors cannot read them and the load balancer never routes there.
// Managed Prometheus scrapes it through the workload's PodMonitoring.
//
// Cheap on the hot path: one histogram observation per request, on a child looked up by a string key
// (prom-client would otherwise hash a label object per call); queue depth, drops and MongoDB deadline
// expiries are counted where they happen as plain numbers and read only when scraped.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the scrape reads from the app's own counters at scrape time. */
export interface ScrapeSources {
  analytics(): { queued: number; dropped: number };
  mongodbDeadlineExpiries(): number;
}

/** Seconds; the LB's SLO thresholds (300 ms for the api) fall on a bound. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 2.5, 5];

type Child = { observe(value: number): void };

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly children = new Map<string, Child>();
  private readonly unavailable: Counter;

  constructor(sources: ScrapeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'isoscribe_api_http_request_duration_seconds',
      help: 'Time from request to answer, by route pattern (not the raw URL), method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
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
    const key = `${method} ${route} ${status}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.duration.labels(method, route, String(status));
      this.children.set(key, child);
    }
    child.observe(seconds);
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
