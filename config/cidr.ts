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
