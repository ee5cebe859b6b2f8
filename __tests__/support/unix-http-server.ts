import * as fs from 'node:fs';
import * as http from 'node:http';

export interface UnixHttpServer {
  readonly socketPath: string;
  /** Requests seen, in order (headers as received from NGINX). */
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; bodyBytes: number; connection: number }>;
  close(): Promise<void>;
}

/**
 * A small HTTP app on a unix socket, standing in for the api behind NGINX. The socket is created
 * readable and writable by all, as the real app must: NGINX runs as a different (unprivileged) user.
 */
export async function startUnixHttpServer(
  socketPath: string,
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void,
): Promise<UnixHttpServer> {
  fs.rmSync(socketPath, { force: true });
  const requests: UnixHttpServer['requests'] = [];
  // Numbers each upstream connection, so tests can see NGINX reuse one (keep-alive).
  const connectionIds = new WeakMap<object, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    if (!connectionIds.has(req.socket)) connectionIds.set(req.socket, ++connections);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, bodyBytes: body.length, connection: connectionIds.get(req.socket)! });
      handler(req, res, body);
    });
  });
  // Longer than NGINX's upstream keepalive_timeout, so the app never closes a connection NGINX reuses.
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: socketPath, readableAll: true, writableAll: true }, resolve);
  });
  return {
    socketPath,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
