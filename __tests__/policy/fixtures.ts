import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { Ruleset, type RulesetConfig } from '@cdktf/provider-cloudflare/lib/ruleset';
import { ZoneSetting } from '@cdktf/provider-cloudflare/lib/zone-setting';
import { CertificateManagerCertificateMapEntry } from '@cdktf/provider-google/lib/certificate-manager-certificate-map-entry';
import { CertificateManagerTrustConfig } from '@cdktf/provider-google/lib/certificate-manager-trust-config';
import { ComputeBackendBucket } from '@cdktf/provider-google/lib/compute-backend-bucket';
import { NetworkSecurityServerTlsPolicy, type NetworkSecurityServerTlsPolicyConfig } from '@cdktf/provider-google/lib/network-security-server-tls-policy';
import { ComputeBackendService, type ComputeBackendServiceConfig } from '@cdktf/provider-google/lib/compute-backend-service';
import { ComputeGlobalForwardingRule, type ComputeGlobalForwardingRuleConfig } from '@cdktf/provider-google/lib/compute-global-forwarding-rule';
import { ComputeSecurityPolicy, type ComputeSecurityPolicyConfig } from '@cdktf/provider-google/lib/compute-security-policy';
import { ComputeSslPolicy, type ComputeSslPolicyConfig } from '@cdktf/provider-google/lib/compute-ssl-policy';
import { ComputeTargetHttpProxy } from '@cdktf/provider-google/lib/compute-target-http-proxy';
import { ComputeTargetHttpsProxy, type ComputeTargetHttpsProxyConfig } from '@cdktf/provider-google/lib/compute-target-https-proxy';
import { ComputeUrlMap, type ComputeUrlMapConfig } from '@cdktf/provider-google/lib/compute-url-map';
import { ContainerCluster, type ContainerClusterConfig } from '@cdktf/provider-google/lib/container-cluster';
import { ContainerNodePool, type ContainerNodePoolConfig } from '@cdktf/provider-google/lib/container-node-pool';
import { DeploymentV1, type DeploymentV1Config } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2, type HorizontalPodAutoscalerV2Config } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { NetworkPolicyV1, type NetworkPolicyV1Config } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PodDisruptionBudgetV1, type PodDisruptionBudgetV1Config } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { MonitoringAlertPolicy, type MonitoringAlertPolicyConfig } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { MonitoringUptimeCheckConfig } from '@cdktf/provider-google/lib/monitoring-uptime-check-config';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformStack, Testing } from 'cdktf';

/*
 * Small stacks built from the real provider classes: each family starts compliant with every rule,
 * and a test breaks one attribute through `mutate` (plain props objects, changed before the
 * resources are constructed). The rules never see these builders, only the synthesized attributes.
 */

// Mutable copies of the provider configs: a test changes any field, however deep.
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export function newStack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'fixture');
}

/** A stack that declares itself a release of a shared or production environment (policy/rule.ts StackPolicyScope). */
class ReleaseFixtureStack extends TerraformStack {
  readonly imageDigestsRequired = true;
}

export function newReleaseStack(): TerraformStack {
  return new ReleaseFixtureStack(Testing.app(), 'fixture');
}

/** A stack that declares its environment of the `disposable` tier (policy/rule.ts StackPolicyScope). */
class DisposableFixtureStack extends TerraformStack {
  readonly disposable = true;
}

/** A disposable-tier stack under any name: the policy reads the declared tier, never the name. */
export function newDisposableStack(name = 'fixture'): TerraformStack {
  return new DisposableFixtureStack(Testing.app(), name);
}

/** cdktf refuses to synthesize resources without their provider; one per stack. */
function provider(stack: TerraformStack, name: 'google' | 'kubernetes' | 'cloudflare'): void {
  if (stack.node.tryFindChild(name)) return;
  if (name === 'google') new GoogleProvider(stack, name, { project: 'p' });
  else if (name === 'kubernetes') new KubernetesProvider(stack, name, {});
  else new CloudflareProvider(stack, name, {});
}

export interface GkeProps {
  cluster: Mutable<ContainerClusterConfig> & Loose;
  pool: Mutable<ContainerNodePoolConfig> & Loose;
}

