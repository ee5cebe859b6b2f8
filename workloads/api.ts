import type { EnvironmentConfig } from '../config';
import { NON_PUBLIC_IPV4 } from '../facts/cidr';
import { DNS_RULE, Peer, type TrafficRule } from '../constructs/kubernetes';
import { NginxBackend, POD_LAYOUT } from '../constructs/nginx';
import { RUNBOOKS } from '../monitoring/alert';
import { APP, selector } from '../monitoring/metrics';
import { EdgeCache, PathMatch } from './routes';
import { WORKLOAD_SERVICES } from './services';
import { CoreAccess, METRICS_PORT, nodeSleep, nodeSocketProbe, AppFile, type WorkloadDefinition } from './workload';
import { ENGINE_CLUSTER_LABEL, SEARCH_API_USER, SEARCH_HTTP_PORT, SEARCH_SECRETS } from '../constructs/search/opensearch-cluster';
import { SEARCH_CLUSTER_NAME, SEARCH_NAMESPACE } from '../config/naming';

/** Largest API request body. NGINX answers 413 above it; the app's own limit is the same number. */
export const API_BODY_LIMIT_KIB = 256;
/** Where the api reads the MongoDB connection string (Secret Manager, mounted as a file by the CSI driver). */
export const MONGODB_SECRET_DIR = '/etc/isoscribe/mongodb';
export const MONGODB_SECRET_KEY = 'uri';
/**
 * The search engine of the api's own region (stacks/search-stack.ts; docs/search.md): its HTTP
 * Service, whose certificate (signed by the CA below) names `<cluster>.<namespace>.svc`.
 */
export const SEARCH_NODES = `https://${SEARCH_CLUSTER_NAME}.${SEARCH_NAMESPACE}.svc:${SEARCH_HTTP_PORT}`;
export const SEARCH_USERNAME = SEARCH_API_USER;
/** The alias the api searches and writes through; the engine role covers it and the indices named after it. */
export const SEARCH_INDEX = 'documents';
/**
 * The regions hosting a search engine: every region of the environment (main.ts makes a
 * `search-<region>` stack per cluster), each fed from MongoDB by its own region's indexer.
 */
export function searchRegions(env: Pick<EnvironmentConfig, 'regions'>): string[] {
  return env.regions.map((r) => r.name);
}

/** The api user's password and the engine's HTTP CA, from Secret Manager through the add-on. */
export const searchPassword = AppFile.fromSecretManager({
  secret: SEARCH_SECRETS.apiPassword,
  providerClass: 'api-search-password',
  dir: '/etc/isoscribe/search',
  key: 'password',
});
export const searchCa = AppFile.fromSecretManager({
  secret: SEARCH_SECRETS.caCert,
  providerClass: 'api-search-ca',
  dir: '/etc/isoscribe/search-ca',
  key: 'ca.crt',
});

/**
 * Full-text search (issue 22): inside the api's /api route (same backend, same bypass: results must
 * show a write within 2 s, and a query string is often personal data, so nothing is kept at the
 * edge), with its own per-visitor budget where the zone's plan has a second rate-limiting rule
 * (edge.searchRateLimit; stacks/edge-stack.ts).
 */
export const SEARCH_PATH = PathMatch.subtree('/api/v1/search');

/** The api's own graceful-stop budget (SHUTDOWN_TIMEOUT_MS), inside the grace period. */
const API_SHUTDOWN_SECONDS = 20;

const mongodbUri = AppFile.fromSecretManager({
  secret: 'mongodb-uri',
  providerClass: 'api-mongodb',
  dir: MONGODB_SECRET_DIR,
  key: MONGODB_SECRET_KEY,
});

