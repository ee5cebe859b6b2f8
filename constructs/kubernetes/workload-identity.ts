import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

export interface WorkloadIdentityProps {
  /** The namespace name as plain text: it becomes part of the IAM member. */
  readonly namespace: string;
  /** Resources to create first, e.g. the namespace. @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Name of the Kubernetes service account. */
  readonly name: string;
  /** Project that owns the cluster's workload pool (`<project>.svc.id.goog`). */
  readonly project: string;
  /**
   * The Google service account the pods act as, for Google APIs they call themselves.
   * @default - none: no annotation and no binding; Google sees the pods only as this Kubernetes
   * service account's principal (kubernetesServiceAccountPrincipal)
   */
  readonly googleServiceAccount?: {
    /** `projects/<p>/serviceAccounts/<email>` (the resource's `name`), for the IAM binding. */
    readonly name: string;
    readonly email: string;
  };
  /**
   * Create the `roles/iam.workloadIdentityUser` binding. The binding's member names the namespace
   * and account but no cluster, so it is one project-wide fact: with the same account in several
   * clusters, let exactly one of them own it, or destroying any one would revoke it for all.
   * @default true
   */
  readonly bindIamPolicy?: boolean;
}

/**
 * The IAM principal of a Kubernetes service account under Workload Identity Federation for GKE, as
 * Google's Secret Manager add-on page grants secret access to it:
 * `principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/PROJECT_ID.svc.id.goog/subject/ns/NAMESPACE/sa/KSA_NAME`
 * (https://cloud.google.com/secret-manager/docs/secret-manager-managed-csi-component).
 */
export function kubernetesServiceAccountPrincipal(k: { projectId: string; projectNumber: string; namespace: string; name: string }): string {
  return `principal://iam.googleapis.com/projects/${k.projectNumber}/locations/global/workloadIdentityPools/${k.projectId}.svc.id.goog/subject/ns/${k.namespace}/sa/${k.name}`;
}

/**
 * A Kubernetes service account for a workload's pods (GKE Workload Identity); with
 * `googleServiceAccount`, it acts as that account: the `iam.gke.io/gcp-service-account`
 * annotation plus the `workloadIdentityUser` grant. Without, it is a principal of its own.
 *
 * The service account token is never mounted: on GKE the metadata server identifies a pod by its
 * IP and exchanges tokens itself, so Google credentials work without one, and nothing here talks
 * to the Kubernetes API.
 */
export class WorkloadIdentity extends Construct {
  readonly serviceAccount: ServiceAccountV1;
  /** The Kubernetes service account name, as a reference. */
  readonly name: string;
  /** `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`. */
  readonly member: string;
  readonly binding?: ServiceAccountIamMember;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.namespace) || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.name)) {
      throw new Error(`WorkloadIdentity: namespace "${props.namespace}" and name "${props.name}" must be plain DNS labels (not references): they form the IAM member`);
    }
    this.serviceAccount = new ServiceAccountV1(this, 'ksa', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        // With the annotation, the Secret Manager provider trades the pod's token for this Google
        // account's and reads secrets as it; without, as the Kubernetes principal (auth/auth.go of
        // GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp, which the add-on derives from).
        annotations: props.googleServiceAccount ? { 'iam.gke.io/gcp-service-account': props.googleServiceAccount.email } : undefined,
      },
      automountServiceAccountToken: false,
      dependsOn: props.dependsOn,
    });
    this.name = this.serviceAccount.metadata.name;
    this.member = `serviceAccount:${props.project}.svc.id.goog[${props.namespace}/${props.name}]`;
    if (props.googleServiceAccount && (props.bindIamPolicy ?? true)) {
      this.binding = new ServiceAccountIamMember(this, 'workload-identity-user', {
        serviceAccountId: props.googleServiceAccount.name,
        role: 'roles/iam.workloadIdentityUser',
        member: this.member,
      });
    }
  }
}
