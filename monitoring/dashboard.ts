import type { AppMetricScope } from './alert';
import { GKE_CONTAINER, KUBE_STATE, LB, NAMESPACE, selector } from './metrics';
import { appScope, workloadSlis, type MonitoredWorkload } from './workload-alerts';

/*
 * One dashboard per environment, generated from the workloads and regions: per workload a row of
 * charts (traffic, error ratio and p50/p99 latency per region, SLO burn, ready pods per region, CPU and
 * memory against requests, then the workload's own charts). The Cloud Monitoring Dashboard resource
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards) with a mosaic layout;
 * every chart is a PromQL time-series query. docs/dashboard.md is its rendering for reviewers.
 */

export interface Chart {
  readonly title: string;
  readonly queries: readonly string[];
}

export interface DashboardRow {
  readonly workload: string;
  readonly charts: readonly Chart[];
}

/** The mosaic grid is 48 columns wide; four charts a line. */
const COLUMNS = 48;
const CHART_WIDTH = 12;
const CHART_HEIGHT = 16;
const HEADER_HEIGHT = 4;

/** Charts of one workload. */
export function workloadCharts(workload: MonitoredWorkload, slo: { availability: number; latency: number }, scope: AppMetricScope = appScope(workload.name)): Chart[] {
  const lb = { monitored_resource: LB.resource, backend_target_name: workload.backendService };
  const w = scope.rateWindow;
  const byZone = 'sum by (backend_scope)';
  const pods = { namespace: NAMESPACE, deployment: workload.name };
  const container = { monitored_resource: GKE_CONTAINER.resource, namespace_name: NAMESPACE, pod_name: `~${workload.name}-.*` };
  return [
    { title: `${workload.name}: requests per second, per zone`, queries: [`${byZone} (rate(${LB.requestCount}${selector(lb)}[${w}]))`] },
    {
      title: `${workload.name}: 5xx ratio, per zone`,
      queries: [`${byZone} (rate(${LB.requestCount}${selector({ ...lb, response_code_class: '500' })}[${w}])) / ${byZone} (rate(${LB.requestCount}${selector(lb)}[${w}]))`],
    },
    {
      title: `${workload.name}: p50 and p99 latency (ms), per zone`,
      queries: [0.5, 0.99].map((q) => `histogram_quantile(${q}, sum by (backend_scope, le) (rate(${LB.latencyBucket}${selector(lb)}[${w}])))`),
    },
    {
      title: `${workload.name}: SLO burn rate over 1 h (1 = on budget)`,
      queries: workloadSlis(workload, slo).map((sli) => `(${sli.errorRatio('1h')}) / ${Number((1 - sli.objective).toPrecision(12))}`),
    },
    { title: `${workload.name}: ready pods, per region`, queries: [`sum by (location) (${KUBE_STATE.deploymentAvailable}${selector(pods)})`] },
    {
      title: `${workload.name}: CPU used / requested, per region`,
      queries: [`sum by (location) (rate(${GKE_CONTAINER.cpuUsage}${selector(container)}[${w}])) / sum by (location) (${GKE_CONTAINER.cpuRequest}${selector(container)})`],
    },
    {
      title: `${workload.name}: memory used / requested, per region`,
      queries: [`sum by (location) (${GKE_CONTAINER.memoryUsed}${selector({ ...container, memory_type: 'non-evictable' })}) / sum by (location) (${GKE_CONTAINER.memoryRequest}${selector(container)})`],
    },
    ...(workload.monitoring.charts?.(scope) ?? []),
  ];
}

export function dashboardRows(workloads: readonly MonitoredWorkload[], slo: { availability: number; latency: number }): DashboardRow[] {
  return workloads.map((workload) => ({ workload: workload.name, charts: workloadCharts(workload, slo) }));
}

/** The Dashboard resource's JSON (the provider's `dashboard_json`). */
export function dashboardJson(displayName: string, rows: readonly DashboardRow[], regions: readonly string[]): Record<string, unknown> {
  const tiles: Record<string, unknown>[] = [];
  let y = 0;
  for (const row of rows) {
    tiles.push({
      xPos: 0, yPos: y, width: COLUMNS, height: HEADER_HEIGHT,
      widget: { title: row.workload, text: { content: `**${row.workload}** in ${regions.join(', ')}`, format: 'MARKDOWN' } },
    });
    y += HEADER_HEIGHT;
    row.charts.forEach((chart, i) => {
      tiles.push({
        xPos: (i * CHART_WIDTH) % COLUMNS,
        yPos: y + Math.floor((i * CHART_WIDTH) / COLUMNS) * CHART_HEIGHT,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        widget: {
          title: chart.title,
          xyChart: { dataSets: chart.queries.map((query) => ({ timeSeriesQuery: { prometheusQuery: query }, plotType: 'LINE' })) },
        },
      });
    });
    y += Math.ceil((row.charts.length * CHART_WIDTH) / COLUMNS) * CHART_HEIGHT;
  }
  return { displayName, mosaicLayout: { columns: COLUMNS, tiles } };
}

/** docs/dashboard.md: the layout as a reviewer reads it, row by row with every query. */
export function dashboardMarkdown(envName: string, rows: readonly DashboardRow[], regions: readonly string[]): string {
  const lines = [`## ${envName} (${regions.join(', ')})`, ''];
  for (const row of rows) {
    lines.push(`### ${row.workload}`, '', '| Chart | PromQL |', '|---|---|');
    for (const chart of row.charts) lines.push(`| ${chart.title} | ${chart.queries.map((q) => `\`${q.replace(/\|/g, '\\|')}\``).join('<br>')} |`);
    lines.push('');
  }
  return lines.join('\n');
}
