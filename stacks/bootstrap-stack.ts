import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import type { DeliveryConfig } from '../config/delivery';
import { GitHubActor, GitHubWorkloadIdentity } from '../constructs/gcp/github-workload-identity';
import { ServiceAccount } from '../constructs/gcp/service-account';
import { NODE_PROJECT_ROLES } from './core-stack';
import { environmentLabels } from './environment-stack';
import { stackName } from './naming';

export const BOOTSTRAP_LAYER = 'bootstrap';

/** A project-level role, why it is held, and which Terraform resource types it is needed for. */
export interface RoleGrant {
  readonly role: string;
  readonly reason: string;
  /**
   * Resource types (and `data.<type>` data sources) this role lets Terraform create, read or change;
   * `*` matches any run of characters.
   */
  readonly covers: readonly string[];
  /** Types the patterns above match that this role does not cover. @default - none */
  readonly except?: readonly string[];
}

/**
 * What the deployer needs to apply every stack but this one, and nothing wider: no owner/editor,
 * no organisation roles. __tests__/delivery/bootstrap.test.ts checks that every resource type in
 * the synthesized topology is covered, so a new resource type fails a test until its role is named.
 */
export const DEPLOYER_ROLES: readonly RoleGrant[] = [
  { role: 'roles/serviceusage.serviceUsageAdmin', reason: 'enable the APIs the topology uses (core)', covers: ['google_project_service'] },
  {
    role: 'roles/compute.networkAdmin',
    reason: 'VPC, subnets, Cloud Routers and NAT, global addresses, network endpoint groups',
    covers: ['google_compute_network', 'google_compute_subnetwork', 'google_compute_router', 'google_compute_router_nat', 'google_compute_global_address', 'google_compute_address', 'google_compute_network_endpoint_group'],
  },
  {
    role: 'roles/compute.loadBalancerAdmin',
    reason: 'the global load balancer: backend services and buckets, health checks, URL maps, proxies, forwarding rules',
    covers: ['google_compute_backend_service', 'google_compute_backend_bucket', 'google_compute_health_check', 'google_compute_url_map', 'google_compute_target_http_proxy', 'google_compute_target_https_proxy', 'google_compute_global_forwarding_rule'],
  },
  {
    role: 'roles/compute.securityAdmin',
    reason: 'firewall rules for health checkers, Cloud Armor policies, SSL policies',
    covers: ['google_compute_firewall', 'google_compute_security_policy', 'google_compute_ssl_policy'],
  },
  { role: 'roles/container.admin', reason: 'GKE clusters and node pools, and the Kubernetes objects of the workloads stacks (RBAC included)', covers: ['google_container_*', 'kubernetes_*'] },
  { role: 'roles/artifactregistry.admin', reason: 'the image repository, its cleanup policies and its IAM (node pull access)', covers: ['google_artifact_registry_repository*'] },
  { role: 'roles/iam.serviceAccountAdmin', reason: 'node and workload service accounts and their IAM (Workload Identity bindings)', covers: ['google_service_account', 'google_service_account_iam_*'] },
  { role: 'roles/iam.serviceAccountUser', reason: 'node pools run as the node service account (iam.serviceAccounts.actAs)', covers: [] },
  {
    role: 'roles/resourcemanager.projectIamAdmin',
    reason: 'project roles of the node service account; the IAM condition below limits it to granting exactly those roles',
    covers: ['google_project_iam_member'],
  },
  { role: 'roles/storage.admin', reason: 'the static-bundle bucket and its IAM; state objects in the state bucket', covers: ['google_storage_bucket*'] },
  {
    role: 'roles/secretmanager.admin',
    reason: 'the MongoDB secret and its IAM; workloads read its value (added out of band) into a Kubernetes secret',
    covers: ['google_secret_manager_secret*', 'data.google_secret_manager_secret_version'],
  },
  { role: 'roles/certificatemanager.editor', reason: 'DNS authorizations, managed certificates and certificate maps', covers: ['google_certificate_manager_*', 'data.google_certificate_manager_certificates'] },
  // Cloudflare resources are authorized by a Cloudflare API token (a GitHub environment secret), not by Google IAM.
  { role: '(Cloudflare API token)', reason: 'edge stack: zone settings, DNS, rulesets', covers: ['cloudflare_*', 'data.cloudflare_*'] },
  { role: '(state bucket: roles/storage.objectAdmin on the bucket)', reason: 'read other stacks\' outputs (cross-stack references)', covers: ['data.terraform_remote_state'] },
  { role: '(none)', reason: 'the caller\'s own access token for the Kubernetes provider', covers: ['data.google_client_config'] },
];

/**
 * What `cdktf diff` on a pull request needs: read everything the topology manages, read state, and
 * change nothing. Plans run with `-lock=false`, so it never writes the state bucket.
 */
