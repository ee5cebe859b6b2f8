import { at, isFalse, isTrue, many, one, requireAt, show, stringMap, strings, type Attributes } from '../attributes';
import { rulesFor, type PolicyRule, type ResourceView, type StackView } from '../rule';

const DEPLOYMENTS = ['kubernetes_deployment_v1', 'kubernetes_deployment'];
const NAMESPACES = ['kubernetes_namespace_v1', 'kubernetes_namespace'];
const PDBS = ['kubernetes_pod_disruption_budget_v1', 'kubernetes_pod_disruption_budget'];
const HPAS = [
  'kubernetes_horizontal_pod_autoscaler_v2',
  'kubernetes_horizontal_pod_autoscaler_v2beta2',
  'kubernetes_horizontal_pod_autoscaler_v1',
  'kubernetes_horizontal_pod_autoscaler',
];
const NETWORK_POLICIES = ['kubernetes_network_policy_v1', 'kubernetes_network_policy'];

/** The zone label every GKE node carries; spreading on it survives the loss of a zone. */
export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

/**
 * The name of a container port that is only scraped for metrics: no Service routes visitors to it and
 * a missed scrape costs a data point, so it needs neither a readiness probe nor a draining preStop.
 */
export const SCRAPE_PORT_NAME = 'metrics';

/** The ports of a container that serve traffic (every port but a scrape port). */
function servedPorts(container: Attributes): Attributes[] {
  return many(container.port).filter((p) => p.name !== SCRAPE_PORT_NAME);
}

function podSpec(deployment: ResourceView): Attributes {
  return one(at(deployment.attributes, 'spec.template.spec')) ?? {};
}

/** App containers, then init containers; the security rules hold for both. */
function allContainers(deployment: ResourceView): Attributes[] {
  const spec = podSpec(deployment);
  return [...many(spec.container), ...many(spec.init_container)];
}

/** Runs a per-container check and prefixes each problem with the container's name. */
function perContainer(containers: Attributes[], check: (c: Attributes) => string[]): string[] {
  return containers.flatMap((c) => check(c).map((problem) => `container "${c.name}": ${problem}`));
}

/** The namespace a Kubernetes object lives in, with same-stack references read through. */
function namespaceOf(resource: ResourceView, stack: StackView): string | undefined {
  const value = stack.deref(at(resource.attributes, 'metadata.namespace'));
  return value === undefined ? undefined : String(value);
}

function sameNamespace(a: ResourceView, b: ResourceView, stack: StackView): boolean {
  return (namespaceOf(a, stack) ?? 'default') === (namespaceOf(b, stack) ?? 'default');
}

/** Pod template labels, references read through. */
function podLabels(deployment: ResourceView, stack: StackView): Record<string, string> {
  const labels = stringMap(at(deployment.attributes, 'spec.template.metadata.labels'));
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(stack.deref(v))]));
}

/** A selector's match_labels select the pod when every one of them is among the pod's labels. */
function selects(selector: unknown, labels: Record<string, string>, stack: StackView): boolean {
  const matchLabels = stringMap(one(selector)?.match_labels);
  const entries = Object.entries(matchLabels);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === String(stack.deref(v)));
}

/** `repo:tag`, `repo@sha256:...` or both; never `latest`, never without a tag or digest. */
export function imageProblems(image: unknown): string[] {
  if (typeof image !== 'string' || image === '') return [`image is ${show(image)}`];
  const [named, digest] = image.split('@');
  const lastSegment = named.slice(named.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  const problems: string[] = [];
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) problems.push(`image ${image} has a malformed digest (expected sha256:<64 hex>)`);
  if (tag === undefined && digest === undefined) problems.push(`image ${image} has neither a tag nor a digest`);
  if (tag === 'latest') problems.push(`image ${image} uses the moving tag "latest"`);
  return problems;
}

/** Seconds a preStop hook sleeps (`sleep 5`, `sleep 5 && nginx -s quit`), or undefined. */
function preStopSleep(preStop: Attributes | undefined): number | undefined {
  const command = strings(at(preStop, 'exec.command')).join(' ');
  const match = /\bsleep\s+(\d+)/.exec(command);
  return match ? Number(match[1]) : undefined;
}

