import { DataCloudflareIpRanges } from '@cdktf/provider-cloudflare/lib/data-cloudflare-ip-ranges';
import { AuthenticatedOriginPullsSettings } from '@cdktf/provider-cloudflare/lib/authenticated-origin-pulls-settings';
import { DataCloudflareAuthenticatedOriginPullsCertificate } from '@cdktf/provider-cloudflare/lib/data-cloudflare-authenticated-origin-pulls-certificate';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { ComputeBackendBucket } from '@cdktf/provider-google/lib/compute-backend-bucket';
import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Fn, type TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { CLOUDFLARE_RANGES } from '../facts/cloudflare-ips';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../facts/google-ranges';
import { CertificateManagerManagedCertificate, type DnsAuthorizationRecord } from '../constructs/gcp/certificate-manager-certificate';
import { ClientCertificatePolicy } from '../constructs/gcp/client-certificate-policy';
import { CloudArmorPolicy } from '../constructs/gcp/cloud-armor-policy';
import { GlobalLoadBalancer } from '../constructs/gcp/global-load-balancer';
import { NegBackendService } from '../constructs/gcp/neg-backend-service';
import { NGINX_PORT, READINESS_PATH } from '../constructs/nginx';
import type { CoreStack } from './core-stack';
import { CloudflareZone } from '../constructs/cloudflare/zone';
import { EnvironmentStack, environmentLabels, googleProvider, type EnvironmentStackProps } from './environment-stack';
import type { Route, WorkloadDefinition } from '../workloads';
import { backendServiceName, negName, nodeNetworkTag, securityPolicyNames } from '../config/naming';

/** The header in which Cloudflare passes the visitor's IP to the origin. */
export const CLOUDFLARE_CLIENT_IP_HEADER = 'CF-Connecting-IP';

/**
 * The postcondition on the `cloudflare_ip_ranges` data source that keeps the two Cloudflare lists
 * in step: the published ranges must be exactly `trusted`, the list the pods' NGINX trusts.
 */
export function cloudflareRangesAgree(trusted: readonly string[]): { condition: string; errorMessage: string } {
  const list = `[${trusted.map((cidr) => JSON.stringify(cidr)).join(', ')}]`;
  return {
    condition: `\${toset(concat(self.ipv4_cidrs, self.ipv6_cidrs)) == toset(${list})}`,
    errorMessage:
      'Cloudflare publishes other edge ranges than facts/cloudflare-ips.ts lists (the ranges the pods\' NGINX trusts for the client IP): ' +
      'refresh that file as its comment says, and deploy the workloads stacks before ingress.',
  };
}

/**
 * The postcondition on the uploaded origin-pull certificate: Cloudflare must have it deployed before
 * the load balancer starts requiring it, or every request from the zone fails the handshake.
 */
export function originPullCertificateActive(env: EnvironmentConfig): { condition: string; errorMessage: string } {
  return {
    condition: '${self.status == "active"}',
    errorMessage:
      `The origin-pull client certificate ${env.ingress.originPull?.cloudflareCertificateId} of zone ${env.edge.zoneName} is not active in Cloudflare: ` +
      `run docs/deploy/origin-pull-cert.ts issue --env ${env.name} and put the id it prints in config/${env.name}.ts (docs/deploy.md), or wait until Cloudflare reports it active.`,
  };
}

/** The hostnames the load balancer serves: the apex and `www`. */
export function servedHostnames(env: EnvironmentConfig): string[] {
  return [env.domain, `www.${env.domain}`];
}

/** What a IngressStack is built from, besides its environment. */
export interface IngressStackProps extends EnvironmentStackProps {
  /** The global address, network and bundle bucket. */
  readonly core: CoreStack;
  /** Stacks applied first: the workloads stacks, whose Services create the NEGs. */
  readonly after: TerraformStack[];
  /** Each gets a backend service on its NEGs. */
  readonly definitions: readonly WorkloadDefinition[];
  /** The URL map's path rules. */
  readonly routes: readonly Route[];
}

/**
 * The environment's global external Application Load Balancer: one anycast IP (reserved in `core`),
 * Certificate Manager TLS, path routing (the route table) to each workload's NEGs in every zone of
 * every region and to the static-bundle bucket, HTTP→HTTPS redirect, health-check firewall, and a Cloud Armor
 * policy that lets only Cloudflare in.
 */
