import type { AlertRule } from './alert';
import { RUNBOOKS } from './alert';
import { boundPattern, formatBound, latencyBoundAtOrBelow, LB, selector } from './metrics';

/*
 * Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", the recommended
 * parameters for a 30-day budget, https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts):
 * - page when 2% of the budget burns in 1 h (burn rate 14.4) or 5% in 6 h (burn rate 6), each
 *   confirmed over a window a twelfth as long (5 min, 30 min), so the alert stops soon after the burn does;
 * - ticket when 10% burns in 3 days (burn rate 1), confirmed over 6 h.
 * The burn rate is the error ratio over a window divided by the error budget (1 - objective).
 */

export interface BurnWindow {
  readonly long: string;
  readonly short: string;
  readonly burnRate: number;
}
export const PAGE_BURN_WINDOWS: readonly BurnWindow[] = [
  { long: '1h', short: '5m', burnRate: 14.4 },
  { long: '6h', short: '30m', burnRate: 6 },
];
export const TICKET_BURN_WINDOWS: readonly BurnWindow[] = [{ long: '3d', short: '6h', burnRate: 1 }];

/** An SLI as PromQL: the share of bad events over a window. */
export interface ServiceLevelIndicator {
  /** `availability` or `latency`. */
  readonly kind: 'availability' | 'latency';
  readonly objective: number;
  /** The bad-event ratio over `window`, e.g. 5xx answers / all answers. */
  errorRatio(window: string): string;
  /** What is measured, for docs and the dashboard. */
  readonly description: string;
}

/** The load balancer's series of one backend service. */
function lbMatchers(backendService: string): Record<string, string> {
  return { monitored_resource: LB.resource, backend_target_name: backendService };
}

/** Share of the backend service's answers that are 5xx, at the load balancer. */
export function availabilitySli(backendService: string, objective: number): ServiceLevelIndicator {
  const all = lbMatchers(backendService);
  return {
    kind: 'availability',
    objective,
    description: `answers of backend service ${backendService} that are not 5xx (LB https/backend_request_count)`,
    errorRatio: (w) =>
      `sum(rate(${LB.requestCount}${selector({ ...all, response_code_class: '500' })}[${w}])) / sum(rate(${LB.requestCount}${selector(all)}[${w}]))`,
  };
}

/**
 * The backend service's LB latency matchers, and the bucket its latency SLI counts as good: the bound
 * at or below the threshold, matched however the bound is printed. The SLI and the alert that watches
 * for that bucket going missing read this one selector.
 */
function latencyBucket(backendService: string, thresholdMs: number) {
  const all = lbMatchers(backendService);
  const boundMs = latencyBoundAtOrBelow(thresholdMs);
  return { all, boundMs, within: { ...all, le: `~${boundPattern(boundMs)}` } };
}

/**
 * Share of the backend service's answers slower than `thresholdMs` at the load balancer: 1 − the
 * share in the distribution's bucket at or below the threshold (LB_LATENCY_BUCKETS: the bounds are
 * powers of 1.4 ms, so 300 ms reads the 217.8 ms bucket, 200 ms the 155.6 ms one). Answers between that bound and the
 * threshold count as slow: the SLO is never laxer than its threshold.
 */
export function latencySli(backendService: string, objective: number, thresholdMs: number): ServiceLevelIndicator & { boundMs: number } {
  const { all, boundMs, within } = latencyBucket(backendService, thresholdMs);
  return {
    kind: 'latency',
    objective,
    boundMs,
    description: `answers of backend service ${backendService} within ${formatBound(boundMs)}, the LB latency bucket at or below the ${thresholdMs} ms threshold (LB https/backend_latencies)`,
    errorRatio: (w) =>
      `1 - sum(rate(${LB.latencyBucket}${selector(within)}[${w}])) / sum(rate(${LB.latencyCount}${selector(all)}[${w}]))`,
  };
}

/**
 * The latency SLI's bucket missing while the distribution has series: Google's bucket layout is not
 * the one LB_LATENCY_BUCKETS states, and the latency SLO alerts cannot fire. A ticket, not silence.
 */
export function latencyBucketMissingAlert(workload: string, backendService: string, thresholdMs: number): AlertRule {
  const { all, boundMs, within } = latencyBucket(backendService, thresholdMs);
  return {
    name: `${workload}-latency-sli-bucket-missing`,
    severity: 'ticket',
    expr: `count(${LB.latencyCount}${selector(all)}) unless on () count(${LB.latencyBucket}${selector(within)})`,
    for: '30m',
    summary: `${workload}: the load balancer's latency distribution has no ${formatBound(boundMs)} bucket; the latency SLO cannot see slow answers`,
    runbook: RUNBOOKS.sloLatencyBucketMissing,
  };
}

/** `(ratio(long) > k·budget and ratio(short) > k·budget)`, OR-ed over the windows. */
export function burnRateExpr(sli: ServiceLevelIndicator, windows: readonly BurnWindow[]): string {
  const budget = 1 - sli.objective;
  return windows
    .map(({ long, short, burnRate }) => {
      const threshold = formatNumber(burnRate * budget);
      return `((${sli.errorRatio(long)}) > ${threshold} and (${sli.errorRatio(short)}) > ${threshold})`;
    })
    .join(' or ');
}

/** The SLO's two alerts: fast burn pages, slow burn opens a ticket. */
export function burnRateAlerts(workload: string, sli: ServiceLevelIndicator): AlertRule[] {
  const pct = `${formatNumber(sli.objective * 100)}%`;
  return [
    {
      name: `${workload}-${sli.kind}-fast-burn`,
      severity: 'page',
      expr: burnRateExpr(sli, PAGE_BURN_WINDOWS),
      summary: `${workload}: the ${sli.kind} SLO (${pct}) burns its error budget at 6x or more (2% per hour at 14.4x)`,
      runbook: RUNBOOKS.sloFastBurn,
    },
    {
      name: `${workload}-${sli.kind}-slow-burn`,
      severity: 'ticket',
      expr: burnRateExpr(sli, TICKET_BURN_WINDOWS),
      summary: `${workload}: the ${sli.kind} SLO (${pct}) has burnt its budget at 1x or more for three days`,
      runbook: RUNBOOKS.sloSlowBurn,
    },
  ];
}

/** Numbers as PromQL reads them, without float noise (14.4 * 0.001 = 0.014400000000000001). */
export function formatNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}
