/**
 * The commands and files the workloads stack puts into pods, run against the real thing: the api's
 * liveness probe (the exact exec command, with this machine's node) against a real HTTP server on a
 * unix socket, and the frontend pages file through frontend-server's own parser.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FALLBACK_FILE, parsePages } from '../../services/frontend-server/src/pages';
import { nodeSocketProbe } from '../../workloads';
import { FRONTEND_SPA_FALLBACK, frontendPages } from '../../workloads/frontend';
import { startUnixHttpServer, type UnixHttpServer } from '../support/unix-http-server';
import { environment } from '../support/topology';

describe('api liveness probe command', () => {
  let dir: string;
  let server: UnixHttpServer | undefined;
  let status = 200;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs the probe exactly as kubelet would exec it, with this machine's node in place of the image's.
   * Asynchronously: the server under test lives in this process's event loop.
   */
  const probe = (socketPath: string): Promise<number | null> => {
    const [, ...args] = nodeSocketProbe(socketPath, '/healthz', process.execPath);
    const child = spawn(process.execPath, args, { stdio: 'ignore', timeout: 10_000 });
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  };

  it('succeeds when the app answers /healthz with 200 over the socket', async () => {
    const socket = path.join(dir, 'ok.sock');
    status = 200;
    server = await startUnixHttpServer(socket, (_req, res) => res.writeHead(status).end('{"status":"ok"}'));
    expect(await probe(socket)).toBe(0);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /healthz']);
  });

  it('fails when the app answers with an error status', async () => {
    const socket = path.join(dir, 'err.sock');
    status = 500;
    server = await startUnixHttpServer(socket, (_req, res) => res.writeHead(status).end());
    expect(await probe(socket)).toBe(1);
  });

  it('fails when nothing listens on the socket', async () => {
    expect(await probe(path.join(dir, 'missing.sock'))).toBe(1);
  });
});

describe('frontend pages file', () => {
  it.each(['dev', 'staging', 'production'])('%s: frontend-server accepts it, with the home page canonical on the domain', (name) => {
    const env = environment(name);
    const site = parsePages(frontendPages(env), 'pages.json');
    expect(site.pages.map((p) => p.route)).toContain('/');
    expect(site.pages.find((p) => p.route === '/')!.canonical).toBe(`https://${env.domain}/`);
  });

  it('NGINX falls back to the SPA shell frontend-server writes', () => {
    expect(FRONTEND_SPA_FALLBACK).toBe(`/${FALLBACK_FILE}`);
  });
});