export function gke(stack: TerraformStack, mutate: (p: GkeProps) => void = () => {}) {
  const props: GkeProps = {
    cluster: {
      name: 'fixture',
      location: 'europe-west1',
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      networkingMode: 'VPC_NATIVE',
      ipAllocationPolicy: { clusterSecondaryRangeName: 'pods', servicesSecondaryRangeName: 'services' },
      nodeConfig: {
        serviceAccount: 'nodes@p.iam.gserviceaccount.com',
        imageType: 'COS_CONTAINERD',
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      },
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true }, ipEndpointsConfig: { enabled: true } },
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true, masterIpv4CidrBlock: '172.16.0.0/28' },
      masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: '10.200.0.0/24', displayName: 'vpn' }], gcpPublicCidrsAccessEnabled: false },
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      enableLegacyAbac: false,
      enableShieldedNodes: true,
      workloadIdentityConfig: { workloadPool: 'p.svc.id.goog' },
      releaseChannel: { channel: 'REGULAR' },
      datapathProvider: 'ADVANCED_DATAPATH',
      networkPolicy: { enabled: false },
      resourceLabels: { environment: 'production' },
      deletionProtection: true,
    },
    pool: {
      name: 'fixture-pool',
      cluster: 'fixture',
      management: { autoRepair: true, autoUpgrade: true },
      nodeConfig: {
        imageType: 'COS_CONTAINERD',
        serviceAccount: 'nodes@p.iam.gserviceaccount.com',
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      },
    },
  };
  mutate(props);
  provider(stack, 'google');
  return { cluster: new ContainerCluster(stack, 'cluster', props.cluster), pool: new ContainerNodePool(stack, 'pool', props.pool) };
}

export interface PodProps {
  deployment: Mutable<DeploymentV1Config> & Loose;
  pdb?: Mutable<PodDisruptionBudgetV1Config> & Loose;
  hpa?: Mutable<HorizontalPodAutoscalerV2Config> & Loose;
  denyAll?: Mutable<NetworkPolicyV1Config> & Loose;
}

const labels = { 'app.kubernetes.io/name': 'api' };

export function container(name: string, port?: number): Loose {
  return {
    name,
    image: `registry.example/${name}:1.2.3`,
    port: port ? [{ containerPort: port }] : undefined,
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    livenessProbe: { exec: { command: ['true'] } },
    readinessProbe: port ? { httpGet: { path: '/readyz', port: String(port) } } : undefined,
    lifecycle: port ? { preStop: [{ exec: { command: ['sh', '-c', 'sleep 5 && nginx -s quit'] } }] } : undefined,
  };
}

/** A namespace with a default-deny policy, a deployment, its PDB and HPA. */
export function pods(stack: TerraformStack, mutate: (p: PodProps) => void = () => {}) {
  provider(stack, 'kubernetes');
  const namespace = new NamespaceV1(stack, 'namespace', { metadata: { name: 'isoscribe' } });
  const ns = namespace.metadata.name;
  const props: PodProps = {
    deployment: {
      metadata: { name: 'api', namespace: ns, labels },
      spec: {
        replicas: '2',
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraint: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: [{ matchLabels: labels }] }],
            container: [container('nginx', 8080), container('app')],
            volume: [{ name: 'mongodb', secret: { secretName: 'mongodb-uri' } }],
          },
        },
      },
    },
    pdb: { metadata: { name: 'api', namespace: ns }, spec: { maxUnavailable: '1', selector: { matchLabels: labels } } },
    hpa: {
      metadata: { name: 'api', namespace: ns },
      spec: { minReplicas: 2, maxReplicas: 4, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } },
    },
    denyAll: { metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
  };
  mutate(props);
  const deployment = new DeploymentV1(stack, 'deployment', props.deployment);
  if (props.pdb) new PodDisruptionBudgetV1(stack, 'pdb', props.pdb);
  // The HPA names its target through a reference, as constructs do.
  if (props.hpa) new HorizontalPodAutoscalerV2(stack, 'hpa', props.hpa);
  if (props.denyAll) new NetworkPolicyV1(stack, 'deny-all', props.denyAll);
  return { namespace, deployment };
}

export interface LbProps {
  sslPolicy: Mutable<ComputeSslPolicyConfig> & Loose;
  httpsProxy: Mutable<Omit<ComputeTargetHttpsProxyConfig, 'urlMap'>> & Loose;
  redirectMap: Mutable<ComputeUrlMapConfig> & Loose;
  backend: Mutable<Omit<ComputeBackendServiceConfig, 'securityPolicy'>> & Loose;
  forwardingRule: Mutable<Omit<ComputeGlobalForwardingRuleConfig, 'target'>> & Loose;
  armor: Mutable<ComputeSecurityPolicyConfig> & Loose;
  attachArmor: boolean;
  attachSslPolicy: boolean;
  urlMap: Mutable<Omit<ComputeUrlMapConfig, 'defaultRouteAction'>> & Loose;
  serverTlsPolicy: Mutable<Omit<NetworkSecurityServerTlsPolicyConfig, 'mtlsPolicy'>> & Loose;
  clientValidationMode: string;
  attachServerTlsPolicy: boolean;
  edgeArmor: Mutable<ComputeSecurityPolicyConfig> & Loose;
  attachEdgeArmor: boolean;
  certificateMapEntry: Record<string, unknown>;
}