/** The JSON API (services/api): Fastify on MongoDB over NGINX's unix socket, under /api. */
export const api: WorkloadDefinition = {
  name: 'api',
  service: WORKLOAD_SERVICES.api,
  routes: [{ match: PathMatch.subtree('/api'), edgeCache: EdgeCache.bypass('API responses are per request: never cached'), rateLimited: true }],
  access: [CoreAccess.secret('mongodb-uri'), CoreAccess.secret(SEARCH_SECRETS.apiPassword), CoreAccess.secret(SEARCH_SECRETS.caCert)],
  pod: ({ env, region, trustedProxies, paths, drainSeconds }) => ({
    nginx: {
      backend: NginxBackend.unixSocket({ socketPath: paths.socketPath, readinessPath: '/readyz' }),
      trustedProxies,
      clientMaxBodySize: `${API_BODY_LIMIT_KIB}k`,
    },
    sharedDir: POD_LAYOUT.socketDir,
    // A floor of 128 MiB under the old generation's limit. Memory outside V8's heap (the driver's
    // socket reads, ~22 KiB per list page) counts toward that limit, and with ~20 MiB live V8 ran a
    // full mark-compact every 150–200 ms at 1000 list pages a second: list's p99 15 ms → 2.5 ms
    // (services/api/README.md, "GC"). NODE_OPTIONS may not carry this flag.
    nodeFlags: ['--initial-old-space-size=128'],
    env: {
      NODE_ENV: 'production',
      // Young generation of 32 MiB instead of 16: half the scavenges under load, and records queued
      // for request_log die young instead of being promoted (services/api/README.md, "GC").
      NODE_OPTIONS: '--max-semi-space-size=32',
      LISTEN_SOCKET: paths.socketPath,
      MONGODB_URI_FILE: mongodbUri.pathIn(paths),
      BODY_LIMIT_BYTES: String(API_BODY_LIMIT_KIB * 1024),
      SHUTDOWN_TIMEOUT_MS: String(API_SHUTDOWN_SECONDS * 1000),
      LOG_LEVEL: 'info',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: String(METRICS_PORT),
      // The region's own engine (docs/search.md), as its api user over TLS verified against its CA.
      SEARCH_NODES,
      SEARCH_USERNAME,
      SEARCH_PASSWORD_FILE: searchPassword.pathIn(paths),
      SEARCH_CA_FILE: searchCa.pathIn(paths),
      SEARCH_INDEX,
      // Each write is marked pending for every region's engine; this pod's indexer feeds its own.
      SEARCH_REGION: region,
      SEARCH_REGIONS: searchRegions(env).join(','),
      // Search's deadline: a query slower than this answers 503 instead of holding the request.
      SEARCH_TIMEOUT_MS: '1000',
    },
    files: [mongodbUri, searchPassword, searchCa],
    livenessCommand: nodeSocketProbe(paths.socketPath, '/healthz', paths.nodeBin),
    // It keeps accepting requests while NGINX drains.
    preStopCommand: nodeSleep(drainSeconds, paths.nodeBin),
    terminationGracePeriodSeconds: drainSeconds + API_SHUTDOWN_SECONDS + 10,
    egress: [DNS_RULE, mongodbEgress(env.mongodb.reach), SEARCH_EGRESS],
    metricsPort: METRICS_PORT,
  }),
  monitoring: {
    // A document read or a list page: well under this at the LB unless MongoDB or the pods struggle.
    latencyThresholdMs: 300,
    // Through Cloudflare, NGINX, the api and MongoDB: the whole read path.
    uptimePath: '/api/v1/documents?limit=1',
    alerts: ({ matchers, rateWindow }) => [
      {
        name: 'api-mongodb-unavailable',
        severity: 'page',
        expr: `sum by (cluster, location) (rate(${APP.apiMongodbUnavailableAnswers}${selector(matchers)}[${rateWindow}])) > 0`,
        for: '2m',
        summary: 'api: answering 503 because MongoDB is unreachable',
        runbook: RUNBOOKS.apiMongodbUnavailable,
      },
      {
        name: 'api-analytics-dropped',
        severity: 'ticket',
        expr: `sum by (cluster, location) (increase(${APP.apiAnalyticsDropped}${selector(matchers)}[15m])) > 0`,
        summary: 'api: request_log records dropped (the analytics queue was full)',
        runbook: RUNBOOKS.apiAnalyticsDropped,
      },
    ],
    charts: ({ matchers, rateWindow }) => [
      {
        title: 'api: 503s for MongoDB and operation deadlines, per second',
        queries: [
          `sum by (location) (rate(${APP.apiMongodbUnavailableAnswers}${selector(matchers)}[${rateWindow}]))`,
          `sum by (location) (rate(${APP.apiMongodbDeadlineExpiries}${selector(matchers)}[${rateWindow}]))`,
        ],
      },
      {
        title: 'api: analytics queue depth and dropped records',
        queries: [
          `sum by (location) (${APP.apiAnalyticsQueueDepth}${selector(matchers)})`,
          `sum by (location) (increase(${APP.apiAnalyticsDropped}${selector(matchers)}[${rateWindow}]))`,
        ],
      },
    ],
  },
};

/** The api reaches its region's engine pods on HTTPS 9200 (the engine's policy admits it: SEARCH_CLIENT_LABELS). */
export const SEARCH_EGRESS: TrafficRule = {
  peer: Peer.pods(SEARCH_NAMESPACE, { [ENGINE_CLUSTER_LABEL]: SEARCH_CLUSTER_NAME }),
  ports: [{ port: SEARCH_HTTP_PORT }],
};

/**
 * The api's egress to MongoDB, from how config says the pods reach it. A NetworkPolicy cannot name a
 * host, and an Atlas-style endpoint's addresses change behind its DNS name, so a public TLS endpoint
 * gets the port on any public address (private ranges excepted); the server's allowlist of our NAT
 * addresses and TLS with name verification are what pin the peer. A PSC endpoint is one known address.
 */
export function mongodbEgress(reach: EnvironmentConfig['mongodb']['reach']): TrafficRule {
  const ports = [{ port: reach.port }];
  return reach.kind === 'publicTls'
    ? { peer: Peer.cidrs(['0.0.0.0/0'], NON_PUBLIC_IPV4), ports }
    : { peer: Peer.cidrs([`${reach.endpointIp}/32`]), ports };
}
