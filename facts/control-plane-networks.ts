import { overlaps, parseIpv4Cidr, prefixLength } from './cidr';

/**
 * The one rule for networks that may reach a GKE control plane's IP endpoint, shared by the config
 * schema, the GkeCluster construct and the policy pack, so the three cannot disagree.
 *
 * An authorized network names real machines (a VPN's egress, a bastion subnet), never a slice of
 * the internet: at most a /24 per entry (list several for more), and never a range that RFC 5737
 * reserves for documentation, which a copied example leaves behind and no real client ever has.
 */
export const WIDEST_AUTHORIZED_NETWORK_PREFIX = 24;

/** RFC 5737: TEST-NET-1, -2 and -3, for examples and documentation only. */
export const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'] as const;

/** Why `cidr` may not be an authorized network of a control plane, or undefined when it may. */
export function authorizedNetworkProblem(cidr: string): string | undefined {
  const range = parseIpv4Cidr(cidr);
  if (!range) return `"${cidr}" is not an IPv4 CIDR such as "10.8.0.0/24"`;
  if (prefixLength(cidr) < WIDEST_AUTHORIZED_NETWORK_PREFIX) {
    return `${cidr} is wider than /${WIDEST_AUTHORIZED_NETWORK_PREFIX} and would open the control plane to far more than your own machines; list the exact ranges, at most /${WIDEST_AUTHORIZED_NETWORK_PREFIX} each`;
  }
  const documentation = DOCUMENTATION_RANGES.find((doc) => overlaps(range, parseIpv4Cidr(doc)!));
  if (documentation) {
    return `${cidr} is in ${documentation}, a documentation range (RFC 5737) no real client has; list your VPN or bastion range, or none (CI reaches the control plane through its DNS endpoint)`;
  }
  return undefined;
}
