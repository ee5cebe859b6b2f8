/**
 * The three e2e scenarios. Each returns its counts and a list of checks; nothing here asserts, so
 * the standalone script and the jest test report the same figures and fail on the same checks.
 */
import { MongoClient } from 'mongodb';
import { READINESS_PATH } from '../constructs/nginx';
import { requestLogCollection } from '../services/api/src/analytics/request-log';
import { loadConfig } from '../services/api/src/config';
import type { MongoWireServer } from '../services/api/test/support/mongo-wire';
import type { Balancer } from './balancer';
import { formatCounts, Load, type LoadResult, type Sample } from './load';
import { CLIENT_ADDRESS, startApiPod, type FrontendPod, type RunningPod, type TerminationReport } from '../testing/pods';
import { get, ms, quantile, request, sleep, waitUntil, type Response } from '../testing/util';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  title: string;
  /** Human-readable counts, one per line. */
  figures: string[];
  checks: Check[];
}

export interface LoadSettings {
  concurrency: number;
  ratePerSecond: number;
  maxRequests: number;
  maxDurationMs: number;
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

const listDocuments = { method: 'GET' as const, path: '/api/v1/documents?limit=5' };
const createDocument = (i: number) => ({
  method: 'POST' as const,
  path: '/api/v1/documents',
  body: JSON.stringify({ title: `e2e ${i}`, body: 'Written during the e2e run.', author: 'e2e', tags: ['e2e'] }),
});

// ── 1. rolling restart ───────────────────────────────────────────────────────────────────────

export interface RollingRestartOptions {
  load: LoadSettings;
  /** Replaces drainSecondsFor(env) in both preStop hooks (the stack's parameter, shortened). */
  drainSeconds: number;
  /** Delay between the pod's deletion and the NEG detaching its endpoint from the LB. */
  detachLagMs: number;
  /** Opened against the new pod's NGINX once it is up (scenario 3 checks them). */
  onNewPod?: (pod: RunningPod) => void;
}

/**
 * A Deployment rollout with maxUnavailable 0, maxSurge 1: pod B comes up and turns healthy at the
 * LB, then pod A is deleted: the LB detaches it (after a lag) while A's preStop hooks keep it
 * serving, then NGINX quits gracefully and the api gets SIGTERM. Load (GETs and POSTs) runs
 * through the LB all along; no request may fail.
 */
export async function rollingRestart(
  lb: Balancer,
  podA: RunningPod,
  mongoUri: string,
  options: RollingRestartOptions,
): Promise<ScenarioResult & { podB: RunningPod }> {
  const load = new Load({
    baseUrl: lb.url,
    request: (i) => (i % 4 === 3 ? createDocument(i) : listDocuments),
    requestId: (i) => `e2e-roll-${String(i).padStart(6, '0')}`,
    localAddress: CLIENT_ADDRESS,
    ...options.load,
  });
  let podB: RunningPod | undefined;
  let termination: TerminationReport;
  let result: LoadResult;
  let deletedAt = 0;
  let detachedAt = 0;
  try {
    await sleep(500);
    podB = await startApiPod(mongoUri, { name: 'b' });
    options.onNewPod?.(podB);
    lb.attach('b', podB.baseUrl);
    await lb.waitHealthy('b');
    await sleep(500);
    deletedAt = Date.now();
    const terminating = podA.terminate(options.drainSeconds);
    await sleep(options.detachLagMs);
    await lb.detach('a');
    detachedAt = Date.now();
    termination = await terminating;
    await sleep(500);
  } finally {
    result = await load.stop();
  }
  const failed = result.samples.filter((s) => !(s.status === 200 || s.status === 201));
  const duringTermination = load.between(deletedAt, deletedAt + termination.durationMs);
  const stats = Object.fromEntries(lb.stats().map((e) => [e.name, e]));
  const posts = result.samples.filter((s) => s.method === 'POST');
  return {
    title: 'Rolling restart of the api (two pods behind the emulated LB)',
    podB: podB!,
    figures: [
      `requests sent: ${result.samples.length} in ${ms(result.durationMs)} (${posts.length} POSTs), statuses: ${formatCounts(result.counts)}`,
      `served by pod a: ${stats.a.served}, by pod b: ${stats.b.served}; failed at the LB: ${stats.a.failed + stats.b.failed}; no endpoint: ${lb.noEndpoint}`,
      `pod a terminated in ${ms(termination.durationMs)} (drain ${options.drainSeconds} s, LB detach after ${ms(detachedAt - deletedAt)}): api exit ${termination.appExit}, nginx exited ${termination.nginxExited}`,
      `requests started while pod a was terminating: ${duringTermination.length}, failed: ${duringTermination.filter((s) => failed.includes(s)).length}`,
    ],
    checks: [
      check('zero failed requests during the rolling restart', failed.length === 0, describeFailures(failed)),
      check('both pods served traffic', stats.a.served > 0 && stats.b.served > 0, `a ${stats.a.served}, b ${stats.b.served}`),
      check('load ran through the whole termination', duringTermination.length > 0, `${duringTermination.length} requests`),
      check('the old api exited 0 (graceful) and its NGINX quit', termination.appExit === 0 && termination.nginxExited, `api ${termination.appExit}, nginx exited ${termination.nginxExited}`),
    ],
  };
}

// ── 2. MongoDB killed mid-load ───────────────────────────────────────────────────────────────

export interface OutageOptions {
  load: LoadSettings;
  /** How long MongoDB stays down. */
  outageMs: number;
  /** Upper bound on waiting for the api to serve data again. */
  recoveryTimeoutMs: number;
  /** Interval of the /healthz poll. */
  healthIntervalMs: number;
  /** Told the moment MongoDB is killed and the moment it is back (the alert watch times itself by them). */
  onKilled?: () => void;
  onBack?: () => void;
}

/**
 * Data requests straight to the pod's NGINX while MongoDB is SIGKILLed, kept down, and started
 * again. Data endpoints must answer 503 (fast), /healthz 200 throughout, the api must serve data
 * again by itself, and every tracked request must reach request_log unless the queue bound
 * dropped it.
 */
export async function mongoOutage(pod: RunningPod, mongo: MongoWireServer, lb: Balancer, options: OutageOptions): Promise<ScenarioResult> {
  const config = loadConfig(pod.env);
  const load = new Load({
    baseUrl: pod.baseUrl,
    request: () => listDocuments,
    requestId: (i) => `e2e-outage-${String(i).padStart(6, '0')}`,
    localAddress: CLIENT_ADDRESS,
    ...options.load,
  });
  const health: Array<{ status: number; at: number }> = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const res = await get(`${pod.baseUrl}/healthz`, { localAddress: CLIENT_ADDRESS }).catch(() => undefined);
      health.push({ status: res?.status ?? 0, at: Date.now() });
      await sleep(options.healthIntervalMs);
    }
  })();
  let killedAt = 0;
  let backAt = 0;
  let recoveredAt = 0;
  let result: LoadResult;
  // While MongoDB is down: the pod's readiness as the probe sees it (through its NGINX), the LB's
  // view of the pod, and what a client gets from a data endpoint (the API's JSON 503, not a generic one).
  const outage = { readiness: [] as Array<{ status: number; mongodb: string }>, lbHealthy: 0, lbUnhealthy: 0, jsonUnavailable: 0, other503: 0 };
  let watching = false;
  const watchOutage = async () => {
    while (watching) {
      const [ready, data] = await Promise.all([
        get(pod.baseUrl + READINESS_PATH, { localAddress: CLIENT_ADDRESS }).catch(() => undefined),
        get(pod.baseUrl + listDocuments.path, { localAddress: CLIENT_ADDRESS }).catch(() => undefined),
      ]);
      outage.readiness.push({ status: ready?.status ?? 0, mongodb: jsonField(ready?.body, 'mongodb') ?? '?' });
      if (lb.stats().find((e) => e.name === pod.name)?.healthy) outage.lbHealthy++;
      else outage.lbUnhealthy++;
      if (data?.status === 503) {
        if (jsonField(data.body, 'error') === 'unavailable') outage.jsonUnavailable++;
        else outage.other503++;
      }
      await sleep(options.healthIntervalMs);
    }
  };
  let watcher: Promise<void> = Promise.resolve();
  try {
    await sleep(1000);
    killedAt = Date.now();
    options.onKilled?.();
    await mongo.kill();
    watching = true;
    watcher = watchOutage();
    await sleep(options.outageMs);
    watching = false;
    await watcher;
    await mongo.restart();
    backAt = Date.now();
    options.onBack?.();
    await waitUntil('a data request answered 200 after MongoDB returned', options.recoveryTimeoutMs, () =>
      load.samples.some((s) => s.start >= backAt && s.status === 200),
    );
    recoveredAt = Math.min(...load.samples.filter((s) => s.start >= backAt && s.status === 200).map((s) => s.end));
    await sleep(1000);
  } finally {
    polling = false;
    watching = false;
    await Promise.all([poller, watcher]);
    result = await load.stop();
  }
  const notReady = outage.readiness.filter((r) => r.status !== 200);
  const sawDown = outage.readiness.filter((r) => r.mongodb === 'down').length;

  const afterKill = result.samples.filter((s) => s.start >= killedAt);
  const unexpected = result.samples.filter((s) => s.status !== 200 && s.status !== 503);
  const unavailable = result.samples.filter((s) => s.status === 503);
  const latencies = unavailable.map((s) => s.end - s.start);
  const first503 = Math.min(...unavailable.map((s) => s.end));
  const slow503 = latencies.filter((l) => l >= 1000).length;
  const healthFailures = health.filter((h) => h.status !== 200);

  // request_log: every request answered by the api after the kill (none of those could reach the
  // killed in-memory server) must be stored once MongoDB is back, unless dropped at the bound.
  const tracked = new Set(afterKill.filter((s) => s.status === 200 || s.status === 503).map((s) => s.requestId));
  const found = await waitForRequestLog(mongo.uri, config.mongo.dbName, 'e2e-outage-', tracked, config.analytics.flushIntervalMs * 5);
  const dropped = droppedByApi(pod);
  const outageSent = result.samples.filter((s) => s.start >= killedAt && s.start < recoveredAt).length;

  return {
    title: 'MongoDB killed mid-load (requests straight to the pod)',
    figures: [
      `requests sent: ${result.samples.length} in ${ms(result.durationMs)}, statuses: ${formatCounts(result.counts)}`,
      `MongoDB down ${ms(backAt - killedAt)}; first 503 ${ms(first503 - killedAt)} after the kill; 503 latency p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))}, max ${ms(quantile(latencies, 1))} (deadline of a MongoDB operation: MONGODB_OPERATION_TIMEOUT_MS ${config.mongo.operationTimeoutMs}); 503s that took over 1 s: ${slow503}`,
      `recovery: first 200 ${ms(recoveredAt - backAt)} after MongoDB was back (MONGODB_HEARTBEAT_MS ${config.mongo.heartbeatMs})`,
      `/healthz polls: ${health.length}, non-200: ${healthFailures.length}`,
      `request_log: ${tracked.size} requests answered after the kill, ${found} records found, ${dropped} dropped by the api (queue bound ANALYTICS_QUEUE_MAX ${config.analytics.queueMax}; ${outageSent} requests during the outage)`,
      `during the outage: ${READINESS_PATH} polled ${outage.readiness.length} times through the pod's NGINX, ${outage.readiness.length - notReady.length} answered 200 (${sawDown} reporting "mongodb":"down"), ${notReady.length} did not; ` +
        `the LB saw pod ${pod.name} healthy ${outage.lbHealthy} times, unhealthy ${outage.lbUnhealthy} times`,
      `data requests polled during the outage: ${outage.jsonUnavailable} got the API's JSON 503 ("error":"unavailable"), ${outage.other503} another 503`,
    ],
    checks: [
      check('data endpoints answered only 200 or 503', unexpected.length === 0, describeFailures(unexpected)),
      check('the outage was seen (503s)', unavailable.length > 0, `${unavailable.length} 503s`),
      check(
        `503s are fast: p99 below the server-selection timeout (MONGODB_TIMEOUT_MS ${config.mongo.timeoutMs} ms)`,
        quantile(latencies, 0.99) < config.mongo.timeoutMs,
        `p99 ${ms(quantile(latencies, 0.99))}`,
      ),
      check('/healthz stayed 200', healthFailures.length === 0 && health.length > 0, `${healthFailures.length} of ${health.length} failed`),
      check(
        'the pod stayed ready and in the LB through the outage (readiness does not depend on MongoDB)',
        outage.readiness.length > 0 && notReady.length === 0 && outage.lbUnhealthy === 0,
        `${notReady.length} of ${outage.readiness.length} readiness polls not 200, LB unhealthy ${outage.lbUnhealthy} times`,
      ),
      check('readiness reported MongoDB down', sawDown > 0, `${sawDown} of ${outage.readiness.length} polls`),
      check(
        "clients got the API's JSON 503, never a generic one",
        outage.jsonUnavailable > 0 && outage.other503 === 0,
        `${outage.jsonUnavailable} JSON "unavailable", ${outage.other503} other 503s`,
      ),
      check('the api recovered by itself', recoveredAt > 0, `${ms(recoveredAt - backAt)}`),
      check(
        'request_log lost nothing beyond the queue bound',
        found <= tracked.size && found + dropped >= tracked.size && (dropped === 0 || outageSent > config.analytics.queueMax),
        `${found} of ${tracked.size} found, ${dropped} dropped, bound ${config.analytics.queueMax}`,
      ),
    ],
  };
}

