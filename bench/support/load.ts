/**
 * Load generators for the API benchmark: wrk for saturation throughput (closed loop, fixed
 * connections) and vegeta for latency at a constant request rate (open loop, so a stall shows as
 * latency instead of slowing the sender down; HDR-style percentiles from every request), plus the
 * CPU time a process spent, read from /proc.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** vegeta's connection cap (it opens more only while requests are outstanding). */
const maxConnections = 256;

export const VEGETA = resolve(__dirname, '..', '..', '.tools', 'bin', 'vegeta');

/** One request shape the benchmark sends. */
export interface Target {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
}

export interface ThroughputRun {
  rps: number;
  requests: number;
}

export interface RateRun {
  rate: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of answers with the expected 2xx status. */
  success: number;
}

/** wrk -t1 -cN for `seconds`; throws on socket errors or non-2xx answers (a failing stack is not fast). */
export function wrk(target: Target, connections: number, seconds: number): ThroughputRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`];
    if (target.method === 'POST') {
      const script = join(dir, 'post.lua');
      writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(target.body ?? '')}\nwrk.headers["Content-Type"] = "application/json"\n`);
      args.push('-s', script);
    }
    const run = spawnSync('wrk', [...args, target.url], { encoding: 'utf8' });
    if (run.error) throw new Error(`wrk not runnable (${run.error.message}); install it (Debian package "wrk", ci/setup.sh)`);
    if (run.status !== 0) throw new Error(`wrk failed:\n${run.stderr}`);
    if (/Socket errors|Non-2xx/.test(run.stdout)) throw new Error(`failed requests during the wrk run on ${target.method} ${target.url}:\n${run.stdout}`);
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout);
    const total = /(\d+) requests in/.exec(run.stdout);
    if (!rps || !total) throw new Error(`no Requests/sec in wrk output:\n${run.stdout}`);
    return { rps: Number(rps[1]), requests: Number(total[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** vegeta at a constant `rate` for `seconds`; latencies of every request, errors counted, not thrown. */
export function vegeta(target: Target, rate: number, seconds: number): RateRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-vegeta-'));
  try {
    const targets = join(dir, 'targets.json');
    const line: Record<string, unknown> = { method: target.method, url: target.url };
    if (target.body !== undefined) {
      line.body = Buffer.from(target.body).toString('base64');
      line.header = { 'Content-Type': ['application/json'] };
    }
    writeFileSync(targets, `${JSON.stringify(line)}\n`);
    const results = join(dir, 'results.bin');
    const attack = spawnSync(
      VEGETA,
      [
        'attack', '-format=json', `-targets=${targets}`, `-rate=${rate}/s`, `-duration=${seconds}s`, '-keepalive=true', '-timeout=10s',
        // A bounded pool, the same for every stack: a stall shows as latency, not as thousands of new connections.
        '-connections=32', `-max-connections=${maxConnections}`,
        `-output=${results}`,
      ],
      { encoding: 'utf8' },
    );
    if (attack.error) throw new Error(`vegeta not runnable (${attack.error.message}); run ci/install/bench-tools.sh`);
    if (attack.status !== 0) throw new Error(`vegeta attack failed:\n${attack.stderr}`);
    const report = spawnSync(VEGETA, ['report', '-type=json', results], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (report.status !== 0) throw new Error(`vegeta report failed:\n${report.stderr}`);
    const json = JSON.parse(report.stdout) as {
      requests: number;
      rate: number;
      success: number;
      latencies: { '50th': number; '99th': number; max: number };
    };
    const ms = (ns: number) => ns / 1e6;
    return { rate: json.rate, requests: json.requests, p50Ms: ms(json.latencies['50th']), p99Ms: ms(json.latencies['99th']), maxMs: ms(json.latencies.max), success: json.success };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** User + system CPU milliseconds a process (and its reaped children) has used so far. */
export function cpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** One thread's CPU time (user + system) in ms. */
export function threadCpuMs(pid: number, thread: string): number {
  return statCpuMs(`/proc/${pid}/task/${thread}/stat`);
}

function statCpuMs(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicksPerSecond();
}

let ticksPerSecond: number | undefined;
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const run = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticksPerSecond = Number(run.stdout.trim()) || 100;
  }
  return ticksPerSecond;
}

/** Measures `work` and the CPU the given processes spent during it, per request. */
export function withCpu<T extends { requests: number }>(pids: number[], work: () => T): T & { cpuUsPerRequest: number } {
  const before = pids.map(cpuMs);
  const result = work();
  const spent = pids.map(cpuMs).reduce((sum, after, i) => sum + after - before[i], 0);
  return { ...result, cpuUsPerRequest: result.requests > 0 ? (spent * 1000) / result.requests : NaN };
}
