import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { Construct } from 'constructs';

export interface RestrictedNamespaceProps {
  readonly name: string;
  /** Labels on the namespace, beside the Pod Security ones. @default {} */
  readonly labels?: Record<string, string>;
  /**
   * Version of the `restricted` Pod Security Standard to apply. 'latest' follows the cluster: the
   * profile only ever tightens, and the pods here are checked against it in tests.
   * @default 'latest'
   */
  readonly podSecurityVersion?: string;
}

/** The Pod Security Admission labels that make `restricted` enforced, audited and warned about. */
export function podSecurityLabels(version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/**
 * A namespace that starts closed: Pod Security Admission enforces the `restricted` profile, and a
 * default-deny NetworkPolicy blocks all ingress and egress of every pod until a policy allows it.
 */
export class RestrictedNamespace extends Construct {
  readonly namespace: NamespaceV1;
  /** The namespace name, as a reference (so dependents wait for it to exist). */
  readonly name: string;
  readonly defaultDeny: NetworkPolicyV1;

  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.name) || props.name === 'default') {
      throw new Error(`RestrictedNamespace name "${props.name}" must be a DNS label other than "default" (lowercase letters, digits, "-")`);
    }
    this.namespace = new NamespaceV1(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: { ...props.labels, ...podSecurityLabels(props.podSecurityVersion ?? 'latest') },
      },
    });
    this.name = this.namespace.metadata.name;
    this.defaultDeny = new NetworkPolicyV1(this, 'default-deny', {
      metadata: { name: 'default-deny-all', namespace: this.name },
      // An empty selector matches every pod; listing both types with no rules allows nothing.
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}
