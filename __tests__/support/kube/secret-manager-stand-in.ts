/**
 * A loopback stand-in for the two Secret Manager calls the workloads stack's
 * `google_secret_manager_secret_version` data source makes (get the version, then access its
 * payload), so the real Google provider reads it with no network. Every other request is answered
 * 501 and recorded, so a test can assert that nothing else of Google's was called.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretManagerStandIn {
  /** For the Google provider's `secret_manager_custom_endpoint`, e.g. http://127.0.0.1:41234/v1/ */
  readonly endpoint: string;
  /** Requests that were not one of the two calls above ("METHOD path"). */
  readonly unexpected: string[];
  /** Every request served ("METHOD path"). */
  readonly served: string[];
  stop(): Promise<void>;
}

/** CRC32C (Castagnoli), which Secret Manager sends with every payload and the provider may check. */
function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Serves `payload` as version 1 (also `latest`) of every secret it is asked for; `served` says which. */
export async function startSecretManagerStandIn(payload: string): Promise<SecretManagerStandIn> {
  const unexpected: string[] = [];
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const line = `${req.method} ${url.pathname}`;
    const m = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/:]+)(:access)?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m || !['latest', '1'].includes(m[2])) {
      unexpected.push(line);
      res.writeHead(501, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 501, message: `not served by the Secret Manager stand-in: ${line}`, status: 'UNIMPLEMENTED' } }));
      return;
    }
    served.push(line);
    const name = `${m[1]}/versions/1`;
    const data = Buffer.from(payload);
    const body = m[3]
      ? { name, payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) } }
      : { name, createTime: '2026-01-01T00:00:00Z', state: 'ENABLED', etag: '"1"' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/`,
    unexpected,
    served,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
