/**
 * Nothing secret may enter Terraform state (issue 13): state is read by every plan, including the
 * pull-request planner's, and lives in a bucket. This finds what in a synthesized stack would put a
 * secret VALUE there:
 * - data sources and resources whose type reads or generates secret material (STATE_SECRET_TYPES);
 *   a data source's result is stored in state whatever it is used for;
 * - a literal value in an attribute named like a secret (`password = "..."`), or a literal that looks
 *   like key material whatever its name (PEM private key, JWT, known token formats, a URL with a password).
 *   Narrower than synth-diff's masking (tools/synth-diff/sensitive.ts), which hides anything
 *   key-shaped (zone ids, `topology_key`) because hiding costs nothing there; here every finding fails.
 * References (`${...}`) are not values: what they point at is checked where it is declared.
 */
type PathSegment = string | number;

export interface StateSecretFinding {
  /** `data.<type>.<name>` or `<type>.<name>`, with the attribute path when the finding is one value. */
  readonly address: string;
  readonly why: string;
}

/** Types whose state holds a secret value, with what it holds; `data.` marks data sources. */
export const STATE_SECRET_TYPES: Readonly<Record<string, string>> = {
  'data.google_secret_manager_secret_version': 'the secret version payload (secret_data)',
  'data.google_secret_manager_secret_version_access': 'the secret version payload (secret_data)',
  'data.google_secret_manager_regional_secret_version': 'the secret version payload (secret_data)',
  'data.google_secret_manager_regional_secret_version_access': 'the secret version payload (secret_data)',
  google_secret_manager_secret_version: 'the payload it adds (secret_data)',
  google_secret_manager_regional_secret_version: 'the payload it adds (secret_data)',
  'data.google_client_config': "the provider's OAuth access token (access_token)",
  'data.google_service_account_access_token': 'an OAuth access token',
  'data.google_service_account_id_token': 'an identity token',
  'data.google_service_account_key': 'a service account key (public part only, but flagged: use Workload Identity)',
  google_service_account_key: 'a service account private key',
  'data.google_kms_secret': 'the decrypted plaintext',
  google_storage_hmac_key: 'the HMAC secret',
  google_sql_user: 'the user password',
  google_compute_ssl_certificate: 'the certificate private key',
  google_compute_region_ssl_certificate: 'the certificate private key',
  'data.kubernetes_secret': 'the Secret data',
  'data.kubernetes_secret_v1': 'the Secret data',
  kubernetes_secret: 'the Secret data',
  kubernetes_secret_v1: 'the Secret data',
  kubernetes_secret_v1_data: 'the Secret data',
  'data.kubernetes_service_account_token': 'a service account token',
  random_password: 'the generated password (result)',
  tls_private_key: 'the generated private key',
  'data.tls_private_key': 'the private key it derives from',
  tls_self_signed_cert: 'its private_key_pem input',
  tls_locally_signed_cert: "the CA's private key input",
  cloudflare_api_token: 'the token value',
  cloudflare_account_token: 'the token value',
  cloudflare_zero_trust_access_service_token: 'the client secret',
  cloudflare_access_service_token: 'the client secret',
  cloudflare_zero_trust_tunnel_cloudflared: 'the tunnel secret',
  cloudflare_workers_secret: 'the secret text',
  cloudflare_workers_script: 'its secret_text bindings',
  cloudflare_authenticated_origin_pulls_certificate: 'the client certificate private key',
  cloudflare_origin_ca_certificate: 'the CSR whose private key the caller holds (flagged: generate outside Terraform)',
};

type Json = Record<string, any>;

