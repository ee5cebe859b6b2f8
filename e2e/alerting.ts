/**
 * The API's 503 alert under a real Prometheus during the MongoDB outage (scenario 2): Prometheus
 * (ci/install/prometheus.sh) scrapes api pod b's metrics port as Managed Prometheus's collector
 * would, with the labels it adds, and evaluates the environment's own generated alert rules. The
 * watch records when `api-mongodb-unavailable` goes pending, fires, and resolves after MongoDB is
 * back, and prints each moment as it happens. It also shows the metrics unreachable through NGINX's
 * port (the one the load balancer and visitors reach) and through the LB.
 *
 * For a run of seconds the run's copy of the rules differs from what the monitoring stack ships in
 * two values, both printed: the app alerts' rate() window (5m → SHORT_RATE_WINDOW) and this alert's
 * `for` (2m → ALERT_FOR). Scrapes and evaluations run every second (30 s and 60 s in production).
 * Cannot run here: Managed Prometheus and Cloud Monitoring's PromQL rule evaluation.
 */
import type { EnvironmentConfig } from '../config';
import { APP } from '../monitoring';
import { get, ms, sleep, waitUntil } from '../testing/util';
import type { RunningPod } from '../testing/pods';
import { prometheusBinDir, SHORT_RATE_WINDOW, shortRunAlerts, shortRunRuleFile, startPrometheus, type AlertState, type RunningPrometheus } from './prometheus';
import type { ScenarioResult } from './scenarios';

export const WATCHED_ALERT = 'api-mongodb-unavailable';

export interface AlertingOptions {
  /** The environment whose generated rules are loaded. */
  env: EnvironmentConfig;
  /** The watched alert's `for` in the run's copy of the rules. */
  alertFor: string;
  /** How long after MongoDB is back the alert may take to resolve. */
  resolveTimeoutMs: number;
}

export interface AlertWatch {
  /** Call when MongoDB is killed and when it is back. */
  killed(): void;
  back(): void;
  /** Waits for the alert to resolve (bounded), checks the metrics port from outside, stops Prometheus. */
  finish(lbUrl: string): Promise<ScenarioResult>;
  stop(): Promise<void>;
}

const check = (name: string, ok: boolean, detail: string) => ({ name, ok, detail });

