import { ENVIRONMENTS, loadEnvironments, type EnvironmentInput } from '../../config';

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

  it.each<[string, (e: EnvironmentInput) => void, RegExp]>([
    ['a zone id that is not 32 hex chars', (e) => { e.edge.cloudflareZoneId = 'isoscribe.com'; },
      /^config\/production\.ts › edge\.cloudflareZoneId: must be the 32-character lowercase hex Zone ID .*zone Overview/],
    ['HSTS max-age over a year', (e) => { e.edge.hstsMaxAgeSeconds = 63_072_000; },
      /^config\/production\.ts › edge\.hstsMaxAgeSeconds: must be at most 31536000/],
    ['a rate-limit period Cloudflare does not offer', (e) => { e.edge.apiRateLimit.periodSeconds = 30; },
      /^config\/production\.ts › edge\.apiRateLimit\.periodSeconds: must be one of 10, 60, 120, 300, 600, 3600 .*Free plan allows only 10/],
    ['zero requests per period', (e) => { e.edge.apiRateLimit.requestsPerPeriod = 0; },
      /^config\/production\.ts › edge\.apiRateLimit\.requestsPerPeriod: must be at least 1 request per period/],
    ['a missing managed-WAF flag', (e) => { delete (e.edge as Partial<EnvironmentInput['edge']>).managedWaf; },
      /^config\/production\.ts › edge\.managedWaf: /],
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
