import { Testing, TerraformStack } from 'cdktf';
import { Peer, RestrictedNamespace } from '../../constructs/kubernetes';
import { SEARCH_SECRETS } from '../../constructs/search/opensearch-cluster';
import { NGINX_PORT } from '../../constructs/nginx';
import { POD_APP_PATHS, WORKLOADS, type PodContext, type WorkloadDefinition } from '../../workloads';
import { api } from '../../workloads/api';
import { frontend } from '../../workloads/frontend';
import { NginxFrontedWorkload, type NginxFrontedWorkloadProps } from '../../workloads/nginx-fronted-workload';
import { environment, resources, synthEnvironment, type TfJson } from '../support/topology';

const env = environment('dev');
const context: PodContext = { env, region: env.primaryRegion, trustedProxies: ['10.0.0.1'], paths: POD_APP_PATHS, bundleManifestUrl: 'https://storage.googleapis.com/b/manifest.json', drainSeconds: 20 };
const fromLoadBalancer = { peer: Peer.cidrs(['130.211.0.0/22']), ports: [{ port: NGINX_PORT }] };
const secretIds = { 'mongodb-uri': 'projects/p/secrets/mongodb-uri', [SEARCH_SECRETS.apiPassword]: 'projects/p/secrets/search-password', [SEARCH_SECRETS.caCert]: 'projects/p/secrets/search-ca' };

function synthWorkload(definition: WorkloadDefinition, props: Partial<NginxFrontedWorkloadProps> = {}): TfJson {
  const stack = new TerraformStack(Testing.app(), 'test');
  const namespace = new RestrictedNamespace(stack, 'namespace', { name: 'isoscribe' });
  new NginxFrontedWorkload(stack, definition.name, {
    definition, context, namespace, labels: { team: 't' }, nginxImage: 'nginx:1', bindIamPolicy: true, secretIds, negName: 'neg', ingress: [fromLoadBalancer], ...props,
  });
  return JSON.parse(Testing.synth(stack));
}

describe('NginxFrontedWorkload', () => {
  it('deploys the definition: its identity, one SecretProviderClass per mounted secret, the pods, the network policy and the PodMonitoring', () => {
    const json = synthWorkload(api);
    expect(resources(json, 'kubernetes_service_account_v1').map((a) => a.metadata.name)).toEqual(['api']);
    const manifests = resources(json, 'kubernetes_manifest').map((m) => m.manifest);
    expect(manifests.filter((m) => m.kind === 'SecretProviderClass').map((m) => m.spec.parameters.secrets).sort()).toEqual([
      '- resourceName: "projects/p/secrets/mongodb-uri/versions/latest"\n  path: "uri"\n',
      '- resourceName: "projects/p/secrets/search-ca/versions/latest"\n  path: "ca.crt"\n',
      '- resourceName: "projects/p/secrets/search-password/versions/latest"\n  path: "password"\n',
    ]);
    expect(manifests.filter((m) => m.kind === 'PodMonitoring').map((m) => m.metadata.name)).toEqual(['api']);
    expect(resources(json, 'kubernetes_deployment_v1')).toHaveLength(1);
    const [policy] = resources(json, 'kubernetes_network_policy_v1').filter((p) => p.metadata.name === 'api');
    // The load balancer's rule as given, then Managed Prometheus's collectors on the metrics port only.
    expect(policy.spec.ingress).toHaveLength(2);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: String(NGINX_PORT), protocol: 'TCP' }]);
  });

  it('mounts a ConfigMap the definition computes (the frontend\'s pages) and binds a Google account only when given one', () => {
    const json = synthWorkload(frontend, { googleServiceAccount: { name: 'projects/p/serviceAccounts/f@p.iam.gserviceaccount.com', email: 'f@p.iam.gserviceaccount.com' } });
    expect(resources(json, 'kubernetes_config_map_v1').map((m) => m.metadata.name)).toContain('frontend-pages');
    expect(resources(json, 'google_service_account_iam_member')).toHaveLength(1);
    expect(resources(synthWorkload(frontend), 'google_service_account_iam_member')).toHaveLength(0);
  });

  it('refuses a pod that mounts a secret it was given no id for, naming the line to add', () => {
    expect(() => synthWorkload(api, { secretIds: {} })).toThrow(
      'Workload api: its pod mounts the secret "mongodb-uri"; add CoreAccess.secret(\'mongodb-uri\') to its access in workloads/api.ts',
    );
  });

  it('leaves its resources at the addresses they had as the workloads stack\'s own children: grouping them replaced nothing', () => {
    const stack = synthEnvironment(environment('production')).json['isoscribe-production-workloads-us-central1'];
    const addresses = Object.entries(stack.resource as Record<string, Record<string, unknown>>).flatMap(([type, rs]) => Object.keys(rs).map((id) => `${type}.${id}`));
    // Recorded from the synth before NginxFrontedWorkload existed.
    expect(addresses).toEqual(expect.arrayContaining([
      'google_service_account_iam_member.frontend-identity_workload-identity-user_7EEF7FB7',
      'kubernetes_config_map_v1.api_nginx-config_294E20DB',
      'kubernetes_config_map_v1.frontend-pages',
      'kubernetes_deployment_v1.api_deployment_3C116365',
      'kubernetes_deployment_v1.frontend_deployment_A4E83A9C',
      'kubernetes_horizontal_pod_autoscaler_v2.api_autoscaler_9C182535',
      'kubernetes_manifest.api-mongodb',
      'kubernetes_manifest.api-pod-monitoring',
      'kubernetes_manifest.api-search-ca',
      'kubernetes_manifest.api-search-password',
      'kubernetes_manifest.frontend-pod-monitoring',
      'kubernetes_network_policy_v1.api-network_policy_9D136FD2',
      'kubernetes_network_policy_v1.frontend-network_policy_09F9C8E0',
      'kubernetes_pod_disruption_budget_v1.api_disruption-budget_96ABE67B',
      'kubernetes_service_account_v1.api-identity_ksa_CC807670',
      'kubernetes_service_v1.frontend_service_A8EA2590',
    ]));
    expect(WORKLOADS.map((w) => w.name)).toEqual(['api', 'frontend']);
  });
});
