import { ComputeSecurityPolicy, type ComputeSecurityPolicyRule } from '@cdktf/provider-google/lib/compute-security-policy';
import { Fn, Op, TerraformIterator } from 'cdktf';
import { Construct } from 'constructs';

/** Cloud Armor accepts at most this many `src_ip_ranges` in one rule. */
export const MAX_RANGES_PER_RULE = 10;

/** Rule priorities: lower numbers are evaluated first, and the first match decides. */
export const CLOUD_ARMOR_PRIORITIES = {
  /** Preconfigured WAF denies, one per rule set, from here up: before anything is allowed. */
  waf: 1000,
  /** One allow (or throttle) rule per chunk of allowed ranges, from here up. */
  allow: 2000,
  /** The default rule every policy has; it catches whatever no other rule matched. */
  default: 2147483647,
} as const;

export interface CloudArmorThrottle {
  /** Requests one client may send per interval before it gets 429. */
  readonly requests: number;
  /** Length of the counting window, one of Cloud Armor's supported intervals. */
  readonly intervalSec: number;
  /**
   * Request header that identifies the client. It is trustworthy only because the throttle rules
   * match nothing but the allowed source ranges, whose proxy sets it (e.g. `CF-Connecting-IP`).
   */
  readonly keyHeader: string;
}

export interface CloudArmorPolicyProps {
  readonly name: string;
  /**
   * `CLOUD_ARMOR` (backend services: WAF rules, throttles) or `CLOUD_ARMOR_EDGE` (backend buckets and
   * Cloud CDN: evaluated at Google's edge, source-range rules only, no WAF and no throttle).
   * @default 'CLOUD_ARMOR'
   */
  readonly type?: 'CLOUD_ARMOR' | 'CLOUD_ARMOR_EDGE';
  /** @default - none */
  readonly description?: string;
  /**
   * Source ranges allowed through; everything else gets the default rule's 403. May be a Terraform
   * list known only at plan time (e.g. a data source attribute): it is split into rules there.
   */
  readonly allowedSourceRanges: string[];
  /** Preconfigured WAF rule sets whose matches are denied (403) before any allow. @default ['cve-canary'] */
  readonly preconfiguredWafRules?: string[];
  /**
   * Turns each allow rule into a throttle: allowed clients over the limit get 429. Cloud Armor counts
   * per rule, so a client whose requests arrive from ranges in several rules gets that many budgets.
   * @default - no throttle: allowed sources are allowed without limit
   */
  readonly throttle?: CloudArmorThrottle;
}

/**
 * A Cloud Armor (CLOUD_ARMOR type) security policy that denies by default, denies preconfigured WAF
 * matches (Log4Shell's `cve-canary` unless told otherwise), and allows only the given source ranges,
 * optionally throttled per client.
 */
export class CloudArmorPolicy extends Construct {
  readonly policy: ComputeSecurityPolicy;

  constructor(scope: Construct, id: string, props: CloudArmorPolicyProps) {
    super(scope, id);
    const type = props.type ?? 'CLOUD_ARMOR';
    const edge = type === 'CLOUD_ARMOR_EDGE';
    if (edge && (props.throttle || props.preconfiguredWafRules?.length)) {
      throw new Error(`${this.node.path}: a CLOUD_ARMOR_EDGE policy supports neither throttle nor preconfiguredWafRules; remove them or use type 'CLOUD_ARMOR'`);
    }
    const wafRules = edge ? [] : (props.preconfiguredWafRules ?? ['cve-canary']);

    const staticRules: ComputeSecurityPolicyRule[] = [
      ...wafRules.map((ruleSet, i) => ({
        priority: CLOUD_ARMOR_PRIORITIES.waf + i,
        action: 'deny(403)',
        description: `Deny preconfigured WAF matches: ${ruleSet}`,
        match: { expr: { expression: `evaluatePreconfiguredWaf('${ruleSet}')` } },
      })),
      {
        priority: CLOUD_ARMOR_PRIORITIES.default,
        action: 'deny(403)',
        description: 'Default: deny every source not allowed above',
        match: { versionedExpr: 'SRC_IPS_V1', config: { srcIpRanges: ['*'] } },
      },
    ];

    this.policy = new ComputeSecurityPolicy(this, 'policy', {
      name: props.name,
      description: props.description,
      type,
      rule: staticRules,
    });

    // The allowed ranges usually come from a data source (Cloudflare publishes and changes them), so
    // they are only known when Terraform plans, not when this program synthesizes. Splitting them in
    // TypeScript would freeze today's list into the JSON; instead Terraform splits them: chunklist()
    // makes lists of at most MAX_RANGES_PER_RULE, and a dynamic `rule` block emits one rule per chunk.
    // A dynamic block iterating a list binds the key to the index, so priorities are base + index.
    // (TerraformIterator.fromList would wrap the list in toset(), losing the index; fromMap keeps
    // the expression as is.) cdktf passes dynamic content through verbatim: keys are Terraform's.
    const chunks = Fn.chunklist(props.allowedSourceRanges, MAX_RANGES_PER_RULE);
    const chunk = TerraformIterator.fromMap(chunks);
    const throttle = props.throttle;
    this.policy.addOverride('dynamic.rule', {
      for_each: chunks,
      iterator: 'each',
      content: {
        priority: Op.add(CLOUD_ARMOR_PRIORITIES.allow, chunk.key),
        action: throttle ? 'throttle' : 'allow',
        description: 'Allow an allowed source range chunk',
        match: { versioned_expr: 'SRC_IPS_V1', config: { src_ip_ranges: chunk.value } },
        ...(throttle && {
          rate_limit_options: {
            conform_action: 'allow',
            exceed_action: 'deny(429)',
            enforce_on_key: 'HTTP_HEADER',
            enforce_on_key_name: throttle.keyHeader,
            rate_limit_threshold: { count: throttle.requests, interval_sec: throttle.intervalSec },
          },
        }),
      },
    });
  }

  get id(): string {
    return this.policy.id;
  }
}
