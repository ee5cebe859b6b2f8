import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

/*
 * Configuration of the two outermost layers: the GCP global load balancer (`ingress`) and the
 * Cloudflare zone in front of it (`edge`). Messages say what is wrong and how to fix it.
 */

/** Cloud Armor's allowed `rate_limit_threshold.interval_sec` values. */
export const CLOUD_ARMOR_INTERVALS = [10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600] as const;

/** Cloudflare rate-limiting periods (seconds); the Free plan allows only 10, higher plans the rest. */
export const CLOUDFLARE_RATE_PERIODS = [10, 60, 120, 300, 600, 3600] as const;

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
    ctx.addIssue({ code: 'custom', message: 'must be a PEM certificate ("-----BEGIN CERTIFICATE-----"), as scripts/origin-pull-cert.ts writes it' });
    return;
  }
  if (!certificate.ca) ctx.addIssue({ code: 'custom', message: `"${certificate.subject}" is not a CA certificate; trust the CA that signed the client certificate, not the client certificate` });
  if (Date.parse(certificate.validTo) <= Date.now()) {
    ctx.addIssue({ code: 'custom', message: `"${certificate.subject}" expired on ${certificate.validTo}; issue a new one with scripts/origin-pull-cert.ts (docs/deploy.md)` });
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
    .min(1, { message: 'list at least one CA certificate; run scripts/origin-pull-cert.ts issue (docs/deploy.md)' })
    .max(2, { message: 'trust at most two CAs (the old and the new one while rotating); remove the retired CA file' }),
  /** Id of the client certificate uploaded to the zone by scripts/origin-pull-cert.ts, which prints it. */
  cloudflareCertificateId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'must be the certificate id (a UUID) that scripts/origin-pull-cert.ts issue printed',
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

export const edgeSchema = z.object({
  /** The Cloudflare zone of `domain` (Overview page of the zone → API → Zone ID). */
  cloudflareZoneId: z.string().regex(/^[0-9a-f]{32}$/, {
    message: 'must be the 32-character lowercase hex Zone ID from the Cloudflare dashboard (zone Overview → API)',
  }),
  /** HSTS `max-age`. Browsers pin HTTPS for this long, so start small and raise it once HTTPS is proven. */
  hstsMaxAgeSeconds: z
    .number()
    .int()
    .min(0, { message: 'must be 0 or more seconds' })
    .max(31_536_000, { message: 'must be at most 31536000 (one year), the most Cloudflare accepts' }),
  /** Whether the zone's plan (Pro or higher) includes the Cloudflare Managed Ruleset. */
  managedWaf: z.boolean(),
  /** Requests one visitor may send to `/api/*` per period, counted at each Cloudflare data center. */
  apiRateLimit: z.object({
    requestsPerPeriod: z.number().int().min(1, { message: 'must be at least 1 request per period' }),
    periodSeconds: oneOf(CLOUDFLARE_RATE_PERIODS, 'Cloudflare rate-limiting periods; the Free plan allows only 10'),
  }),
  /** Answer AAAA queries for the proxied names (Cloudflare's "IPv6 Compatibility"). */
  ipv6: z.boolean(),
});

export type OriginPullConfig = z.output<typeof originPullSchema>;
export type IngressConfig = z.output<typeof ingressSchema>;
export type EdgeConfig = z.output<typeof edgeSchema>;
