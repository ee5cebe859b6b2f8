/**
 * `promtool test rules` unit tests for an environment's alerts, built from the same records the
 * monitoring stack turns into alert policies: for every alert, input series that must fire it (with
 * its exact labels and annotations) and series that must leave it silent. Series are written in
 * promtool's expanding notation (`a+bxn`: n steps of b from a, one step per `interval`).
 * https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import {
  APP,
  CLOUD_ARMOR,
  exponentialBounds,
  latencyBoundAtOrBelow,
  GKE_CONTAINER,
  KUBE_STATE,
  LB,
  NAMESPACE,
  RUNBOOKS,
  runbookUrl,
  selector,
  UPTIME,
  type AlertRule,
  type MonitoredWorkload,
} from '../../../monitoring';

interface Series {
  series: string;
  values: string;
}
interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}
export interface RuleTestGroup {
  name: string;
  interval: string;
  input_series: Series[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: ExpectedAlert[] }[];
}

export interface RuleTestContext {
  readonly alerts: readonly AlertRule[];
  readonly workloads: readonly MonitoredWorkload[];
  readonly regions: readonly string[];
  readonly uptimeCheckIds: Record<string, string>;
  readonly securityPolicies: readonly string[];
  readonly runbookBase: string;
  readonly slo: { availability: number; latency: number };
}

const s = (name: string, labels: Record<string, string>, values: string): Series => ({ series: `${name}${selector(labels)}`, values });

/** The test file: every alert fires in one group and stays silent in another. */
export function ruleTests(ctx: RuleTestContext, ruleFileName: string): { rule_files: string[]; evaluation_interval: string; tests: RuleTestGroup[] } {
  const byName = new Map(ctx.alerts.map((a) => [a.name, a]));
  const alert = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no alert named ${name}; the alerts are: ${[...byName.keys()].join(', ')}`);
    return found;
  };
  const fires = (name: string, evalTime: string, labels: Record<string, string>[] = [{}]) => ({
    eval_time: evalTime,
    alertname: name,
    exp_alerts: labels.map((l) => ({
      exp_labels: { severity: alert(name).severity, ...l },
      exp_annotations: { summary: alert(name).summary, runbook_url: runbookUrl(ctx.runbookBase, alert(name)) },
    })),
  });
  const silent = (name: string, evalTime: string) => ({ eval_time: evalTime, alertname: alert(name).name, exp_alerts: [] });
  const group = (name: string, input_series: Series[], alert_rule_test: RuleTestGroup['alert_rule_test']): RuleTestGroup => ({
    name, interval: '1m', input_series, alert_rule_test,
  });

  const tests: RuleTestGroup[] = [];
  for (const w of ctx.workloads) {
    const lb = { monitored_resource: LB.resource, backend_target_name: w.backendService };
    // 1000 answers a minute for 2 h; `errorsPerMinute` of them 5xx, or slower than the threshold.
    // The latency distribution in the load balancer's own bucket layout (LB_LATENCY_BUCKETS: every
    // bound 1.4^i ms, none of them the threshold): good answers take half the bound the SLI reads,
    // slow ones 1.5 times the threshold.
    const threshold = w.monitoring.latencyThresholdMs;
    // The real bounds up to 10 s (1.4^27 ms): above them every bucket counts what +Inf does; fewer
    // series keep promtool's run short.
    const realBounds = exponentialBounds().filter((b) => b <= 10_000);
    const distribution = (answers: Array<{ ms: number; perMinute: number }>, bounds = realBounds) => [
      ...[...bounds.map(String), '+Inf'].map((le) =>
        s(LB.latencyBucket, { ...lb, le }, `0+${answers.filter((a) => a.ms <= Number(le)).reduce((n, a) => n + a.perMinute, 0)}x120`)),
      s(LB.latencyCount, lb, `0+${answers.reduce((n, a) => n + a.perMinute, 0)}x120`),
    ];
    const answers = (slowPerMinute: number) => [
      { ms: latencyBoundAtOrBelow(threshold) / 2, perMinute: 1000 - slowPerMinute },
      { ms: threshold * 1.5, perMinute: slowPerMinute },
    ];
    const traffic = (kind: 'availability' | 'latency', errorsPerMinute: number) => kind === 'availability'
      ? [
        s(LB.requestCount, { ...lb, response_code_class: '200' }, `0+${1000 - errorsPerMinute}x120`),
        s(LB.requestCount, { ...lb, response_code_class: '500' }, `0+${errorsPerMinute}x120`),
      ]
      : [s(LB.requestCount, { ...lb, response_code_class: '200' }, '0+1000x120'), ...distribution(answers(errorsPerMinute))];
    for (const kind of ['availability', 'latency'] as const) {
      const budget = 1 - ctx.slo[kind];
      // Bad answers at 20x the error budget burn it fast; at 3x only slowly (under the page's 6x).
      const burning = Math.round(1000 * budget * 20);
      const simmering = Math.round(1000 * budget * 3);
      tests.push(group(`${w.name} ${kind}: errors at 20x the budget page and open a ticket`, traffic(kind, burning), [
        fires(`${w.name}-${kind}-fast-burn`, '70m'),
        fires(`${w.name}-${kind}-slow-burn`, '70m'),
      ]));
      tests.push(group(`${w.name} ${kind}: errors at 3x the budget open a ticket, no page`, traffic(kind, simmering), [
        silent(`${w.name}-${kind}-fast-burn`, '70m'),
        fires(`${w.name}-${kind}-slow-burn`, '70m'),
      ]));
      tests.push(group(`${w.name} ${kind}: no errors, silence`, traffic(kind, 0), [
        silent(`${w.name}-${kind}-fast-burn`, '70m'),
        silent(`${w.name}-${kind}-slow-burn`, '70m'),
      ]));
    }

    // Buckets at round bounds (a layout other than the one the SLI was built for): the SLI would see
    // no slow answer, so the guard opens a ticket; on the real layout it stays silent.
    const roundBounds = [50, 100, 200, 300, 500, 1000, 5000];
    tests.push(group(`${w.name} latency: a bucket layout without the SLI's bound opens a ticket`, distribution(answers(0), roundBounds), [
      fires(`${w.name}-latency-sli-bucket-missing`, '60m'),
      silent(`${w.name}-latency-fast-burn`, '60m'),
    ]));
    tests.push(group(`${w.name} latency: the load balancer's layout has the SLI's bound`, distribution(answers(0)), [
      silent(`${w.name}-latency-sli-bucket-missing`, '60m'),
    ]));

    const checkId = ctx.uptimeCheckIds[w.name];
    const uptime = (failing: number) => ['usa-virginia', 'eur-belgium', 'apac-singapore'].map((location, i) =>
      s(UPTIME.checkPassed, { monitored_resource: UPTIME.resource, check_id: checkId, checker_location: location }, i < failing ? '0x10' : '1x10'));
    tests.push(group(`${w.name} uptime: two regions failing page`, uptime(2), [fires(`${w.name}-uptime-check-failing`, '5m', [{ check_id: checkId }])]));
    tests.push(group(`${w.name} uptime: one region failing is the checker's network`, uptime(1), [silent(`${w.name}-uptime-check-failing`, '5m')]));

    const available = (region: string, value: string) =>
      s(KUBE_STATE.deploymentAvailable, { cluster: `isoscribe-${region}`, location: region, namespace: NAMESPACE, deployment: w.name }, value);
    const others = (region: string) => ctx.regions.filter((r) => r !== region);
    for (const region of ctx.regions) {
      tests.push(group(`${w.name} endpoints: ${region} without a ready pod pages for ${region} alone`, [
        available(region, '0x10'),
        ...others(region).map((r) => available(r, '2x10')),
      ], [fires(`${w.name}-no-ready-endpoints-${region}`, '10m'), ...others(region).map((r) => silent(`${w.name}-no-ready-endpoints-${r}`, '10m'))]));
    }
    // A cluster gone dark reports nothing at all: its absence pages too.
    const [gone] = ctx.regions;
    tests.push(group(`${w.name} endpoints: ${gone} without any series pages`, others(gone).map((r) => available(r, '2x10')),
      [fires(`${w.name}-no-ready-endpoints-${gone}`, '10m')]));
    tests.push(group(`${w.name} endpoints: ready pods in every region, silence`, ctx.regions.map((r) => available(r, '2x10')),
      ctx.regions.map((r) => silent(`${w.name}-no-ready-endpoints-${r}`, '10m'))));

    const restarts = (pod: string, values: string) =>
      s(GKE_CONTAINER.restartCount, { monitored_resource: GKE_CONTAINER.resource, location: ctx.regions[0], namespace_name: NAMESPACE, pod_name: pod, container_name: 'app' }, values);
    tests.push(group(`${w.name} restarts: a crash-looping pod, not one restarted once`, [
      restarts(`${w.name}-7d9f-crash`, '0+1x30'),
      restarts(`${w.name}-7d9f-once`, '0x10 1x20'),
    ], [fires(`${w.name}-pods-restarting`, '20m', [{ location: ctx.regions[0], pod_name: `${w.name}-7d9f-crash` }])]));
    tests.push(group(`${w.name} restarts: another workload's pods are not this one's`, [restarts(`other${w.name}-7d9f-crash`, '0+1x30')],
      [silent(`${w.name}-pods-restarting`, '20m')]));

    const hpa = (region: string, metric: string, values: string) =>
      s(metric, { cluster: `isoscribe-${region}`, location: region, namespace: NAMESPACE, horizontalpodautoscaler: w.name }, values);
    tests.push(group(`${w.name} HPA: at its maximum for 15 minutes in one region`, [
      hpa(ctx.regions[0], KUBE_STATE.hpaCurrent, '6x30'),
      hpa(ctx.regions[0], KUBE_STATE.hpaMax, '6x30'),
    ], [fires(`${w.name}-hpa-at-maximum`, '20m', [{ cluster: `isoscribe-${ctx.regions[0]}`, location: ctx.regions[0], namespace: NAMESPACE, horizontalpodautoscaler: w.name }])]));
    tests.push(group(`${w.name} HPA: at its maximum for 10 minutes only, or below it`, [
      hpa(ctx.regions[0], KUBE_STATE.hpaCurrent, '4x10 6x10'),
      hpa(ctx.regions[0], KUBE_STATE.hpaMax, '6x20'),
    ], [silent(`${w.name}-hpa-at-maximum`, '20m')]));
  }

  for (const policy of ctx.securityPolicies) {
    const denied = (values: string) => [s(CLOUD_ARMOR.requestCount, { monitored_resource: CLOUD_ARMOR.resource, policy_name: policy, blocked: 'true' }, values)];
    // A day at 1 denial a minute, then 300 a minute (5/s) for half an hour.
    tests.push(group(`${policy}: denials jump to 300x their daily rate`, denied('0+1x1440 1440+300x30'), [fires(`${policy}-denial-spike`, '1465m')]));
    tests.push(group(`${policy}: a steady 5 denials a second is no spike`, denied('0+300x1470'), [silent(`${policy}-denial-spike`, '1465m')]));
  }

  tests.push(...appAlertTests(ctx, fires, silent, group));
  // Every 5 minutes: the Cloud Armor cases need a day of history, and a rule evaluation a minute over
  // a day, for every rule, took promtool minutes; every eval_time and `for` here is a multiple of 5m.
  return { rule_files: [ruleFileName], evaluation_interval: '5m', tests };
}

