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
  /** Every request's If-None-Match and Authorization headers and the status it got, in order. */
  readonly requests: Array<{ ifNoneMatch?: string; authorization?: string; status: number }>;
  /** Answer 401 (like GCS to a private bucket) unless the request carries `Authorization: Bearer <token>`. */
  requireBearer(token: string | undefined): void;
  close(): Promise<void>;
}

/** The bundle repository's manifest.json on a loopback port: ETag and If-None-Match like GCS. */
export async function startManifestServer(initial: string): Promise<ManifestServer> {
  let answer: { body: string } | { status: number } | { hang: true } = { body: initial };
  const requests: ManifestServer['requests'] = [];
  let bearer: string | undefined;
  const server = http.createServer((req, res) => {
    const ifNoneMatch = req.headers['if-none-match'];
    const { authorization } = req.headers;
    if (bearer !== undefined && authorization !== `Bearer ${bearer}`) {
      requests.push({ ifNoneMatch, authorization, status: 401 });
      return void res.writeHead(401).end('anonymous caller does not have storage.objects.get access');
    }
    if ('hang' in answer) return void requests.push({ ifNoneMatch, authorization, status: 0 });
    if ('status' in answer) {
      requests.push({ ifNoneMatch, authorization, status: answer.status });
      return void res.writeHead(answer.status).end('error');
    }
    const etag = etagOf(answer.body);
    const status = ifNoneMatch === etag ? 304 : 200;
    requests.push({ ifNoneMatch, authorization, status });
    res.writeHead(status, { etag, 'content-type': 'application/json', 'cache-control': 'no-cache' });
    res.end(status === 200 ? answer.body : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/static/.vite/manifest.json`,
    serve: (next) => void (answer = next),
    requests,
    requireBearer: (token) => void (bearer = token),
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

export interface MetadataServer {
  /** host:port, for GCE_METADATA_HOST. */
  readonly host: string;
  /** Each token request's Metadata-Flavor header. */
  readonly requests: Array<{ flavor?: string }>;
  close(): Promise<void>;
}

/** The metadata server's token endpoint on a loopback port: tokens only for `Metadata-Flavor: Google`. */
export async function startMetadataServer(token: string, expiresIn = 3599, status = 200): Promise<MetadataServer> {
  const requests: MetadataServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const flavor = req.headers['metadata-flavor'] as string | undefined;
    requests.push({ flavor });
    if (req.url !== '/computeMetadata/v1/instance/service-accounts/default/token' || flavor !== 'Google') return void res.writeHead(403).end();
    if (status !== 200) return void res.writeHead(status).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
