import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { dependable, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';

export const PROJECT_SERVICE = 'google_project_service';

/**
 * The API each Google resource type is created through, for the types our stacks use. A stack that
 * enables an API (`google_project_service`) must order every resource of that API after the
 * enablement: in a new project the first apply otherwise races it and fails with "API has not been
 * used in project ... or it is disabled" (the provider retries only some of those errors).
 *
 * Endpoints per the provider's own resource docs at 6.50.0 (each resource's "API documentation"
 * link: https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs) and Google's
 * REST references (https://cloud.google.com/<product>/docs/reference/rest).
 * Workload identity pools and providers are `iam.googleapis.com` resources
 * (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools);
 * STS and IAM Credentials are only called when a token is exchanged, after the apply.
 */
export const API_OF_RESOURCE_TYPE: Readonly<Record<string, string>> = {
  google_artifact_registry_repository: 'artifactregistry.googleapis.com',
  google_artifact_registry_repository_iam_member: 'artifactregistry.googleapis.com',
  google_binary_authorization_attestor: 'binaryauthorization.googleapis.com',
  google_binary_authorization_attestor_iam_member: 'binaryauthorization.googleapis.com',
  google_binary_authorization_policy: 'binaryauthorization.googleapis.com',
  google_certificate_manager_certificate: 'certificatemanager.googleapis.com',
  google_certificate_manager_certificate_map: 'certificatemanager.googleapis.com',
  google_certificate_manager_certificate_map_entry: 'certificatemanager.googleapis.com',
  google_certificate_manager_dns_authorization: 'certificatemanager.googleapis.com',
  google_certificate_manager_trust_config: 'certificatemanager.googleapis.com',
  google_compute_address: 'compute.googleapis.com',
  google_compute_backend_bucket: 'compute.googleapis.com',
  google_compute_backend_service: 'compute.googleapis.com',
  google_compute_firewall: 'compute.googleapis.com',
  google_compute_global_address: 'compute.googleapis.com',
  google_compute_global_forwarding_rule: 'compute.googleapis.com',
  google_compute_health_check: 'compute.googleapis.com',
  google_compute_network: 'compute.googleapis.com',
  google_compute_router: 'compute.googleapis.com',
  google_compute_router_nat: 'compute.googleapis.com',
  google_compute_security_policy: 'compute.googleapis.com',
  google_compute_ssl_policy: 'compute.googleapis.com',
  google_compute_subnetwork: 'compute.googleapis.com',
  google_compute_target_http_proxy: 'compute.googleapis.com',
  google_compute_target_https_proxy: 'compute.googleapis.com',
  google_compute_url_map: 'compute.googleapis.com',
  google_container_analysis_note: 'containeranalysis.googleapis.com',
  google_container_analysis_note_iam_member: 'containeranalysis.googleapis.com',
  google_container_cluster: 'container.googleapis.com',
  google_container_node_pool: 'container.googleapis.com',
  google_iam_workload_identity_pool: 'iam.googleapis.com',
  google_iam_workload_identity_pool_provider: 'iam.googleapis.com',
  google_kms_crypto_key: 'cloudkms.googleapis.com',
  google_kms_crypto_key_iam_member: 'cloudkms.googleapis.com',
  google_kms_key_ring: 'cloudkms.googleapis.com',
  google_network_security_server_tls_policy: 'networksecurity.googleapis.com',
  // Project IAM is Resource Manager's setIamPolicy on the project.
  google_project_iam_custom_role: 'iam.googleapis.com',
  google_project_iam_member: 'cloudresourcemanager.googleapis.com',
  google_secret_manager_secret: 'secretmanager.googleapis.com',
  google_secret_manager_secret_iam_member: 'secretmanager.googleapis.com',
  google_service_account: 'iam.googleapis.com',
  google_service_account_iam_member: 'iam.googleapis.com',
  google_storage_bucket: 'storage.googleapis.com',
  google_storage_bucket_iam_member: 'storage.googleapis.com',
};

/** Resource types that need no enabled API of their own, or that enable APIs themselves. */
export const NO_API_NEEDED: readonly string[] = [
  // Service Usage itself: enabled by hand before the first apply (docs/deploy.md, step 1).
  PROJECT_SERVICE,
];

/**
 * Enables `services` in `project` (never disabled by Terraform) and returns them; call
 * `orderAfterEnablement` once the scope's resources exist.
 */
export function enableServices(scope: Construct, project: string, services: readonly string[]): ProjectService[] {
  return services.map((service) => new ProjectService(scope, `service-${service.split('.')[0]}`, { project, service, disableOnDestroy: false }));
}

/**
 * Makes every resource under `scope` whose API is one of `services` depend on that enablement
 * (API_OF_RESOURCE_TYPE), so Terraform creates nothing of an API before the API is on. Policy
 * API-001 checks the synthesized result.
 */
export function orderAfterEnablement(scope: Construct, services: readonly ProjectService[]): void {
  const byApi = new Map(services.map((s) => [s.serviceInput, s]));
  for (const resource of scope.node.findAll().filter(TerraformResource.isTerraformResource)) {
    const api = API_OF_RESOURCE_TYPE[resource.terraformResourceType];
    const enabling = api === undefined ? undefined : byApi.get(api);
    if (!enabling || resource === enabling) continue;
    const reference = dependable(enabling);
    const current = resource.dependsOn ?? [];
    if (!current.includes(reference)) resource.dependsOn = [...current, reference];
  }
}
