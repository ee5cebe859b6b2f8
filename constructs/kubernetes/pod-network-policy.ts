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

/**
 * The link-local address NodeLocal DNSCache answers on, on every node: the upstream add-on's default
 * (kubernetes/kubernetes cluster/addons/dns/nodelocaldns). That GKE's cache uses it too is reported
 * by public GKE fixes, not stated on the Google pages read (docs/stand-ins.md lists it as unverified).
 */
export const NODE_LOCAL_DNS_ADDRESS = '169.254.20.10';

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

  /**
   * The cluster DNS as a pod reaches it on GKE with NodeLocal DNSCache (GkeCluster turns it on):
   * - the node's cache, `node-local-dns` pods in kube-system ("When your Pods make a DNS request,
   *   the request first goes to the local cache on the same node",
   *   https://cloud.google.com/kubernetes-engine/docs/how-to/nodelocal-dns-cache), whether the
   *   dataplane delivers to the cache pod or to its link-local address NODE_LOCAL_DNS_ADDRESS (the
   *   cache "listens on both the kube-dns service IP as well as a link-local IP (169.254.20.10 by
   *   default)", https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/, as written by
   *   kubernetes/website#18716); a pod selector cannot match an address that is not a pod, so the
   *   address is a peer of its own;
   * - kube-dns itself, for nodes without the cache (while the add-on starts, or if it is off).
   */
  static clusterDns(): Peer {
    const kubeSystem = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
    return new Peer([
      { ...kubeSystem, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      { ...kubeSystem, podSelector: { matchLabels: { 'k8s-app': 'node-local-dns' } } },
      { ipBlock: { cidr: `${NODE_LOCAL_DNS_ADDRESS}/32` } },
    ]);
  }

  /**
   * Google Cloud Managed Service for Prometheus's managed collectors: the `collector` DaemonSet's pods
   * (label app.kubernetes.io/name=collector) in namespace gmp-system, which scrape PodMonitorings
   * (prometheus-engine's manifests/operator.yaml; https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed).
   */
  static managedPrometheusCollectors(): Peer {
    return new Peer([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gmp-system' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'collector' } },
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

/** DNS over UDP and TCP (large answers fall back to TCP) to the cluster DNS: the node's cache or kube-dns. */
export const DNS_RULE: TrafficRule = {
  peer: Peer.clusterDns(),
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
