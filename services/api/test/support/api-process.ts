// Runs the real API entrypoint (src/server.ts through tsx) as a child process, the way the
// container runs dist/server.js, listening on a unix socket.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor } from './app';

export interface ApiProcess {
  readonly proc: ChildProcess;
  readonly socketPath: string;
  /** Everything the process wrote (JSON log lines and start-up errors). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const apiDir = join(__dirname, '..', '..');

/**
 * A child process watched for its output and its exit. `stop` is what the kubelet does: SIGTERM,
 * then SIGKILL after `graceMs`; it resolves with the exit code (or signal name). Also used by the
 * image check (tools/image-check/run.ts), which runs the built images the same way.
 */
export interface WatchedProcess {
  readonly proc: ChildProcess;
  /** Everything the process wrote on stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<number | string>;
  running(): boolean;
  stop(graceMs?: number): Promise<number | string>;
}

export function watchProcess(proc: ChildProcess, defaultGraceMs: number): WatchedProcess {
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    output: () => output,
    exited,
    running,
    stop: async (graceMs = defaultGraceMs) => {
      if (running()) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

export function spawnApi(env: NodeJS.ProcessEnv): ApiProcess {
  const proc = spawn(process.execPath, ['--require', 'tsx/cjs', join(apiDir, 'src', 'server.ts')], {
    cwd: apiDir,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchProcess(proc, 5000);
  return { proc, socketPath: env.LISTEN_SOCKET ?? '', output: watched.output, exited: watched.exited, stop: async (graceMs) => void (await watched.stop(graceMs)) };
}

/** Spawns the API and waits until `readyPath` answers 200 over its socket. */
export async function startApi(env: NodeJS.ProcessEnv, readyPath = '/readyz'): Promise<ApiProcess> {
  const api = spawnApi(env);
  try {
    await waitFor(`the api to answer ${readyPath}`, async () => {
      if (api.proc.exitCode !== null) throw new Error(`api exited with ${api.proc.exitCode}:\n${api.output()}`);
      return (await socketGet(api.socketPath, readyPath).catch(() => undefined))?.status === 200;
    });
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}

/** A GET over a unix socket; rejects if the socket does not accept the connection. */
export function socketGet(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
