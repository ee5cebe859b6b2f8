// Strips what the request log must never hold from a URL: values of sensitive query keys.
// Keys match case-insensitively when they contain a listed word ("key" covers api_key and apiKey),
// which errs toward redacting too much rather than too little.

export const REDACTED = 'REDACTED';

/**
 * Query keys redacted on one path whatever ANALYTICS_REDACTED_KEYS says: free text a visitor typed.
 * A search query is often personal data (a name, an illness, an address) and request_log has no
 * use for it (services/api/README.md, "Search").
 */
const freeTextKeysByPath: ReadonlyMap<string, readonly string[]> = new Map([['/api/v1/search', ['q']]]);
/** Longest URL or referer kept; bounds the memory a queued record can take. */
export const maxUrlLength = 2048;

export function redactUrl(url: string, redactedKeys: readonly string[]): string {
  const hashAt = url.indexOf('#');
  const noFragment = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = noFragment.indexOf('?');
  if (queryAt === -1) return truncate(noFragment);
  const freeTextKeys = freeTextKeysByPath.get(noFragment.slice(0, queryAt));
  const pairs = noFragment
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq === -1 ? pair : pair.slice(0, eq);
      const key = decodeKey(rawKey);
      return isSensitive(key, redactedKeys) || freeTextKeys?.includes(key) ? `${rawKey}=${REDACTED}` : pair;
    });
  return truncate(`${noFragment.slice(0, queryAt)}?${pairs.join('&')}`);
}

function isSensitive(key: string, redactedKeys: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return redactedKeys.some((word) => lower.includes(word));
}

function decodeKey(rawKey: string): string {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return rawKey; // malformed escapes: match on the raw text
  }
}

function truncate(value: string): string {
  return value.length > maxUrlLength ? value.slice(0, maxUrlLength) : value;
}
