/**
 * A STAND-IN for the SecretProviderClass CRD that GKE installs with the Secret Manager add-on
 * (container_cluster `secret_manager_config`). The test API server has no add-on, and the kubernetes
 * provider's `kubernetes_manifest` needs the CRD to plan and apply the workloads' SecretProviderClasses.
 * Its schema is the fields the workloads stacks set (`spec.provider`, `spec.parameters`, as in the
 * secrets-store CSI driver's own CRD): an unknown field in a synthesized manifest is refused rather
 * than kept. It is not the real CRD: it checks where our manifests go and what they hold, not that
 * GKE's driver accepts them.
 */
import type { ControlPlane } from './control-plane';

export const SECRET_PROVIDER_CLASS_CRD_STAND_IN = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'secretproviderclasses.secrets-store.gke.io', labels: { 'isoscribe.dev/test-stand-in': 'true' } },
  spec: {
    group: 'secrets-store.gke.io',
    scope: 'Namespaced',
    names: { plural: 'secretproviderclasses', singular: 'secretproviderclass', kind: 'SecretProviderClass', listKind: 'SecretProviderClassList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['provider', 'parameters'],
                properties: {
                  provider: { type: 'string' },
                  parameters: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** Installs the stand-in CRD and waits until the API server serves it. */
export async function installSecretProviderClassCrd(kube: ControlPlane): Promise<void> {
  const created = await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', SECRET_PROVIDER_CLASS_CRD_STAND_IN);
  if (created.status !== 201) throw new Error(`installing the SecretProviderClass CRD stand-in: ${created.status} ${JSON.stringify(created.body)}`);
  await kube.waitFor('SecretProviderClass CRD stand-in established', async () => {
    const crd = (await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${SECRET_PROVIDER_CLASS_CRD_STAND_IN.metadata.name}`)).body;
    return crd.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}