/** A public CA certificate (shape only: the policy reads attributes, not certificates). */
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

export function loadBalancer(stack: TerraformStack, mutate: (p: LbProps) => void = () => {}) {
  const props: LbProps = {
    sslPolicy: { name: 'modern', profile: 'MODERN', minTlsVersion: 'TLS_1_2' },
    httpsProxy: { name: 'https' },
    redirectMap: { name: 'redirect', defaultUrlRedirect: { httpsRedirect: true, stripQuery: false } },
    backend: { name: 'api', loadBalancingScheme: 'EXTERNAL_MANAGED', logConfig: { enable: true, sampleRate: 1 }, connectionDrainingTimeoutSec: 30 },
    forwardingRule: { name: 'https', loadBalancingScheme: 'EXTERNAL_MANAGED', portRange: '443' },
    armor: {
      name: 'cloudflare-only',
      rule: [
        { priority: 1000, action: 'deny(403)', match: { expr: { expression: "evaluatePreconfiguredWaf('cve-canary')" } } },
        { priority: 2000, action: 'allow', match: { versionedExpr: 'SRC_IPS_V1', config: { srcIpRanges: ['173.245.48.0/20', '103.21.244.0/22'] } } },
        { priority: 2147483647, action: 'deny(403)', match: { versionedExpr: 'SRC_IPS_V1', config: { srcIpRanges: ['*'] } } },
      ],
    },
    attachArmor: true,
    attachSslPolicy: true,
    urlMap: { name: 'https', hostRule: [{ hosts: ['isoscribe.example', 'www.isoscribe.example'], pathMatcher: 'routes' }] },
    serverTlsPolicy: { name: 'client-certificate', location: 'global' },
    clientValidationMode: 'REJECT_INVALID',
    attachServerTlsPolicy: true,
    edgeArmor: {
      name: 'cloudflare-only-edge',
      type: 'CLOUD_ARMOR_EDGE',
      rule: [
        { priority: 2000, action: 'allow', match: { versionedExpr: 'SRC_IPS_V1', config: { srcIpRanges: ['173.245.48.0/20'] } } },
        { priority: 2147483647, action: 'deny(403)', match: { versionedExpr: 'SRC_IPS_V1', config: { srcIpRanges: ['*'] } } },
      ],
    },
    attachEdgeArmor: true,
    certificateMapEntry: { name: 'apex', map: 'cert-map', hostname: 'isoscribe.example', certificates: ['projects/p/locations/global/certificates/c'] },
  };
  mutate(props);
  provider(stack, 'google');
  const ssl = new ComputeSslPolicy(stack, 'ssl-policy', props.sslPolicy);
  const armor = new ComputeSecurityPolicy(stack, 'armor', props.armor);
  const backend = new ComputeBackendService(stack, 'backend', { ...props.backend, securityPolicy: props.attachArmor ? armor.id : undefined });
  const urlMap = new ComputeUrlMap(stack, 'url-map', {
    ...props.urlMap,
    defaultRouteAction: props.urlMap.defaultService
      ? undefined
      : { weightedBackendServices: [{ backendService: backend.id, weight: 100 }], faultInjectionPolicy: { abort: { httpStatus: 404, percentage: 100 } } },
    pathMatcher: [{ name: 'routes', defaultService: backend.id }],
  });
  const trust = new CertificateManagerTrustConfig(stack, 'trust-config', { name: 'client-ca', location: 'global', trustStores: [{ trustAnchors: [{ pemCertificate: CA_PEM }] }] });
  const tls = new NetworkSecurityServerTlsPolicy(stack, 'server-tls-policy', {
    ...props.serverTlsPolicy,
    mtlsPolicy: { clientValidationMode: props.clientValidationMode, clientValidationTrustConfig: trust.id },
  });
  const https = new ComputeTargetHttpsProxy(stack, 'https-proxy', {
    ...props.httpsProxy,
    urlMap: urlMap.id,
    sslPolicy: props.attachSslPolicy ? ssl.id : undefined,
    serverTlsPolicy: props.attachServerTlsPolicy ? tls.id : undefined,
  });
  const edgeArmor = new ComputeSecurityPolicy(stack, 'edge-armor', props.edgeArmor);
  new ComputeBackendBucket(stack, 'bucket', { name: 'static', bucketName: 'bundles', edgeSecurityPolicy: props.attachEdgeArmor ? edgeArmor.id : undefined });
  new CertificateManagerCertificateMapEntry(stack, 'map-entry', props.certificateMapEntry as never);
  const redirect = new ComputeUrlMap(stack, 'redirect-map', props.redirectMap);
  new ComputeTargetHttpProxy(stack, 'http-proxy', { name: 'http', urlMap: redirect.id });
  new ComputeGlobalForwardingRule(stack, 'forwarding-rule', { ...props.forwardingRule, target: https.id });
}

