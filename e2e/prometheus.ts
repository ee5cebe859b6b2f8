/**
 * A real Prometheus server (ci/install/prometheus.sh builds it from the Go module proxy)
 * scraping the real pods' metrics ports, as Managed Prometheus's collectors do through each
 * workload's PodMonitoring, with the environment's alert rules loaded: the same records the
 * monitoring stack turns into Cloud Monitoring alert policies, with the app alerts' rate() window
 * shortened so a run of seconds can see them fire and resolve. Listens on loopback only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../config';
import { loadDelivery } from '../config/delivery';
import { ruleFile, type AlertRule } from '../monitoring';
import { alertsOf, runbookBase } from '../stacks/monitoring-stack';
import { freePort } from '../testing/nginx';
import { waitUntil } from '../testing/util';
import { WORKLOADS, type WorkloadDefinition } from '../workloads';

const REPO = join(__dirname, '..');

/** The directory holding promtool and prometheus; fails with the command that builds them. */
export function prometheusBinDir(): string {
  const dir = execFileSync('bash', [join(REPO, 'ci/install/prometheus.sh'), '--print-dir'], { encoding: 'utf8' }).trim();
  if (!existsSync(join(dir, 'promtool')) || !existsSync(join(dir, 'prometheus'))) {
    throw new Error(`promtool and prometheus are not built in ${dir}: run bash ci/install/prometheus.sh (minutes cold)`);
  }
  return dir;
}

/** Literal uptime check ids where the stack has Terraform references. */
export function uptimeCheckIdsFor(definitions: readonly WorkloadDefinition[]): Record<string, string> {
  return Object.fromEntries(definitions.map((d) => [d.name, `uptime-${d.name}`]));
}

/** The app alerts' rate() window in a run of seconds (5m in Cloud Monitoring). */
export const SHORT_RATE_WINDOW = '10s';

/**
 * The environment's alerts as a run of seconds can see them: the app alerts' rate() window
 * shortened to SHORT_RATE_WINDOW, and the `for` of the alerts named in `forOverrides` replaced.
 * This is the run's copy only: the monitoring stack ships the definitions' own values.
 */
export function shortRunAlerts(env: EnvironmentConfig, forOverrides: Record<string, string> = {}): AlertRule[] {
  const alerts = alertsOf(env, WORKLOADS, uptimeCheckIdsFor(WORKLOADS), SHORT_RATE_WINDOW);
  for (const name of Object.keys(forOverrides)) {
    if (!alerts.some((a) => a.name === name)) throw new Error(`no alert named ${name} to shorten; the alerts are: ${alerts.map((a) => a.name).join(', ')}`);
  }
  return alerts.map((a) => (forOverrides[a.name] ? { ...a, for: forOverrides[a.name] } : a));
}

/** The rule file Prometheus loads for a short run: every alert evaluated each second. */
export function shortRunRuleFile(env: EnvironmentConfig, alerts: readonly AlertRule[]): string {
  return ruleFile(`isoscribe-${env.name}`, alerts, runbookBase(loadDelivery()), '1s');
}

export interface ScrapeTarget {
  /** The workload: Managed Prometheus sets `job` to its PodMonitoring's name. */
  readonly job: string;
  /** host:port of the pod's metrics listener. */
  readonly address: string;
  /** The labels Managed Prometheus adds (cluster, location, namespace, pod). */
  readonly labels: Record<string, string>;
}

/** Where an alert is in Prometheus's own rule evaluation (its ALERTS series). */
export type AlertState = 'inactive' | 'pending' | 'firing';

export interface RunningPrometheus {
  readonly url: string;
  /** The alert's state now, from Prometheus's ALERTS series. */
  alertState(name: string): Promise<AlertState>;
  /** Instant query: the result vector's label sets with their values. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** The targets' last scrape health, by job. */
  targetHealth(): Promise<Array<{ job: string; health: string }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(binDir: string, targets: readonly ScrapeTarget[], rules: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'isoscribe-prometheus-'));
  writeFileSync(join(dir, 'rules.json'), rules);
  // One-second scrapes and evaluations: the run lasts seconds, not the 30 s / 60 s of production.
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ['rules.json'],
    scrape_configs: targets.map((t, i) => ({
      job_name: `${t.job}-${i}`,
      static_configs: [{ targets: [t.address], labels: { ...t.labels, job: t.job } }],
      // Keep the target's `job` label as Managed Prometheus sets it (the workload), not the scrape config's name.
      honor_labels: true,
    })),
  };
  writeFileSync(join(dir, 'prometheus.json'), JSON.stringify(config));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(join(binDir, 'prometheus'), [
    `--config.file=${join(dir, 'prometheus.json')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`Prometheus ready on ${url}`, 30_000, async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200, 200);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`query failed: ${body.error}: ${expr}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async alertState(name) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`ALERTS{alertname=${JSON.stringify(name)}}`)}`);
      const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
      const states = body.data.result.map((r) => r.metric.alertstate);
      return states.includes('firing') ? 'firing' : states.includes('pending') ? 'pending' : 'inactive';
    },
    async targetHealth() {
      const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } };
      return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health }));
    },
    stop,
  };
}
