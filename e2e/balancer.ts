/**
 * A stand-in for the GCP load balancer in front of the pods' NEG endpoints, with the three
 * behaviours a rolling restart depends on:
 *
 * - health checks: every endpoint is probed on its readiness path; it gets traffic after
 *   `healthyThreshold` passes in a row and loses it after `unhealthyThreshold` failures
 *   (the ingress stack's health check, scaled down from seconds to milliseconds);
 * - endpoint removal: when a pod is deleted, the NEG controller detaches its endpoint; the LB then
 *   sends it no new requests and lets the ones in flight finish (connection draining);
 * - forwarding like the Google front end: keep-alive connections to the endpoints, the client's
 *   address and the LB's own address appended to X-Forwarded-For, and no retries, so every failed
 *   request reaches the client and is counted.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep, waitUntil } from '../testing/util';

export interface BalancerOptions {
  /** Address the LB listens on and connects to endpoints from; the pods trust it as the LB. */
  address: string;
  healthPath: string;
  checkIntervalMs: number;
  /**
   * How long one probe may take. The interval is the stack's scaled down to milliseconds, but the
   * machine's scheduling pauses are not (a shared 2-core runner stalls a process for hundreds of ms),
   * so a probe timing out at the scaled interval would fail healthy pods for the machine's sake.
   * @default max(checkIntervalMs, 1500)
   */
  checkTimeoutMs?: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

interface Endpoint {
  name: string;
  host: string;
  port: number;
  agent: http.Agent;
  healthy: boolean;
  detached: boolean;
  passes: number;
  failures: number;
  inFlight: number;
  served: number;
  failed: number;
  timer: NodeJS.Timeout;
}

export interface EndpointStats {
  name: string;
  healthy: boolean;
  detached: boolean;
  served: number;
  failed: number;
}

export class Balancer {
  private readonly endpoints: Endpoint[] = [];
  private next = 0;
  /** Requests answered 503 because no endpoint was healthy and attached. */
  noEndpoint = 0;

  private constructor(
    private readonly options: BalancerOptions,
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(options: BalancerOptions): Promise<Balancer> {
    const server = http.createServer();
    // Longer than any pause in the tests, so the LB never closes a client connection under it.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, options.address, resolve));
    const { port } = server.address() as AddressInfo;
    const balancer = new Balancer(options, server, `http://${options.address}:${port}`);
    server.on('request', (req, res) => balancer.forward(req, res));
    return balancer;
  }

  /** A new endpoint in the NEG: health-checked from now on, traffic once healthy. */
  attach(name: string, baseUrl: string): void {
    const { hostname, port } = new URL(baseUrl);
    const endpoint: Endpoint = {
      name,
      host: hostname,
      port: Number(port),
      agent: new http.Agent({ keepAlive: true }),
      healthy: false,
      detached: false,
      passes: 0,
      failures: 0,
      inFlight: 0,
      served: 0,
      failed: 0,
      timer: setInterval(() => void this.check(endpoint), this.options.checkIntervalMs),
    };
    this.endpoints.push(endpoint);
    void this.check(endpoint);
  }

  async waitHealthy(name: string, timeoutMs = 10_000): Promise<void> {
    await waitUntil(`endpoint ${name} healthy at the LB`, timeoutMs, () => this.endpoint(name).healthy);
  }

  /**
   * The pod is being deleted: no new requests go to it; resolves when the requests in flight to
   * it have finished (connection draining), then drops its idle connections.
   */
  async detach(name: string): Promise<void> {
    const endpoint = this.endpoint(name);
    endpoint.detached = true;
    clearInterval(endpoint.timer);
    while (endpoint.inFlight > 0) await sleep(10);
    endpoint.agent.destroy();
  }

  stats(): EndpointStats[] {
    return this.endpoints.map(({ name, healthy, detached, served, failed }) => ({ name, healthy, detached, served, failed }));
  }

  async close(): Promise<void> {
    for (const endpoint of this.endpoints) {
      clearInterval(endpoint.timer);
      endpoint.agent.destroy();
    }
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private endpoint(name: string): Endpoint {
    const endpoint = this.endpoints.find((e) => e.name === name);
    if (!endpoint) throw new Error(`no endpoint ${name}`);
    return endpoint;
  }

  /** Round robin over the endpoints that are healthy and not detached. */
  private pick(): Endpoint | undefined {
    const serving = this.endpoints.filter((e) => e.healthy && !e.detached);
    if (serving.length === 0) return undefined;
    return serving[this.next++ % serving.length];
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const endpoint = this.pick();
    if (!endpoint) {
      this.noEndpoint++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy backend\n');
      req.resume();
      return;
    }
    endpoint.inFlight++;
    let finished = false;
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      endpoint.inFlight--;
      if (ok) endpoint.served++;
      else endpoint.failed++;
    };
    const headers = withoutHopByHop(req.headers);
    // Google front ends append "<client address>,<load balancer address>" to what the client sent.
    const clientChain = [req.headers['x-forwarded-for'], req.socket.remoteAddress, this.options.address].filter(Boolean).join(', ');
    headers['x-forwarded-for'] = clientChain;
    headers['x-forwarded-proto'] = 'https';
    headers.via = '1.1 google';
    const upstream = http.request(
      { host: endpoint.host, port: endpoint.port, localAddress: this.options.address, method: req.method, path: req.url, headers, agent: endpoint.agent },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode!, withoutHopByHop(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', () => done(true));
        upstreamRes.on('error', () => {
          done(false);
          res.destroy();
        });
      },
    );
    upstream.on('error', () => {
      done(false);
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream connection failed\n');
    });
    req.pipe(upstream);
  }

  private async check(endpoint: Endpoint): Promise<void> {
    if (endpoint.detached) return;
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(
        { host: endpoint.host, port: endpoint.port, path: this.options.healthPath, localAddress: this.options.address, agent: false, timeout: this.options.checkTimeoutMs ?? Math.max(this.options.checkIntervalMs, 1500) },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) {
      endpoint.failures = 0;
      if (++endpoint.passes >= this.options.healthyThreshold) endpoint.healthy = true;
    } else {
      endpoint.passes = 0;
      if (++endpoint.failures >= this.options.unhealthyThreshold) endpoint.healthy = false;
    }
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}
