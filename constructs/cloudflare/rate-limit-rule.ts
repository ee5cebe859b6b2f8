import { Ruleset } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';
import { CLOUDFLARE_PLAN_LIMITS, expressionFields, type CloudflarePlan } from '../../facts/cloudflare-plans';

export interface RateLimitRuleProps {
  readonly zoneId: string;
  /** The zone's plan, which bounds the period, the mitigation timeout and the expression's fields. */
  readonly plan: CloudflarePlan;
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

/**
 * The zone's entry-point ruleset of the `http_ratelimit` phase with one rule: a visitor (client IP,
 * per data center, as every plan supports) over the limit gets 429 until the timeout passes.
 */
export class RateLimitRule extends Construct {
  readonly ruleset: Ruleset;

  constructor(scope: Construct, id: string, props: RateLimitRuleProps) {
    super(scope, id);
    const limits = CLOUDFLARE_PLAN_LIMITS[props.plan].rateLimit;
    const mitigationTimeout = props.mitigationTimeoutSeconds ?? props.periodSeconds;
    const fix = 'or set edge.plan to the zone\'s higher plan';
    if (!limits.periods.includes(props.periodSeconds)) {
      throw new Error(`${this.node.path}: a ${props.periodSeconds}s period is not offered on the ${props.plan} plan (periods: ${limits.periods.join(', ')}); pick one of those, ${fix}`);
    }
    if (mitigationTimeout > limits.maxMitigationTimeoutSeconds) {
      throw new Error(`${this.node.path}: a ${mitigationTimeout}s mitigation timeout exceeds the ${props.plan} plan's ${limits.maxMitigationTimeoutSeconds}s; shorten it, ${fix}`);
    }
    const refused = expressionFields(props.expression).filter((f) => limits.expressionFields !== undefined && !limits.expressionFields.includes(f));
    if (refused.length > 0) {
      throw new Error(`${this.node.path}: the ${props.plan} plan's rate-limiting rules cannot match on ${refused.join(', ')} (allowed: ${limits.expressionFields!.join(', ')}); match on the path, ${fix}`);
    }
    this.ruleset = new Ruleset(this, 'ruleset', {
      zoneId: props.zoneId,
      kind: 'zone',
      phase: 'http_ratelimit',
      name: 'Rate limiting',
      description: props.description,
      rules: [
        {
          action: 'block',
          description: props.description,
          expression: props.expression,
          enabled: true,
          ratelimit: {
            characteristics: ['cf.colo.id', 'ip.src'],
            period: props.periodSeconds,
            requestsPerPeriod: props.requestsPerPeriod,
            mitigationTimeout,
          },
        },
      ],
    });
  }
}
