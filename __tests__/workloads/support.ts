import { ENVIRONMENTS } from '../../config';
import { WORKLOADS } from '../../workloads';
import { environment, resources, type TfJson } from '../support/topology';

/** Every (environment, region) pair the program synthesizes. */
export const ENV_REGIONS: Array<[string, string]> = ENVIRONMENTS.flatMap((input) =>
  environment(input.name).regions.map((region): [string, string] => [input.name, region.name]),
);

export const workloadsStackName = (env: string, region: string) => `isoscribe-${env}-workloads-${region}`;

/** The resource of `type` whose `metadata.name` is `name`. */
export function named(stack: TfJson, type: string, name: string): TfJson {
  const found = resources(stack, type).filter((r) => r.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** The Deployment of a workload and its pod spec and containers. */
export function workload(stack: TfJson, name: WorkloadName) {
  const deployment = named(stack, 'kubernetes_deployment_v1', name);
  const pod = deployment.spec.template.spec;
  const container = (c: string) => pod.container.find((x: TfJson) => x.name === c);
  return { deployment, pod, nginx: container('nginx'), app: container('app') };
}

/** The rendered NGINX config a workload's ConfigMap ships (Terraform interpolations left in). */
export function nginxConfigOf(stack: TfJson, name: WorkloadName): string {
  return named(stack, 'kubernetes_config_map_v1', `${name}-nginx`).data['nginx.conf'];
}

/** The name of every workload the program deploys. */
export const WORKLOAD_NAMES: readonly string[] = WORKLOADS.map((w) => w.name);
export type WorkloadName = string;

/**
 * Violations of the Kubernetes `restricted` Pod Security Standard (v1.25+), checked field by field
 * on a synthesized pod spec, plus this project's read-only-root rule. Empty means compliant.
 */
export function restrictedViolations(pod: TfJson): string[] {
  const problems: string[] = [];
  const podSc = pod.security_context ?? {};
  for (const field of ['host_network', 'host_pid', 'host_ipc']) if (pod[field]) problems.push(`pod ${field}`);
  const allowedVolumes = ['config_map', 'secret', 'empty_dir', 'projected', 'downward_api', 'csi', 'ephemeral', 'persistent_volume_claim'];
  for (const volume of pod.volume ?? []) {
    const kinds = Object.keys(volume).filter((k) => k !== 'name');
    if (kinds.some((k) => !allowedVolumes.includes(k))) problems.push(`volume ${volume.name}: ${kinds.join(',')}`);
  }
  if (podSc.run_as_user === '0') problems.push('pod runs as root');
  const podSeccomp = podSc.seccomp_profile?.type;
  for (const c of [...(pod.container ?? []), ...(pod.init_container ?? [])]) {
    const sc = c.security_context ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) problems.push(`${at} privileged`);
    if (sc.allow_privilege_escalation !== false) problems.push(`${at} may escalate privileges`);
    if (!(sc.run_as_non_root ?? podSc.run_as_non_root)) problems.push(`${at} may run as root`);
    if ((sc.run_as_user ?? podSc.run_as_user) === '0') problems.push(`${at} runs as uid 0`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at} does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE')) problems.push(`${at} adds capabilities`);
    if (!['RuntimeDefault', 'Localhost'].includes(sc.seccomp_profile?.type ?? podSeccomp)) problems.push(`${at} has no seccomp profile`);
    if ((c.port ?? []).some((p: TfJson) => p.host_port)) problems.push(`${at} uses a host port`);
    if (sc.read_only_root_filesystem !== true) problems.push(`${at} has a writable root filesystem`);
  }
  return problems;
}

/** Kubernetes quantity in bytes (binary suffixes) or millicores; enough for the comparisons here. */
export function quantity(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const factor = { m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'm' | 'Ki' | 'Mi' | 'Gi'] ?? 1;
  return Number(m[1]) * factor;
}
