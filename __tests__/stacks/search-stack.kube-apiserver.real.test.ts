/**
 * The search stacks applied through the real Terraform kubernetes provider to a real kube-apiserver,
 * in deploy order: `search-operator-<region>` (the operator's vendored upstream CRDs, RBAC and
 * Deployment) first, then `search-<region>` (the OpenSearchCluster and its users, roles, secret
 * sync, network policies), whose custom resources can only plan once those CRDs are served.
 *
 * What cannot run here (kube-session.ts says the rest): the operator itself (no container runtime),
 * so no StatefulSet is ever made from the OpenSearchCluster; the test checks what the operator would
 * read (the custom resources, as the API server stored them against the release's own CRD schemas:
 * a field the CRD does not know would be pruned, and is caught) and admits, as dry runs, the pods
 * the engine's security settings lead to under the namespace's `restricted` profile.
 */
import { operatorCrds } from '../../constructs/search/upstream';
import { ENGINE_CLUSTER_LABEL } from '../../constructs/search/opensearch-cluster';
import { expectExit, type PreparedStack } from '../support/kube/workloads-apply';
import { manifest, namespaceOf, prepareForSession, read, session, STACK_TIMEOUT_MS, useKubeSession, withCleanup, type Json } from '../support/kube/kube-session';

useKubeSession();

const stacks = Object.keys(manifest.stacks);
const regions = stacks.filter((s) => /^isoscribe-dev-search-operator-/.test(s)).map((s) => s.replace('isoscribe-dev-search-operator-', ''));

const crdNames = operatorCrds().map((crd) => crd.metadata.name as string).sort();

async function established(name: string): Promise<boolean> {
  const crd = (await session.kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).body;
  return crd.status?.conditions?.some((c: Json) => c.type === 'Established' && c.status === 'True') ?? false;
}

/** init, plan (every resource to create), apply the kubernetes resources, a second plan with no changes. */
async function applyClean(stack: PreparedStack): Promise<void> {
  expectExit(`${stack.name}: init`, await stack.terraform(['init', '-input=false', '-no-color']));
  expectExit(`${stack.name}: plan`, await stack.terraform(['plan', '-input=false', '-no-color', '-out=full.tfplan']));
  const shown = JSON.parse(expectExit(`${stack.name}: show`, await stack.terraform(['show', '-json', 'full.tfplan'])).stdout);
  const planned = new Map<string, string[]>(shown.resource_changes.map((c: Json) => [c.address, c.change.actions]));
  for (const address of [...stack.kubernetesAddresses, ...stack.otherAddresses]) expect([address, planned.get(address)]).toEqual([address, ['create']]);
  expectExit(`${stack.name}: apply`, await stack.terraform(['apply', '-input=false', '-no-color', '-auto-approve', ...stack.targets]));
  const again = await stack.terraform(['plan', '-input=false', '-no-color', '-detailed-exitcode', ...stack.targets]);
  expectExit(`${stack.name}: second plan must show no changes (exit 0; 2 means drift)`, again, 0);
}

/** A dry-run Pod in `namespace`: [status, warnings, refusal]. */
async function admit(namespace: string, name: string, spec: Json): Promise<[number, string[], string]> {
  const res = await session.kube.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
  return [res.status, res.warnings, res.status >= 400 ? String(res.body?.message) : ''];
}

function manifests(synth: Json, kind: string): Json[] {
  return Object.values<Json>(synth.resource.kubernetes_manifest ?? {}).map((m) => m.manifest).filter((m) => m.kind === kind);
}