export const PLANNER_ROLES: readonly RoleGrant[] = [
  { role: 'roles/serviceusage.serviceUsageViewer', reason: 'read which APIs are enabled', covers: ['google_project_service'] },
  { role: 'roles/compute.viewer', reason: 'read network, load-balancer and security resources', covers: ['google_compute_*'] },
  { role: 'roles/container.viewer', reason: 'read clusters, node pools and Kubernetes objects except secrets', covers: ['google_container_*', 'kubernetes_*'], except: ['kubernetes_secret*'] },
  {
    role: '(custom role: PLANNER_KUBERNETES_SECRET_PERMISSIONS)',
    reason: 'refresh Kubernetes secrets; their values are in the state the planner reads anyway',
    covers: ['kubernetes_secret*'],
  },
  { role: 'roles/artifactregistry.reader', reason: 'read the image repository', covers: ['google_artifact_registry_repository'] },
  { role: 'roles/iam.serviceAccountViewer', reason: 'read service accounts', covers: ['google_service_account'] },
  { role: 'roles/iam.securityReviewer', reason: 'read the IAM policies that *_iam_member resources manage', covers: ['google_*_iam_member'] },
  { role: 'roles/storage.bucketViewer', reason: 'read bucket settings (objects only in the state bucket, granted there)', covers: ['google_storage_bucket'] },
  { role: 'roles/secretmanager.viewer', reason: 'read secret metadata', covers: ['google_secret_manager_secret'] },
  {
    role: 'roles/secretmanager.secretAccessor',
    reason: 'workloads stacks read the MongoDB URI while planning; it is in the state the planner reads anyway',
    covers: ['data.google_secret_manager_secret_version'],
  },
  { role: 'roles/certificatemanager.viewer', reason: 'read certificates, maps and DNS authorizations', covers: ['google_certificate_manager_*', 'data.google_certificate_manager_certificates'] },
  { role: '(Cloudflare read-only API token)', reason: 'edge stack', covers: ['cloudflare_*', 'data.cloudflare_*'] },
  { role: '(state bucket: roles/storage.objectViewer on the bucket)', reason: 'read other stacks\' outputs (cross-stack references)', covers: ['data.terraform_remote_state'] },
  { role: '(none)', reason: 'the caller\'s own access token for the Kubernetes provider', covers: ['data.google_client_config'] },
];

/** GKE has no predefined read-only role that includes secrets, short of write access (container.developer). */
export const PLANNER_KUBERNETES_SECRET_PERMISSIONS = ['container.secrets.get', 'container.secrets.list'] as const;

/** APIs the bootstrap stack itself needs; the core stack enables the rest, as the deployer. */
export const BOOTSTRAP_SERVICES = [
  'cloudresourcemanager.googleapis.com',
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'serviceusage.googleapis.com',
  'storage.googleapis.com',
  'sts.googleapis.com',
] as const;

/** The state bucket of an environment: its configured GCS backend bucket, or `<project>-tfstate` for local-state dev. */
export function stateBucketName(env: EnvironmentConfig): string {
  return env.backend.type === 'gcs' ? env.backend.bucket : `${env.project.id}-tfstate`;
}

/** `<location>-docker.pkg.dev/<project>/<repository>/<image>` -> the repository's IAM resource name. */
function artifactRepositoryResourceName(imageRepository: string): string {
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev\/([a-z0-9-]+)\/([a-z0-9-]+)\/[a-z0-9._/-]+$/.exec(imageRepository);
  if (!m) {
    throw new Error(`workloads.api.image.repository "${imageRepository}" is not an Artifact Registry path (<region>-docker.pkg.dev/<project>/<repository>/<image>); CI pushes images there, so config/<env>.ts must use one`);
  }
  return `projects/${m[2]}/locations/${m[1]}/repositories/${m[3]}`;
}

function googleRoles(grants: readonly RoleGrant[]): string[] {
  return grants.map((g) => g.role).filter((r) => r.startsWith('roles/'));
}

/**
 * Run once per GCP project, by a human with project-owner rights, before anything else
 * (docs/deploy.md): the state bucket every other stack of the environment keeps its state in, and
 * the keyless trust that lets GitHub Actions plan, push images and deploy.
 *
 * It keeps local state, since the bucket it creates cannot hold its own state before it exists,
 * and no other stack depends on it: they name the bucket in their backend, not by reference.
 */
export class BootstrapStack extends TerraformStack {
  readonly stackName: string;
  readonly stateBucket: StorageBucket;
  readonly identity: GitHubWorkloadIdentity;
  readonly deployer: ServiceAccount;
  readonly planner: ServiceAccount;
  readonly imagePusher: ServiceAccount;