export class IngressStack extends EnvironmentStack {
  readonly loadBalancer: GlobalLoadBalancer;
  /** Each workload's backend service, by workload name. */
  readonly backendServices: Record<string, NegBackendService>;
  readonly securityPolicy: CloudArmorPolicy;
  readonly certificate: CertificateManagerManagedCertificate;
  /** Bucket-path Cloud Armor (CLOUD_ARMOR_EDGE): backend buckets take no backend-service policy. */
  readonly edgeSecurityPolicy: CloudArmorPolicy;
  /** Mutual TLS with Cloudflare's origin-pull certificate; absent in a disposable environment without `ingress.originPull`. */
  readonly clientCertificatePolicy?: ClientCertificatePolicy;

  /**
   * @param after stacks that must be deployed first although nothing here references them: the
   *   workloads, whose Services make GKE create the NEGs the backend services point at by name.
   * @param definitions the workloads whose backend services it creates
   * @param routes the route table (workloads/routes.ts) the URL map serves
   */
  constructor(scope: Construct, id: string, props: IngressStackProps) {
    super(scope, id, props.env);
    const { env, core, after, definitions, routes } = props;
    for (const stack of after) this.addDependency(stack);
    const project = env.project.id;
    const prefix = env.prefix;
    const labels = environmentLabels(env);
    const { ingress } = env;

    googleProvider(this, env);
    // Only reads Cloudflare's published ranges; the token comes from CLOUDFLARE_API_TOKEN.
    new CloudflareProvider(this, 'cloudflare', {});

    // Health checks and proxied requests both come from Google's front ends, and only to NGINX's port.
    new ComputeFirewall(this, 'allow-google-front-ends', {
      name: `${prefix}-allow-lb-to-nginx`,
      network: core.network.id,
      description: 'Google front ends and health checkers to NGINX in the pods (container-native LB)',
      direction: 'INGRESS',
      sourceRanges: [...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])],
      targetTags: [nodeNetworkTag(env)],
      allow: [{ protocol: 'tcp', ports: [String(NGINX_PORT)] }],
    });

    // Cloud Armor allows Cloudflare's live ranges, while every pod's NGINX trusts the list in
    // facts/cloudflare-ips.ts (rendered into its config). The plan fails when the two disagree.
    const cloudflare = new DataCloudflareIpRanges(this, 'cloudflare-ip-ranges', {
      lifecycle: { postcondition: [cloudflareRangesAgree(CLOUDFLARE_RANGES)] },
    });
    const allowedSourceRanges = Fn.concat([cloudflare.ipv4Cidrs, cloudflare.ipv6Cidrs]);
    this.securityPolicy = new CloudArmorPolicy(this, 'cloud-armor', {
      name: securityPolicyNames(env).backends,
      description: 'Only Cloudflare reaches the origin; Log4Shell probes are denied',
      allowedSourceRanges,
      preconfiguredWafRules: ['cve-canary'],
      throttle: ingress.rateLimit && {
        requests: ingress.rateLimit.requests,
        intervalSec: ingress.rateLimit.intervalSec,
        keyHeader: CLOUDFLARE_CLIENT_IP_HEADER,
      },
    });

    this.edgeSecurityPolicy = new CloudArmorPolicy(this, 'cloud-armor-edge', {
      name: securityPolicyNames(env).bundles,
      description: 'Only Cloudflare reaches the static bundle bucket',
      type: 'CLOUD_ARMOR_EDGE',
      allowedSourceRanges,
    });

    const backend = (workload: string) =>
      new NegBackendService(this, `backend-${workload}`, {
        name: backendServiceName(env, workload),
        description: `${workload} pods in every zone of every region`,
        project,
        negs: env.regions.flatMap((region) => region.zones.map((zone) => ({ zone, name: negName(env, workload) }))),
        maxRatePerEndpoint: ingress.maxRatePerEndpoint,
        healthCheck: { port: NGINX_PORT, requestPath: READINESS_PATH },
        logSampleRate: ingress.logSampleRate,
        timeoutSec: ingress.backendTimeoutSec,
        connectionDrainingTimeoutSec: ingress.connectionDrainingTimeoutSec,
        securityPolicy: this.securityPolicy.id,
      });
    this.backendServices = Object.fromEntries(definitions.map((w) => [w.name, backend(w.name)]));

    // The bundle bucket serves /static/* itself. A backend bucket reads objects as an anonymous
    // client (without Cloud CDN it has no identity to grant), so the objects must be public. They are
    // the JavaScript every visitor downloads anyway; legacyObjectReader grants objects.get only, not
    // objects.list, so the bucket's listing (old bundles, the manifest history) stays private.
    // Google's backend-bucket guides make the bucket publicly readable
    // (https://cloud.google.com/load-balancing/docs/https/setup-global-ext-https-buckets), state
    // that a PSC NEG to the Storage API "doesn't inherently grant access to private buckets"
    // (https://cloud.google.com/load-balancing/docs/backend-bucket), and private origin
    // authentication signs with HMAC keys for internet-NEG origins, a long-lived secret in state.
    // Content-hashed public bundles gain nothing from hiding (README, Decisions).
    new StorageBucketIamMember(this, 'bundle-bucket-public-read', {
      bucket: core.bundleBucket.name,
      role: 'roles/storage.legacyObjectReader',
      member: 'allUsers',
    });
    const bundles = new ComputeBackendBucket(this, 'bundle-backend-bucket', {
      name: `${prefix}-static-bundles`,
      description: 'Versioned JavaScript bundles under /static/*',
      bucketName: core.bundleBucket.name,
      // Cloudflare caches /static/* at the edge (cache rules in `edge`); a second cache adds cost, not hits.
      enableCdn: false,
      edgeSecurityPolicy: this.edgeSecurityPolicy.id,
    });

    const serviceOf = (route: Route) => ('workload' in route.target ? this.backendServices[route.target.workload].id : bundles.id);

    this.certificate = new CertificateManagerManagedCertificate(this, 'certificate', {
      namePrefix: prefix,
      hostnames: servedHostnames(env),
      labels,
    });

    // The origin lock: Cloud Armor admits every Cloudflare customer's traffic (the ranges are shared),
    // so the HTTPS proxy also requires the client certificate only our zone presents. Cloudflare must
    // present it before the proxy requires it: the certificate is checked, AOP enabled, then the proxy.
    let originPulls: AuthenticatedOriginPullsSettings | undefined;
    if (ingress.originPull) {
      // Looked up by name, as in edge: no zone id in config.
      const zoneId = new CloudflareZone(this, 'zone', { name: env.edge.zoneName, plan: env.edge.plan }).id;
      const uploaded = new DataCloudflareAuthenticatedOriginPullsCertificate(this, 'origin-pull-certificate', {
        zoneId,
        certificateId: ingress.originPull.cloudflareCertificateId,
        lifecycle: { postcondition: [originPullCertificateActive(env)] },
      });
      // Zone-level AOP: with a custom certificate uploaded, Cloudflare presents it instead of its shared one.
      originPulls = new AuthenticatedOriginPullsSettings(this, 'origin-pulls', {
        zoneId,
        enabled: true,
        dependsOn: [uploaded],
      });
      this.clientCertificatePolicy = new ClientCertificatePolicy(this, 'client-certificate', {
        namePrefix: prefix,
        trustedCaCertificates: ingress.originPull.trustedCaCertificates,
        labels,
      });
    }

    this.loadBalancer = new GlobalLoadBalancer(this, 'lb', {
      namePrefix: prefix,
      ipAddress: core.globalAddress.address,
      certificateMapId: this.certificate.map.id,
      hostnames: servedHostnames(env),
      defaultService: serviceOf(routes.find((r) => r.match === undefined)!),
      serverTlsPolicy: this.clientCertificatePolicy?.id,
      httpsProxyDependsOn: originPulls && [originPulls],
      routes: routes.flatMap((r) => (r.match ? [{ paths: [...r.match.urlMapPaths], service: serviceOf(r) }] : [])),
      labels,
    });
  }

  /** The load balancer's IPv4 address; DNS in `edge` points here. */
  get ipv4Address(): string {
    return this.loadBalancer.ipAddress;
  }

  /** The DNS-authorization records `edge` must publish (not proxied) for the certificate to be issued. */
  get dnsAuthorizationRecords(): DnsAuthorizationRecord[] {
    return this.certificate.dnsRecords;
  }
}
