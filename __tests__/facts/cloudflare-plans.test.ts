import { Testing, TerraformStack } from 'cdktf';
import { CLOUDFLARE_PLAN_LIMITS, expressionFields } from '../../facts/cloudflare-plans';
import { CacheRule, CacheRules } from '../../constructs/cloudflare/cache-rules';
import { RateLimitRule } from '../../constructs/cloudflare/rate-limit-rule';
import { EdgeCache } from '../../workloads';
import { HTML_EDGE_TTL_SECONDS } from '../../workloads/frontend';

/*
 * Issue 11 item 5: what a zone's plan allows. Cloudflare refuses an edge TTL below the plan's minimum
 * (Free 2 h, Pro 1 h, Business/Enterprise 1 s) and rate-limiting periods, timeouts and expression
 * fields beyond it; the constructs refuse them at synth, naming the fix.
 */

function stack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'test');
}

describe('cache rules against the zone plan', () => {
  const minute = (expression: string) => CacheRule.cache('briefly', expression, { edgeTtlSeconds: 60 });

  it.each([
    ['free', 7200],
    ['pro', 3600],
  ] as const)('refuse a 60 s edge TTL on %s (minimum %i s), naming the rule and the fix', (plan, minimum) => {
    expect(() => new CacheRules(stack(), 'cache', { zoneId: 'z', plan, rules: [minute('true')] })).toThrow(
      `test/cache: cache rule "briefly" keeps responses 60s at the edge, below the ${plan} plan's minimum edge TTL of ${minimum}s; ` +
        'raise the TTL, use EdgeCache.atMost (no edge caching where the plan cannot go that low), or set edge.plan to the zone\'s higher plan',
    );
  });

  it.each(['business', 'enterprise'] as const)('accept a 60 s edge TTL on %s', (plan) => {
    expect(() => new CacheRules(stack(), 'cache', { zoneId: 'z', plan, rules: [minute('true')] })).not.toThrow();
  });

  it('accept the plan minimum itself and bypass rules on every plan', () => {
    for (const [plan, limits] of Object.entries(CLOUDFLARE_PLAN_LIMITS)) {
      const rules = [CacheRule.cache('min', 'true', { edgeTtlSeconds: limits.minEdgeTtlSeconds }), CacheRule.bypass('never', 'true')];
      expect(() => new CacheRules(stack(), 'cache', { zoneId: 'z', plan: plan as keyof typeof CLOUDFLARE_PLAN_LIMITS, rules })).not.toThrow();
    }
  });

  it('EdgeCache.atMost caches for the bound where the plan allows it, and bypasses where it cannot go that low', () => {
    const html = EdgeCache.atMost('HTML', HTML_EDGE_TTL_SECONDS);
    expect(html.ruleFor('true', 'business').rule.actionParameters).toMatchObject({ cache: true, edgeTtl: { default: HTML_EDGE_TTL_SECONDS } });
    expect(html.ruleFor('true', 'free').rule.actionParameters).toEqual({ cache: false });
    expect(html.ruleFor('true', 'pro').rule.description).toMatch(/not cached: the pro plan's shortest edge TTL is 3600s/);
  });
});

describe('rate limiting against the zone plan', () => {
  const base = { zoneId: 'z', description: 'api', expression: 'starts_with(http.request.uri.path, "/api/")', requestsPerPeriod: 100 };

  it('refuses a period the plan does not offer', () => {
    expect(() => new RateLimitRule(stack(), 'rl', { ...base, plan: 'free', periodSeconds: 60 })).toThrow(
      'test/rl: a 60s period is not offered on the free plan (periods: 10); pick one of those, or set edge.plan to the zone\'s higher plan',
    );
  });

  it('refuses more rules than the plan allows (Free: 1, Pro: 2), and checks every rule, not only the first', () => {
    const search = { description: 'search', expression: 'starts_with(http.request.uri.path, "/api/v1/search")', requestsPerPeriod: 10, periodSeconds: 10 };
    expect(() => new RateLimitRule(stack(), 'rl', { ...base, plan: 'free', periodSeconds: 10, before: [search] })).toThrow(
      /test\/rl: 2 rate-limiting rules, but the free plan allows 1; drop one \(e\.g\. edge\.searchRateLimit\)/,
    );
    expect(() => new RateLimitRule(stack(), 'rl', { ...base, plan: 'pro', periodSeconds: 10, before: [search] })).not.toThrow();
    expect(() => new RateLimitRule(stack(), 'rl', { ...base, plan: 'pro', periodSeconds: 10, before: [{ ...search, periodSeconds: 600 }] })).toThrow(/a 600s period is not offered on the pro plan/);
  });

  it('refuses a mitigation timeout beyond the plan', () => {
    expect(() => new RateLimitRule(stack(), 'rl', { ...base, plan: 'free', periodSeconds: 10, mitigationTimeoutSeconds: 60 })).toThrow(
      /a 60s mitigation timeout exceeds the free plan's 10s; shorten it/,
    );
  });

  it('refuses fields a Free or Pro rule cannot match on (Free: the path only)', () => {
    const byMethod = { ...base, expression: 'http.request.method eq "POST" and starts_with(http.request.uri.path, "/api/")' };
    expect(() => new RateLimitRule(stack(), 'rl', { ...byMethod, plan: 'free', periodSeconds: 10 })).toThrow(
      /the free plan's rate-limiting rules cannot match on http\.request\.method \(allowed: http\.request\.uri\.path, .*\); match on the path/,
    );
    expect(() => new RateLimitRule(stack(), 'rl', { ...byMethod, plan: 'pro', periodSeconds: 10 })).toThrow(/pro plan's rate-limiting rules cannot match on http\.request\.method/);
    expect(() => new RateLimitRule(stack(), 'rl', { ...byMethod, plan: 'business', periodSeconds: 10 })).not.toThrow();
  });

  it('reads the fields of an expression, not the words inside its strings', () => {
    expect(expressionFields('http.host eq "ip.src.example" or starts_with(http.request.uri.path, "/cf.colo/")').sort()).toEqual([
      'http.host',
      'http.request.uri.path',
    ]);
  });
});