/** Polls request_log until every tracked id is there or `timeoutMs` passes; returns how many are. */
async function waitForRequestLog(uri: string, dbName: string, prefix: string, ids: Set<string>, timeoutMs: number): Promise<number> {
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const docs = await client
        .db(dbName)
        .collection(requestLogCollection)
        .find({ requestId: { $regex: `^${prefix}` } }, { projection: { requestId: 1 } })
        .toArray();
      const found = new Set(docs.map((d) => d.requestId as string).filter((id) => ids.has(id))).size;
      if (found >= ids.size || Date.now() > deadline) return found;
      await sleep(100);
    }
  } finally {
    await client.close();
  }
}

/** The api's own count of dropped request_log records (its "queue full" log lines). */
function droppedByApi(pod: RunningPod): number {
  return Math.max(0, ...pod.appLogs().map((line) => (typeof line.droppedTotal === 'number' ? line.droppedTotal : 0)));
}

// ── 3. bad input ─────────────────────────────────────────────────────────────────────────────

interface Case {
  name: string;
  send: () => Promise<Response>;
  /** What a correct answer is, in words, and the predicate. */
  expect: string;
  ok: (res: Response) => boolean | Promise<boolean>;
}

export interface BadInputOptions {
  /** Slow-header clients opened earlier against both pods' NGINX. */
  slowClients: Array<{ target: string; done: Promise<Array<{ heldMs: number; closedBy: 'server' | 'client' }>>; count: number }>;
  /** Requests other clients completed (any 2xx) while the slow clients were open, by target. */
  servedMeanwhile: () => Record<string, number>;
}

