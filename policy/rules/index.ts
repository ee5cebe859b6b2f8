import type { PolicyRule } from '../rule';
import { CLOUDFLARE_RULES } from './cloudflare';
import { GKE_RULES } from './gke';
import { POD_RULES } from './kubernetes';
import { LOAD_BALANCER_RULES } from './load-balancer';
import { MONITORING_RULES } from './monitoring';
import { PROJECT_SERVICE_RULES } from './project-services';

/** Every hardening rule of design.md, by layer: GKE, pods, load balancer, Cloudflare, monitoring; then API enablement order. */
export const HARDENING_RULES: readonly PolicyRule[] = [...GKE_RULES, ...POD_RULES, ...LOAD_BALANCER_RULES, ...CLOUDFLARE_RULES, ...MONITORING_RULES, ...PROJECT_SERVICE_RULES];

export { CLOUDFLARE_RULES, GKE_RULES, LOAD_BALANCER_RULES, MONITORING_RULES, POD_RULES, PROJECT_SERVICE_RULES };
