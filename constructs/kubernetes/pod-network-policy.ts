import {
  NetworkPolicyV1,
  type NetworkPolicyV1SpecEgress,
  type NetworkPolicyV1SpecIngress,
} from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { Construct } from 'constructs';

export interface PortSpec {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Who may talk to (or be reached by) the selected pods. */
export class Peer {
  /** Addresses outside the cluster, e.g. load-balancer ranges or a database; `except` carves out sub-ranges. */
  static cidrs(cidrs: readonly string[], except: readonly string[] = []): Peer {
    if (cidrs.length === 0) throw new Error('Peer.cidrs: list at least one CIDR; an empty peer list would match nothing');
    return new Peer(cidrs.map((cidr) => ({ ipBlock: { cidr, except: except.length > 0 ? [...except] : undefined } })));
  }

  /**
   * Pods of one namespace (by its `kubernetes.io/metadata.name` label), those matching `podLabels`
   * or, with none given, all of them.
   */
  static pods(namespace: string, podLabels: Record<string, string> = {}): Peer {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new Error(`Peer.pods: namespace "${namespace}" must be a DNS label`);
    return new Peer([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: { matchLabels: { ...podLabels } } }]);
  }

  /** The cluster DNS (kube-dns pods in kube-system), as GKE labels them. */
  static kubeDns(): Peer {
    return new Peer([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
  }

  private constructor(
    /** @internal NetworkPolicy peer entries (`from`/`to`). */
    readonly entries: Array<Record<string, unknown>>,
  ) {}
}

export interface TrafficRule {
  readonly peer: Peer;
  readonly ports: readonly PortSpec[];
}

/** DNS over UDP and TCP (large answers fall back to TCP) to the cluster DNS. */
export const DNS_RULE: TrafficRule = {
  peer: Peer.kubeDns(),
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

export interface PodNetworkPolicyProps {
  readonly namespace: string;
  readonly name: string;
  /** Labels of the pods this policy opens up. */
  readonly podLabels: Record<string, string>;
  /** Allowed inbound traffic. @default - none (this policy adds no ingress) */
  readonly ingress?: readonly TrafficRule[];
  /** Allowed outbound traffic. @default - none (this policy adds no egress) */
  readonly egress?: readonly TrafficRule[];
}

/**
 * Allow rules for one set of pods, on top of a namespace's default deny. Every rule names both
 * its peers and its ports: an open port list would allow every port to those peers.
 */
export class PodNetworkPolicy extends Construct {
  readonly policy: NetworkPolicyV1;

  constructor(scope: Construct, id: string, props: PodNetworkPolicyProps) {
    super(scope, id);
    const ingress = props.ingress ?? [];
    const egress = props.egress ?? [];
    [...ingress, ...egress].forEach((rule, i) => {
      if (rule.ports.length === 0) throw new Error(`PodNetworkPolicy ${props.name}: rule ${i} lists no ports; name the ports to allow`);
    });
    const policyTypes = [...(ingress.length > 0 ? ['Ingress'] : []), ...(egress.length > 0 ? ['Egress'] : [])];
    if (policyTypes.length === 0) throw new Error(`PodNetworkPolicy ${props.name}: give at least one ingress or egress rule`);

    this.policy = new NetworkPolicyV1(this, 'policy', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: props.podLabels },
        policyTypes,
        ingress: ingress.map((rule): NetworkPolicyV1SpecIngress => ({ from: rule.peer.entries, ports: ports(rule) })),
        egress: egress.map((rule): NetworkPolicyV1SpecEgress => ({ to: rule.peer.entries, ports: ports(rule) })),
      },
    });
  }
}

function ports(rule: TrafficRule) {
  return rule.ports.map((p) => ({ port: String(p.port), protocol: p.protocol ?? 'TCP' }));
}
