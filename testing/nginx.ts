/**
 * Runs a real (Debian) NGINX on a rendered config for tests, laid out like the pod: the config,
 * a temp dir for pid and temp paths, a socket dir shared with an app, and an HTML dir.
 *
 *   const nginx = await startNginx({ config: (l) => renderNginxConfig({ ...l.testProps, backend, trustedProxies: [] }) });
 *   const res = await httpRequest(`${nginx.baseUrl}/nginx-health`);
 *   await nginx.stop();
 *
 * As root, NGINX runs as `nobody` (65534) like the unprivileged pod, so permission mistakes show up
 * here. An app listening on `layout.socketPath` must therefore make its socket connectable by others:
 * Node `server.listen({ path, readableAll: true, writableAll: true })`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { NGINX_HEALTH_PATH, nginxArgs, type NginxPaths } from '../constructs/nginx';

const NOBODY = 65534;

/** Where one NGINX instance's files live; mirrors POD_LAYOUT under a temp dir. */
export interface NginxTestLayout {
  readonly dir: string;
  readonly port: number;
  readonly listenAddress: string;
  readonly configFile: string;
  /** Like POD_LAYOUT.tmpDir: pid file and temp paths, owned by the NGINX user. */
  readonly tmpDir: string;
  /** Like POD_LAYOUT.socketDir: the app creates `socketPath` here. */
  readonly socketDir: string;
  readonly socketPath: string;
  /** Like POD_LAYOUT.htmlDir: root for the static-files backend. */
  readonly htmlDir: string;
  /** Spread into `renderNginxConfig` props: loopback listen address, this port, rebased paths. */
  readonly testProps: { listenPort: number; listenAddress: string; paths: NginxPaths };
}

export type NginxConfigSource = string | ((layout: NginxTestLayout) => string);

export interface StartNginxOptions {
  config: NginxConfigSource;
  /** Use this directory (created if missing, kept after stop). @default - a fresh temp dir, removed by stop() */
  dir?: string;
  /** @default 10000 */
  startTimeoutMs?: number;
}

/** One parsed line of the JSON access log (see log_format in nginx-config.ts). */
export interface AccessLogEntry {
  time: string;
  request_id: string;
  client_ip: string;
  peer_ip: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  request_time: number;
  upstream_response_time: string;
  referer: string;
  user_agent: string;
  host: string;
}

export interface RunningNginx {
  readonly port: number;
  /** e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  readonly dir: string;
  readonly layout: NginxTestLayout;
  readonly pid: number;
  /** Raw stdout: the access log, one JSON object per line. */
  logs(): string;
  /** Raw stderr: NGINX's error log. */
  errorLog(): string;
  accessLog(): AccessLogEntry[];
  /** NGINX writes the access log after the response, so poll for the entry a test expects. */
  waitForAccessLog(match: (entry: AccessLogEntry) => boolean, timeoutMs?: number): Promise<AccessLogEntry>;
  /** Graceful stop (SIGQUIT), SIGKILL to master and workers after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/** The nginx binary: $NGINX_BIN, /usr/sbin/nginx, or the first `nginx` on PATH. */
export function findNginx(): string {
  const candidates = [process.env.NGINX_BIN, '/usr/sbin/nginx', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'nginx'))];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error('nginx not found ($NGINX_BIN, /usr/sbin/nginx, PATH). Install it with ci/install/nginx.sh (Debian package "nginx").');
}

