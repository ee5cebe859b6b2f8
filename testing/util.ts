import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Polls `check` until it returns true; fails after `timeoutMs` naming `what`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked instead of with Content-Length. */
  chunked?: boolean;
  /** Source address of the connection. */
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * One request on a fresh connection. The path is sent exactly as given (fetch and URL would
 * normalise `..` and percent-encoding away), so hostile paths reach the server as a client sends them.
 */
export function request(baseUrl: string, rawPath: string, options: RequestOptions = {}): Promise<Response> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: rawPath, method: options.method ?? 'GET', headers, agent: false, localAddress: options.localAddress, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${rawPath}: no answer within ${timeoutMs} ms`)));
    // NGINX may answer (e.g. 413) and close before the whole body is written; the response still counts.
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function get(url: string, options: RequestOptions = {}): Promise<Response> {
  const { origin, pathname, search } = new URL(url);
  return request(origin, pathname + search, options);
}

/** The q-quantile (0..1) of the values, nearest-rank; 0 for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** An answer to a raw request: status 0 when the server sent no status line. */
export interface RawResponse {
  status: number;
  body: string;
}

/** Sends `bytes` as they are on a fresh connection (no HTTP client would send a garbage request line) and reads until the server closes. */
export function rawRequest(baseUrl: string, bytes: string, localAddress?: string): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = net.connect({ host: hostname, port: Number(port), localAddress }, () => socket.write(bytes));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ status: match ? Number(match[1]) : 0, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}
