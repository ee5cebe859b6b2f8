import { ComputeGlobalForwardingRule } from '@cdktf/provider-google/lib/compute-global-forwarding-rule';
import { ComputeSslPolicy } from '@cdktf/provider-google/lib/compute-ssl-policy';
import { ComputeTargetHttpProxy } from '@cdktf/provider-google/lib/compute-target-http-proxy';
import { ComputeTargetHttpsProxy } from '@cdktf/provider-google/lib/compute-target-https-proxy';
import { ComputeUrlMap } from '@cdktf/provider-google/lib/compute-url-map';
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
  /** Where requests go that match no route. */
  readonly defaultService: string;
  /** Path routes, first match wins. @default - none: everything goes to the default service */
  readonly routes?: PathRoute[];
  /** @default - none */
  readonly labels?: Record<string, string>;
}

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

    this.urlMap = new ComputeUrlMap(this, 'url-map', {
      name: `${prefix}-https`,
      description: 'Routes by path to the workloads and the static bundle bucket',
      defaultService: props.defaultService,
      hostRule: [{ hosts: ['*'], pathMatcher: 'routes' }],
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
