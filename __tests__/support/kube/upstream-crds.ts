/**
 * The CustomResourceDefinitions the workloads stacks create objects of, as their projects publish
 * them: vendored unchanged under testing/upstream/ (each folder's README names the source URL, tag,
 * commit and license). The test API server has none of GKE's add-ons, so the kube-apiserver tests
 * install these files as they are; no CRD is written here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { ControlPlane } from './control-plane';

const UPSTREAM = path.join(__dirname, '..', '..', '..', 'testing', 'upstream');

/**
 * The Secrets Store CSI driver's SecretProviderClass CRD, which GKE's Secret Manager add-on
 * (`secret_manager_config`) installs with the driver it is built on.
 */
export const SECRET_PROVIDER_CLASS_CRD_FILE = path.join(UPSTREAM, 'secrets-store-csi-driver', 'v1.6.0', 'secrets-store.csi.x-k8s.io_secretproviderclasses.yaml');

/** Managed Prometheus's PodMonitoring CRD, which GKE's managed collection installs. */
export const POD_MONITORING_CRD_FILE = path.join(UPSTREAM, 'prometheus-engine', 'v0.17.2', 'monitoring.googleapis.com_podmonitorings.yaml');

/** Every vendored CRD a workloads stack needs. */
export const UPSTREAM_CRD_FILES: readonly string[] = [SECRET_PROVIDER_CLASS_CRD_FILE, POD_MONITORING_CRD_FILE];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Crd = Record<string, any>;

/** A vendored CRD file, parsed; refuses a file that holds anything else. */
export function readUpstreamCrd(file: string): Crd {
  const crd = parse(fs.readFileSync(file, 'utf8')) as Crd;
  if (crd?.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
    throw new Error(`${file}: expected one apiextensions.k8s.io/v1 CustomResourceDefinition`);
  }
  return crd;
}

/** What the API server serves once `crd` is installed: `<group>/<version>` and kind, for each served version. */
export function servedKinds(crd: Crd): { apiVersion: string; kind: string; deprecated: boolean }[] {
  return (crd.spec.versions as Crd[])
    .filter((v) => v.served)
    .map((v) => ({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind, deprecated: v.deprecated === true }));
}

/** Installs every vendored CRD and waits until the API server serves each. */
export async function installUpstreamCrds(kube: ControlPlane): Promise<void> {
  for (const file of UPSTREAM_CRD_FILES) {
    const crd = readUpstreamCrd(file);
    const created = await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (created.status !== 201) throw new Error(`installing ${path.relative(UPSTREAM, file)}: ${created.status} ${JSON.stringify(created.body)}`);
    await kube.waitFor(`${crd.metadata.name} established`, async () => {
      const live = (await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)).body;
      return live.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
}