describe.each(regions)('dev search stacks in %s on a real kube-apiserver (no container runtime: the operator never runs)', (region) => {
  const operatorName = `isoscribe-dev-search-operator-${region}`;
  const searchName = `isoscribe-dev-search-${region}`;

  test('operator stack: the release\'s CRDs are served, its Deployment admitted under restricted; then the search stack: every custom resource stored as synthesized (nothing pruned), pods of its security settings admitted under restricted; both destroy cleanly', async () => {
    const operatorSynth = read(operatorName);
    const searchSynth = read(searchName);
    const operator = prepareForSession(operatorName);
    const search = prepareForSession(searchName);
    await withCleanup(
      async () => {
        await applyClean(operator);
        for (const name of crdNames) await session.kube.waitFor(`CRD ${name} established`, async () => ((await established(name)) ? true : undefined));
        const served = (await session.kube.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body.items.map((c: Json) => c.metadata.name);
        expect(served).toEqual(expect.arrayContaining(crdNames));

        const operatorNamespace = namespaceOf(operatorSynth);
        const deployments = (await session.kube.get(`/apis/apps/v1/namespaces/${operatorNamespace}/deployments`)).body.items as Json[];
        expect(deployments).toHaveLength(1);
        const operatorPod = deployments[0].spec.template.spec;
        expect(operatorPod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'SKIP_INIT_CONTAINER', value: 'true' }]));
        expect(operatorPod.containers[0].args).toContain('--watch-namespace=search');
        expect(await admit(operatorNamespace, 'operator-again', operatorPod)).toEqual([201, [], '']);
        // The ClusterRole is the release's rules, unchanged.
        const role = (await session.kube.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/opensearch-operator-manager-role')).body;
        expect(role.rules).toEqual(manifests(operatorSynth, 'ClusterRole')[0].rules);

        await applyClean(search);
        const namespace = namespaceOf(searchSynth);
        const ns = (await session.kube.get(`/api/v1/namespaces/${namespace}`)).body;
        expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');

        // Every custom resource as the operator will read it: stored whole against the release's CRD
        // schema. Compared with what Terraform applied (references resolved from the upstream states).
        const state = JSON.parse(expectExit(`${search.name}: show`, await search.terraform(['show', '-json'])).stdout);
        const applied = (state.values.root_module.resources as Json[]).filter((r) => r.type === 'kubernetes_manifest').map((r) => r.values.manifest);
        for (const kind of ['OpenSearchCluster', 'OpensearchRole', 'OpensearchUser', 'OpensearchUserRoleBinding']) {
          const synthesized = applied.find((m) => m.kind === kind);
          expect([kind, synthesized?.spec]).toEqual([kind, manifests(searchSynth, kind)[0]?.spec && expect.any(Object)]);
          const plural = `${kind.toLowerCase()}s`;
          const live = (await session.kube.get(`/apis/opensearch.opster.io/v1/namespaces/${namespace}/${plural}/${synthesized.metadata.name}`)).body;
          expect([kind, live.spec]).toEqual([kind, synthesized.spec]);
        }
        const cluster = applied.find((m) => m.kind === 'OpenSearchCluster');
        expect(cluster.spec.general.serviceAccount).toBe('opensearch');
        expect(cluster.spec.general.snapshotRepositories[0].settings.bucket).toBe(`isoscribe-dev-search-${region}`);
        expect(cluster.spec.general.setVMMaxMapCount).toBe(false);
        expect(cluster.spec.security.tls.http.generate).toBe(true);
        expect(cluster.spec.general.snapshotRepositories[0]).toMatchObject({ type: 'gcs', settings: { base_path: region } });

        // No Kubernetes Secret from Terraform: the sync job writes them from Secret Manager at run time.
        expect((await session.kube.get(`/api/v1/namespaces/${namespace}/secrets`)).body.items).toEqual([]);

        // The pods the operator builds from the CR (no init container: SKIP_INIT_CONTAINER) and the
        // sync job's pod pass the restricted profile with no warnings.
        const { general, nodePools } = cluster.spec;
        const enginePod = {
          securityContext: general.podSecurityContext,
          serviceAccountName: general.serviceAccount,
          tolerations: nodePools[0].tolerations,
          nodeSelector: nodePools[0].nodeSelector,
          containers: [{ name: 'opensearch', image: general.image, securityContext: general.securityContext, ports: [{ containerPort: 9200 }, { containerPort: 9300 }] }],
        };
        expect(await admit(namespace, 'engine-like', enginePod)).toEqual([201, [], '']);
        const cronJob = (await session.kube.get(`/apis/batch/v1/namespaces/${namespace}/cronjobs/search-secret-sync`)).body;
        expect(await admit(namespace, 'sync-like', cronJob.spec.jobTemplate.spec.template.spec)).toEqual([201, [], '']);
        // And the operator's default (a root chown init container) would be refused there.
        const withRootInit = { ...enginePod, initContainers: [{ name: 'init', image: general.image, command: ['sh', '-c', 'chown -R 1000:1000 /usr/share/opensearch/data'], securityContext: { runAsUser: 0 } }] };
        const [status, , refusal] = await admit(namespace, 'root-init', withRootInit);
        expect(status).toBe(403);
        expect(refusal).toContain('violates PodSecurity "restricted:latest"');

        // The engine's policies: the api's pods reach 9200 only; transport stays inside the namespace.
        const policies = (await session.kube.get(`/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`)).body.items as Json[];
        const nsPolicy = policies.find((p) => p.metadata.name === 'search-namespace')!;
        const fromApi = nsPolicy.spec.ingress.find((r: Json) => r.from[0].namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'isoscribe');
        expect(fromApi.ports).toEqual([{ port: 9200, protocol: 'TCP' }]);
        expect(fromApi.from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api' });
        expect(policies.find((p) => p.metadata.name === 'search-engine')!.spec.podSelector.matchLabels).toEqual({ [ENGINE_CLUSTER_LABEL]: 'search' });
      },
      async () => {
        for (const [stack, synth] of [[search, searchSynth], [operator, operatorSynth]] as const) {
          expectExit(`${stack.name}: destroy`, await stack.terraform(['destroy', '-input=false', '-no-color', '-auto-approve']));
          const namespace = namespaceOf(synth);
          await session.kube.waitFor(`namespace ${namespace} gone`, async () => ((await session.kube.get(`/api/v1/namespaces/${namespace}`)).status === 404 ? true : undefined));
          stack.remove();
        }
        for (const name of crdNames) {
          await session.kube.waitFor(`CRD ${name} gone`, async () => ((await session.kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).status === 404 ? true : undefined));
        }
      },
    );
  }, 2 * STACK_TIMEOUT_MS);
});
