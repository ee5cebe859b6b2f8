/**
 * The whole e2e run: a MongoDB-wire server, the frontend pod, api pod "a" behind the emulated load
 * balancer, then the three scenarios in order (rolling restart → MongoDB outage → bad input), with
 * slow-header clients held open against both pods' NGINX and a light frontend load throughout.
 * Everything listens on loopback, every load is bounded, and everything started is stopped.
 */
import { ENVIRONMENTS, loadEnvironments } from '../config';
import { READINESS_PATH } from '../constructs/nginx';
import { watchApiAlert, WATCHED_ALERT, type AlertingOptions } from './alerting';
import { startMongoWireServer, startOpenSearch, type MongoWireServer, type OpenSearchCluster } from '../testing';
import { searchCluster, type SearchScenarioOptions } from './search';
import { Balancer } from './balancer';
import { formatCounts, Load } from './load';
import { CLIENT_ADDRESS, LB_ADDRESS, startApiPod, startFrontendPod, type FrontendPod, type RunningPod } from '../testing/pods';
import { badInput, mongoOutage, rollingRestart, type Check, type LoadSettings, type ScenarioResult } from './scenarios';
import { openSlowClients, type SlowClients } from './slow-clients';
import { ms } from '../testing/util';

export interface E2eOptions {
  /** Load on the api in scenarios 1 and 2. */
  apiLoad: LoadSettings;
  /** Load on the frontend pod for the whole run. */
  frontendLoad: LoadSettings;
  /** The stack's drainSecondsFor(env), shortened for the run. */
  drainSeconds: number;
  detachLagMs: number;
  /** The LB's health check, scaled from the ingress stack's seconds to milliseconds. */
  lbCheckIntervalMs: number;
  outageMs: number;
  /** Slow-header clients per pod. */
  slowClients: number;
  /** Scenario 4 (search on three OpenSearch nodes); omitted, the scenario is skipped. */
  search?: SearchScenarioOptions;
  /**
   * A real Prometheus watching the api's 503 alert through scenario 2 (e2e/alerting.ts), reported
   * last; omitted, it is skipped. Needs ci/install/prometheus.sh's build.
   */
  alerting?: Omit<AlertingOptions, 'env'>;
}

export const DEFAULT_OPTIONS: E2eOptions = {
  apiLoad: { concurrency: 8, ratePerSecond: 300, maxRequests: 10_000, maxDurationMs: 30_000 },
  frontendLoad: { concurrency: 2, ratePerSecond: 50, maxRequests: 3000, maxDurationMs: 60_000 },
  drainSeconds: 2,
  detachLagMs: 500,
  lbCheckIntervalMs: 200,
  // Long enough for the alert watch (scrape and evaluation every 1 s, for 1 s) to fire while MongoDB is down.
  outageMs: 6000,
  slowClients: 20,
  search: { writes: 300, writesPerSecond: 50, killAt: 120 },
  // The run's copy of the alert waits 1 s instead of 2 min before firing (printed in the report).
  alerting: { alertFor: '1s', resolveTimeoutMs: 60_000 },
};

export interface E2eReport {
  scenarios: ScenarioResult[];
  checks: Check[];
  ok: boolean;
  durationMs: number;
  /** The report as Markdown-ish text, for the terminal and the CI log. */
  text: string;
}

