/** IPv4 CIDR arithmetic for config validation (overlap checks). IPv6 is validated by syntax only. */

export interface Ipv4Range {
  readonly cidr: string;
  readonly first: number;
  readonly last: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined for anything that is not a canonical IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (address % size !== 0) return undefined; // host bits set: "10.0.0.1/24" is ambiguous, ask for 10.0.0.0/24
  return { cidr, first: address, last: address + size - 1 };
}

export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function prefixLength(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

/**
 * Addresses that are not on the public internet: private ranges (RFC 1918), carrier-grade NAT,
 * link-local (the metadata server). A pod's "any public address" egress rule excepts them.
 */
export const NON_PUBLIC_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];

/** True for a dotted-quad IPv4 address inside NON_PUBLIC_IPV4. */
export function isNonPublicIpv4(address: string): boolean {
  const host = parseIpv4Cidr(`${address}/32`);
  return host !== undefined && NON_PUBLIC_IPV4.some((cidr) => overlaps(host, parseIpv4Cidr(cidr)!));
}
