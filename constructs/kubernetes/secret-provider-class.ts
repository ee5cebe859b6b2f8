import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The SecretProviderClass of GKE's Secret Manager add-on (installed with `secret_manager_config`):
 * the add-on is "derived from the open source Kubernetes Secrets Store CSI Driver and the Google
 * Secret Manager provider" (https://cloud.google.com/secret-manager/docs/secret-manager-managed-csi-component)
 * and serves that driver's CRD, group `secrets-store.csi.x-k8s.io`, version `v1`; the add-on's own
 * parts are the provider name `gke` and the CSI driver `secrets-store-gke.csi.k8s.io`. The
 * kube-apiserver tests apply it against the driver's CRD, vendored (testing/upstream/).
 */
export const SECRET_PROVIDER_CLASS_API_VERSION = 'secrets-store.csi.x-k8s.io/v1';

/** The CSI driver of GKE's Secret Manager add-on (container_cluster `secret_manager_config`). */
export const SECRET_MANAGER_CSI_DRIVER = 'secrets-store-gke.csi.k8s.io';

/** The add-on's provider name in a SecretProviderClass's `spec.provider`. */
const GKE_PROVIDER = 'gke';

/** One Secret Manager secret, mounted as one file. */
export interface SecretManagerFile {
  /** The secret's resource id, `projects/<project>/secrets/<name>`; its latest version is mounted. */
  readonly secretId: string;
  /** The file's name in the mounted directory, e.g. `uri`. */
  readonly path: string;
}

export interface SecretProviderClassProps {
  /** The SecretProviderClass's name; a pod's CSI volume refers to it. */
  readonly name: string;
  readonly namespace: string;
  /** @default {} */
  readonly labels?: Record<string, string>;
  /** The secrets it mounts, one file each. */
  readonly files: readonly SecretManagerFile[];
  /** @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Secret Manager secrets as files in a pod, through GKE's Secret Manager add-on: Terraform declares
 * only where each value lives (`versions/latest`), and the add-on's CSI driver fetches it with the
 * pod's own Workload Identity when the pod starts, so no state, plan or synthesized file holds it.
 * Mount it with `volumeSource()` (as cdk8s-plus's `Volume.fromCsi`).
 */
export class SecretProviderClass extends Construct {
  readonly name: string;
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: SecretProviderClassProps) {
    super(scope, id);
    if (props.files.length === 0) throw new Error(`SecretProviderClass ${props.name}: \`files\` is empty; list the secrets it mounts`);
    for (const file of props.files) {
      // The driver writes each file under the mount directory: a path with a separator or `..` would leave it.
      if (!/^[A-Za-z0-9._-]+$/.test(file.path) || file.path === '.' || file.path === '..') {
        throw new Error(`SecretProviderClass ${props.name}: file path "${file.path}" must be a plain file name (letters, digits, ".", "_", "-"), e.g. "uri"`);
      }
    }
    this.name = props.name;
    // 'Default' keeps the manifest at the address the SecretProviderClass's own id gives it.
    this.manifest = new Manifest(this, 'Default', {
      manifest: {
        apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
        kind: 'SecretProviderClass',
        metadata: { name: props.name, namespace: props.namespace, labels: props.labels ?? {} },
        spec: {
          provider: GKE_PROVIDER,
          // The provider's parameter is YAML text: one entry per secret.
          parameters: { secrets: props.files.map((f) => `- resourceName: "${f.secretId}/versions/latest"\n  path: "${f.path}"\n`).join('') },
        },
      },
      dependsOn: props.dependsOn,
    });
  }

  /** A pod volume's source mounting these files (read-only) through the add-on's CSI driver. */
  volumeSource(): { csi: { driver: string; readOnly: boolean; volumeAttributes: Record<string, string> } } {
    return { csi: { driver: SECRET_MANAGER_CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: this.name } } };
  }
}
