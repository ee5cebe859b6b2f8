import { ComputeGlobalForwardingRule } from '@cdktf/provider-google/lib/compute-global-forwarding-rule';
import { ComputeSslPolicy } from '@cdktf/provider-google/lib/compute-ssl-policy';
import { ComputeTargetHttpProxy } from '@cdktf/provider-google/lib/compute-target-http-proxy';
import { ComputeTargetHttpsProxy } from '@cdktf/provider-google/lib/compute-target-https-proxy';
import { ComputeUrlMap } from '@cdktf/provider-google/lib/compute-url-map';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/** Requests whose path matches one of `paths` (e.g. `/api/*`) go to `service`. */
export interface PathRoute {
  readonly paths: string[];
  /** A backend service or backend bucket id. */
  readonly service: string;
}

export interface GlobalLoadBalancerProps {
  /** Prefix of every resource name, e.g. `isoscribe-production`. */
  readonly namePrefix: string;
  /** The reserved global IPv4 address (its `address`) both forwarding rules listen on. */
  readonly ipAddress: string;
  /** Certificate Manager certificate map id the HTTPS proxy serves certificates from. */
  readonly certificateMapId: string;
  /** Where requests for `hostnames` go that match no route. */
  readonly defaultService: string;
  /**
   * The hostnames (Host header) served. Any other Host is answered 404 by the load balancer itself:
   * the URL map's default route aborts it before a backend is chosen, so no pod sees it.
   */
  readonly hostnames: string[];
  /**
   * `google_network_security_server_tls_policy` id the HTTPS proxy requires client certificates
   * with (mutual TLS). @default - none: any client may complete the TLS handshake
   */
  readonly serverTlsPolicy?: string;
  /** Resources the HTTPS proxy's settings must wait for (e.g. the client that will present the certificate). @default - none */
  readonly httpsProxyDependsOn?: ITerraformDependable[];
  /** Path routes, first match wins. @default - none: everything goes to the default service */
  readonly routes?: PathRoute[];
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/** The status the load balancer answers a request for a hostname it does not serve. */
export const UNKNOWN_HOST_STATUS = 404;

/**
 * A global external Application Load Balancer (EXTERNAL_MANAGED): HTTPS on 443 with a MODERN,
 * TLS 1.2+ SSL policy and certificates from a Certificate Manager map, routing by path; and HTTP on
 * 80 that only redirects to HTTPS (301), so nothing is ever served in clear text.
 */
export class GlobalLoadBalancer extends Construct {
  readonly sslPolicy: ComputeSslPolicy;
  readonly urlMap: ComputeUrlMap;
  readonly httpsProxy: ComputeTargetHttpsProxy;
  readonly httpsForwardingRule: ComputeGlobalForwardingRule;
  readonly redirectUrlMap: ComputeUrlMap;
  readonly httpProxy: ComputeTargetHttpProxy;
  readonly httpForwardingRule: ComputeGlobalForwardingRule;

  constructor(scope: Construct, id: string, props: GlobalLoadBalancerProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    const scheme = 'EXTERNAL_MANAGED';

    this.sslPolicy = new ComputeSslPolicy(this, 'ssl-policy', {
      name: `${prefix}-modern-tls12`,
      description: 'MODERN cipher suites, TLS 1.2 and newer',
      profile: 'MODERN',
      minTlsVersion: 'TLS_1_2',
    });

    if (props.hostnames.length === 0) {
      throw new Error(`${this.node.path}: hostnames is empty; list the hostnames the load balancer serves, e.g. ['example.com', 'www.example.com']`);
    }
    this.urlMap = new ComputeUrlMap(this, 'url-map', {
      name: `${prefix}-https`,
      description: `Routes ${props.hostnames.join(', ')} by path to the workloads and the static bundle bucket; any other Host gets ${UNKNOWN_HOST_STATUS}`,
      // A URL map's default must name a backend, and a route action cannot name a backend bucket, so
      // the default names the default service and aborts every request before it is sent there:
      // fault injection at 100% answers at the Google front end. A Host no rule lists never reaches a pod.
      defaultRouteAction: {
        weightedBackendServices: [{ backendService: props.defaultService, weight: 100 }],
        faultInjectionPolicy: { abort: { httpStatus: UNKNOWN_HOST_STATUS, percentage: 100 } },
      },
      hostRule: [{ hosts: props.hostnames, pathMatcher: 'routes' }],
      pathMatcher: [
        {
          name: 'routes',
          defaultService: props.defaultService,
          pathRule: (props.routes ?? []).map((r) => ({ paths: r.paths, service: r.service })),
        },
      ],
    });

    this.httpsProxy = new ComputeTargetHttpsProxy(this, 'https-proxy', {
      name: `${prefix}-https`,
      urlMap: this.urlMap.id,
      certificateMap: `//certificatemanager.googleapis.com/${props.certificateMapId}`,
      sslPolicy: this.sslPolicy.id,
      serverTlsPolicy: props.serverTlsPolicy,
      dependsOn: props.httpsProxyDependsOn,
    });

    this.httpsForwardingRule = new ComputeGlobalForwardingRule(this, 'https-forwarding-rule', {
      name: `${prefix}-https`,
      loadBalancingScheme: scheme,
      ipProtocol: 'TCP',
      ipAddress: props.ipAddress,
      portRange: '443',
      target: this.httpsProxy.id,
      labels: props.labels,
    });

    this.redirectUrlMap = new ComputeUrlMap(this, 'redirect-url-map', {
      name: `${prefix}-http-redirect`,
      description: 'Redirects every HTTP request to HTTPS',
      defaultUrlRedirect: {
        httpsRedirect: true,
        redirectResponseCode: 'MOVED_PERMANENTLY_DEFAULT',
        stripQuery: false,
      },
    });

    this.httpProxy = new ComputeTargetHttpProxy(this, 'http-proxy', {
      name: `${prefix}-http-redirect`,
      urlMap: this.redirectUrlMap.id,
    });

    this.httpForwardingRule = new ComputeGlobalForwardingRule(this, 'http-forwarding-rule', {
      name: `${prefix}-http`,
      loadBalancingScheme: scheme,
      ipProtocol: 'TCP',
      ipAddress: props.ipAddress,
      portRange: '80',
      target: this.httpProxy.id,
      labels: props.labels,
    });
  }

  /** The address the load balancer answers on, as the forwarding rule reports it. */
  get ipAddress(): string {
    return this.httpsForwardingRule.ipAddress;
  }
}
