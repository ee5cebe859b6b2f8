/*
 * What each Cloudflare plan offers of the features the edge uses. Config checks an environment's
 * edge against it, and the Cloudflare constructs refuse what the zone's plan would refuse.
 */

/** Every Cloudflare rate-limiting period (seconds); CLOUDFLARE_PLAN_LIMITS says which plan offers which. */
export const CLOUDFLARE_RATE_PERIODS = [10, 60, 120, 300, 600, 3600] as const;

/** Cloudflare's plans, by the name the API reports as the zone's `plan.legacy_id`. */
export const CLOUDFLARE_PLANS = ['free', 'pro', 'business', 'enterprise'] as const;
export type CloudflarePlan = (typeof CLOUDFLARE_PLANS)[number];

/** What a zone's plan allows of the features the edge stack uses; anything beyond is refused by the API. */
export interface CloudflarePlanLimits {
  /** Smallest edge TTL a cache rule may override with (Cache Rules › Edge TTL, minimum by plan). */
  readonly minEdgeTtlSeconds: number;
  /** The Cloudflare Managed Ruleset (managed WAF) is included. */
  readonly managedWaf: boolean;
  readonly rateLimit: {
    /** Rate-limiting rules per zone. */
    readonly rules: number;
    /** Counting periods (seconds) the plan offers. */
    readonly periods: readonly number[];
    /** Longest mitigation timeout (seconds). */
    readonly maxMitigationTimeoutSeconds: number;
    /** Fields a rule's expression may use; undefined: every request field. */
    readonly expressionFields?: readonly string[];
  };
}

const FREE_RATE_LIMIT_FIELDS = ['http.request.uri.path', 'cf.bot_management.verified_bot'];
const PRO_RATE_LIMIT_FIELDS = [...FREE_RATE_LIMIT_FIELDS, 'http.host', 'http.request.uri', 'http.request.full_uri', 'http.request.uri.query'];

/**
 * Per plan, from Cloudflare's documentation (Cache Rules › Edge TTL; WAF › Rate limiting rules ›
 * availability; Managed Rules). Counting characteristics are "IP" (cf.colo.id + ip.src) on every
 * plan, and counting expressions and `requests_to_origin` are not used, so neither is listed.
 */
export const CLOUDFLARE_PLAN_LIMITS: Readonly<Record<CloudflarePlan, CloudflarePlanLimits>> = {
  free: {
    minEdgeTtlSeconds: 7200,
    managedWaf: false,
    rateLimit: { rules: 1, periods: [10], maxMitigationTimeoutSeconds: 10, expressionFields: FREE_RATE_LIMIT_FIELDS },
  },
  pro: {
    minEdgeTtlSeconds: 3600,
    managedWaf: true,
    rateLimit: { rules: 2, periods: [10, 60], maxMitigationTimeoutSeconds: 3600, expressionFields: PRO_RATE_LIMIT_FIELDS },
  },
  business: {
    minEdgeTtlSeconds: 1,
    managedWaf: true,
    rateLimit: {
      rules: 5,
      periods: [10, 60, 120, 300, 600],
      maxMitigationTimeoutSeconds: 86_400,
      expressionFields: [...PRO_RATE_LIMIT_FIELDS, 'http.request.method', 'ip.src', 'http.user_agent'],
    },
  },
  enterprise: {
    minEdgeTtlSeconds: 1,
    managedWaf: true,
    rateLimit: { rules: 5, periods: CLOUDFLARE_RATE_PERIODS, maxMitigationTimeoutSeconds: 86_400 },
  },
};

/** The request fields (`http.host`, `ip.src`, ...) a rules-language expression reads. */
export function expressionFields(expression: string): string[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\b(?:http|ip|cf|ssl|raw)\.[a-z0-9_.]*[a-z0-9_]/g) ?? [])];
}
