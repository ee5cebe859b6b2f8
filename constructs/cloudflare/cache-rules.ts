import { Ruleset, type RulesetRules } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';

/** One rule of the zone's cache-settings phase. Build it with the static factories. */
export class CacheRule {
  /** Matching requests are never stored at the edge: always go to the origin. */
  static bypass(description: string, expression: string): CacheRule {
    return new CacheRule({ action: 'set_cache_settings', description, expression, enabled: true, actionParameters: { cache: false } });
  }

  /**
   * Matching requests are cache eligible, kept `edgeTtlSeconds` at the edge whatever the origin
   * says; browsers keep them `browserTtlSeconds`, or as the origin's Cache-Control says when omitted.
   */
  static cache(description: string, expression: string, ttl: { edgeTtlSeconds: number; browserTtlSeconds?: number }): CacheRule {
    return new CacheRule({
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

  private constructor(readonly rule: RulesetRules) {}
}

export interface CacheRulesProps {
  readonly zoneId: string;
  /** Evaluated in order; where several match, the later one's settings win. */
  readonly rules: CacheRule[];
}

/** The zone's entry-point ruleset of the `http_request_cache_settings` phase. */
export class CacheRules extends Construct {
  readonly ruleset: Ruleset;

  constructor(scope: Construct, id: string, props: CacheRulesProps) {
    super(scope, id);
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
