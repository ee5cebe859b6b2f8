// Prometheus metrics of the page generator (prom-client) on METRICS_PORT, a TCP port of its own on
// the pod IP that NGINX never serves: renders, manifest fetch failures, when the pages were last
// confirmed good, and whether placeholder pages are being served. Managed Prometheus scrapes it
// through the workload's PodMonitoring.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** What the daemon reports; the metrics are one implementation, tests may record instead. */
export interface DaemonObserver {
  /** Pages written from a new manifest. */
  rendered(): void;
  /** The pages on disk match the current manifest (a render, or the manifest answered 304). */
  confirmed(): void;
  manifestFailed(): void;
  /** Placeholder pages are (true) or are no longer (false) what NGINX serves. */
  placeholder(serving: boolean): void;
}

export class FrontendMetrics implements DaemonObserver {
  readonly registry = new Registry();
  private readonly renders: Counter;
  private readonly failures: Counter;
  private readonly lastGood: Gauge;
  private readonly serving: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.renders = new Counter({ name: 'isoscribe_frontend_renders_total', help: 'Sites written from a new bundle manifest', registers });
    this.failures = new Counter({
      name: 'isoscribe_frontend_manifest_fetch_failures_total',
      help: 'Manifest polls that failed (fetch, parse or write); the last good pages stay',
      registers,
    });
    this.lastGood = new Gauge({
      name: 'isoscribe_frontend_last_good_render_timestamp_seconds',
      help: 'Unix time the pages were last confirmed to match the manifest (0: never)',
      registers,
    });
    this.serving = new Gauge({
      name: 'isoscribe_frontend_serving_placeholder',
      help: '1 while placeholder pages are served because no bundle manifest exists yet',
      registers,
    });
  }

  rendered(): void {
    this.renders.inc();
  }

  confirmed(): void {
    this.lastGood.set(Date.now() / 1000);
  }

  manifestFailed(): void {
    this.failures.inc();
  }

  placeholder(serving: boolean): void {
    this.serving.set(serving ? 1 : 0);
  }
}

/**
 * Serves GET /metrics from `registry` on host:port; everything else is 404. The same listener is in
 * services/api/src/metrics.ts: each service is its own package and image (services/node-service.Dockerfile copies
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
