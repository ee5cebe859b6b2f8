import { TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import { HARDENING_RULES } from './rules';

/** An accepted exception to one rule on one resource, and why it is acceptable. */
export interface PolicySuppression {
  /** The rule id, e.g. `POD-010`. */
  readonly id: string;
  /** Why the rule does not apply here: a sentence a reviewer can judge. */
  readonly reason: string;
}

/** A reason shorter than this cannot say why ("n/a", "ok", "temporary"). */
export const MIN_REASON_LENGTH = 20;

const registry = new WeakMap<IConstruct, PolicySuppression[]>();

/**
 * Exceptions to the hardening policy, one resource at a time (the way cdk-nag's NagSuppressions
 * works). A suppressed finding does not fail synth; it shows as a warning with its reason on every
 * synth and in cdktf.out/policy-report.json.
 *
 *   PolicySuppressions.add(deployment, [{ id: 'POD-010', reason: 'The operator watches ConfigMaps through the Kubernetes API.' }]);
 */
export class PolicySuppressions {
  /** Suppress rules on one Terraform resource. Throws on an unknown rule, a rule that cannot apply, or a missing reason. */
  static add(resource: IConstruct, suppressions: PolicySuppression[]): void {
    const where = `PolicySuppressions.add(${resource.node.path})`;
    if (!TerraformResource.isTerraformResource(resource)) {
      throw new Error(`${where}: suppressions apply to one Terraform resource, not a construct or stack; pass the resource itself (e.g. cluster.cluster)`);
    }
    const type = resource.terraformResourceType;
    const list = registry.get(resource) ?? [];
    for (const s of suppressions) {
      const rule = HARDENING_RULES.find((r) => r.id === s.id);
      if (!rule) throw new Error(`${where}: unknown rule id "${s.id}"; see docs/policy.md for the rule ids`);
      if (!rule.resourceTypes.includes(type)) {
        throw new Error(`${where}: rule ${s.id} checks ${rule.resourceTypes.join(', ')}, not ${type}; suppress it on the resource it reports`);
      }
      const reason = (s.reason ?? '').trim();
      if (reason.length < MIN_REASON_LENGTH) {
        throw new Error(`${where}: the suppression of ${s.id} needs a reason of at least ${MIN_REASON_LENGTH} characters saying why the rule does not apply here (got ${JSON.stringify(s.reason ?? '')})`);
      }
      list.push({ id: s.id, reason });
    }
    registry.set(resource, list);
  }

  /** The suppressions on a resource, in the order they were added. */
  static of(resource: IConstruct): readonly PolicySuppression[] {
    return registry.get(resource) ?? [];
  }
}
