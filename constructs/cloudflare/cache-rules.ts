import { Ruleset, type RulesetRules } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';
import { CLOUDFLARE_PLAN_LIMITS, type CloudflarePlan } from '../../facts/cloudflare-plans';

/** One rule of the zone's cache-settings phase. Build it with the static factories. */
export class CacheRule {
  /** Matching requests are never stored at the edge: always go to the origin. */
  static bypass(description: string, expression: string): CacheRule {
    return new CacheRule(undefined, { action: 'set_cache_settings', description, expression, enabled: true, actionParameters: { cache: false } });
  }

  /**
   * Matching requests are cache eligible, kept `edgeTtlSeconds` at the edge whatever the origin
   * says; browsers keep them `browserTtlSeconds`, or as the origin's Cache-Control says when omitted.
   */
  static cache(description: string, expression: string, ttl: { edgeTtlSeconds: number; browserTtlSeconds?: number }): CacheRule {
    return new CacheRule(ttl.edgeTtlSeconds, {
      action: 'set_cache_settings',
      description,
      expression,
      enabled: true,
      actionParameters: {
        cache: true,
        edgeTtl: { mode: 'override_origin', default: ttl.edgeTtlSeconds },
        browserTtl:
          ttl.browserTtlSeconds === undefined
            ? { mode: 'respect_origin' }
            : { mode: 'override_origin', default: ttl.browserTtlSeconds },
      },
    });
  }

  private constructor(
    /** The edge TTL the rule overrides with; undefined when it does not cache. */
    readonly edgeTtlSeconds: number | undefined,
    readonly rule: RulesetRules,
  ) {}
}

export interface CacheRulesProps {
  readonly zoneId: string;
  /** The zone's plan: an edge TTL below its minimum is refused by the API, so it fails synth here. */
  readonly plan: CloudflarePlan;
  /** Evaluated in order; where several match, the later one's settings win. */
  readonly rules: CacheRule[];
}

/** The zone's entry-point ruleset of the `http_request_cache_settings` phase. */
export class CacheRules extends Construct {
  readonly ruleset: Ruleset;

  constructor(scope: Construct, id: string, props: CacheRulesProps) {
    super(scope, id);
    const minimum = CLOUDFLARE_PLAN_LIMITS[props.plan].minEdgeTtlSeconds;
    for (const { edgeTtlSeconds, rule } of props.rules) {
      if (edgeTtlSeconds !== undefined && edgeTtlSeconds < minimum) {
        throw new Error(
          `${this.node.path}: cache rule "${rule.description}" keeps responses ${edgeTtlSeconds}s at the edge, below the ${props.plan} plan's ` +
            `minimum edge TTL of ${minimum}s; raise the TTL, use EdgeCache.atMost (no edge caching where the plan cannot go that low), ` +
            'or set edge.plan to the zone\'s higher plan',
        );
      }
    }
    this.ruleset = new Ruleset(this, 'ruleset', {
      zoneId: props.zoneId,
      kind: 'zone',
      phase: 'http_request_cache_settings',
      name: 'Cache rules',
      description: 'What the edge caches, and for how long',
      rules: props.rules.map((r) => r.rule),
    });
  }
}