  constructor(scope: Construct, env: EnvironmentConfig, delivery: DeliveryConfig) {
    const name = stackName(env, BOOTSTRAP_LAYER);
    super(scope, name);
    this.stackName = name;
    const project = env.project.id;
    const prefix = `isoscribe-${env.name}`;
    new LocalBackend(this, { path: `../../../.terraform-state/${name}.tfstate` });
    new GoogleProvider(this, 'google', { project, region: env.primaryRegion, defaultLabels: environmentLabels(env) });

    const services = BOOTSTRAP_SERVICES.map(
      (service) => new ProjectService(this, `service-${service.split('.')[0]}`, { project, service, disableOnDestroy: false }),
    );

    this.stateBucket = new StorageBucket(this, 'state-bucket', {
      name: stateBucketName(env),
      location: env.primaryRegion.toUpperCase(),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      // Every apply writes a new state version: keep recent ones to roll back a bad apply, drop the rest.
      versioning: { enabled: true },
      lifecycleRule: [
        { action: { type: 'Delete' }, condition: { numNewerVersions: 20, withState: 'ARCHIVED' } },
        { action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: 90, withState: 'ARCHIVED' } },
      ],
      forceDestroy: false,
      // Losing this bucket loses track of every resource of the environment.
      lifecycle: { preventDestroy: true },
      dependsOn: services,
    });

    const { repository, mainBranch } = delivery.github;
    this.identity = new GitHubWorkloadIdentity(this, 'github', { project, repository, poolId: `${prefix}-github` });
    this.identity.node.addDependency(...services);

    this.deployer = new ServiceAccount(this, 'deployer', {
      project,
      accountId: `${prefix}-ci-deploy`,
      displayName: `CI deployer (${env.name})`,
      description: `cdktf deploy from GitHub Actions (${repository}, environment ${env.name}); no key`,
      // projectIamAdmin is granted below, with its condition.
      projectRoles: googleRoles(DEPLOYER_ROLES).filter((r) => r !== 'roles/resourcemanager.projectIamAdmin'),
    });
    // Project IAM admin could grant anything, owner included; the condition lets the deployer grant
    // (or revoke) only the roles the topology hands out.
    new ProjectIamMember(this, 'deployer-project-iam-admin', {
      project,
      role: 'roles/resourcemanager.projectIamAdmin',
      member: this.deployer.member,
      condition: {
        title: 'grant-topology-roles-only',
        description: 'Only the project roles the topology grants (stacks/core-stack.ts NODE_PROJECT_ROLES)',
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${NODE_PROJECT_ROLES.map((r) => `'${r}'`).join(', ')}])`,
      },
    });
    new StorageBucketIamMember(this, 'deployer-state', {
      bucket: this.stateBucket.name,
      role: 'roles/storage.objectAdmin',
      member: this.deployer.member,
    });
    this.identity.grantImpersonation('deployer-from-github', this.deployer.account.name, GitHubActor.environment(env.name));

    this.planner = new ServiceAccount(this, 'planner', {
      project,
      accountId: `${prefix}-ci-plan`,
      displayName: `CI planner (${env.name})`,
      description: `read-only cdktf diff on pull requests of ${repository}; no key`,
      projectRoles: googleRoles(PLANNER_ROLES),
    });
    const secretReader = new ProjectIamCustomRole(this, 'planner-kubernetes-secret-reader', {
      project,
      roleId: 'isoscribeKubernetesSecretReader',
      title: 'Kubernetes secret reader (cdktf plans)',
      description: 'Refresh Kubernetes secrets during read-only plans',
      permissions: [...PLANNER_KUBERNETES_SECRET_PERMISSIONS],
      dependsOn: services,
    });
    new ProjectIamMember(this, 'planner-kubernetes-secrets', { project, role: secretReader.name, member: this.planner.member });
    new StorageBucketIamMember(this, 'planner-state', {
      bucket: this.stateBucket.name,
      role: 'roles/storage.objectViewer',
      member: this.planner.member,
    });
    this.identity.grantImpersonation('planner-from-github', this.planner.account.name, GitHubActor.anyWorkflow());

    this.imagePusher = new ServiceAccount(this, 'image-pusher', {
      project,
      accountId: `${prefix}-ci-push`,
      displayName: `CI image pusher (${env.name})`,
      description: `pushes api and frontend-server images from ${repository}@${mainBranch}; no key`,
    });
    // The repository is created later by the core stack, so the grant is project-level with a
    // condition naming that one repository, rather than on a resource that does not exist yet.
    const imageRepository = artifactRepositoryResourceName(env.workloads.api.image.repository);
    new ProjectIamMember(this, 'image-pusher-writer', {
      project,
      role: 'roles/artifactregistry.writer',
      member: this.imagePusher.member,
      condition: {
        title: 'isoscribe-repository-only',
        description: `Only ${imageRepository}`,
        expression: `resource.name.startsWith('${imageRepository}')`,
      },
    });
    this.identity.grantImpersonation('image-pusher-from-github', this.imagePusher.account.name, GitHubActor.branch(mainBranch));

    // The values GitHub needs (docs/deploy.md sets them as repository variables).
    new TerraformOutput(this, 'workload_identity_provider', { value: this.identity.provider.name });
    new TerraformOutput(this, 'deployer_service_account', { value: this.deployer.email });
    new TerraformOutput(this, 'planner_service_account', { value: this.planner.email });
    new TerraformOutput(this, 'image_pusher_service_account', { value: this.imagePusher.email });
    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.name });
  }
}