type Fires = (name: string, evalTime: string, labels?: Record<string, string>[]) => RuleTestGroup['alert_rule_test'][number];
type Silent = (name: string, evalTime: string) => RuleTestGroup['alert_rule_test'][number];
type Group = (name: string, series: Series[], tests: RuleTestGroup['alert_rule_test']) => RuleTestGroup;

/** The workloads' own alerts, by their runbook section: an alert with no case here fails the coverage test. */
function appAlertTests(ctx: RuleTestContext, fires: Fires, silent: Silent, group: Group): RuleTestGroup[] {
  const region = ctx.regions[0];
  const where = { cluster: `isoscribe-${region}`, location: region };
  const app = (job: string, name: string, values: string, pod = `${job}-1`) =>
    s(name, { namespace: NAMESPACE, job, ...where, pod }, values);
  const tests: RuleTestGroup[] = [];
  for (const alert of ctx.alerts) {
    switch (alert.runbook) {
      case RUNBOOKS.apiMongodbUnavailable:
        tests.push(group(`${alert.name}: 503s for MongoDB for minutes`, [app('api', APP.apiMongodbUnavailableAnswers, '0+30x20')], [fires(alert.name, '10m', [where])]));
        tests.push(group(`${alert.name}: no 503s (the counter flat after an old outage)`, [app('api', APP.apiMongodbUnavailableAnswers, '40x20')], [silent(alert.name, '10m')]));
        break;
      case RUNBOOKS.apiAnalyticsDropped:
        tests.push(group(`${alert.name}: records dropped`, [app('api', APP.apiAnalyticsDropped, '0x5 0+10x10')], [fires(alert.name, '10m', [where])]));
        tests.push(group(`${alert.name}: nothing dropped`, [app('api', APP.apiAnalyticsDropped, '0x20')], [silent(alert.name, '10m')]));
        break;
      case RUNBOOKS.frontendPlaceholderPages:
        tests.push(group(`${alert.name}: placeholder pages for 15 minutes`, [app('frontend', APP.frontendPlaceholder, '1x20')], [fires(alert.name, '15m', [where])]));
        tests.push(group(`${alert.name}: placeholder pages for 5 minutes, then the bundle`, [app('frontend', APP.frontendPlaceholder, '1x5 0x15')], [silent(alert.name, '15m')]));
        break;
      case RUNBOOKS.frontendRenderStale:
        // time() in a promtool test is the evaluation time since 0: a pod confirming every minute keeps up, one stuck at 0 does not.
        tests.push(group(`${alert.name}: a pod stuck at its first render, another keeping up`, [
          app('frontend', APP.frontendLastGoodRender, '0x30', 'frontend-stuck'),
          app('frontend', APP.frontendLastGoodRender, '0+60x30', 'frontend-fresh'),
        ], [fires(alert.name, '20m', [{ ...where, pod: 'frontend-stuck' }])]));
        tests.push(group(`${alert.name}: every pod confirming its pages`, [app('frontend', APP.frontendLastGoodRender, '0+60x30')], [silent(alert.name, '20m')]));
        break;
      default:
        break;
    }
  }
  return tests;
}
