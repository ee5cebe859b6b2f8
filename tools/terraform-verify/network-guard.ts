import { createServer, Server } from 'net';

// The network guard

export interface NetworkGuard {
  server: Server;
  env: Record<string, string>;
  attempts: Set<string>;
}

/** A loopback HTTP proxy that refuses every request and remembers the host asked for. */
export function startNetworkGuard(): Promise<NetworkGuard> {
  const attempts = new Set<string>();
  const server = createServer((socket) => {
    socket.once('data', (chunk) => {
      const first = chunk.toString('latin1').split('\r\n')[0];
      const target = /^CONNECT (\S+)/.exec(first)?.[1] ?? /^\w+ (?:https?:\/\/)?([^/\s]+)/.exec(first)?.[1] ?? first;
      attempts.add(target);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const proxy = `http://127.0.0.1:${port}`;
      server.unref();
      resolvePromise({
        server,
        attempts,
        env: { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '' },
      });
    });
  });
}

export function semaphore(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
