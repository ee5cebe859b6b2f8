import { CacheRule } from '../constructs/cloudflare/cache-rules';
import { CLOUDFLARE_PLAN_LIMITS, type CloudflarePlan } from '../facts/cloudflare-plans';

/*
 * The one route table. The load balancer's URL map, Cloudflare's cache and rate-limit expressions
 * and the policy checks all read it, so a path is written down once. Workloads declare their own
 * routes (workloads/<name>.ts); the bundle bucket's /static/ route is the one route no pod serves.
 */

/** The request paths one route takes. Build it with the static factories. */
export class PathMatch {
  /** `prefix` itself and everything below it: `/api` matches `/api` and `/api/...`, not `/apix`. */
  static subtree(prefix: string): PathMatch {
    if (!/^\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(prefix)) {
      throw new Error(`PathMatch.subtree: "${prefix}" must be a path such as "/api" (leading slash, no trailing slash, lowercase)`);
    }
    return new PathMatch(prefix, [prefix, `${prefix}/*`], `(http.request.uri.path eq "${prefix}" or starts_with(http.request.uri.path, "${prefix}/"))`);
  }

  /** Only paths below the directory `prefix`: `/static/` matches `/static/app.js`, not `/static`. */
  static under(prefix: string): PathMatch {
    if (!/^\/([a-z0-9][a-z0-9._-]*\/)+$/.test(prefix)) {
      throw new Error(`PathMatch.under: "${prefix}" must be a directory path such as "/static/" (leading and trailing slash, lowercase)`);
    }
    return new PathMatch(prefix, [`${prefix}*`], `starts_with(http.request.uri.path, "${prefix}")`);
  }

  private constructor(
    /** The literal path the match is anchored at. */
    readonly prefix: string,
    /** The URL map's path rule patterns. */
    readonly urlMapPaths: readonly string[],
    /** The same match in Cloudflare's rules language. */
    readonly edgeExpression: string,
  ) {}

  /** Whether a request for `path` takes this route. */
  matches(path: string): boolean {
    return this.urlMapPaths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
  }

  /** Whether some request path would match both. */
  overlaps(other: PathMatch): boolean {
    return this.matches(other.prefix) || other.matches(this.prefix);
  }
}

/** How Cloudflare caches a route. Build it with the static factories. */
export class EdgeCache {
  /** Never stored at the edge: every request goes to the origin. */
  static bypass(description: string): EdgeCache {
    return new EdgeCache((expression) => CacheRule.bypass(description, expression));
  }

  /**
   * Kept `maxEdgeTtlSeconds` at the edge where the zone's plan allows an edge TTL that short; on plans
   * whose minimum is longer (Free: 2 h, Pro: 1 h) never stored at the edge, so a response is never
   * served staler than the bound. Browsers follow the origin.
   */
  static atMost(description: string, maxEdgeTtlSeconds: number): EdgeCache {
    return new EdgeCache((expression, plan) =>
      CLOUDFLARE_PLAN_LIMITS[plan].minEdgeTtlSeconds <= maxEdgeTtlSeconds
        ? CacheRule.cache(description, expression, { edgeTtlSeconds: maxEdgeTtlSeconds })
        : CacheRule.bypass(`${description} (not cached: the ${plan} plan's shortest edge TTL is ${CLOUDFLARE_PLAN_LIMITS[plan].minEdgeTtlSeconds}s)`, expression),
    );
  }

  /** Kept `edgeTtlSeconds` at the edge; browsers keep it `browserTtlSeconds`, or as the origin says when omitted. */
  static cache(description: string, ttl: { edgeTtlSeconds: number; browserTtlSeconds?: number }): EdgeCache {
    return new EdgeCache((expression) => CacheRule.cache(description, expression, ttl));
  }

  private constructor(
    /** @internal the cache rule for a route's expression, in a zone on `plan`. */
    readonly ruleFor: (expression: string, plan: CloudflarePlan) => CacheRule,
  ) {}
}

/** What a route serves from. */
export type RouteTarget = { readonly workload: string } | { readonly bundleBucket: true };

/** A route as a workload declares it: `match` undefined is the default route (whatever no other route takes). */
export interface RouteSpec {
  readonly match?: PathMatch;
  readonly edgeCache: EdgeCache;
  /** Counted against Cloudflare's per-visitor rate limit (edge.apiRateLimit). @default false */
  readonly rateLimited?: boolean;
}

export interface Route extends RouteSpec {
  readonly target: RouteTarget;
  /** The route in Cloudflare's rules language; the default route's is "none of the others". */
  readonly edgeExpression: string;
}

/**
 * The load balancer serves the bundle bucket under this path, and CI uploads Vite's build there, so
 * the manifest is the object `static/.vite/manifest.json` and the pages link assets below it.
 */
export const STATIC_PATH_PREFIX = '/static/';
export const BUNDLE_MANIFEST_OBJECT = 'static/.vite/manifest.json';
/** Bundles under /static/ are content-hashed (a new build has new names), so they never go stale. */
export const STATIC_TTL_SECONDS = 365 * 24 * 3600;

/** Content-hashed bundles straight from the bucket, cached for a year at the edge and in browsers. */
export const STATIC_ROUTE: RouteSpec = {
  match: PathMatch.under(STATIC_PATH_PREFIX),
  edgeCache: EdgeCache.cache('Content-hashed bundles: cached long at the edge and in browsers', {
    edgeTtlSeconds: STATIC_TTL_SECONDS,
    browserTtlSeconds: STATIC_TTL_SECONDS,
  }),
};

/**
 * Every route of a set of workloads, in evaluation order: the workloads' path routes in the order
 * given, then /static/, then the one default route. Throws, naming the workloads, when two routes
 * overlap or when there is not exactly one default route.
 */
export function routeTable(workloads: readonly { readonly name: string; readonly routes: readonly RouteSpec[] }[]): Route[] {
  const pathRoutes: Array<RouteSpec & { target: RouteTarget; owner: string }> = [];
  const defaults: Array<RouteSpec & { target: RouteTarget; owner: string }> = [];
  for (const w of workloads) {
    for (const spec of w.routes) (spec.match ? pathRoutes : defaults).push({ ...spec, target: { workload: w.name }, owner: `workload "${w.name}"` });
  }
  pathRoutes.push({ ...STATIC_ROUTE, target: { bundleBucket: true }, owner: `the bundle bucket (${STATIC_PATH_PREFIX})` });

  if (defaults.length !== 1) {
    throw new Error(`Route table: exactly one workload must take the default route (match undefined); found ${defaults.length}` +
      `${defaults.length > 0 ? ` (${defaults.map((d) => d.owner).join(', ')})` : ''}; give the others a PathMatch`);
  }
  pathRoutes.forEach((a, i) => pathRoutes.slice(i + 1).forEach((b) => {
    if (a.match!.overlaps(b.match!)) {
      throw new Error(`Route table: ${b.owner}'s ${b.match!.prefix} overlaps ${a.owner}'s ${a.match!.prefix}; give each route its own path`);
    }
  }));

  const routes: Route[] = pathRoutes.map(({ owner: _owner, ...r }) => ({ ...r, edgeExpression: r.match!.edgeExpression }));
  const { owner: _owner, ...fallback } = defaults[0];
  routes.push({ ...fallback, edgeExpression: routes.map((r) => `not ${r.edgeExpression}`).join(' and ') });
  return routes;
}

/** The route a request path takes, as the URL map decides it (first path match, else the default). */
export function routeFor(routes: readonly Route[], path: string): Route {
  return routes.find((r) => r.match?.matches(path)) ?? routes.find((r) => r.match === undefined)!;
}