/** A currently free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `nginx -t` on a config (rendered against a throwaway layout if a function). */
export function nginxTest(config: NginxConfigSource): { ok: boolean; output: string } {
  const layout = createLayout(fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-t-')), 8080);
  try {
    return testConfig(findNginx(), layout, renderSource(config, layout));
  } finally {
    fs.rmSync(layout.dir, { recursive: true, force: true });
  }
}

/** Live instances: master process and the temp dir to remove (undefined when the caller owns it). */
const running = new Map<ChildProcess, string | undefined>();
// Last resort if a test forgets stop(): never leave an NGINX behind when the jest worker exits.
process.once('exit', () => {
  for (const [child, ownedDir] of running) {
    killTree(child.pid!);
    if (ownedDir) fs.rmSync(ownedDir, { recursive: true, force: true });
  }
});

/**
 * Starts NGINX on a free loopback port: renders the config for the layout, rejects it with
 * NGINX's own message if `nginx -t` fails, then waits until /nginx-health answers 200.
 */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const bin = findNginx();
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
  // A string config fixes its own port; a function is rendered for the port we pick, and re-rendered
  // if another process grabbed that port in between.
  const attempts = typeof options.config === 'string' ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const port = typeof options.config === 'string' ? portOf(options.config) : await freePort();
      const layout = createLayout(dir, port);
      return await launch(bin, layout, renderSource(options.config, layout), ownsDir, options.startTimeoutMs ?? 10_000);
    } catch (error) {
      const portTaken = /Address already in use/.test(String(error));
      if (!portTaken || attempt >= attempts) {
        if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function launch(bin: string, layout: NginxTestLayout, config: string, ownsDir: boolean, startTimeoutMs: number): Promise<RunningNginx> {
  const tested = testConfig(bin, layout, config);
  if (!tested.ok) throw new Error(`nginx -t rejected the config:\n${tested.output}\n${numbered(config)}`);

  const stdoutFile = path.join(layout.dir, 'access.log');
  const stderrFile = path.join(layout.dir, 'error.log');
  // Regular files, not pipes: NGINX reopens /dev/stdout, which fails on the socketpairs Node uses
  // for 'pipe' (ENXIO) and on anything the unprivileged user does not own.
  const out = openLog(stdoutFile);
  const err = openLog(stderrFile);
  const child = spawn(bin, nginxArgs(layout.configFile), { stdio: ['ignore', out, err], ...runAs() });
  fs.closeSync(out);
  fs.closeSync(err);
  running.set(child, ownsDir ? layout.dir : undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const workers = childPids(child.pid!);
        child.kill('SIGQUIT');
        const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref());
        const graceful = await Promise.race([exited.then(() => true), timer]);
        if (!graceful) {
          killTree(child.pid!, [...workers]);
          await exited;
        }
      }
      if (ownsDir) fs.rmSync(layout.dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const readFile = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  const accessLog = (): AccessLogEntry[] =>
    readFile(stdoutFile)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AccessLogEntry);

  const instance: RunningNginx = {
    port: layout.port,
    baseUrl: `http://${layout.listenAddress}:${layout.port}`,
    dir: layout.dir,
    layout,
    pid: child.pid!,
    logs: () => readFile(stdoutFile),
    errorLog: () => readFile(stderrFile),
    accessLog,
    waitForAccessLog: async (match, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = accessLog().find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching access log entry within ${timeoutMs} ms; log:\n${readFile(stdoutFile)}`);
        await sleep(20);
      }
    },
    stop,
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`nginx exited during start (${child.exitCode ?? child.signalCode}):\n${instance.errorLog()}`);
    }
    if ((await healthStatus(layout)) === 200) return instance;
    if (Date.now() > deadline) {
      const log = instance.errorLog();
      await stop();
      throw new Error(`nginx did not answer ${NGINX_HEALTH_PATH} within ${startTimeoutMs} ms:\n${log}`);
    }
    await sleep(20);
  }
}

/** Creates the directory tree with the permissions the pod has (NGINX user owns tmp only). */
function createLayout(dir: string, port: number): NginxTestLayout {
  const tmpDir = path.join(dir, 'tmp');
  const socketDir = path.join(dir, 'run');
  const htmlDir = path.join(dir, 'www');
  for (const d of [dir, tmpDir, socketDir, htmlDir]) {
    fs.mkdirSync(d, { recursive: true });
    fs.chmodSync(d, 0o755); // mkdtemp makes 0700, which the nobody user could not enter
  }
  if (isRoot()) fs.chownSync(tmpDir, NOBODY, NOBODY);
  const listenAddress = '127.0.0.1';
  const paths: NginxPaths = { pidFile: path.join(tmpDir, 'nginx.pid'), tempDir: tmpDir, mimeTypes: '/etc/nginx/mime.types' };
  return {
    dir,
    port,
    listenAddress,
    configFile: path.join(dir, 'nginx.conf'),
    tmpDir,
    socketDir,
    socketPath: path.join(socketDir, 'app.sock'),
    htmlDir,
    testProps: { listenPort: port, listenAddress, paths },
  };
}

function testConfig(bin: string, layout: NginxTestLayout, config: string): { ok: boolean; output: string } {
  fs.writeFileSync(layout.configFile, config, { mode: 0o644 });
  // -t opens the log files too, so it gets the same regular-file stdio as a real start.
  const outputFile = path.join(layout.dir, 'nginx-t.log');
  const fd = openLog(outputFile);
  try {
    const result = spawnSync(bin, ['-t', '-c', layout.configFile, '-e', 'stderr'], { stdio: ['ignore', fd, fd], timeout: 10_000, ...runAs() });
    return { ok: result.status === 0, output: fs.readFileSync(outputFile, 'utf8').trim() };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(outputFile, { force: true });
  }
}

function renderSource(config: NginxConfigSource, layout: NginxTestLayout): string {
  return typeof config === 'string' ? config : config(layout);
}

function portOf(config: string): number {
  const match = /(?:^|[\s{;])listen\s+(?:\S*:)?(\d+)\b/.exec(config);
  if (!match) throw new Error('startNginx: a string config needs a `listen <port>` line; or pass a function that renders for layout.testProps');
  return Number(match[1]);
}

function openLog(file: string): number {
  const fd = fs.openSync(file, 'a', 0o644);
  if (isRoot()) fs.fchownSync(fd, NOBODY, NOBODY);
  return fd;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function runAs(): { uid?: number; gid?: number } {
  return isRoot() ? { uid: NOBODY, gid: NOBODY } : {};
}

function healthStatus(layout: NginxTestLayout): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: layout.listenAddress, port: layout.port, path: NGINX_HEALTH_PATH, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** Direct children of a pid (NGINX's workers), from /proc. */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

/**
 * SIGKILLs the master first, then its workers: a live master would respawn a killed worker, and
 * that new worker would outlive it as an orphan.
 */
function killTree(master: number, knownWorkers: number[] = []): void {
  const workers = new Set([...knownWorkers, ...childPids(master)]);
  killPid(master, 'SIGKILL');
  for (const worker of [...workers, ...childPids(master)]) killPid(worker, 'SIGKILL');
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function numbered(config: string): string {
  return config
    .split('\n')
    .map((line, i) => `${String(i + 1).padStart(4)}  ${line}`)
    .join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