/**
 * A spoofed client address through the LB must not change the recorded IP, slow-header clients
 * must be cut off while others are served, and both pods must still run and serve afterwards.
 */
export async function badInput(api: RunningPod, frontend: FrontendPod, lb: Balancer, mongoUri: string, options: BadInputOptions): Promise<ScenarioResult> {
  const config = loadConfig(api.env);
  const from = { localAddress: CLIENT_ADDRESS };

  // Each hostile input has one home: NGINX's limits, request-ID and real-IP handling and file
  // serving in __tests__/constructs/nginx/, the api's answers behind NGINX in __tests__/workloads/api.integration.test.ts. Here only what
  // needs the load balancer in front: a spoofed client address through its X-Forwarded-For.
  const cases: Case[] = [
    {
      name: 'api: spoofed X-Forwarded-For / X-Real-IP, through the LB',
      send: () => request(lb.url, '/api/v1/documents?limit=1', { ...from, headers: spoofHeaders('e2e-spoof-via-lb') }),
      expect: `request_log and access log record ${CLIENT_ADDRESS}`,
      ok: async (res) => res.status === 200 && (await recordedIps(api, mongoUri, config.mongo.dbName, 'e2e-spoof-via-lb')).every((ip) => ip === CLIENT_ADDRESS),
    },
  ];

  const checks: Check[] = [];
  const counts = { passed: 0, failed: 0 };
  for (const c of cases) {
    let detail: string;
    let ok = false;
    try {
      const res = await c.send();
      ok = await c.ok(res);
      detail = `got ${res.status}${ok ? '' : `: ${res.body.slice(0, 120)}`}`;
    } catch (error) {
      detail = `error: ${(error as Error).message}`;
    }
    counts[ok ? 'passed' : 'failed']++;
    checks.push(check(`${c.name} → ${c.expect}`, ok, detail));
  }

  // Slow-header clients: NGINX cut every one off, and others were served meanwhile.
  const slowFigures: string[] = [];
  for (const slow of options.slowClients) {
    const results = await slow.done;
    const byServer = results.filter((r) => r.closedBy === 'server');
    const held = results.map((r) => r.heldMs);
    slowFigures.push(
      `slow-header clients on ${slow.target}: ${slow.count}, closed by NGINX: ${byServer.length}, held ${ms(quantile(held, 0))}–${ms(quantile(held, 1))}`,
    );
    checks.push(check(`slow-header clients on ${slow.target} were timed out by NGINX`, byServer.length === slow.count, `${byServer.length} of ${slow.count}`));
  }
  const meanwhile = options.servedMeanwhile();
  slowFigures.push(`served to other clients while they were open: ${formatCounts(meanwhile)}`);
  checks.push(check('other clients were served while slow clients were open', Object.values(meanwhile).every((n) => n > 0), formatCounts(meanwhile)));

  // Afterwards: every process alive and serving.
  const apiReady = await get(api.baseUrl + READINESS_PATH).catch(() => undefined);
  const data = await get(`${api.baseUrl}/api/v1/documents?limit=1`, from).catch(() => undefined);
  const frontReady = await get(frontend.baseUrl + READINESS_PATH).catch(() => undefined);
  const page = await get(`${frontend.baseUrl}/`, from).catch(() => undefined);
  const crashes = [api.nginx.errorLog(), frontend.nginx.errorLog()].join('\n').split('\n').filter((line) => /exited on signal|\[alert\]|\[emerg\]/.test(line));
  checks.push(
    check('api pod still running and serving', api.alive() && apiReady?.status === 200 && data?.status === 200, `alive ${api.alive()}, /readyz ${apiReady?.status}, data ${data?.status}`),
    check(
      'frontend pod still running and serving',
      frontend.alive() && frontReady?.status === 200 && page?.status === 200 && page.body.includes('assets/index-e2e0001.js'),
      `alive ${frontend.alive()}, /readyz ${frontReady?.status}, / ${page?.status}`,
    ),
    check('no NGINX worker crashed', crashes.length === 0, crashes.join('; ') || 'error logs clean'),
  );

  return {
    title: 'Bad input, slow clients, spoofed addresses',
    figures: [`hostile requests: ${cases.length}, answered as expected: ${counts.passed}, not: ${counts.failed}`, ...slowFigures],
    checks,
  };
}

