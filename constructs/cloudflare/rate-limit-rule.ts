import { Ruleset } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';

export interface RateLimitRuleProps {
  readonly zoneId: string;
  readonly description: string;
  /** Requests this rule counts, in Cloudflare's rules language. */
  readonly expression: string;
  /** Requests one visitor may send per period, counted per Cloudflare data center. */
  readonly requestsPerPeriod: number;
  /** Counting window in seconds (the Free plan allows only 10). */
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
            mitigationTimeout: props.mitigationTimeoutSeconds ?? props.periodSeconds,
          },
        },
      ],
    });
  }
}
