import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { CLOUD_ARMOR_INTERVALS } from '../facts/cloud-armor';
import { CLOUDFLARE_PLAN_LIMITS, CLOUDFLARE_PLANS } from '../facts/cloudflare-plans';

/*
 * Configuration of the two outermost layers: the GCP global load balancer (`ingress`) and the
 * Cloudflare zone in front of it (`edge`). Messages say what is wrong and how to fix it.
 */

function oneOf<T extends number>(values: readonly T[], hint: string) {
  return z.number().refine((v) => (values as readonly number[]).includes(v), {
    message: `must be one of ${values.join(', ')} (${hint})`,
  });
}

/** A PEM CA certificate that parses, is a CA, and has not expired. */
const caCertificatePem = z.string().superRefine((pem, ctx) => {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a PEM certificate ("-----BEGIN CERTIFICATE-----"), as docs/deploy/origin-pull-cert.ts writes it' });
    return;
  }
  if (!certificate.ca) ctx.addIssue({ code: 'custom', message: `"${certificate.subject}" is not a CA certificate; trust the CA that signed the client certificate, not the client certificate` });
  if (Date.parse(certificate.validTo) <= Date.now()) {
    ctx.addIssue({ code: 'custom', message: `"${certificate.subject}" expired on ${certificate.validTo}; issue a new one with docs/deploy/origin-pull-cert.ts (docs/deploy.md)` });
  }
});

/**
 * The origin lock: Cloudflare presents our client certificate (zone-level Authenticated Origin Pulls
 * with a certificate we uploaded) and the load balancer accepts only certificates from our CA.
 */
export const originPullSchema = z.object({
  /** CA certificates (PEM) the load balancer trusts: one, or two while rotating. */
  trustedCaCertificates: z
    .array(caCertificatePem)
    .min(1, { message: 'list at least one CA certificate; run docs/deploy/origin-pull-cert.ts issue (docs/deploy.md)' })
    .max(2, { message: 'trust at most two CAs (the old and the new one while rotating); remove the retired CA file' }),
  /** Id of the client certificate uploaded to the zone by docs/deploy/origin-pull-cert.ts, which prints it. */
  cloudflareCertificateId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'must be the certificate id (a UUID) that docs/deploy/origin-pull-cert.ts issue printed',
  }),
});

export const ingressSchema = z.object({
  /**
   * Mutual TLS between Cloudflare and the load balancer. Required outside the `disposable` tier.
   * @default - none: any client that Cloud Armor lets through completes the TLS handshake
   */
  originPull: originPullSchema.optional(),
  /**
   * Requests per second one pod takes before the load balancer spills traffic to other pods, zones
   * or regions (RATE balancing). Size it from the workload's benchmark, below its saturation point.
   */
  maxRatePerEndpoint: z.number().positive({ message: 'must be a positive requests-per-second figure per pod, e.g. 100' }),
  /** Fraction of requests the backend services log, 0..1. */
  logSampleRate: z.number().min(0, { message: 'must be between 0 and 1, e.g. 0.1 for 10%' }).max(1, { message: 'must be between 0 and 1, e.g. 1 to log every request' }),
  /** Seconds the load balancer waits for a backend's response. @default 30 */
  backendTimeoutSec: z.number().int().min(1).max(86_400).default(30),
  /**
   * Seconds a removed endpoint keeps serving its in-flight requests. The pods' drain (and so their
   * termination grace period) derives from it: drainSecondsFor in workloads/workload.ts. @default 30
   */
  connectionDrainingTimeoutSec: z.number().int().min(0).max(3600, { message: 'must be at most 3600 seconds' }).default(30),
  /**
   * Optional per-visitor throttle in Cloud Armor, keyed by the visitor IP that Cloudflare passes in
   * `CF-Connecting-IP`. Absent: only Cloudflare's own rate limiting applies.
   */
  rateLimit: z
    .object({
      requests: z.number().int().min(1, { message: 'must be at least 1 request per interval' }),
      intervalSec: oneOf(CLOUD_ARMOR_INTERVALS, 'the intervals Cloud Armor supports'),
    })
    .optional(),
});

/** The phases whose zone entry-point rulesets the edge stack manages. */
export const ENTRY_POINT_PHASES = ['http_request_cache_settings', 'http_ratelimit', 'http_request_firewall_managed'] as const;

/**
 * Names reserved for documentation and tests (RFC 2606, RFC 6761): they can never be a Cloudflare
 * zone, so a domain under one is a placeholder.
 */
const RESERVED_DOMAIN = /(^|\.)(example|test|invalid|localhost)$|(^|\.)example\.(com|net|org)$/;