function spoofHeaders(requestId: string): Record<string, string> {
  return { 'x-request-id': requestId, 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6' };
}

/** The client IP the api stored in request_log and the one NGINX logged, for one request id. */
async function recordedIps(pod: RunningPod, mongoUri: string, dbName: string, requestId: string): Promise<string[]> {
  const access = await pod.nginx.waitForAccessLog((e) => e.request_id === requestId);
  const client = await new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5000 }).connect();
  try {
    const collection = client.db(dbName).collection(requestLogCollection);
    let record = await collection.findOne({ requestId });
    for (let i = 0; !record && i < 50; i++) {
      await sleep(100);
      record = await collection.findOne({ requestId });
    }
    return [access.client_ip, String(record?.ip)];
  } finally {
    await client.close();
  }
}

/** Bytes straight onto a socket, for requests no HTTP client would send. */
function describeFailures(samples: Sample[]): string {
  if (samples.length === 0) return 'none';
  const first = samples.slice(0, 3).map((s) => `${s.method} ${s.requestId}: ${s.status || s.error}`);
  return `${samples.length}: ${first.join('; ')}`;
}

/** A top-level string field of a JSON body, or undefined when the body is not JSON. */
function jsonField(body: string | undefined, field: string): string | undefined {
  try {
    const value = (JSON.parse(body ?? '') as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
