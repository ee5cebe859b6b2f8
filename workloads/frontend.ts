import { NON_PUBLIC_IPV4 } from '../facts/cidr';
import type { EnvironmentConfig } from '../config';
import { DNS_RULE, Peer, type TrafficRule } from '../constructs/kubernetes';
import { NginxBackend, POD_LAYOUT } from '../constructs/nginx';
import { RUNBOOKS } from '../monitoring/alert';
import { APP, selector } from '../monitoring/metrics';
import { EdgeCache, STATIC_PATH_PREFIX } from './routes';
import { WORKLOAD_SERVICES } from './services';
import { CoreAccess, METRICS_PORT, AppFile, type WorkloadDefinition } from './workload';

/** Where frontend-server reads its page definitions (a ConfigMap mounted as a file). */
export const PAGES_DIR = '/etc/isoscribe/pages';
export const PAGES_KEY = 'pages.json';
/** frontend-server writes this SPA shell (FALLBACK_FILE in services/frontend-server/src/pages.ts). */
export const FRONTEND_SPA_FALLBACK = '/200.html';
/**
 * HTML shells name the current bundle: at most a minute at the edge bounds how long an old one is
 * served. Free and Pro zones cannot cache that briefly, so there the edge does not cache HTML at all.
 */
export const HTML_EDGE_TTL_SECONDS = 60;

/**
 * Traffic that may never leave a pod through the "any HTTPS" rule: cluster and VPC ranges, the
 * metadata server and link-local addresses, carrier-grade NAT (shared with the schema's MongoDB checks).
 */
export { NON_PUBLIC_IPV4 };

/**
 * The GKE metadata server, where a Workload Identity pod gets its Google account's access tokens:
 * GKE's Workload Identity docs name 169.254.169.254:80 for Dataplane V2 clusters (this one) and
 * 169.254.169.252:988 for the others. With GKE_METADATA on the nodes it serves no node credentials.
 */
export const GKE_METADATA_SERVER: TrafficRule = {
  peer: Peer.cidrs(['169.254.169.254/32', '169.254.169.252/32']),
  ports: [{ port: 80 }, { port: 988 }],
};

/** The page definitions frontend-server renders (JSON, which its YAML parser reads as well). */
export function frontendPages(env: EnvironmentConfig): string {
  const origin = `https://${env.domain}`;
  return JSON.stringify(
    {
      lang: 'en',
      pages: [{ route: '/', title: 'Isoscribe', description: 'Write together.', canonical: `${origin}/` }],
      fallback: { title: 'Isoscribe', robots: 'noindex' },
    },
    null,
    2,
  );
}

/**
 * The HTML pages (services/frontend-server): a generator daemon writes them from the bundle
 * manifest, NGINX serves them as files. Takes every path no other route takes.
 */
export const frontend: WorkloadDefinition = {
  name: 'frontend',
  service: WORKLOAD_SERVICES.frontend,
  routes: [{ edgeCache: EdgeCache.atMost('HTML pages: briefly at the edge, browsers as the origin says', HTML_EDGE_TTL_SECONDS) }],
  access: [CoreAccess.bundleBucketRead()],
  pod: ({ env, trustedProxies, paths, bundleManifestUrl }) => {
    const pages = AppFile.configMap({ kubernetesName: 'frontend-pages', dir: PAGES_DIR, key: PAGES_KEY, content: frontendPages(env) });
    return {
      nginx: { backend: NginxBackend.staticFiles({ root: paths.htmlDir, spaFallback: FRONTEND_SPA_FALLBACK }), trustedProxies },
      sharedDir: POD_LAYOUT.htmlDir,
      env: {
        NODE_ENV: 'production',
        PAGES_FILE: pages.pathIn(paths),
        MANIFEST_URL: bundleManifestUrl,
        // The bucket is private to the LB and this pod's own identity (core grants it objectViewer),
        // so the pods read it before ingress exists. A 404 (no bundle uploaded yet) renders
        // placeholder pages, so a first deploy's rollout completes (services/frontend-server).
        MANIFEST_AUTH: 'metadata',
        ASSET_BASE_URL: STATIC_PATH_PREFIX,
        OUTPUT_DIR: paths.htmlDir,
        LOG_LEVEL: 'info',
        METRICS_HOST: '0.0.0.0',
        METRICS_PORT: String(METRICS_PORT),
      },
      files: [pages],
      // Cloud Storage has no fixed, publishable addresses, so the manifest fetch may reach any public
      // address on 443; the except list keeps the cluster, the VPC and the metadata server out.
      egress: [DNS_RULE, { peer: Peer.cidrs(['0.0.0.0/0'], NON_PUBLIC_IPV4), ports: [{ port: 443 }] }, GKE_METADATA_SERVER],
      metricsPort: METRICS_PORT,
    };
  },
  monitoring: {
    // Files from NGINX's page cache: anything slower is the node or the LB.
    latencyThresholdMs: 200,
    uptimePath: '/',
    alerts: ({ matchers }) => [
      {
        name: 'frontend-placeholder-pages',
        severity: 'page',
        expr: `max by (cluster, location) (${APP.frontendPlaceholder}${selector(matchers)}) == 1`,
        for: '10m',
        summary: 'frontend: serving placeholder pages (no bundle manifest) for 10 minutes',
        runbook: RUNBOOKS.frontendPlaceholderPages,
      },
      {
        name: 'frontend-render-stale',
        severity: 'ticket',
        // The daemon confirms its pages every poll (30 s): a quarter of an hour without is a stuck daemon or an unreadable bucket.
        expr: `max by (cluster, location, pod) (time() - ${APP.frontendLastGoodRender}${selector(matchers)}) > 900`,
        summary: 'frontend: a pod has not confirmed its pages against the manifest for 15 minutes',
        runbook: RUNBOOKS.frontendRenderStale,
      },
    ],
    charts: ({ matchers, rateWindow }) => [
      {
        title: 'frontend: renders and manifest fetch failures, per second',
        queries: [
          `sum by (location) (rate(${APP.frontendRenders}${selector(matchers)}[${rateWindow}]))`,
          `sum by (location) (rate(${APP.frontendManifestFailures}${selector(matchers)}[${rateWindow}]))`,
        ],
      },
    ],
  },
  suppressions: [
    {
      id: 'POD-007',
      reason:
        'The generator container serves no port and has no health endpoint: a crash exits the process (and kubelet restarts it), ' +
        'and a stalled generator leaves its last good pages, which NGINX keeps serving; readiness covers the pod through NGINX.',
    },
  ],
};
