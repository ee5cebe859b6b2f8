import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Vite manifest as `vite build` writes it, with `hash` in every file name. */
export function viteManifest(hash: string): string {
  return JSON.stringify({
    'index.html': { file: `assets/index-${hash}.js`, src: 'index.html', isEntry: true, css: [`assets/index-${hash}.css`], imports: ['_vendor.js'] },
    '_vendor.js': { file: `assets/vendor-${hash}.js`, css: [`assets/vendor-${hash}.css`] },
  });
}

/** The ETag the server sends for a body (a content hash, like a bucket's). */
export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;

export interface ManifestServer {
  readonly url: string;
  /** What the next requests get: a body (served with a content ETag), an HTTP status, or no answer at all. */
  serve(answer: { body: string } | { status: number } | { hang: true }): void;
  /** Every request's If-None-Match header and the status it got, in order. */
  readonly requests: Array<{ ifNoneMatch?: string; status: number }>;
  close(): Promise<void>;
}

/** The bundle repository's manifest.json on a loopback port: ETag and If-None-Match like GCS. */
export async function startManifestServer(initial: string): Promise<ManifestServer> {
  let answer: { body: string } | { status: number } | { hang: true } = { body: initial };
  const requests: ManifestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const ifNoneMatch = req.headers['if-none-match'];
    if ('hang' in answer) return void requests.push({ ifNoneMatch, status: 0 });
    if ('status' in answer) {
      requests.push({ ifNoneMatch, status: answer.status });
      return void res.writeHead(answer.status).end('error');
    }
    const etag = etagOf(answer.body);
    const status = ifNoneMatch === etag ? 304 : 200;
    requests.push({ ifNoneMatch, status });
    res.writeHead(status, { etag, 'content-type': 'application/json', 'cache-control': 'no-cache' });
    res.end(status === 200 ? answer.body : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/static/.vite/manifest.json`,
    serve: (next) => void (answer = next),
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
