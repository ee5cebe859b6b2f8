import { ENVIRONMENTS, loadEnvironments, type EnvironmentInput } from '../../config';
import { managedWafEnabled } from '../../config/schema-edge';

/** The one-line problems loadEnvironments reports for production with one change applied. */
function problems(change: (e: EnvironmentInput) => void): string[] {
  const input = structuredClone(ENVIRONMENTS.find((e) => e.name === 'production')!);
  change(input);
  try {
    loadEnvironments([input]);
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
  return [];
}

describe('ingress and edge configuration', () => {
  it('is valid as committed, in every environment', () => {
    expect(() => loadEnvironments(ENVIRONMENTS)).not.toThrow();
  });

  it('defaults the backend timeout and connection draining', () => {
    const input = structuredClone(ENVIRONMENTS.find((e) => e.name === 'dev')!);
    const [dev] = loadEnvironments([input]);
    expect(dev.ingress).toMatchObject({ backendTimeoutSec: 30, connectionDrainingTimeoutSec: 30 });
    expect(dev.ingress.rateLimit).toBeUndefined();
  });

  it('keeps no Cloudflare zone id in config (the stacks look the zone up by name)', () => {
    for (const input of ENVIRONMENTS) expect(JSON.stringify(input.edge)).not.toMatch(/zoneId|[0-9a-f]{32}/i);
  });

  it('lets a disposable sandbox keep its placeholder domain (its edge plan fails at the zone lookup), and nothing else', () => {
    const [dev] = loadEnvironments([ENVIRONMENTS.find((e) => e.name === 'dev')!]);
    expect(dev.tier).toBe('disposable');
    expect(dev.domain).toMatch(/\.example$/);
    for (const input of ENVIRONMENTS.filter((e) => e.tier !== 'disposable')) expect(input.domain).not.toMatch(/\.(example|test|invalid|localhost)$/);
  });

  it('defaults the managed WAF to what the plan includes', () => {
    const on = (plan: 'free' | 'pro') => {
      const input = structuredClone(ENVIRONMENTS.find((e) => e.name === 'production')!);
      delete input.edge.managedWaf;
      input.edge.plan = plan;
      input.edge.apiRateLimit.periodSeconds = 10;
      delete input.edge.searchRateLimit;
      return managedWafEnabled(loadEnvironments([input])[0].edge);
    };
    expect([on('free'), on('pro')]).toEqual([false, true]);
  });

  it.each<[string, (e: EnvironmentInput) => void, RegExp]>([
    ['a plan Cloudflare does not sell', (e) => { (e.edge as { plan: string }).plan = 'premium'; },
      /^config\/production\.ts › edge\.plan: must be the zone's Cloudflare plan: "free", "pro", "business", "enterprise" \(zone Overview › Plan\)/],
    ['a rate-limit period the plan does not offer (Pro: 10 s and 1 min)', (e) => { e.edge.apiRateLimit.periodSeconds = 600; },
      /^config\/production\.ts › edge\.apiRateLimit\.periodSeconds: 600s is not offered on the pro plan \(periods: 10, 60\); pick one of those or change edge\.plan/],
    ['a search rate limit on a Free zone (one rule, which the api uses)', (e) => { e.edge.plan = 'free'; e.edge.apiRateLimit.periodSeconds = 10; e.edge.managedWaf = false; },
      /^config\/production\.ts › edge\.searchRateLimit: the free plan allows 1 rate-limiting rule, which apiRateLimit uses; leave searchRateLimit out \(search then counts against apiRateLimit\)/],
    ['a search rate-limit period the plan does not offer', (e) => { e.edge.searchRateLimit = { requestsPerPeriod: 10, periodSeconds: 300 }; },
      /^config\/production\.ts › edge\.searchRateLimit\.periodSeconds: 300s is not offered on the pro plan \(periods: 10, 60\)/],
    ['the managed WAF on a Free zone', (e) => { e.edge.plan = 'free'; e.edge.apiRateLimit.periodSeconds = 10; e.edge.managedWaf = true; delete e.edge.searchRateLimit; },
      /^config\/production\.ts › edge\.managedWaf: the free plan does not include the Cloudflare Managed Ruleset; set managedWaf to false .*upgrade the zone to Pro/],
    ['a placeholder domain in a production environment', (e) => { e.domain = 'isoscribe.example'; },
      /^config\/production\.ts › domain: "isoscribe\.example" is a reserved placeholder name \(RFC 2606\); set the domain of the environment's Cloudflare zone \(Cloudflare dashboard › Websites\)/],
    ['example.com as a production domain', (e) => { e.domain = 'www.example.com'; },
      /^config\/production\.ts › domain: "www\.example\.com" is a reserved placeholder name/],
    ['a zone that does not hold the domain', (e) => { e.edge.zoneName = 'isoscribe.net'; },
      /^config\/production\.ts › edge\.zoneName: "isoscribe\.net" does not contain the domain "isoscribe\.com"; name the zone that holds it/],
    ['an adopted ruleset for a phase the stack does not manage', (e) => { e.edge.adoptRulesets = { http_request_firewall_custom: 'a'.repeat(32) } as never; },
      /^config\/production\.ts › edge\.adoptRulesets\.http_request_firewall_custom: must be a phase the edge stack manages: http_request_cache_settings, http_ratelimit, http_request_firewall_managed$/],
    ['an adopted ruleset id that is not one', (e) => { e.edge.adoptRulesets = { http_ratelimit: 'default' }; },
      /^config\/production\.ts › edge\.adoptRulesets\.http_ratelimit: must be the 32-character hex ruleset id the edge plan printed/],
    ['HSTS max-age over a year', (e) => { e.edge.hstsMaxAgeSeconds = 63_072_000; },
      /^config\/production\.ts › edge\.hstsMaxAgeSeconds: must be at most 31536000/],
    ['a rate-limit period Cloudflare does not offer on any plan', (e) => { e.edge.apiRateLimit.periodSeconds = 30; },
      /^config\/production\.ts › edge\.apiRateLimit\.periodSeconds: 30s is not offered on the pro plan \(periods: 10, 60\)/],
    ['zero requests per period', (e) => { e.edge.apiRateLimit.requestsPerPeriod = 0; },
      /^config\/production\.ts › edge\.apiRateLimit\.requestsPerPeriod: must be at least 1 request per period/],
    ['a missing plan', (e) => { delete (e.edge as Partial<EnvironmentInput['edge']>).plan; },
      /^config\/production\.ts › edge\.plan: must be the zone's Cloudflare plan/],
    ['a sample rate above 1', (e) => { e.ingress.logSampleRate = 10; },
      /^config\/production\.ts › ingress\.logSampleRate: must be between 0 and 1, e\.g\. 1 to log every request/],
    ['a non-positive rate per endpoint', (e) => { e.ingress.maxRatePerEndpoint = 0; },
      /^config\/production\.ts › ingress\.maxRatePerEndpoint: must be a positive requests-per-second figure per pod/],
    ['a Cloud Armor interval it does not support', (e) => { e.ingress.rateLimit = { requests: 100, intervalSec: 45 }; },
      /^config\/production\.ts › ingress\.rateLimit\.intervalSec: must be one of 10, 30, 60, .* \(the intervals Cloud Armor supports\)/],
  ])('rejects %s, naming the field and the fix', (_, change, message) => {
    const found = problems(change);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});
