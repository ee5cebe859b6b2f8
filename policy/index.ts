export { HardeningPolicy, formatViolation, REPORT_FILE, type PolicyFinding, type PolicyReport } from './hardening-policy';
export { PolicySuppressions, MIN_REASON_LENGTH, type PolicySuppression } from './suppressions';
export { address, StackView, type PolicyRule, type ResourceView, type StackPolicyScope } from './rule';
export { HARDENING_RULES, CLOUDFLARE_RULES, GKE_RULES, LOAD_BALANCER_RULES, POD_RULES } from './rules';
