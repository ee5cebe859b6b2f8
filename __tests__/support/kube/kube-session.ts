/**
 * The session the kube-apiserver workloads tests share: one control plane (support/kube/) per test
 * file, with the vendored upstream CRDs installed (support/kube/upstream-crds.ts), started in
 * beforeAll and stopped in afterAll (with a check that no process is left), and the apply-check-destroy sequence every workloads stack goes through.
 * The stacks are split over two test files so jest runs them on both workers, each file against its
 * own API server; within a file they are applied one after another (they share a namespace name).
 *
 * What cannot run here, and what stands in for it:
 * - No kubelet or scheduler: Pods are created by the ReplicaSet controller and judged by admission,
 *   then stay Pending. Deployments are applied with `wait_for_rollout = false`; real deploys wait.
 * - No Google token service: GKE's credential plugin (gke-gcloud-auth-plugin), which the stacks'
 *   kubernetes provider runs for its token, is a stand-in on the terraform process's PATH that
 *   prints a token the test API server accepts (support/kube/credential-plugin.ts).
 * - No Google: Google resources (the Workload Identity IAM members) are planned, not applied; no
 *   Secret Manager value is read (issue 13: the stacks only name secrets, and every Secret Manager
 *   call would fail on a closed port). The cluster and core stacks' outputs are local state files.
 * - No GKE Secret Manager add-on: the SecretProviderClass CRD it installs is the Secrets Store CSI
 *   driver's own, vendored at a release tag (testing/upstream/secrets-store-csi-driver/); the CSI
 *   driver that would mount the files is absent, which changes nothing here since Pods are never
 *   bound to a node.
 * Everything else is the synthesized cdk.tf.json, unchanged (see support/kube/workloads-apply.ts).
 */
import { GKE_AUTH_PLUGIN_API_VERSION } from './credential-plugin';
import { requireKubeBinaries, startControlPlane, type ControlPlane, type KubeResponse } from './control-plane';
import { installUpstreamCrds } from './upstream-crds';
import { expectExit, prepareStack, type PreparedStack } from './workloads-apply';
import { synthesized } from '../topology';

export type Json = any;

export const STACK_TIMEOUT_MS = 10 * 60_000;
export const { dir: synthDir, manifest, read } = synthesized();
export const workloadsStacks = Object.keys(manifest.stacks)
  .filter((s) => /-workloads-/.test(s))
  .sort();

export const NEG_ANNOTATION = 'cloud.google.com/neg';
const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

let kube: ControlPlane;

/** The running control plane and stand-in of this test file (after beforeAll). */
export const session = {
  get kube(): ControlPlane {
    return kube;
  },
};
const timings: string[] = [];

/** A name as synthesized: a literal, or a reference to another resource's name (`${type.id.metadata[0].name}`). */
export function nameOf(stack: Json, value: unknown): string {
  const ref = typeof value === 'string' ? /^\$\{([\w-]+)\.([\w-]+)\.metadata\[0\]\.name\}$/.exec(value) : null;
  if (ref) return nameOf(stack, stack.resource[ref[1]][ref[2]].metadata.name);
  if (typeof value !== 'string' || value.includes('${')) throw new Error(`expected a name, got ${JSON.stringify(value)}`);
  return value;
}

function resourcesOf(stack: Json, type: string): Json[] {
  return Object.values(stack.resource?.[type] ?? {});
}

/** The one namespace every workloads stack creates. */
export function namespaceOf(stack: Json): string {
  const namespaces = resourcesOf(stack, 'kubernetes_namespace_v1');
  expect(namespaces).toHaveLength(1);
  return nameOf(stack, namespaces[0].metadata.name);
}

/** The API server's message when it refused a request, else ''. */
function refusal(res: KubeResponse): string {
  return res.status >= 400 ? String(res.body?.message ?? res.body) : '';
}

function stripServerFields(metadata: Json, name: string): Json {
  return { name, labels: metadata.labels, annotations: metadata.annotations };
}

