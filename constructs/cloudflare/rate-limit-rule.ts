import { Ruleset } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';
import { CLOUDFLARE_PLAN_LIMITS, expressionFields, type CloudflarePlan } from '../../facts/cloudflare-plans';

/** One rate-limiting rule: what it counts and how much one visitor may send. */
export interface RateLimitSpec {
  readonly description: string;
  /** Requests this rule counts, in Cloudflare's rules language. */
  readonly expression: string;
  /** Requests one visitor may send per period, counted per Cloudflare data center. */
  readonly requestsPerPeriod: number;
  /** Counting window in seconds (the Free plan allows only 10). Checked against `plan`. */
  readonly periodSeconds: number;
  /** How long a visitor over the limit stays blocked. @default - one period */
  readonly mitigationTimeoutSeconds?: number;
}

export interface RateLimitRuleProps extends RateLimitSpec {
  readonly zoneId: string;
  /** The zone's plan, which bounds the rule count, the period, the mitigation timeout and the expression's fields. */
  readonly plan: CloudflarePlan;
  /**
   * Rules evaluated before the first one (a narrower path with its own budget); the plan's rule
   * count bounds how many. @default []
   */
  readonly before?: readonly RateLimitSpec[];
}

/**
 * The zone's entry-point ruleset of the `http_ratelimit` phase with one rule: a visitor (client IP,
 * per data center, as every plan supports) over the limit gets 429 until the timeout passes.
 */
export class RateLimitRule extends Construct {
  readonly ruleset: Ruleset;

  constructor(scope: Construct, id: string, props: RateLimitRuleProps) {
    super(scope, id);
    const limits = CLOUDFLARE_PLAN_LIMITS[props.plan].rateLimit;
    const fix = 'or set edge.plan to the zone\'s higher plan';
    const specs = [...(props.before ?? []), props];
    if (specs.length > limits.rules) {
      throw new Error(`${this.node.path}: ${specs.length} rate-limiting rules, but the ${props.plan} plan allows ${limits.rules}; drop one (e.g. edge.searchRateLimit), ${fix}`);
    }
    for (const spec of specs) {
      const mitigationTimeout = spec.mitigationTimeoutSeconds ?? spec.periodSeconds;
      if (!limits.periods.includes(spec.periodSeconds)) {
        throw new Error(`${this.node.path}: a ${spec.periodSeconds}s period is not offered on the ${props.plan} plan (periods: ${limits.periods.join(', ')}); pick one of those, ${fix}`);
      }
      if (mitigationTimeout > limits.maxMitigationTimeoutSeconds) {
        throw new Error(`${this.node.path}: a ${mitigationTimeout}s mitigation timeout exceeds the ${props.plan} plan's ${limits.maxMitigationTimeoutSeconds}s; shorten it, ${fix}`);
      }
      const refused = expressionFields(spec.expression).filter((f) => limits.expressionFields !== undefined && !limits.expressionFields.includes(f));
      if (refused.length > 0) {
        throw new Error(`${this.node.path}: the ${props.plan} plan's rate-limiting rules cannot match on ${refused.join(', ')} (allowed: ${limits.expressionFields!.join(', ')}); match on the path, ${fix}`);
      }
    }
    this.ruleset = new Ruleset(this, 'ruleset', {
      zoneId: props.zoneId,
      kind: 'zone',
      phase: 'http_ratelimit',
      name: 'Rate limiting',
      description: props.description,
      rules: specs.map((spec) => ({
        action: 'block',
        description: spec.description,
        expression: spec.expression,
        enabled: true,
        ratelimit: {
          characteristics: ['cf.colo.id', 'ip.src'],
          period: spec.periodSeconds,
          requestsPerPeriod: spec.requestsPerPeriod,
          mitigationTimeout: spec.mitigationTimeoutSeconds ?? spec.periodSeconds,
        },
      })),
    });
  }
}
