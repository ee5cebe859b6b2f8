/**
 * A bounded, paced keep-alive load generator. Every request is kept as a sample (start, end,
 * status or error, request id), so a scenario can count by status, by phase and by time window.
 * It never retries: a failed request is counted as failed.
 *
 * Bounded three ways: at most `maxRequests`, at most `maxDurationMs`, and it stops when told.
 */
import * as http from 'node:http';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface LoadOptions {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** The i-th request (0-based). */
  request: (i: number) => LoadRequest;
  /** Sent as X-Request-ID, so the request can be found in request_log and the access log. */
  requestId: (i: number) => string;
  /** Requests in flight at once (one keep-alive connection each). */
  concurrency: number;
  /** Requests per second, overall. */
  ratePerSecond: number;
  maxRequests: number;
  maxDurationMs: number;
  /** Source address of the client connections. */
  localAddress?: string;
}

export interface Sample {
  requestId: string;
  method: string;
  /** ms since the epoch */
  start: number;
  end: number;
  /** HTTP status, or 0 when no response arrived (see `error`). */
  status: number;
  error?: string;
}

export interface LoadResult {
  samples: Sample[];
  /** e.g. { "200": 812, "503": 40, "ECONNRESET": 1 } */
  counts: Record<string, number>;
  durationMs: number;
}

export class Load {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly agent: http.Agent;
  private readonly done: Promise<void>;
  private readonly startedAt = Date.now();

  constructor(private readonly options: LoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (this.stopped || i >= options.maxRequests) return;
        // Pacing: request i starts no earlier than i / rate seconds after the start.
        const due = this.startedAt + (i * 1000) / options.ratePerSecond;
        // One clock read: a second one can be past `due` and make the wait negative (Node warns, TimeoutNegativeWarning).
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.stopped || Date.now() - this.startedAt > options.maxDurationMs) return;
        this.samples.push(await this.send(i));
      }
    };
    this.done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => undefined);
  }

  /** Samples whose request started in [from, to). */
  between(from: number, to = Infinity): Sample[] {
    return this.samples.filter((s) => s.start >= from && s.start < to);
  }

  /** Stops sending, waits for the requests in flight, closes the connections. */
  async stop(): Promise<LoadResult> {
    this.stopped = true;
    await this.done;
    this.agent.destroy();
    return { samples: this.samples, counts: countBy(this.samples), durationMs: Date.now() - this.startedAt };
  }

  private send(i: number): Promise<Sample> {
    const { method, path, body } = this.options.request(i);
    const requestId = this.options.requestId(i);
    const start = Date.now();
    const { hostname, port } = new URL(this.options.baseUrl);
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (status: number, error?: string) => {
        if (settled) return;
        settled = true;
        resolve({ requestId, method, start, end: Date.now(), status, error });
      };
      const req = http.request({ host: hostname, port, method, path, headers, agent: this.agent, localAddress: this.options.localAddress, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => finish(res.statusCode!));
        res.on('error', (err: NodeJS.ErrnoException) => finish(0, err.code ?? err.message));
        res.on('close', () => finish(0, res.complete ? 'closed' : 'aborted'));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => finish(0, err.code ?? err.message));
      req.end(body);
    });
  }
}

export function countBy(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) {
    const key = s.status === 0 ? (s.error ?? 'error') : String(s.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ');
}