export const edgeSchema = z.object({
  /**
   * The zone's plan (zone Overview › Plan, or the API's `plan.legacy_id`). Edge TTLs, rate limiting
   * and the managed WAF are checked against it, and the edge stack fails its plan when the zone's
   * real plan differs.
   */
  plan: z.enum(CLOUDFLARE_PLANS, { message: `must be the zone's Cloudflare plan: ${CLOUDFLARE_PLANS.map((p) => `"${p}"`).join(', ')} (zone Overview › Plan)` }),
  /**
   * The Cloudflare zone (its name, e.g. `isoscribe.com`) that holds `domain`. The edge stacks look its
   * id up by name, so no zone id is written in config. @default - `domain`
   */
  zoneName: z
    .string()
    .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, { message: 'must be the zone\'s name as Cloudflare lists it, e.g. "isoscribe.com"' })
    .optional(),
  /** HSTS `max-age`. Browsers pin HTTPS for this long, so start small and raise it once HTTPS is proven. */
  hstsMaxAgeSeconds: z
    .number()
    .int()
    .min(0, { message: 'must be 0 or more seconds' })
    .max(31_536_000, { message: 'must be at most 31536000 (one year), the most Cloudflare accepts' }),
  /**
   * Run the Cloudflare Managed Ruleset. Needs a Pro plan or higher. @default - on where the plan
   * includes it
   */
  managedWaf: z.boolean().optional(),
  /** Requests one visitor may send to `/api/*` per period, counted at each Cloudflare data center. */
  apiRateLimit: z.object({
    requestsPerPeriod: z.number().int().min(1, { message: 'must be at least 1 request per period' }),
    /** Counting period; the plan decides which are offered (CLOUDFLARE_PLAN_LIMITS, checked in checkEdge). */
    periodSeconds: z.number().int(),
  }),
  /**
   * Requests one visitor may send to `/api/v1/search` per period: a query costs the engine far more
   * than a document read, so it gets its own, tighter budget (and leaves the api's). Needs a second
   * rate-limiting rule, so not on the Free plan, where search counts against apiRateLimit.
   * @default - search shares apiRateLimit
   */
  searchRateLimit: z.object({
    requestsPerPeriod: z.number().int().min(1, { message: 'must be at least 1 request per period' }),
    periodSeconds: z.number().int(),
  }).optional(),
  /**
   * Existing entry-point rulesets to adopt, by phase (`http_request_cache_settings`,
   * `http_ratelimit`, `http_request_firewall_managed`) → ruleset id. A zone has one entry point per
   * phase; one made in the dashboard makes creating ours fail, so the edge plan stops and names the
   * ids to put here; they are then imported, not created (docs/deploy.md, "Adopting a zone").
   */
  adoptRulesets: z
    .record(z.string(), z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be the 32-character hex ruleset id the edge plan printed' }))
    .default({}),
  /** Answer AAAA queries for the proxied names (Cloudflare's "IPv6 Compatibility"). */
  ipv6: z.boolean(),
});

export type OriginPullConfig = z.output<typeof originPullSchema>;

type Ctx = z.RefinementCtx;

/**
 * Cross-field checks of the edge: the domain is real and in the zone, and what config asks of the
 * zone is within its plan. Paths are relative to the environment.
 */
export function checkEdge(env: { tier: string; domain: string; edge: z.output<typeof edgeSchema> }, ctx: Ctx): void {
  const { edge } = env;
  const limits = CLOUDFLARE_PLAN_LIMITS[edge.plan];
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  // A sandbox may keep a reserved placeholder so it synthesizes with no account; its edge plan then
  // fails at the zone lookup. Environments others use must name their real domain.
  if (env.tier !== 'disposable' && RESERVED_DOMAIN.test(env.domain)) {
    issue(['domain'], `"${env.domain}" is a reserved placeholder name (RFC 2606); set the domain of the environment's Cloudflare zone (Cloudflare dashboard › Websites)`);
  }
  const zoneName = edge.zoneName ?? env.domain;
  if (env.domain !== zoneName && !env.domain.endsWith(`.${zoneName}`)) {
    issue(['edge', 'zoneName'], `"${zoneName}" does not contain the domain "${env.domain}"; name the zone that holds it, or leave zoneName out when the domain is the zone`);
  }

  for (const phase of Object.keys(edge.adoptRulesets)) {
    if (!(ENTRY_POINT_PHASES as readonly string[]).includes(phase)) {
      issue(['edge', 'adoptRulesets', phase], `must be a phase the edge stack manages: ${ENTRY_POINT_PHASES.join(', ')}`);
    }
  }
  if (!limits.rateLimit.periods.includes(edge.apiRateLimit.periodSeconds)) {
    issue(['edge', 'apiRateLimit', 'periodSeconds'],
      `${edge.apiRateLimit.periodSeconds}s is not offered on the ${edge.plan} plan (periods: ${limits.rateLimit.periods.join(', ')}); pick one of those or change edge.plan`);
  }
  if (edge.searchRateLimit) {
    if (limits.rateLimit.rules < 2) {
      issue(['edge', 'searchRateLimit'], `the ${edge.plan} plan allows ${limits.rateLimit.rules} rate-limiting rule, which apiRateLimit uses; leave searchRateLimit out (search then counts against apiRateLimit), or upgrade the zone and set edge.plan`);
    } else if (!limits.rateLimit.periods.includes(edge.searchRateLimit.periodSeconds)) {
      issue(['edge', 'searchRateLimit', 'periodSeconds'],
        `${edge.searchRateLimit.periodSeconds}s is not offered on the ${edge.plan} plan (periods: ${limits.rateLimit.periods.join(', ')}); pick one of those or change edge.plan`);
    }
  }
  if (edge.managedWaf === true && !limits.managedWaf) {
    issue(['edge', 'managedWaf'], `the ${edge.plan} plan does not include the Cloudflare Managed Ruleset; set managedWaf to false (or leave it out), or upgrade the zone to Pro and set edge.plan`);
  }
}

/** Whether the edge runs the managed WAF: as configured, else wherever the plan includes it. */
export function managedWafEnabled(edge: z.output<typeof edgeSchema>): boolean {
  return edge.managedWaf ?? CLOUDFLARE_PLAN_LIMITS[edge.plan].managedWaf;
}
export type IngressConfig = z.output<typeof ingressSchema>;
export type EdgeConfig = z.output<typeof edgeSchema>;
