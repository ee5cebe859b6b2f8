import { at, isFalse, isTrue, many, one, show, type Attributes } from '../attributes';
import type { PolicyRule, ResourceView, StackView } from '../rule';
import { matchesPath } from './cloudflare-expression';

const ZONE_SETTING = 'cloudflare_zone_setting';
const DNS_RECORD = 'cloudflare_dns_record';
const RULESET = 'cloudflare_ruleset';

/** HSTS must be remembered for at least 180 days to count (the HSTS preload minimum is one year). */
export const MIN_HSTS_MAX_AGE = 15552000;
/** The path prefix whose responses are per user and must never be cached. */
export const API_PATH_PREFIX = '/api/';

/** Zone settings of a zone (same zone_id after reading references through). */
function zoneSettings(stack: StackView, zoneId: unknown): ResourceView[] {
  const zone = stack.deref(zoneId);
  return stack.ofType(ZONE_SETTING).filter((s) => stack.deref(s.attributes.zone_id) === zone);
}

/** Proxied records are the ones whose traffic flows through the zone's settings. */
function isProxied(record: ResourceView): boolean {
  return isTrue(record.attributes.proxied);
}

/**
 * A rule for one zone setting. On the setting's own resource it checks the value; on every proxied
 * DNS record it checks that the record's zone declares the setting at all (an undeclared setting is
 * whatever the Cloudflare dashboard last said).
 */
function zoneSettingRule(id: string, settingId: string, description: string, fix: string, valueProblem: (value: unknown) => string | undefined): PolicyRule {
  return {
    id,
    resourceTypes: [ZONE_SETTING, DNS_RECORD],
    description,
    fix,
    check: (r, stack) => {
      if (r.type === ZONE_SETTING) {
        if (r.attributes.setting_id !== settingId) return [];
        const problem = valueProblem(r.attributes.value);
        return problem ? [`${settingId}: ${problem}`] : [];
      }
      if (!isProxied(r)) return [];
      const declared = zoneSettings(stack, r.attributes.zone_id).some((s) => s.attributes.setting_id === settingId);
      return declared ? [] : [`the record's zone ${show(r.attributes.zone_id)} has no cloudflare_zone_setting "${settingId}" in this stack`];
    },
  };
}

function oneOf(expected: string[]) {
  return (value: unknown) => (expected.includes(String(value)) ? undefined : `value is ${show(value)}, expected ${expected.join(' or ')}`);
}

/** Cache rules of a ruleset, in order. */
function cacheRules(ruleset: ResourceView): Attributes[] {
  return many(ruleset.attributes.rules).filter((rule) => rule.action === 'set_cache_settings');
}

/** Paths the /api/ rule must hold for: the prefix itself, a resource under it, and the bare `/api`. */
export const API_SAMPLE_PATHS = ['/api', '/api/', '/api/documents/42'];

/**
 * What is wrong with a cache-settings ruleset's handling of API paths. Cloudflare applies every
 * matching cache rule in order, later ones overriding earlier ones, so the last rule that matches
 * a path and sets `cache` decides; a rule that caches and might match (an expression this check
 * cannot evaluate) counts as caching.
 */
function apiCacheProblems(ruleset: ResourceView): string[] {
  const problems: string[] = [];
  for (const path of API_SAMPLE_PATHS) {
    let decided: { cache: boolean; rule: Attributes } | undefined;
    for (const rule of cacheRules(ruleset)) {
      const cache = at(rule, 'action_parameters.cache');
      if (rule.enabled === false || (!isTrue(cache) && !isFalse(cache))) continue;
      const matches = matchesPath(String(rule.expression ?? ''), path);
      if (matches === true || (matches === undefined && isTrue(cache))) decided = { cache: isTrue(cache), rule };
    }
    if (!decided) problems.push(`no cache rule bypasses the cache for ${path}`);
    else if (decided.cache) problems.push(`${path} is cached by rule ${show(decided.rule.description ?? decided.rule.ref)} (${show(decided.rule.expression)})`);
  }
  return problems;
}

export const CLOUDFLARE_RULES: PolicyRule[] = [
  zoneSettingRule('CF-001', 'ssl', 'Cloudflare connects to the origin with SSL Full (strict): the origin certificate is verified.',
    'declare cloudflare_zone_setting { settingId: "ssl", value: "strict" }.', oneOf(['strict'])),
  zoneSettingRule('CF-002', 'min_tls_version', 'Visitors connect with TLS 1.2 or newer.',
    'declare cloudflare_zone_setting { settingId: "min_tls_version", value: "1.2" }.', oneOf(['1.2', '1.3'])),
  zoneSettingRule('CF-003', 'tls_1_3', 'TLS 1.3 is enabled.',
    'declare cloudflare_zone_setting { settingId: "tls_1_3", value: "on" }.', oneOf(['on', 'zrt'])),
  zoneSettingRule('CF-004', 'always_use_https', 'Cloudflare redirects every plain-HTTP request to HTTPS.',
    'declare cloudflare_zone_setting { settingId: "always_use_https", value: "on" }.', oneOf(['on'])),
  zoneSettingRule('CF-005', 'security_header', `HSTS is sent, with a max-age of at least ${MIN_HSTS_MAX_AGE} seconds.`,
    `declare cloudflare_zone_setting { settingId: "security_header", value: { strict_transport_security: { enabled: true, max_age: ${MIN_HSTS_MAX_AGE * 2}, include_subdomains: true, nosniff: true } } }.`,
    (value) => {
      const hsts = one(one(value)?.strict_transport_security);
      if (!isTrue(hsts?.enabled)) return `strict_transport_security.enabled is ${show(hsts?.enabled)}`;
      if (!(Number(hsts?.max_age) >= MIN_HSTS_MAX_AGE)) return `strict_transport_security.max_age is ${show(hsts?.max_age)}`;
      return undefined;
    }),
  zoneSettingRule('CF-006', 'automatic_https_rewrites', 'Automatic HTTPS rewrites fix mixed-content links.',
    'declare cloudflare_zone_setting { settingId: "automatic_https_rewrites", value: "on" }.', oneOf(['on'])),
  {
    id: 'CF-007',
    resourceTypes: [RULESET, DNS_RECORD],
    description: `Responses under ${API_PATH_PREFIX} are never cached by Cloudflare (they are per user).`,
    fix: `add to the zone's http_request_cache_settings ruleset a set_cache_settings rule with cache: false matching (http.request.uri.path eq "/api" or starts_with(http.request.uri.path, "${API_PATH_PREFIX}")), after any rule that caches broadly.`,
    check: (r, stack) => {
      if (r.type === RULESET) return r.attributes.phase === 'http_request_cache_settings' ? apiCacheProblems(r) : [];
      if (!isProxied(r)) return [];
      const zone = stack.deref(r.attributes.zone_id);
      const rulesets = stack.ofType(RULESET).filter((s) => s.attributes.phase === 'http_request_cache_settings' && stack.deref(s.attributes.zone_id) === zone);
      return rulesets.some((s) => apiCacheProblems(s).length === 0)
        ? []
        : [`the record's zone ${show(r.attributes.zone_id)} has no http_request_cache_settings ruleset that bypasses the cache for ${API_PATH_PREFIX}`];
    },
  },
];
