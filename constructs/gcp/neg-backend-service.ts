import { ComputeBackendService } from '@cdktf/provider-google/lib/compute-backend-service';
import { ComputeHealthCheck } from '@cdktf/provider-google/lib/compute-health-check';
import { Construct } from 'constructs';

/** A standalone zonal network endpoint group, as GKE's NEG controller names it. */
export interface ZonalNeg {
  readonly zone: string;
  readonly name: string;
}

/** The NEG's URL, built from its name and zone: no lookup, so nothing waits on a data source at plan time. */
export function zonalNegUrl(project: string, neg: ZonalNeg): string {
  return `projects/${project}/zones/${neg.zone}/networkEndpointGroups/${neg.name}`;
}

export interface NegHealthCheckProps {
  /** Port the probe connects to on each endpoint (the pod's serving port). */
  readonly port: number;
  /** HTTP path that answers 200 only when the endpoint can take traffic. */
  readonly requestPath: string;
  /** @default 5 */
  readonly checkIntervalSec?: number;
  /** @default 3 */
  readonly timeoutSec?: number;
  /** @default 2 */
  readonly healthyThreshold?: number;
  /** @default 3 */
  readonly unhealthyThreshold?: number;
}

export interface NegBackendServiceProps {
  readonly name: string;
  readonly project: string;
  /** One backend per NEG: every zone of every region that runs the workload. */
  readonly negs: ZonalNeg[];
  /** Requests per second per endpoint (pod) before the LB spills over to other endpoints, zones or regions. */
  readonly maxRatePerEndpoint: number;
  readonly healthCheck: NegHealthCheckProps;
  /** Fraction of requests logged, 0..1. */
  readonly logSampleRate: number;
  /** Seconds the LB waits for a response. */
  readonly timeoutSec: number;
  /** Seconds a removed endpoint keeps its in-flight requests. */
  readonly connectionDrainingTimeoutSec: number;
  /** Cloud Armor policy evaluated before requests reach the backends. @default - none */
  readonly securityPolicy?: string;
  /** @default - none */
  readonly description?: string;
}

/**
 * A global backend service (EXTERNAL_MANAGED) with container-native load balancing: it sends
 * traffic straight to pods through zonal NEGs, balanced by request rate per pod, health-checked by
 * HTTP on the pod's serving port, with request logging and connection draining. The port comes from
 * the NEG's endpoints (the Service's target port), so `port_name` plays no part.
 */
export class NegBackendService extends Construct {
  readonly backendService: ComputeBackendService;
  readonly healthCheck: ComputeHealthCheck;

  constructor(scope: Construct, id: string, props: NegBackendServiceProps) {
    super(scope, id);
    const groups = props.negs.map((neg) => zonalNegUrl(props.project, neg));
    const duplicate = groups.find((g, i) => groups.indexOf(g) !== i);
    if (groups.length === 0) throw new Error(`${this.node.path}: negs is empty; list the zonal NEGs that serve ${props.name}`);
    if (duplicate) throw new Error(`${this.node.path}: NEG ${duplicate} is listed twice; list each zone once`);

    const hc = props.healthCheck;
    this.healthCheck = new ComputeHealthCheck(this, 'health-check', {
      name: `${props.name}-hc`,
      description: `HTTP ${hc.requestPath} on port ${hc.port} of every ${props.name} endpoint`,
      checkIntervalSec: hc.checkIntervalSec ?? 5,
      timeoutSec: hc.timeoutSec ?? 3,
      healthyThreshold: hc.healthyThreshold ?? 2,
      unhealthyThreshold: hc.unhealthyThreshold ?? 3,
      httpHealthCheck: { port: hc.port, requestPath: hc.requestPath },
      logConfig: { enable: true },
    });

    this.backendService = new ComputeBackendService(this, 'backend-service', {
      name: props.name,
      description: props.description,
      loadBalancingScheme: 'EXTERNAL_MANAGED',
      protocol: 'HTTP',
      timeoutSec: props.timeoutSec,
      connectionDrainingTimeoutSec: props.connectionDrainingTimeoutSec,
      healthChecks: [this.healthCheck.id],
      securityPolicy: props.securityPolicy,
      // Cloudflare in front is the cache; a second cache here would serve what Cloudflare chose not to.
      enableCdn: false,
      logConfig: { enable: true, sampleRate: props.logSampleRate },
      backend: groups.map((group) => ({
        group,
        balancingMode: 'RATE',
        maxRatePerEndpoint: props.maxRatePerEndpoint,
        capacityScaler: 1,
      })),
    });
  }

  get id(): string {
    return this.backendService.id;
  }
}
