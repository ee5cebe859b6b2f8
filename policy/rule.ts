import type { TerraformResource } from 'cdktf';
import { one, type Attributes } from './attributes';

/** One resource as Terraform sees it: its type, its name in the stack and its synthesized attributes. */
export interface ResourceView {
  /** Terraform resource type, e.g. `google_container_cluster`. */
  readonly type: string;
  /** The resource's name in its stack (cdktf's friendly unique id). */
  readonly name: string;
  /** The resource's synthesized body, exactly as cdk.tf.json carries it (references as `${...}`). */
  readonly attributes: Attributes;
  /** The construct that synthesizes it; absent when the view is built from JSON alone. */
  readonly construct?: TerraformResource;
}

/** `type.name`, the address Terraform (and checkov) report. */
export function address(resource: ResourceView): string {
  return `${resource.type}.${resource.name}`;
}

/**
 * All resources of one stack, for rules that relate resources to each other (a Deployment and its
 * PodDisruptionBudget, a proxy and its URL map).
 */
/**
 * What a stack says about itself that rules cannot read from attributes. A stack opts in by carrying
 * the property (stacks/environment-stack.ts); the policy reads it by name, never by class.
 */
export interface StackPolicyScope {
  /** A release of a shared or production environment: every image must carry a digest (POD-020). */
  readonly imageDigestsRequired: boolean;
  /**
   * The environment is of the `disposable` tier (config's `tier`): nobody else uses it, so its
   * cluster may be deleted (GKE-017) and its origin may run without mutual TLS (LB-012).
   */
  readonly disposable: boolean;
}

/** The scope of a stack that declares nothing: held to every rule. */
export const STRICTEST_SCOPE: StackPolicyScope = { imageDigestsRequired: false, disposable: false };

export class StackView {
  constructor(
    readonly stackName: string,
    readonly resources: readonly ResourceView[],
    readonly scope: StackPolicyScope = STRICTEST_SCOPE,
  ) {}

  ofType(...types: string[]): ResourceView[] {
    return this.resources.filter((r) => types.includes(r.type));
  }

  /**
   * The value a same-stack reference stands for: `${kubernetes_namespace_v1.ns.metadata[0].name}` reads
   * the namespace's name from its attributes. Anything else (a literal, a cross-stack reference) comes
   * back unchanged, so comparing two values after `deref` compares what Terraform will compare.
   */
  deref(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const match = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([^}]+)\}$/.exec(value);
    if (!match) return value;
    const [, type, name, path] = match;
    const target = this.resources.find((r) => r.type === type && r.name === name);
    if (!target) return value;
    // A Kubernetes namespace's id is its name.
    const steps = path === 'id' && type.startsWith('kubernetes_namespace') ? ['metadata', 'name'] : path.replace(/\[(\d+)\]/g, '.$1').split('.');
    let current: unknown = target.attributes;
    for (const step of steps) {
      if (/^\d+$/.test(step)) {
        current = Array.isArray(current) ? current[Number(step)] : step === '0' ? current : undefined;
      } else {
        current = one(current)?.[step];
      }
      if (current === undefined) return value;
    }
    return this.deref(current);
  }

  /** The resource a reference (`${type.name.attr}`) points at, when it is in this stack. */
  referenced(value: unknown): ResourceView | undefined {
    if (typeof value !== 'string') return undefined;
    const match = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\./.exec(value);
    return match ? this.resources.find((r) => r.type === match[1] && r.name === match[2]) : undefined;
  }
}

/**
 * A hardening rule. It reads only Terraform attributes, never construct classes, so it holds for
 * every resource of its types whoever builds it (a construct, a raw provider class, an override).
 */
export interface PolicyRule {
  /** Stable id, e.g. `GKE-001`; suppressions name it. */
  readonly id: string;
  /** The Terraform resource types the rule checks. */
  readonly resourceTypes: readonly string[];
  /** What must hold, as one sentence. */
  readonly description: string;
  /** How to comply, in the vocabulary of the cdktf provider classes. */
  readonly fix: string;
  /** What is wrong with this resource; an empty list when it complies. */
  check(resource: ResourceView, stack: StackView): string[];
}

/** Rules that all check the same resource types, which are then stated once for the group. */
export function rulesFor(resourceTypes: readonly string[], rules: Omit<PolicyRule, 'resourceTypes'>[]): PolicyRule[] {
  return rules.map((rule) => ({ ...rule, resourceTypes }));
}
