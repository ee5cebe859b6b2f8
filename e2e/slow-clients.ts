/**
 * Slow-header clients (slowloris): each opens a connection, sends a partial request header and
 * then one more header line every second, never finishing. NGINX's client_header_timeout must
 * cut them off (408 in its log; the connection is closed, or reset with reset_timedout_connection)
 * while everyone else is served.
 */
import * as net from 'node:net';

export interface SlowClientResult {
  /** How long the connection stayed open. */
  heldMs: number;
  /** 'server' when NGINX closed or reset it, 'client' when we gave up first. */
  closedBy: 'server' | 'client';
  /** Start of whatever NGINX sent before closing (usually nothing). */
  received: string;
}

export interface SlowClients {
  readonly count: number;
  /** Resolves when every client has been closed (by NGINX, or by us after `giveUpMs`). */
  done: Promise<SlowClientResult[]>;
  /** Clients still open. */
  open(): number;
}

export function openSlowClients(baseUrl: string, count: number, localAddress: string, giveUpMs: number): SlowClients {
  const { hostname, port } = new URL(baseUrl);
  let open = 0;
  const one = () =>
    new Promise<SlowClientResult>((resolve) => {
      const started = Date.now();
      let received = '';
      let gaveUp = false;
      open++;
      const socket = net.connect({ host: hostname, port: Number(port), localAddress }, () => {
        socket.write(`GET / HTTP/1.1\r\nHost: slow.example\r\n`);
      });
      const trickle = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now() - started}: 1\r\n`), 1000);
      const giveUp = setTimeout(() => {
        gaveUp = true;
        socket.destroy();
      }, giveUpMs);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', () => {}); // a reset is one way NGINX closes it
      socket.on('close', () => {
        clearInterval(trickle);
        clearTimeout(giveUp);
        open--;
        resolve({ heldMs: Date.now() - started, closedBy: gaveUp ? 'client' : 'server', received: received.slice(0, 40) });
      });
    });
  return { count, done: Promise.all(Array.from({ length: count }, one)), open: () => open };
}
