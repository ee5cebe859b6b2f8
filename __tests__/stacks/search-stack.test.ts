import { DEDICATED_POOL_KEY } from '../../constructs/gcp/gke-cluster';
import { operatorCrds, operatorRbac } from '../../constructs/search/upstream';
import { ENGINE_CLUSTER_LABEL, SEARCH_K8S_SECRETS, SEARCH_NODE_POOL, SEARCH_SECRETS } from '../../constructs/search/opensearch-cluster';
import { api, SEARCH_NODES, searchCa, searchPassword } from '../../workloads/api';
import { apiPodSecrets } from '../../testing/pods';
import type { AppFile } from '../../workloads';
import { POD_APP_PATHS } from '../../workloads';
import { environment, resources, synthEnvironment, type TfJson } from '../support/topology';

const env = environment('production');
const { json, manifest } = synthEnvironment(env);
const region = env.regions[1];
const operatorStack = json[`isoscribe-production-search-operator-${region.name}`];
const searchStack = json[`isoscribe-production-search-${region.name}`];

function manifests(stack: TfJson, kind: string): TfJson[] {
  return resources(stack, 'kubernetes_manifest').map((m) => m.manifest).filter((m: TfJson) => m.kind === kind);
}

describe('search-operator-<region>', () => {
  it('applies every CRD of the vendored release, unchanged', () => {
    const applied = manifests(operatorStack, 'CustomResourceDefinition');
    const vendored = operatorCrds();
    expect(applied.map((c) => c.metadata.name).sort()).toEqual(vendored.map((c) => c.metadata.name).sort());
    expect(vendored.length).toBe(10);
    for (const crd of vendored) expect(applied.find((c) => c.metadata.name === crd.metadata.name)).toEqual(crd);
  });

  it('grants the release\'s manager rules, unchanged, to the operator\'s account only', () => {
    const [role] = manifests(operatorStack, 'ClusterRole');
    expect(role.rules).toEqual(operatorRbac().clusterRole.rules);
    const [binding] = resources(operatorStack, 'kubernetes_cluster_role_binding_v1');
    expect(binding.subject).toEqual([{ kind: 'ServiceAccount', name: expect.stringMatching(/service-account/), namespace: expect.any(String) }]);
  });

  it('runs the pinned operator image, restricted, watching the search namespace only, with no root init container for the engine', () => {
    const [deployment] = resources(operatorStack, 'kubernetes_deployment_v1');
    const pod = deployment.spec.template.spec;
    const [container] = pod.container;
    expect(container.image).toBe(`${env.search.operatorImage.repository}:${env.search.operatorImage.tag}`);
    expect(env.search.operatorImage.tag).toBe('2.8.0');
    expect(container.args).toContain('--watch-namespace=search');
    expect(container.args).toContain('--metrics-bind-address=127.0.0.1:8080');
    expect(container.env).toContainEqual({ name: 'SKIP_INIT_CONTAINER', value: 'true' });
    expect(container.security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true, allow_privilege_escalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.container).toHaveLength(1);
    // Its CRDs exist before it starts.
    expect(deployment.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_manifest\.operator_crd-opensearchclusters/)]));
  });
});