export interface EdgeProps {
  settings: Record<string, unknown>;
  cacheRules: Mutable<RulesetConfig['rules']> & Loose;
  proxied: boolean;
}

export const ZONE_ID = '0123456789abcdef0123456789abcdef';
export const API_EXPRESSION = '(http.request.uri.path eq "/api" or starts_with(http.request.uri.path, "/api/"))';

export function edge(stack: TerraformStack, mutate: (p: EdgeProps) => void = () => {}) {
  const props: EdgeProps = {
    settings: {
      ssl: 'strict',
      min_tls_version: '1.2',
      tls_1_3: 'on',
      always_use_https: 'on',
      automatic_https_rewrites: 'on',
      security_header: { strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, nosniff: true } },
    },
    cacheRules: [
      { description: 'API: never cached', expression: API_EXPRESSION, action: 'set_cache_settings', actionParameters: { cache: false } },
      {
        description: 'bundles: long',
        expression: 'starts_with(http.request.uri.path, "/static/")',
        action: 'set_cache_settings',
        actionParameters: { cache: true, edgeTtl: { mode: 'override_origin', default: 31536000 } },
      },
    ],
    proxied: true,
  };
  mutate(props);
  provider(stack, 'cloudflare');
  for (const [settingId, value] of Object.entries(props.settings)) {
    new ZoneSetting(stack, `setting-${settingId}`, { zoneId: ZONE_ID, settingId, value: value as Loose });
  }
  new Ruleset(stack, 'cache', { zoneId: ZONE_ID, kind: 'zone', name: 'cache', phase: 'http_request_cache_settings', rules: props.cacheRules });
  new DnsRecord(stack, 'apex', { zoneId: ZONE_ID, name: 'isoscribe.example', type: 'A', content: '192.0.2.1', ttl: 1, proxied: props.proxied });
}

export interface MonitoringProps {
  /** One alert policy config per alert rule name. */
  alerts: Record<string, Mutable<MonitoringAlertPolicyConfig> & Loose>;
  uptimeLabels: Record<string, string>;
}

/** A compliant monitored workload: its uptime check and its four SLO burn alerts. */
export function monitoring(stack: TerraformStack, mutate: (p: MonitoringProps) => void = () => {}) {
  provider(stack, 'google');
  const channel = new MonitoringNotificationChannel(stack, 'channel', { type: 'email', labels: { email_address: 'oncall@isoscribe.example' } });
  const alert = (name: string, severity: 'page' | 'ticket'): Mutable<MonitoringAlertPolicyConfig> & Loose => ({
    displayName: name,
    combiner: 'OR',
    severity: severity === 'page' ? 'CRITICAL' : 'WARNING',
    notificationChannels: [channel.name],
    conditions: [{ displayName: name, conditionPrometheusQueryLanguage: { query: 'vector(1) > 0', labels: { severity }, alertRule: name } }],
    documentation: { content: name, links: [{ displayName: 'Runbook', url: 'https://github.com/isoscribe/isoscribe-stack/blob/main/docs/runbooks.md#slo-fast-burn' }] },
  });
  const props: MonitoringProps = {
    alerts: {
      'api-availability-fast-burn': alert('api-availability-fast-burn', 'page'),
      'api-availability-slow-burn': alert('api-availability-slow-burn', 'ticket'),
      'api-latency-fast-burn': alert('api-latency-fast-burn', 'page'),
      'api-latency-slow-burn': alert('api-latency-slow-burn', 'ticket'),
    },
    uptimeLabels: { workload: 'api' },
  };
  mutate(props);
  for (const [name, config] of Object.entries(props.alerts)) new MonitoringAlertPolicy(stack, `alert-${name}`, config as MonitoringAlertPolicyConfig);
  new MonitoringUptimeCheckConfig(stack, 'uptime', {
    displayName: 'api',
    timeout: '10s',
    monitoredResource: { type: 'uptime_url', labels: { host: 'isoscribe.example', project_id: 'p' } },
    httpCheck: { path: '/api/v1/documents', port: 443, useSsl: true },
    userLabels: props.uptimeLabels,
  });
}