/** Registers the beforeAll/afterAll that start and stop this file's control plane. */
export function useKubeSession(): void {
  beforeAll(async () => {
    requireKubeBinaries();
    kube = await startControlPlane();
    await installUpstreamCrds(kube);
  }, 180_000);

  afterAll(async () => {
    if (!kube) return;
    const pids = kube.pids;
    await kube.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    if (timings.length > 0) process.stderr.write(`kube-apiserver workloads applies (s):\n  ${timings.join('\n  ')}\n`);
  }, 60_000);
}

/** Applies one stack and checks what the API server made of it; leaves it applied. */
async function applyAndCheck(stack: PreparedStack, synth: Json, times: Record<string, number>): Promise<void> {
  times.init = expectExit(`${stack.name}: init`, await stack.terraform(['init', '-input=false', '-no-color'])).seconds;

  // The whole stack planned with the real providers: Google resources to create, never applied here.
  const plan = expectExit(`${stack.name}: plan`, await stack.terraform(['plan', '-input=false', '-no-color', '-out=full.tfplan']));
  times.plan = plan.seconds;
  const shown = JSON.parse(expectExit(`${stack.name}: show`, await stack.terraform(['show', '-json', 'full.tfplan'])).stdout);
  const planned = new Map<string, string[]>(shown.resource_changes.map((c: Json) => [c.address, c.change.actions]));
  for (const address of [...stack.kubernetesAddresses, ...stack.otherAddresses]) expect([address, planned.get(address)]).toEqual([address, ['create']]);

  times.apply = expectExit(
    `${stack.name}: apply`,
    await stack.terraform(['apply', '-input=false', '-no-color', '-auto-approve', ...stack.targets]),
  ).seconds;
  // The provider authenticated through the synthesized exec block: it ran the (stand-in) plugin, asking for v1beta1.
  const runs = stack.credentialPlugin.runs();
  expect(runs.length).toBeGreaterThan(0);
  for (const run of runs) expect(run).toMatchObject({ kind: 'ExecCredential', apiVersion: GKE_AUTH_PLUGIN_API_VERSION });

  const namespace = namespaceOf(synth);
  const ns = await kube.get(`/api/v1/namespaces/${namespace}`);
  expect(ns.status).toBe(200);
  expect(ns.body.metadata.labels).toMatchObject({ [PSA_ENFORCE]: 'restricted', [`${PSA_ENFORCE}-version`]: 'latest' });

  // Enforcement is live, not only labelled: a Pod without the restricted securityContext is refused.
  const privileged = await kube.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'psa-probe' },
    spec: { containers: [{ name: 'c', image: 'example.invalid/probe:1' }] },
  });
  expect(privileged.status).toBe(403);
  expect(privileged.body.message).toContain('violates PodSecurity "restricted:latest"');

  // No Kubernetes Secret at all: each SecretProviderClass names its Secret Manager secret (core's id, from
  // the upstream state), and the pod mounts it through the CSI driver.
  expect((await kube.get(`/api/v1/namespaces/${namespace}/secrets`)).body.items).toEqual([]);
  for (const providerClass of resourcesOf(synth, 'kubernetes_manifest').filter((m) => m.manifest.kind === 'SecretProviderClass')) {
    const live = (await kube.get(`/apis/${providerClass.manifest.apiVersion}/namespaces/${namespace}/secretproviderclasses/${providerClass.manifest.metadata.name}`)).body;
    expect(live.spec.provider).toBe('gke');
    expect(live.spec.parameters.secrets).toMatch(/^- resourceName: "projects\/[a-z0-9-]+\/secrets\/isoscribe-[a-z]+-[a-z0-9-]+\/versions\/latest"\n  path: "[^"]+"\n$/);
  }

  for (const deployment of resourcesOf(synth, 'kubernetes_deployment_v1')) {
    const name = nameOf(synth, deployment.metadata.name);
    const live = (await kube.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)).body;
    const replicas: number = live.spec.replicas;
    expect(replicas).toBe(Number(deployment.spec.replicas));

    // The controller made a ReplicaSet and all its Pods: every Pod passed PSA `restricted`.
    const pods = await kube.waitFor(`${namespace}/${name}: ${replicas} Pods from the ReplicaSet controller`, async () => {
      const selector = encodeURIComponent(Object.entries(live.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(','));
      const list = (await kube.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`)).body.items as Json[];
      return list.length === replicas ? list : undefined;
    });
    const replicaSets = (await kube.get(`/apis/apps/v1/namespaces/${namespace}/replicasets`)).body.items.filter((rs: Json) =>
      rs.metadata.ownerReferences?.some((o: Json) => o.kind === 'Deployment' && o.name === name),
    );
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0].status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: 'ReplicaFailure' }));
    for (const pod of pods) {
      expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: replicaSets[0].metadata.name });
      // No kubelet, no scheduler: admitted and stored, never bound.
      expect(pod.status.phase).toBe('Pending');
    }
    // Admitted with no warnings: the Pod the controller sends (its ReplicaSet's template), again as a
    // dry run, answers 201 with no Warning header. (A stored Pod cannot be re-sent as is: the server
    // has merged topology-spread matchLabelKeys into its selectors.)
    const template = replicaSets[0].spec.template;
    const again = await kube.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: stripServerFields(template.metadata, `${name}-again`),
      spec: template.spec,
    });
    expect([again.status, again.warnings, refusal(again)]).toEqual([201, [], '']);
    // The Deployment's own template draws no PSA `warn` either.
    const deploymentAgain = await kube.request('POST', `/apis/apps/v1/namespaces/${namespace}/deployments?dryRun=All`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: stripServerFields(live.metadata, `${name}-again`),
      spec: live.spec,
    });
    expect([deploymentAgain.status, deploymentAgain.warnings, refusal(deploymentAgain)]).toEqual([201, [], '']);
  }
  const events = (await kube.get(`/api/v1/namespaces/${namespace}/events`)).body.items as Json[];
  expect(events.filter((e) => e.reason === 'FailedCreate').map((e) => e.message)).toEqual([]);

  for (const service of resourcesOf(synth, 'kubernetes_service_v1')) {
    const live = (await kube.get(`/api/v1/namespaces/${namespace}/services/${nameOf(synth, service.metadata.name)}`)).body;
    const neg = JSON.parse(live.metadata.annotations[NEG_ANNOTATION]);
    expect(neg).toEqual(JSON.parse(service.metadata.annotations[NEG_ANNOTATION]));
    expect(Object.keys(neg.exposed_ports)).toEqual(live.spec.ports.map((p: Json) => String(p.port)));
  }

  for (const hpa of resourcesOf(synth, 'kubernetes_horizontal_pod_autoscaler_v2')) {
    const live = (await kube.get(`/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${nameOf(synth, hpa.metadata.name)}`)).body;
    expect(live.spec).toMatchObject({
      minReplicas: hpa.spec.min_replicas,
      maxReplicas: hpa.spec.max_replicas,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: nameOf(synth, hpa.spec.scale_target_ref.name) },
    });
    expect(live.spec.metrics.map((m: Json) => [m.resource.name, m.resource.target.averageUtilization])).toEqual(
      hpa.spec.metric.map((m: Json) => [m.resource.name, m.resource.target.average_utilization]),
    );
  }

  for (const pdb of resourcesOf(synth, 'kubernetes_pod_disruption_budget_v1')) {
    const live = (await kube.get(`/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/${nameOf(synth, pdb.metadata.name)}`)).body;
    expect(live.spec.selector.matchLabels).toEqual(pdb.spec.selector.match_labels);
    expect(String(live.spec.maxUnavailable ?? live.spec.minAvailable)).toBe(String(pdb.spec.max_unavailable ?? pdb.spec.min_available));
  }

  const policies = (await kube.get(`/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`)).body.items as Json[];
  const synthPolicies = resourcesOf(synth, 'kubernetes_network_policy_v1');
  expect(policies.map((p) => p.metadata.name).sort()).toEqual(synthPolicies.map((p) => nameOf(synth, p.metadata.name)).sort());
  for (const policy of synthPolicies) {
    const live = policies.find((p) => p.metadata.name === policy.metadata.name)!;
    expect([live.metadata.name, live.spec.policyTypes]).toEqual([policy.metadata.name, policy.spec.policy_types]);
    expect(live.spec.podSelector.matchLabels ?? {}).toEqual(policy.spec.pod_selector?.match_labels ?? {});
    expect((live.spec.ingress ?? []).length).toBe((policy.spec.ingress ?? []).length);
    expect((live.spec.egress ?? []).length).toBe((policy.spec.egress ?? []).length);
  }
}

/** Runs `body`, then `cleanup` whatever happened; the first failure is the one reported. */
export async function withCleanup<T>(body: () => Promise<T>, cleanup: () => Promise<void>): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (e) {
    await cleanup().catch((c) => {
      (e as Error).message += `\n\n(cleanup failed too: ${(c as Error).message})`;
    });
    throw e;
  }
  await cleanup();
  return result;
}

/** Destroys the stack and checks nothing of it is left; then deletes its temp dir (kept when this fails, to look into). */
export async function destroyAndCheck(stack: PreparedStack, synth: Json): Promise<number> {
  const destroyed = expectExit(`${stack.name}: destroy`, await stack.terraform(['destroy', '-input=false', '-no-color', '-auto-approve']));
  const namespace = namespaceOf(synth);
  await kube.waitFor(`namespace ${namespace} gone`, async () => ((await kube.get(`/api/v1/namespaces/${namespace}`)).status === 404 ? true : undefined));
  const state = JSON.parse((await stack.terraform(['show', '-json'])).stdout || '{}');
  expect(state.values?.root_module?.resources?.filter((r: Json) => r.mode === 'managed') ?? []).toEqual([]);
  stack.remove();
  return destroyed.seconds;
}

/** One test per stack: apply, check, second plan, destroy. */
export function describeStackApplies(stacks: readonly string[]): void {
  describe.each(stacks)('%s on a real kube-apiserver (no kubelet: Pods stay Pending; Google resources planned, not applied)', (stackName) => {
    test('applies, Pods are admitted under PSA restricted with no warnings, NEG/HPA/PDB/NetworkPolicies as synthesized, second apply is a no-op, destroy is clean', async () => {
      const synth = read(stackName);
      const stack = prepareForSession(stackName);
      const times: Record<string, number> = {};
      const started = Date.now();
      await withCleanup(
        async () => {
          await applyAndCheck(stack, synth, times);
          // No drift from provider defaults or server-side defaulting: the next plan is empty.
          const again = await stack.terraform(['plan', '-input=false', '-no-color', '-detailed-exitcode', ...stack.targets]);
          times.replan = expectExit(`${stackName}: second plan must show no changes (exit 0; 2 means drift)`, again, 0).seconds;
        },
        async () => {
          times.destroy = await destroyAndCheck(stack, synth);
        },
      );
      timings.push(
        `${stackName}: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}`,
      );
    }, STACK_TIMEOUT_MS);
  });
}

/**
 * A copy of `stackName` for this file's API server, `edit` applied to its cdk.tf.json first; the
 * stand-in credential plugin prints the server's token, or `pluginToken` when given (null: none on PATH).
 */
export function prepareForSession(stackName: string, edit?: (stack: Json) => void, pluginToken: string | null = kube.bearerToken): PreparedStack {
  return prepareStack({ synthDir, stack: stackName, apiServer: kube, pluginToken, edit });
}
