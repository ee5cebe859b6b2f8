import { isIPv4, isIPv6 } from 'node:net';
import { Token } from 'cdktf';

/**
 * Input checks for the NGINX renderer. Every value that ends up in the config passes one of these,
 * so nothing a caller supplies can break out of its directive (no `;`, `{`, quotes or spaces).
 * Each error names the field, shows what was given, and says how to fix it.
 */

export class NginxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NginxConfigError';
  }
}

function fail(field: string, got: unknown, expected: string): never {
  throw new NginxConfigError(`nginx: \`${field}\` ${expected} (got ${JSON.stringify(got)})`);
}

/** True for cdktf tokens such as "${TfToken[TOKEN.12]}", which Terraform resolves after synth. */
export function isToken(value: unknown): boolean {
  return typeof value === 'string' && Token.isUnresolved(value);
}

/**
 * An address or CIDR for `set_real_ip_from`. Accepts IPv4/IPv6 addresses, CIDRs, and cdktf string
 * tokens (the global LB address is only known to Terraform). Rejects /0: trusting every peer lets
 * any client choose its logged IP.
 */
export function checkTrustedProxy(field: string, value: unknown): void {
  if (typeof value !== 'string') fail(field, value, 'must be a string: an IP address, a CIDR or a cdktf token');
  if (isToken(value)) return;
  const [address, prefix, ...rest] = value.split('/');
  const v4 = isIPv4(address);
  const v6 = isIPv6(address);
  const hint = "must be an IPv4/IPv6 address or CIDR such as '130.211.0.0/22' or '2400:cb00::/32', or a cdktf token";
  if (rest.length > 0 || (!v4 && !v6)) fail(field, value, hint);
  if (prefix === undefined) return;
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) fail(field, value, `${hint}; the prefix length must be 0-${max}`);
  if (Number(prefix) === 0) {
    fail(field, value, 'must not trust every address (/0): any client could then spoof its IP; list the proxy ranges instead');
  }
}

export function checkPort(field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    fail(field, value, 'must be an integer TCP port between 1 and 65535, e.g. 8080');
  }
}

export function checkListenAddress(field: string, value: unknown): void {
  if (typeof value !== 'string' || (!isIPv4(value) && !isIPv6(value))) {
    fail(field, value, "must be an IPv4 or IPv6 address literal such as '127.0.0.1' or '::1'; omit it to listen on all interfaces");
  }
}

/** NGINX size syntax; 0 is rejected because it disables the limit entirely. */
export function checkSize(field: string, value: unknown): void {
  if (typeof value !== 'string' || !/^[1-9]\d*[kKmMgG]?$/.test(value)) {
    fail(field, value, "must be an NGINX size such as '1m', '512k' or '65536' (bytes), greater than 0");
  }
}

export function checkPositiveInteger(field: string, value: unknown, fix: string): void {
  if (!Number.isInteger(value) || (value as number) < 1) fail(field, value, `must be a positive integer; ${fix}`);
}

export function checkNonNegativeInteger(field: string, value: unknown, fix: string): void {
  if (!Number.isInteger(value) || (value as number) < 0) fail(field, value, `must be an integer >= 0; ${fix}`);
}

const SAFE_PATH = /^\/[A-Za-z0-9._~@+\/-]*$/;

/** An absolute filesystem path made of safe characters, without `..` segments. */
export function checkAbsolutePath(field: string, value: unknown): void {
  if (typeof value !== 'string' || !SAFE_PATH.test(value) || value.split('/').includes('..')) {
    fail(field, value, "must be an absolute path of letters, digits and . _ ~ @ + - / without '..', e.g. '/srv/www'");
  }
}

/** Unix socket paths are limited by sockaddr_un.sun_path (108 bytes including the NUL). */
export function checkSocketPath(field: string, value: unknown): void {
  checkAbsolutePath(field, value);
  if ((value as string).length > 107) fail(field, value, 'must be at most 107 bytes (the unix socket path limit); use a shorter directory');
}

/** A URL path NGINX matches or redirects to, e.g. '/readyz' or '/index.html'. */
export function checkUrlPath(field: string, value: unknown): void {
  if (typeof value !== 'string' || !SAFE_PATH.test(value) || value.split('/').includes('..')) {
    fail(field, value, "must be a URL path starting with '/' made of letters, digits and . _ ~ @ + - / without '..', e.g. '/readyz'");
  }
}

/** A URL path prefix ending in '/', e.g. '/assets/'. */
export function checkUrlPrefix(field: string, value: unknown): void {
  checkUrlPath(field, value);
  if ((value as string).length < 2 || !(value as string).endsWith('/')) fail(field, value, "must start and end with '/', e.g. '/assets/'");
}

/** A file path relative to a root, e.g. 'index.html' or 'ready/marker'. */
export function checkRelativeFile(field: string, value: unknown): void {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_~@+-][A-Za-z0-9._~@+\/-]*$/.test(value) || value.endsWith('/') || value.split('/').includes('..')) {
    fail(field, value, "must be a file path relative to the root, e.g. 'index.html' (no leading '/' or '.', no '..')");
  }
}