export async function runE2e(options: E2eOptions = DEFAULT_OPTIONS, progress: (line: string) => void = () => {}): Promise<E2eReport> {
  const started = Date.now();
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const mongo: MongoWireServer = await startMongoWireServer();
    cleanup.push(() => mongo.stop());
    if (!mongo.owned) throw new Error('the e2e run kills and restarts MongoDB, so it needs its own MongoDB-wire server: unset MONGODB_URL');

    progress('starting the frontend pod and api pod a');
    const [frontend, podA] = await Promise.all([startFrontendPod(), startApiPod(mongo.uri, { name: 'a' })]);
    cleanup.push(() => frontend.stop(), () => podA.stop());
    const lb = await Balancer.start({
      address: LB_ADDRESS,
      healthPath: READINESS_PATH,
      checkIntervalMs: options.lbCheckIntervalMs,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    cleanup.push(() => lb.close());
    lb.attach('a', podA.baseUrl);
    await lb.waitHealthy('a');

    const slow: Array<{ target: string; clients: SlowClients; servedMeanwhile: () => number }> = [];
    slow.push(holdSlowClients('frontend pod', frontend, options.slowClients));
    const frontendLoad = new Load({
      baseUrl: frontend.baseUrl,
      request: (i) => ({ method: 'GET', path: ['/', '/documents/42', '/index.html'][i % 3] }),
      requestId: (i) => `e2e-front-${String(i).padStart(6, '0')}`,
      localAddress: CLIENT_ADDRESS,
      ...options.frontendLoad,
    });
    cleanup.push(() => frontendLoad.stop());

    progress('scenario 1: rolling restart');
    const rolling = await rollingRestart(lb, podA, mongo.uri, {
      load: options.apiLoad,
      drainSeconds: options.drainSeconds,
      detachLagMs: options.detachLagMs,
      onNewPod: (pod) => {
        cleanup.push(() => pod.stop());
        slow.push(holdSlowClients('api pod b', pod, options.slowClients));
      },
    });
    const podB = rolling.podB;

    const alertWatch = options.alerting ? await watchApiAlert(podB, { env: environmentOf('staging'), ...options.alerting }, progress) : undefined;
    if (alertWatch) cleanup.push(() => alertWatch.stop());

    progress('scenario 2: MongoDB killed mid-load');
    const outage = await mongoOutage(podB, mongo, lb, {
      load: options.apiLoad,
      outageMs: options.outageMs,
      recoveryTimeoutMs: 20_000,
      healthIntervalMs: 50,
      onKilled: () => alertWatch?.killed(),
      onBack: () => alertWatch?.back(),
    });

    progress('scenario 3: bad input');
    const bad = await badInput(podB, frontend, lb, mongo.uri, {
      slowClients: slow.map((s) => ({ target: s.target, done: s.clients.done, count: s.clients.count })),
      servedMeanwhile: () => Object.fromEntries(slow.map((s) => [s.target, s.servedMeanwhile()])),
    });

    const front = await frontendLoad.stop();
    const frontFailed = front.samples.filter((s) => s.status !== 200);
    const frontendScenario: ScenarioResult = {
      title: 'Frontend pod under load for the whole run',
      figures: [`requests sent: ${front.samples.length} in ${ms(front.durationMs)}, statuses: ${formatCounts(front.counts)}`],
      checks: [{ name: 'zero failed frontend requests', ok: frontFailed.length === 0 && front.samples.length > 0, detail: `${frontFailed.length} failed` }],
    };

    const scenarios = [rolling, outage, bad, frontendScenario];
    if (options.search) {
      // Started only now: three JVMs starting on two cores would skew the load scenarios' latencies.
      progress('scenario 5: search on three OpenSearch nodes, one killed mid-write');
      const searchEngine: OpenSearchCluster = await startOpenSearch({ nodes: 3 });
      cleanup.push(() => searchEngine.stop());
      scenarios.push(await searchCluster(searchEngine, mongo.uri, options.search));
    }
    // Last, so the scenarios keep their numbers; the alert resolved during scenario 3 or waits here.
    if (alertWatch) {
      progress(`the ${WATCHED_ALERT} alert: waiting for it to resolve, then /metrics from outside`);
      scenarios.push(await alertWatch.finish(lb.url));
    }
    const checks = scenarios.flatMap((s) => s.checks);
    const durationMs = Date.now() - started;
    const ok = checks.every((c) => c.ok);
    return { scenarios, checks, ok, durationMs, text: format(scenarios, ok, durationMs) };
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}

/**
 * Opens slow-header clients against a pod's NGINX and counts, from its access log, the requests it
 * served to others until they were all closed.
 */
function holdSlowClients(target: string, pod: RunningPod | FrontendPod, count: number) {
  const served = () => pod.nginx.accessLog().filter((e) => e.status < 400).length;
  const before = served();
  let after: number | undefined;
  const clients = openSlowClients(pod.baseUrl, count, CLIENT_ADDRESS, 25_000);
  void clients.done.then(() => (after = served()));
  return { target, clients, servedMeanwhile: () => (after ?? served()) - before };
}

/** A committed environment's config (its generated alert rules are what the alert watch loads). */
function environmentOf(name: string) {
  const env = loadEnvironments(ENVIRONMENTS).find((e) => e.name === name);
  if (!env) throw new Error(`no environment named ${name}`);
  return env;
}

function format(scenarios: ScenarioResult[], ok: boolean, durationMs: number): string {
  const lines = [`# e2e: the pods run for real (${ok ? 'PASS' : 'FAIL'}, ${ms(durationMs)})`, ''];
  scenarios.forEach((s, i) => {
    lines.push(`## ${i + 1}. ${s.title}`);
    s.figures.forEach((f) => lines.push(`- ${f}`));
    s.checks.forEach((c) => lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`));
    lines.push('');
  });
  return lines.join('\n');
}
