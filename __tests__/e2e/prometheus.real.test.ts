/**
 * A real Prometheus scrapes the real pods (the api and the frontend, started from their definitions by
 * testing/) on their metrics ports, with the environment's alert rules loaded. MongoDB is killed:
 * the api-mongodb-unavailable alert's expression (the one the monitoring stack ships, its rate()
 * window shortened from 5m to 10s for a run of seconds) fires, and Prometheus's own rule evaluation
 * has the alert pending; MongoDB returns: the expression resolves. Both moments are printed. The
 * metrics are shown unreachable through NGINX's port, the one the load balancer uses.
 *
 * Cannot run here: Google Managed Prometheus and Cloud Monitoring. The Prometheus server stands in
 * for the collector (same scrape of the same port, the labels Managed Prometheus adds) and for Cloud
 * Monitoring's PromQL rule evaluation.
 */
import { environment } from '../support/topology';
import { prometheusBinDir, shortRunAlerts, shortRunRuleFile, startPrometheus, type RunningPrometheus } from '../../e2e/prometheus';
import { APP } from '../../monitoring';
import { startApiWithDatabase, startFrontendPod, type ApiWithDatabase, type FrontendPod } from '../../testing';
import { get, sleep, waitUntil } from '../../testing/util';

jest.setTimeout(240_000);

const env = environment('staging');
const region = env.regions[0].name;
const alerts = shortRunAlerts(env);
const mongodbAlert = alerts.find((a) => a.name === 'api-mongodb-unavailable')!;
const say = (line: string) => process.stderr.write(`prometheus: ${line}\n`);

let api: ApiWithDatabase;
let frontend: FrontendPod;
let prometheus: RunningPrometheus;
let traffic = true;
let trafficDone: Promise<void> = Promise.resolve();

beforeAll(async () => {
  const bin = prometheusBinDir();
  [api, frontend] = await Promise.all([startApiWithDatabase({ name: 'api-a' }), startFrontendPod({ name: 'frontend-a' })]);
  const labels = (pod: string) => ({ cluster: `isoscribe-${env.name}-${region}`, location: region, namespace: 'isoscribe', pod });
  prometheus = await startPrometheus(bin, [
    { job: 'api', address: new URL(api.pod.metricsUrl!).host, labels: labels('api-a') },
    { job: 'frontend', address: new URL(frontend.metricsUrl!).host, labels: labels('frontend-a') },
  ], shortRunRuleFile(env, alerts));
  // Visitors' data requests through NGINX, as the load balancer sends them: 20 a second.
  trafficDone = (async () => {
    while (traffic) {
      await get(`${api.pod.baseUrl}/api/v1/documents?limit=1`).catch(() => undefined);
      await sleep(50);
    }
  })();
}, 120_000);

afterAll(async () => {
  traffic = false;
  await trafficDone;
  await prometheus?.stop();
  await Promise.all([api?.stop(), frontend?.stop()]);
});

describe('a real Prometheus scraping the real pods', () => {
  it('scrapes both pods\' metrics ports and finds every app metric the alerts and the dashboard read', async () => {
    await waitUntil('both targets up', 30_000, async () => (await prometheus.targetHealth()).filter((t) => t.health === 'up').length === 2, 250);
    // The frontend renders its first page set; the api has answered requests.
    await waitUntil('the api\'s requests and the frontend\'s render scraped', 30_000, async () =>
      (await prometheus.query(`${APP.apiRequestDuration}_count{job="api"}`)).length > 0 && (await prometheus.query(`${APP.frontendRenders}{job="frontend"} > 0`)).length > 0, 250);
    const names = new Set((await prometheus.query('count by (__name__) ({__name__=~"isoscribe_.+"})')).map((r) => r.metric.__name__));
    const expected = Object.values(APP).map((n) => (n === APP.apiRequestDuration ? `${n}_count` : n));
    expect(expected.filter((n) => !names.has(n))).toEqual([]);
    const routes = (await prometheus.query(`sum by (route) (${APP.apiRequestDuration}_count{job="api"})`)).map((r) => r.metric.route);
    expect(routes).toContain('/api/v1/documents');
  });

  it('cannot read the metrics through NGINX\'s port, the one the load balancer and visitors reach', async () => {
    const throughApi = await get(`${api.pod.baseUrl}/metrics`);
    const throughFrontend = await get(`${frontend.baseUrl}/metrics`);
    say(`GET /metrics through NGINX: api pod ${throughApi.status}, frontend pod ${throughFrontend.status} (no metric in either body)`);
    expect(throughApi.status).toBe(404);
    expect(throughApi.body).not.toContain('isoscribe_api_');
    expect(throughFrontend.body).not.toContain('isoscribe_frontend_');
    expect(new URL(api.pod.metricsUrl!).port).not.toBe(new URL(api.pod.baseUrl).port);
  });

  it('fires the api-mongodb-unavailable expression while MongoDB is down, and resolves it after recovery', async () => {
    expect(await prometheus.query(mongodbAlert.expr)).toEqual([]);
    await api.mongo.kill();
    const killed = Date.now();
    await waitUntil('the MongoDB alert expression firing', 60_000, async () => (await prometheus.query(mongodbAlert.expr)).length > 0, 250);
    const [firing] = await prometheus.query(mongodbAlert.expr);
    say(`MongoDB killed; ${mongodbAlert.name} fires after ${((Date.now() - killed) / 1000).toFixed(1)} s: ${JSON.stringify(firing.metric)} = ${firing.value.toFixed(2)} 503s/s`);
    expect(firing.metric).toEqual({ cluster: `isoscribe-${env.name}-${region}`, location: region });
    // Prometheus's own evaluation of the rule file: pending, waiting out its `for` (2m) before firing.
    await waitUntil('the alert pending in Prometheus', 30_000, async () =>
      (await prometheus.query(`ALERTS{alertname="${mongodbAlert.name}",alertstate="pending",severity="page"}`)).length > 0, 250);
    say(`${mongodbAlert.name} is pending in Prometheus's rule evaluation (for: ${mongodbAlert.for})`);

    await api.mongo.restart();
    const back = Date.now();
    await waitUntil('the MongoDB alert expression resolved', 90_000, async () => (await prometheus.query(mongodbAlert.expr)).length === 0, 500);
    say(`MongoDB back; ${mongodbAlert.name} resolved after ${((Date.now() - back) / 1000).toFixed(1)} s (the 10 s rate window emptied of 503s)`);
    const answered = await get(`${api.pod.baseUrl}/api/v1/documents?limit=1`);
    expect(answered.status).toBe(200);
  });
});