describe('search-<region>', () => {
  const [cluster] = manifests(searchStack, 'OpenSearchCluster');

  it('deploys after its operator stack (CRDs first) and after the cluster', () => {
    const deps = manifest.stacks[`isoscribe-production-search-${region.name}`].dependencies;
    expect(deps).toEqual(expect.arrayContaining([`isoscribe-production-search-operator-${region.name}`, `isoscribe-production-cluster-${region.name}`, 'isoscribe-production-core']));
  });

  it('sizes the engine from config: nodes, heap (half the memory request at most), resources, disk and storage class', () => {
    const [pool] = cluster.spec.nodePools;
    expect(pool.replicas).toBe(env.search.nodes);
    expect(pool.jvm).toBe(`-Xms${env.search.heapMi}m -Xmx${env.search.heapMi}m`);
    expect(pool.resources).toEqual(env.search.resources);
    expect(pool.diskSize).toBe(`${env.search.storage.sizeGi}Gi`);
    expect(pool.persistence.pvc).toEqual({ storageClass: env.search.storage.storageClass, accessModes: ['ReadWriteOnce'] });
    expect(pool.roles).toEqual(['cluster_manager', 'data']);
    expect(cluster.spec.general.version).toBe(env.search.engineImage.tag);
  });

  it('lands only on the search pool (the taint the pool carries, the label it has), one engine per node, spread over zones', () => {
    const [pool] = cluster.spec.nodePools;
    expect(pool.tolerations).toEqual([{ key: DEDICATED_POOL_KEY, operator: 'Equal', value: SEARCH_NODE_POOL, effect: 'NoSchedule' }]);
    expect(pool.nodeSelector).toEqual({ [DEDICATED_POOL_KEY]: SEARCH_NODE_POOL });
    expect(cluster.spec.bootstrap.tolerations).toEqual(pool.tolerations);
    expect(pool.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' });
    expect(pool.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  it('turns TLS and the security plugin on with the Secrets the sync job writes, and snapshots to this region\'s bucket', () => {
    expect(cluster.spec.security.tls).toEqual({ transport: { generate: true, perNode: true }, http: { generate: true, caSecret: { name: SEARCH_K8S_SECRETS.httpCa } } });
    expect(cluster.spec.security.config).toEqual({ adminCredentialsSecret: { name: SEARCH_K8S_SECRETS.adminCredentials }, securityConfigSecret: { name: SEARCH_K8S_SECRETS.securityConfig } });
    expect(cluster.spec.general.setVMMaxMapCount).toBe(false);
    const [repo] = cluster.spec.general.snapshotRepositories;
    expect(repo).toMatchObject({ name: 'gcs', type: 'gcs', settings: { base_path: region.name } });
    expect(repo.settings.bucket).toMatch(/^\$\{data\.terraform_remote_state\..*search-.*\}$/);
    expect(cluster.spec.general.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('holds no secret value: no Kubernetes Secret resource; the sync job names Secret Manager secrets and may write only the four Secrets', () => {
    expect(resources(searchStack, 'kubernetes_secret_v1')).toEqual([]);
    const [spc] = manifests(searchStack, 'SecretProviderClass');
    for (const name of Object.values(SEARCH_SECRETS)) expect(spc.spec.parameters.secrets).toContain(`secret_manager_secret${name}id`);
    const [role] = resources(searchStack, 'kubernetes_role_v1');
    expect(role.rule[0].resource_names.sort()).toEqual(Object.values(SEARCH_K8S_SECRETS).sort());
    expect(role.rule[0].verbs).toEqual(['get', 'patch']);
    const [cron] = resources(searchStack, 'kubernetes_cron_job_v1');
    const pod = cron.spec.job_template.spec.template.spec;
    expect(pod.container[0].image).toBe(cluster.spec.general.image);
    expect(pod.container[0].security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true, allow_privilege_escalation: false });
  });

  it('admits the api on 9200 only, keeps 9300 inside the namespace, and lets the engine out to HTTPS and the metadata server only', () => {
    const policies = resources(searchStack, 'kubernetes_network_policy_v1');
    const ns = policies.find((p) => p.metadata.name === 'search-namespace')!;
    const api = ns.spec.ingress.find((r: TfJson) => r.from[0].namespace_selector?.match_labels?.['kubernetes.io/metadata.name'] === 'isoscribe');
    expect(api).toEqual({ from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'isoscribe' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'api' } } }], ports: [{ port: '9200', protocol: 'TCP' }] });
    const transport = ns.spec.ingress.filter((r: TfJson) => r.ports.some((p: TfJson) => p.port === '9300'));
    expect(transport).toHaveLength(1);
    expect(transport[0].from[0].namespace_selector.match_labels['kubernetes.io/metadata.name']).toBe('search');
    const engine = policies.find((p) => p.metadata.name === 'search-engine')!;
    expect(engine.spec.pod_selector.match_labels).toEqual({ [ENGINE_CLUSTER_LABEL]: 'search' });
    expect(engine.spec.egress.map((r: TfJson) => r.ports.map((p: TfJson) => p.port).join())).toEqual(['443', '988', '80']);
  });
});

describe('the api\'s side of the contract', () => {
  it('names the in-region engine Service the operator\'s certificate covers, and mounts the password and the CA from Secret Manager', () => {
    expect(SEARCH_NODES).toBe('https://search.search.svc:9200');
    expect(searchPassword.pathIn(POD_APP_PATHS)).toBe('/etc/isoscribe/search/password');
    expect(searchCa.pathIn(POD_APP_PATHS)).toBe('/etc/isoscribe/search-ca/ca.crt');
    expect(searchPassword.source).toMatchObject({ kind: 'secret', secret: SEARCH_SECRETS.apiPassword });
    expect(searchCa.source).toMatchObject({ kind: 'secret', secret: SEARCH_SECRETS.caCert });
  });
});

describe('the test harness mounts every secret the api pod names (testing/pods.ts)', () => {
  it('apiPodSecrets covers each of the api\'s Secret Manager files, the search engine\'s included', () => {
    const secrets = apiPodSecrets('mongodb://127.0.0.1:1/x', { password: 'p', caPem: 'pem' });
    const mounted = (api.pod as (c: never) => { files?: readonly AppFile[] })({ env, trustedProxies: [], paths: POD_APP_PATHS, bundleManifestUrl: 'https://x', drainSeconds: 1 } as never).files ?? [];
    const names = mounted.map((f) => (f.source.kind === 'secret' ? f.source.secret : undefined)).filter(Boolean).sort();
    expect(Object.keys(secrets).sort()).toEqual(names);
    expect(secrets[SEARCH_SECRETS.caCert]).toBe('pem');
  });
});
