/*
 * Google's published source ranges, named once. Both the global external Application Load Balancer's
 * front ends (GFEs, which proxy every request to the pods) and its health checkers connect from these
 * ranges (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges). The firewall
 * rule in `ingress` opens the NGINX port to them, and NGINX's real-IP module trusts them.
 */

/** Where the load balancer's proxies (GFEs) connect to backends from. */
export const GOOGLE_FRONT_END_RANGES: readonly string[] = ['35.191.0.0/16', '130.211.0.0/22'];

/** Where health-check probes of the global external Application Load Balancer come from. */
export const GOOGLE_HEALTH_CHECK_RANGES: readonly string[] = ['35.191.0.0/16', '130.211.0.0/22'];