/** Every finding of one synthesized stack (its cdk.tf.json), in address order. */
export function secretsInState(stack: Json): StateSecretFinding[] {
  const findings: StateSecretFinding[] = [];
  const blocks: [string, string, string, unknown][] = [];
  for (const [kind, prefix] of [['data', 'data.'], ['resource', '']] as const) {
    for (const [type, byName] of Object.entries<Json>(stack[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) blocks.push([`${prefix}${type}`, type, `${prefix}${type}.${name}`, body]);
    }
  }
  for (const [key, type, address, body] of blocks) {
    const held = STATE_SECRET_TYPES[key];
    if (held) findings.push({ address, why: `${key} stores ${held} in state` });
    for (const [path, value] of literals(body, [])) {
      const at = `${address}.${path.join('.')}`;
      const names = path.filter((p): p is string => typeof p === 'string');
      if (names.some((n) => SECRET_VALUE_NAME.test(snakeCase(n)) && !REFERENCE_NAME.test(snakeCase(n))) || (/secret/.test(type) && SECRET_PAYLOAD.test(names[0] ?? ''))) {
        findings.push({ address: at, why: 'a literal value in an attribute named like a secret' });
      } else if (typeof value === 'string' && KEY_MATERIAL.some((pattern) => pattern.test(value))) {
        findings.push({ address: at, why: 'a literal value that looks like key material' });
      }
    }
  }
  return findings.sort((a, b) => a.address.localeCompare(b.address));
}

/** Attribute names that hold a secret value (not a secret's id or name, nor a switch about tokens). */
const SECRET_VALUE_NAME =
  /passw(or)?d|passphrase|private_?key|secret_(data|text|string|value|key)$|client_secret|api_?key$|access_?token$|^token$|_token_value$|credentials?$|connection_?string|hmac|pre_?shared_?key|tunnel_secret/;

/**
 * Kubernetes names an attribute that points at a secret `<what>From` or `<what>Ref` (valueFrom,
 * passwordFrom, secretKeyRef): under it are a Secret's name and key, never the value.
 */
const REFERENCE_NAME = /_(from|ref)$/;

/** In a type that says "secret" (kubernetes_secret_v1, ...), these maps are the payload. */
const SECRET_PAYLOAD = /^(data|binary_data|string_data)$/;

const KEY_MATERIAL = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, // a PEM private key (certificates are public: a trust anchor may be literal)
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, // JWT
  /\bAIza[0-9A-Za-z_-]{35}\b|\bya29\.[0-9A-Za-z_-]{20,}|\bgh[pousr]_[0-9A-Za-z]{30,}|\bgithub_pat_\w{30,}/, // Google, GitHub tokens
  /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i, // scheme://user:password@host
];

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/** Literal strings and numbers under `value` (skipping cdktf's `//` metadata), with their paths. */
function literals(value: unknown, path: PathSegment[]): [PathSegment[], string | number][] {
  if (typeof value === 'string') return value.includes('${') ? [] : [[path, value]];
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => literals(item, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === '//' || k === 'depends_on' || k === 'provider' ? [] : literals(v, [...path, k])));
  }
  return [];
}

/**
 * Findings accepted for now, by `<type>` or `data.<type>`, each with why and what replaces it.
 * Anything found and not listed here fails; a listed one no longer found fails too, so the list
 * only shrinks deliberately. Empty since the workloads stacks' kubernetes provider took its token
 * from GKE's exec plugin instead of `data.google_client_config` (issue 13).
 */
export const ACCEPTED_STATE_SECRETS: Readonly<Record<string, string>> = {};

/**
 * One line per finding of every stack, `<stack> › <address>: <why>`, skipping the accepted types;
 * plus one line per accepted type that no stack uses any more.
 */
export function stateSecretViolations(stacks: Readonly<Record<string, Json>>, accepted = ACCEPTED_STATE_SECRETS): string[] {
  const lines: string[] = [];
  const used = new Set<string>();
  for (const [name, stack] of Object.entries(stacks)) {
    for (const finding of secretsInState(stack)) {
      const key = /^(data\.)?[\w-]+/.exec(finding.address)![0];
      if (finding.address.split('.').length === (key.startsWith('data.') ? 3 : 2) && accepted[key]) {
        used.add(key);
        continue;
      }
      lines.push(`${name} › ${finding.address}: ${finding.why}; nothing secret may enter Terraform state (mount it at run time: AppFile.fromSecretManager)`);
    }
  }
  for (const key of Object.keys(accepted)) {
    if (!used.has(key)) lines.push(`ACCEPTED_STATE_SECRETS lists ${key}, which no stack uses any more: remove the entry`);
  }
  return lines;
}
