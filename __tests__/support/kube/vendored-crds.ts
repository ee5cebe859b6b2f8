/**
 * Upstream CRDs vendored beside this file (each folder's README names its source, version and
 * license), installed into the test API server so it checks our custom resources against the
 * schema the cluster really serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ControlPlane } from './control-plane';

/** Managed Prometheus's PodMonitoring (crds/prometheus-engine). */
export const POD_MONITORING_CRD = join(__dirname, 'crds/prometheus-engine/monitoring.googleapis.com_podmonitorings.yaml');

/** Installs a vendored CRD file and waits until the API server serves it. */
export async function installVendoredCrd(kube: ControlPlane, file: string): Promise<void> {
  const crd = parse(readFileSync(file, 'utf8'));
  const created = await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  if (created.status !== 201) throw new Error(`installing ${file}: ${created.status} ${JSON.stringify(created.body)}`);
  await kube.waitFor(`${crd.metadata.name} established`, async () => {
    const live = (await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)).body;
    return live.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}