function isZero(value: unknown): boolean {
  return value === 0 || value === '0' || value === '0%';
}

export const POD_RULES: PolicyRule[] = [
  ...rulesFor(DEPLOYMENTS, [
    {
      id: 'POD-001',
      description: 'Containers run as a non-root user.',
      fix: 'set spec.template.spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser where the image has no USER).',
      check: (r) => {
        const podLevel = one(podSpec(r).security_context);
        const problems = perContainer(allContainers(r), (c) => {
          const context = one(c.security_context);
          const own: string[] = [];
          if (!isTrue(podLevel?.run_as_non_root) && !isTrue(context?.run_as_non_root)) own.push('run_as_non_root is not true (pod or container)');
          if (String(context?.run_as_user) === '0') own.push('run_as_user is 0');
          return own;
        });
        if (String(podLevel?.run_as_user) === '0') problems.push('pod security_context.run_as_user is 0');
        return problems;
      },
    },
    {
      id: 'POD-002',
      description: 'Every container has a read-only root filesystem; writable paths are emptyDir volumes.',
      fix: 'set securityContext.readOnlyRootFilesystem: true on every container and mount emptyDir volumes where it writes.',
      check: (r) => perContainer(allContainers(r), (c) => requireAt(one(c.security_context), 'read_only_root_filesystem', isTrue)),
    },
    {
      id: 'POD-003',
      description: 'No container is privileged or may escalate privileges.',
      fix: 'set securityContext.allowPrivilegeEscalation: false (and never privileged: true) on every container.',
      check: (r) => perContainer(allContainers(r), (c) => [
        ...requireAt(one(c.security_context), 'allow_privilege_escalation', isFalse, '(must be an explicit false)'),
        ...requireAt(one(c.security_context), 'privileged', (privileged) => !isTrue(privileged)),
      ]),
    },
    {
      id: 'POD-004',
      description: 'Every container drops all Linux capabilities and adds none.',
      fix: 'set securityContext.capabilities: { drop: ["ALL"] } on every container.',
      check: (r) => perContainer(allContainers(r), (c) => [
        ...requireAt(one(c.security_context), 'capabilities.drop', (drop) => strings(drop).includes('ALL')),
        ...requireAt(one(c.security_context), 'capabilities.add', (add) => strings(add).length === 0),
      ]),
    },
    {
      id: 'POD-005',
      description: 'Containers run under the runtime\'s default seccomp profile.',
      fix: 'set spec.template.spec.securityContext.seccompProfile: { type: "RuntimeDefault" }.',
      check: (r) => {
        const allowed = ['RuntimeDefault', 'Localhost'];
        if (allowed.includes(String(at(podSpec(r), 'security_context.seccomp_profile.type')))) return [];
        return perContainer(allContainers(r), (c) => {
          const type = at(c, 'security_context.seccomp_profile.type');
          return allowed.includes(String(type)) ? [] : [`seccomp_profile.type is ${show(type)} (pod and container)`];
        });
      },
    },
    {
      id: 'POD-006',
      description: 'Every container requests CPU and memory and has a memory limit (no CPU limit needed: it only throttles).',
      fix: 'set resources: { requests: { cpu, memory }, limits: { memory } } on every container.',
      check: (r) => perContainer(allContainers(r), (c) => {
        const requests = stringMap(at(c, 'resources.requests'));
        const limits = stringMap(at(c, 'resources.limits'));
        const missing = [
          ...(requests.cpu ? [] : ['requests.cpu']),
          ...(requests.memory ? [] : ['requests.memory']),
          ...(limits.memory ? [] : ['limits.memory']),
        ];
        return missing.length > 0 ? [`resources lack ${missing.join(', ')}`] : [];
      }),
    },
    {
      id: 'POD-007',
      description: 'Every container has a liveness probe; every container that serves a port has a readiness probe.',
      fix: `set livenessProbe on every container and readinessProbe on every container with ports (a port named "${SCRAPE_PORT_NAME}" is only scraped and needs none).`,
      check: (r) => perContainer(many(podSpec(r).container), (c) => [
        ...(one(c.liveness_probe) ? [] : ['liveness_probe is absent']),
        ...(servedPorts(c).length > 0 && !one(c.readiness_probe) ? ['readiness_probe is absent on a container with ports'] : []),
      ]),
    },
    {
      id: 'POD-008',
      description: 'Images are pinned: an explicit tag other than `latest`, and a well-formed sha256 digest where one is given.',
      fix: 'set image to `<repository>:<tag>` or `<repository>:<tag>@sha256:<digest>` (config: workloads.*.image).',
      check: (r) => perContainer(allContainers(r), (c) => imageProblems(c.image)),
    },
    {
      id: 'POD-020',
      description: 'In a release of a shared or production environment, every image is pinned by digest (a tag can be pushed again, or moved upstream).',
      fix: 'pass the digest CI resolved: ISOSCRIBE_<WORKLOAD>_IMAGE_DIGEST and ISOSCRIBE_NGINX_IMAGE_DIGEST (ci/push-images.sh prints them as image_pins; config/overrides.ts).',
      check: (r, stack) => {
        if (!stack.scope.imageDigestsRequired) return [];
        return perContainer(allContainers(r), (c) => (typeof c.image === 'string' && /@sha256:[0-9a-f]{64}$/.test(c.image) ? [] : [`image ${show(c.image)} has no digest`]));
      },
    },
    {
      id: 'POD-009',
      description: 'Workloads do not run in the `default` namespace.',
      fix: 'set metadata.namespace to the workload namespace (config/naming.ts: WORKLOADS_NAMESPACE).',
      check: (r, stack) => {
        const namespace = namespaceOf(r, stack);
        return namespace === undefined || namespace === 'default' ? [`metadata.namespace is ${show(namespace)}`] : [];
      },
    },
    {
      id: 'POD-010',
      description: 'The Kubernetes service account token is not mounted into pods (Workload Identity does not need it).',
      fix: 'set spec.template.spec.automountServiceAccountToken: false; a pod that calls the Kubernetes API suppresses this rule with its reason.',
      check: (r) => requireAt(podSpec(r), 'automount_service_account_token', isFalse, '(the provider defaults to true)'),
    },
    {
      id: 'POD-011',
      description: `Replicas spread across zones (topology key ${ZONE_TOPOLOGY_KEY}).`,
      fix: `add topologySpreadConstraint: [{ topologyKey: "${ZONE_TOPOLOGY_KEY}", maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }].`,
      check: (r) => {
        const constraints = many(podSpec(r).topology_spread_constraint);
        const zonal = constraints.find((c) => c.topology_key === ZONE_TOPOLOGY_KEY);
        if (!zonal) return [`no topology_spread_constraint on ${ZONE_TOPOLOGY_KEY}`];
        return one(zonal.label_selector) ? [] : ['the zonal topology_spread_constraint has no label_selector, so it counts no pods'];
      },
    },
    {
      id: 'POD-012',
      description: 'Rolling updates never drop below the desired replica count (maxUnavailable 0, maxSurge above 0).',
      fix: 'set spec.strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "1", maxUnavailable: "0" } }.',
      check: (r) => {
        const strategy = one(at(r.attributes, 'spec.strategy'));
        if (strategy?.type !== undefined && strategy.type !== 'RollingUpdate') return [`strategy.type is ${show(strategy.type)}`];
        const rolling = one(strategy?.rolling_update);
        const problems: string[] = [];
        if (!isZero(rolling?.max_unavailable)) problems.push(`rolling_update.max_unavailable is ${show(rolling?.max_unavailable)} (default 25%)`);
        if (rolling?.max_surge !== undefined && isZero(rolling.max_surge)) problems.push('rolling_update.max_surge is 0, so no rollout can progress');
        return problems;
      },
    },
    {
      id: 'POD-013',
      description: 'Pods shut down gracefully: a grace period is set and every container that serves a port drains in a preStop hook that ends before the grace period.',
      fix: 'set terminationGracePeriodSeconds and lifecycle.preStop (e.g. exec ["sh","-c","sleep 5 && nginx -s quit"]) with its sleep shorter than the grace period.',
      check: (r) => {
        const spec = podSpec(r);
        const grace = spec.termination_grace_period_seconds;
        const problems: string[] = [];
        if (grace === undefined) problems.push('termination_grace_period_seconds is absent');
        for (const c of many(spec.container)) {
          const preStop = one(at(c, 'lifecycle.pre_stop'));
          if (servedPorts(c).length > 0 && !preStop) problems.push(`container "${c.name}": serves a port but has no lifecycle.pre_stop`);
          const sleep = preStopSleep(preStop);
          if (sleep !== undefined && grace !== undefined && sleep >= Number(grace)) {
            problems.push(`container "${c.name}": preStop sleeps ${sleep}s, not less than the grace period of ${grace}s`);
          }
        }
        return problems;
      },
    },
    {
      id: 'POD-014',
      description: 'Secrets reach containers as mounted files, never as environment variables (which leak into crash dumps and child processes).',
      fix: 'mount the Secret as a volume (volume.secret + volumeMount) instead of env.valueFrom.secretKeyRef / envFrom.secretRef.',
      check: (r) => perContainer(allContainers(r), (c) => [
        ...many(c.env).filter((e) => one(at(e, 'value_from.secret_key_ref'))).map((e) => `env ${e.name} comes from a secret`),
        ...many(c.env_from).filter((e) => one(e.secret_ref)).map(() => 'env_from reads a secret'),
      ]),
    },
    {
      id: 'POD-015',
      description: 'A PodDisruptionBudget in the same namespace selects the deployment\'s pods.',
      fix: 'add a PodDisruptionBudgetV1 whose spec.selector.matchLabels match the pod template labels (e.g. maxUnavailable: 1).',
      check: (r, stack) => {
        const labels = podLabels(r, stack);
        const found = stack.ofType(...PDBS).some((pdb) => sameNamespace(pdb, r, stack) && selects(at(pdb.attributes, 'spec.selector'), labels, stack));
        return found ? [] : [`no PodDisruptionBudget selects pods labelled ${show(labels)}`];
      },
    },
    {
      id: 'POD-016',
      description: 'A HorizontalPodAutoscaler in the same namespace scales the deployment.',
      fix: 'add a HorizontalPodAutoscalerV2 with spec.scaleTargetRef { kind: "Deployment", name: <deployment name> }.',
      check: (r, stack) => {
        const name = stack.deref(at(r.attributes, 'metadata.name'));
        const found = stack.ofType(...HPAS).some((hpa) => {
          const target = one(at(hpa.attributes, 'spec.scale_target_ref'));
          return sameNamespace(hpa, r, stack) && target?.kind === 'Deployment' && stack.deref(target.name) === name;
        });
        return found ? [] : [`no HorizontalPodAutoscaler targets Deployment ${show(name)}`];
      },
    },
  ]),
  {
    id: 'NET-001',
    resourceTypes: [...NAMESPACES, ...DEPLOYMENTS],
    description: 'Every namespace that is created or runs a deployment has a default-deny NetworkPolicy for ingress and egress; allows are added per workload.',
    fix: 'add a NetworkPolicyV1 in the namespace with podSelector: {}, policyTypes: ["Ingress", "Egress"] and no rules.',
    check: (r, stack) => {
      const namespace = NAMESPACES.includes(r.type) ? String(stack.deref(at(r.attributes, 'metadata.name'))) : namespaceOf(r, stack) ?? 'default';
      const found = stack.ofType(...NETWORK_POLICIES).some((policy) => {
        const spec = one(at(policy.attributes, 'spec')) ?? {};
        const selector = one(spec.pod_selector) ?? {};
        const selectsAll = Object.keys(stringMap(selector.match_labels)).length === 0 && many(selector.match_expressions).length === 0;
        const types = strings(spec.policy_types);
        return (namespaceOf(policy, stack) ?? 'default') === namespace && selectsAll && types.includes('Ingress') && types.includes('Egress')
          && many(spec.ingress).length === 0 && many(spec.egress).length === 0;
      });
      return found ? [] : [`namespace ${show(namespace)} has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)`];
    },
  },
];
