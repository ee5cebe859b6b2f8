import { ComputeAddress } from '@cdktf/provider-google/lib/compute-address';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork';
import { Construct } from 'constructs';

export interface RegionalNetworkProps {
  /** Name prefix for the subnet, router and NAT, e.g. `isoscribe-production-europe-west1`. */
  readonly name: string;
  /** The VPC (id or self link) the subnet belongs to. */
  readonly network: string;
  readonly region: string;
  /** Primary range: node addresses. */
  readonly nodeCidr: string;
  /** Secondary range for pod alias IPs (VPC-native GKE). */
  readonly podCidr: string;
  /** Secondary range for Kubernetes Services. */
  readonly serviceCidr: string;
  /**
   * VPC flow log sampling rate (0 disables flow logs).
   * @default 0.5
   */
  readonly flowLogSampling?: number;
  /**
   * Minimum NAT source ports per VM; raise for nodes that open many outbound connections.
   * @default 128
   */
  readonly natMinPortsPerVm?: number;
  /**
   * Reserve this many static external addresses for the NAT's egress (MANUAL_ONLY), so that a server
   * outside the VPC can allowlist them; 0 lets Google pick (and change) them (AUTO_ONLY). One address
   * gives 64,512 source ports: 504 nodes at the default natMinPortsPerVm.
   * @default 0
   */
  readonly staticNatAddresses?: number;
}

/**
 * One region's slice of a VPC: a subnet with pod and service secondary ranges, and a Cloud Router
 * with Cloud NAT so that private nodes (no external IPs) can still reach registries and MongoDB.
 */
export class RegionalNetwork extends Construct {
  readonly subnetwork: ComputeSubnetwork;
  readonly podRangeName: string;
  readonly serviceRangeName: string;
  readonly router: ComputeRouter;
  readonly nat: ComputeRouterNat;
  /** The NAT's reserved egress addresses (empty unless staticNatAddresses > 0). */
  readonly natAddresses: ComputeAddress[];

  constructor(scope: Construct, id: string, props: RegionalNetworkProps) {
    super(scope, id);
    const flowLogSampling = props.flowLogSampling ?? 0.5;
    if (flowLogSampling < 0 || flowLogSampling > 1) {
      throw new Error(`RegionalNetwork ${props.name}: flowLogSampling must be between 0 and 1 (got ${flowLogSampling})`);
    }
    this.podRangeName = 'pods';
    this.serviceRangeName = 'services';

    this.subnetwork = new ComputeSubnetwork(this, 'subnet', {
      name: `${props.name}-nodes`,
      network: props.network,
      region: props.region,
      ipCidrRange: props.nodeCidr,
      secondaryIpRange: [
        { rangeName: this.podRangeName, ipCidrRange: props.podCidr },
        { rangeName: this.serviceRangeName, ipCidrRange: props.serviceCidr },
      ],
      // Private nodes reach Google APIs (Artifact Registry, Secret Manager) without NAT.
      privateIpGoogleAccess: true,
      logConfig: flowLogSampling > 0
        ? { aggregationInterval: 'INTERVAL_5_MIN', flowSampling: flowLogSampling, metadata: 'INCLUDE_ALL_METADATA' }
        : undefined,
    });

    this.router = new ComputeRouter(this, 'router', {
      name: `${props.name}-router`,
      network: props.network,
      region: props.region,
    });

    const staticNatAddresses = props.staticNatAddresses ?? 0;
    if (!Number.isInteger(staticNatAddresses) || staticNatAddresses < 0) {
      throw new Error(`RegionalNetwork ${props.name}: staticNatAddresses must be a whole number, 0 for addresses Google picks (got ${staticNatAddresses})`);
    }
    this.natAddresses = Array.from({ length: staticNatAddresses }, (_, i) => new ComputeAddress(this, `nat-ip-${i + 1}`, {
      name: `${props.name}-nat-${i + 1}`,
      region: props.region,
      addressType: 'EXTERNAL',
      description: 'Cloud NAT egress address; allowlisted by servers outside the VPC (MongoDB)',
      // Nothing else orders it after the VPC, hence after the Compute API is enabled.
      dependsOn: [this.subnetwork],
    }));

    this.nat = new ComputeRouterNat(this, 'nat', {
      name: `${props.name}-nat`,
      router: this.router.name,
      region: props.region,
      ...(this.natAddresses.length > 0
        ? { natIpAllocateOption: 'MANUAL_ONLY', natIps: this.natAddresses.map((a) => a.selfLink) }
        : { natIpAllocateOption: 'AUTO_ONLY' }),
      sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS',
      subnetwork: [{ name: this.subnetwork.id, sourceIpRangesToNat: ['ALL_IP_RANGES'] }],
      minPortsPerVm: props.natMinPortsPerVm ?? 128,
      logConfig: { enable: true, filter: 'ERRORS_ONLY' },
    });
  }
}
