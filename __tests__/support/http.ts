import * as http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with chunked encoding instead of Content-Length. @default false */
  chunked?: boolean;
}

/**
 * One HTTP request on a fresh connection (no agent, so nothing outlives the test). The path is sent
 * exactly as given, unlike fetch/URL which normalise `..` and percent-encoding away, so tests can
 * send the raw traversal attempts a hostile client would.
 */
export function httpRequest(baseUrl: string, rawPath: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // NGINX may answer (e.g. 413) and close before the whole body is written; the response still counts.
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