export async function watchApiAlert(pod: RunningPod, options: AlertingOptions, progress: (line: string) => void): Promise<AlertWatch> {
  if (!pod.metricsUrl) throw new Error(`api pod ${pod.name} serves no metrics port (METRICS_PORT unset): nothing to scrape`);
  const { env } = options;
  const alerts = shortRunAlerts(env, { [WATCHED_ALERT]: options.alertFor });
  const shipped = shortRunAlerts(env).find((a) => a.name === WATCHED_ALERT)!;
  const watched = alerts.find((a) => a.name === WATCHED_ALERT)!;
  const region = env.regions[0].name;
  const prometheus: RunningPrometheus = await startPrometheus(prometheusBinDir(), [{
    job: 'api',
    address: new URL(pod.metricsUrl).host,
    labels: { cluster: `isoscribe-${env.name}-${region}`, location: region, namespace: 'isoscribe', pod: `api-${pod.name}` },
  }], shortRunRuleFile(env, alerts));
  // Two scrapes of the 503 counter before the outage starts: rate() needs two samples, and a first
  // sample taken after the kill (Prometheus starts scraping up to an interval after it is ready,
  // later on a busy machine) would leave the outage's first seconds unseen.
  try {
    await waitUntil('two scrapes of the api\'s 503 counter', 30_000, async () =>
      ((await prometheus.query(`count_over_time(${APP.apiMongodbUnavailableAnswers}{job="api"}[1m])`).catch(() => []))[0]?.value ?? 0) >= 2, 200);
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  progress(`Prometheus scraping api pod ${pod.name}'s metrics port every 1 s with ${env.name}'s ${alerts.length} generated alert rules; ` +
    `the run's copy of ${WATCHED_ALERT}: for ${watched.for} (shipped: ${shipped.for}), rate window ${SHORT_RATE_WINDOW} (shipped: 5m)`);

  const started = Date.now();
  const transitions: Array<{ state: AlertState; at: number }> = [];
  let killedAt = 0;
  let backAt = 0;
  let state: AlertState = 'inactive';
  const since = (t: number) => ms(Date.now() - t);
  // When the expression itself first held after the kill (Prometheus's instant query): the rule's
  // state follows at its next evaluation.
  let exprTrueAt = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (killedAt && !exprTrueAt && (await prometheus.query(watched.expr).catch(() => [])).length > 0) {
        exprTrueAt = Date.now();
        progress(`expression of ${WATCHED_ALERT} holds, ${since(killedAt)} after MongoDB was killed`);
      }
      const now = await prometheus.alertState(WATCHED_ALERT).catch(() => state);
      if (now !== state) {
        state = now;
        transitions.push({ state, at: Date.now() });
        const relative = backAt ? `${since(backAt)} after MongoDB came back` : killedAt ? `${since(killedAt)} after MongoDB was killed` : `${since(started)} after Prometheus started, before any outage`;
        progress(`alert ${WATCHED_ALERT}: ${state === 'inactive' ? 'RESOLVED' : state.toUpperCase()}, ${relative}`);
      }
      await sleep(200);
    }
  })();
  const stop = async () => {
    polling = false;
    await poller;
    await prometheus.stop();
  };

  return {
    killed: () => (killedAt = Date.now()),
    back: () => (backAt = Date.now()),
    stop,
    async finish(lbUrl) {
      try {
        const deadline = Date.now() + options.resolveTimeoutMs;
        const fired = () => transitions.some((t) => t.state === 'firing');
        while (Date.now() < deadline && !(fired() && state === 'inactive')) await sleep(250);
        // The metrics port from outside: through the pod's NGINX (the port the NEG and the LB use) and through the LB.
        const [viaNginx, viaLb, direct] = await Promise.all([
          get(`${pod.baseUrl}/metrics`), get(`${lbUrl}/metrics`), get(pod.metricsUrl!),
        ].map((p) => p.catch((e: Error) => ({ status: 0, body: String(e.message) }))));
        const leaks = (body: string) => body.includes('isoscribe_api_');
        progress(`GET /metrics through NGINX's port: ${viaNginx.status}${leaks(viaNginx.body) ? ' WITH metrics' : ', no metric in the body'}; ` +
          `through the LB: ${viaLb.status}${leaks(viaLb.body) ? ' WITH metrics' : ', no metric in the body'}; the metrics port itself (pod IP only): ${direct.status}`);
        // How the scrapes went: a scrape slower than its 1 s timeout (the api under load on a busy machine) delays what the rule sees.
        const window = `${Math.ceil((Date.now() - started) / 1000) + 5}s`;
        const scalar = async (expr: string) => (await prometheus.query(expr).catch(() => []))[0]?.value ?? NaN;
        const [scrapes, scrapesUp, slowest] = await Promise.all([
          scalar(`count_over_time(up{job="api"}[${window}])`),
          scalar(`sum_over_time(up{job="api"}[${window}])`),
          scalar(`max_over_time(scrape_duration_seconds{job="api"}[${window}])`),
        ]);
        const before = transitions.filter((t) => !killedAt || t.at < killedAt);
        const firstFiring = transitions.find((t) => t.state === 'firing' && t.at >= killedAt);
        const resolved = transitions.find((t) => t.state === 'inactive' && firstFiring && t.at > firstFiring.at);
        const figures = [
          `rules: ${env.name}'s ${alerts.length} generated alert rules; the run's copy changes two values of ${WATCHED_ALERT} (\`${watched.expr}\`): ` +
            `for ${watched.for} instead of ${shipped.for}, and the rate() window ${SHORT_RATE_WINDOW} instead of 5m; scrape and evaluation every 1 s (production: 30 s scrape, 60 s evaluation)`,
          `timeline: ${transitions.map((t) => `${t.state === 'inactive' ? 'resolved' : t.state} at ${killedAt ? `kill ${t.at >= killedAt ? '+' : '-'}${ms(Math.abs(t.at - killedAt))}` : ms(t.at - started)}`).join(', ') || 'no state change'}` +
            ` (MongoDB back at kill +${ms(backAt - killedAt)})`,
          `the expression first held ${exprTrueAt ? `${ms(exprTrueAt - killedAt)} after the kill` : 'never'}; ` +
          `fired ${firstFiring ? `${ms(firstFiring.at - killedAt)} after the kill` : 'never'}; resolved ${resolved ? `${ms(resolved.at - backAt)} after MongoDB came back (the ${SHORT_RATE_WINDOW} rate window emptying of 503s)` : 'never'}`,
          `GET /metrics: through the pod's NGINX port ${viaNginx.status}, through the LB ${viaLb.status}, on the metrics port ${direct.status}`,
          `scrapes of api pod ${pod.name}: ${scrapes}, ${scrapes - scrapesUp} failed (1 s timeout), slowest ${ms(slowest * 1000)}`,
        ];
        return {
          title: `The ${WATCHED_ALERT} alert under a real Prometheus during scenario 2 (the run's copy: for ${watched.for}, rate window ${SHORT_RATE_WINDOW})`,
          figures,
          checks: [
            check('silent before the outage', before.every((t) => t.state === 'inactive'), before.map((t) => t.state).join(', ') || 'no state change'),
            check(`${WATCHED_ALERT} fired while MongoDB was down`, firstFiring !== undefined && firstFiring.at < backAt, firstFiring ? `${ms(firstFiring.at - killedAt)} after the kill, MongoDB back at +${ms(backAt - killedAt)}` : 'never fired'),
            check(`${WATCHED_ALERT} resolved after MongoDB came back`, resolved !== undefined && resolved.at > backAt, resolved ? `${ms(resolved.at - backAt)} after` : `not within ${ms(options.resolveTimeoutMs)}`),
            check('the metrics are not served through NGINX\'s port or the LB', viaNginx.status === 404 && !leaks(viaNginx.body) && !leaks(viaLb.body), `NGINX ${viaNginx.status}, LB ${viaLb.status}`),
            check('the metrics port itself answers (what the collector scrapes)', direct.status === 200 && leaks(direct.body), `${direct.status}`),
          ],
        };
      } finally {
        await stop();
      }
    },
  };
}
