import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { BinaryAuthorizationAttestor } from '@cdktf/provider-google/lib/binary-authorization-attestor';
import { BinaryAuthorizationAttestorIamMember } from '@cdktf/provider-google/lib/binary-authorization-attestor-iam-member';
import { BinaryAuthorizationPolicy } from '@cdktf/provider-google/lib/binary-authorization-policy';
import { ContainerAnalysisNote } from '@cdktf/provider-google/lib/container-analysis-note';
import { ContainerAnalysisNoteIamMember } from '@cdktf/provider-google/lib/container-analysis-note-iam-member';
import { DataGoogleKmsCryptoKeyVersion } from '@cdktf/provider-google/lib/data-google-kms-crypto-key-version';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { dockerHubRepository, GCR_REMOTE_REPOSITORY, workloadsRepository } from '../config/registry';
import type { DeliveryConfig } from '../config/delivery';
import { GitHubActor, GitHubWorkloadIdentity } from '../constructs/gcp/github-workload-identity';
import { enableServices, orderAfterEnablement } from '../constructs/gcp/project-services';
import { ServiceAccount } from '../constructs/gcp/service-account';
import { NODE_PROJECT_ROLES } from './core-stack';
import { googleProvider } from './environment-stack';
import { SEARCH_ENGINE_ACCOUNT_SUFFIX, serviceAccountIds } from '../config/service-accounts';
import { WORKLOADS, type WorkloadDefinition } from '../workloads';

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
 * no organisation roles. __tests__/main.test.ts checks that every resource type in
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
    reason: 'firewall rules for health checkers, Cloud Armor policies, SSL policies, the server TLS policy (mTLS) on the HTTPS proxy',
    covers: ['google_compute_firewall', 'google_compute_security_policy', 'google_compute_ssl_policy', 'google_network_security_server_tls_policy'],
  },
  {
    role: 'roles/container.admin',
    reason: 'GKE clusters and node pools, and the Kubernetes objects of the workloads stacks (RBAC included); container.clusters.connect for the DNS endpoint',
    covers: ['google_container_*', 'kubernetes_*'],
  },
  { role: 'roles/iam.serviceAccountViewer', reason: 'read the service accounts the bootstrap stack created (data sources in core)', covers: ['data.google_service_account'] },
  // Acting as the node account and the Workload Identity bindings are granted on those accounts only: RESOURCE_GRANTS.
  {
    role: '(on each workload\'s account: SERVICE_ACCOUNT_IAM_PERMISSIONS)',
    reason: 'Workload Identity bindings of the workloads and search stacks',
    covers: ['google_service_account_iam_member'],
  },
  {
    role: 'roles/resourcemanager.projectIamAdmin',
    reason: 'project roles of the node service account; the IAM condition below limits it to granting exactly those roles',
    covers: ['google_project_iam_member'],
  },
  { role: 'roles/storage.admin', reason: 'the static-bundle bucket and its IAM; state objects in the state bucket', covers: ['google_storage_bucket*'] },
  {
    role: '(custom role: SECRET_ADMIN_PERMISSIONS)',
    reason: "the workloads' secrets (no value: versions are added out of band, pods mount them at run time) and their IAM; never a value",
    covers: ['google_secret_manager_secret', 'google_secret_manager_secret_iam_*'],
  },
  { role: 'roles/certificatemanager.editor', reason: 'DNS authorizations, managed certificates and certificate maps', covers: ['google_certificate_manager_*', 'data.google_certificate_manager_certificates'] },
  {
    role: 'roles/monitoring.editor',
    reason: 'the monitoring stack: alert policies, notification channels, uptime checks, the dashboard',
    covers: ['google_monitoring_*'],
  },
  // Cloudflare resources are authorized by a Cloudflare API token (a GitHub environment secret), not by Google IAM.
  { role: '(Cloudflare API token)', reason: 'edge stack: zone settings, DNS, rulesets', covers: ['cloudflare_*', 'data.cloudflare_*'] },
  { role: '(state bucket: roles/storage.objectAdmin on the bucket)', reason: 'read other stacks\' outputs (cross-stack references)', covers: ['data.terraform_remote_state'] },
];

/**
 * What a plan needs, on a pull request (`cdktf diff`) and in the deploy's plan jobs: read everything
 * the topology manages, read state, and change nothing. Plans run with `-lock=false`; the only write
 * is a deploy plan's saved plan, under plans/ of the state bucket (RESOURCE_GRANTS).
 */
export const PLANNER_ROLES: readonly RoleGrant[] = [
  { role: 'roles/serviceusage.serviceUsageViewer', reason: 'read which APIs are enabled', covers: ['google_project_service'] },
  { role: 'roles/compute.viewer', reason: 'read network, load-balancer and security resources (and the server TLS policy)', covers: ['google_compute_*', 'google_network_security_server_tls_policy'] },
  { role: 'roles/container.viewer', reason: 'read clusters, node pools and Kubernetes objects except secrets', covers: ['google_container_*', 'kubernetes_*'], except: ['kubernetes_secret*'] },
  {
    role: '(custom role: CONTROL_PLANE_CONNECT_PERMISSIONS)',
    reason: 'reach the clusters\' DNS endpoint to refresh Kubernetes objects (granted explicitly, whatever container.viewer carries)',
    covers: [],
  },
  { role: 'roles/iam.serviceAccountViewer', reason: 'read service accounts', covers: ['google_service_account', 'data.google_service_account'] },
  { role: 'roles/iam.securityReviewer', reason: 'read the IAM policies that *_iam_member resources manage', covers: ['google_*_iam_member'] },
  { role: 'roles/storage.bucketViewer', reason: 'read bucket settings (objects only in the state bucket, granted there)', covers: ['google_storage_bucket'] },
  { role: 'roles/secretmanager.viewer', reason: 'read secret metadata, never a value', covers: ['google_secret_manager_secret'] },
  { role: 'roles/certificatemanager.viewer', reason: 'read certificates, maps and DNS authorizations', covers: ['google_certificate_manager_*', 'data.google_certificate_manager_certificates'] },
  { role: 'roles/monitoring.viewer', reason: 'read alert policies, notification channels, uptime checks and dashboards', covers: ['google_monitoring_*'] },
  { role: '(Cloudflare read-only API token)', reason: 'edge stack', covers: ['cloudflare_*', 'data.cloudflare_*'] },
  { role: '(state bucket: roles/storage.objectViewer on the bucket)', reason: 'read other stacks\' outputs (cross-stack references)', covers: ['data.terraform_remote_state'] },
];

/**
 * Types the planner must never read: secret values. Anyone who can push a branch can make a pull
 * request run any code as the planner, so it holds no secret access at all. No stack uses them
 * (issue 13: nothing secret in state, __tests__/stacks/no-secret-in-state.test.ts); should one come
 * back, its pull-request plan is reported as not planned rather than failing with a 403.
 */
export const PLANNER_DENIED = ['kubernetes_secret*', 'data.google_secret_manager_secret_version'] as const;

/** Exactly what reaching a cluster's DNS endpoint needs; Kubernetes RBAC/IAM decide the rest. */
export const CONTROL_PLANE_CONNECT_PERMISSIONS = ['container.clusters.connect'] as const;

/**
 * What creating the workloads' secrets and granting access to them needs, and nothing that touches
 * a value: roles/secretmanager.admin also carries secretmanager.versions.access (read any secret)
 * and versions.add. Pods read values with their own identity; people add versions out of band.
 */
export const SECRET_ADMIN_PERMISSIONS = [
  'secretmanager.secrets.create',
  'secretmanager.secrets.delete',
  'secretmanager.secrets.get',
  'secretmanager.secrets.getIamPolicy',
  'secretmanager.secrets.list',
  'secretmanager.secrets.setIamPolicy',
  'secretmanager.secrets.update',
] as const;

/** Exactly what Workload Identity bindings on an account need: no actAs, no keys, no create. */
export const SERVICE_ACCOUNT_IAM_PERMISSIONS = ['iam.serviceAccounts.getIamPolicy', 'iam.serviceAccounts.setIamPolicy'] as const;

/** The identities the bootstrap stack creates. */
export type BootstrapIdentity = 'deployer' | 'planner' | 'imagePusher' | 'node';

/** The resources the bootstrap stack grants roles on, besides the project. */
export type GrantTarget = 'state bucket' | 'image repository' | 'Docker Hub remote repository' | 'gcr.io remote repository' | 'node account' | 'each workload account'
  | 'attestation key' | 'attestation note' | 'attestor' | 'project';

/** A role held on one resource (not the project), and why. */
export interface ResourceGrant {
  readonly identity: BootstrapIdentity;
  /** A predefined role, or `custom:<roleId>` for a custom role of the bootstrap stack. */
  readonly role: string;
  readonly on: GrantTarget;
  readonly reason: string;
  /** Made only where `admission.requireAttestation` holds (the attestor and its key exist only there). */
  readonly withAttestation?: true;
  /** An IAM condition narrowing the grant to part of the resource. @default - none */
  readonly condition?: { readonly title: string; readonly description: string; readonly expression: (bucket: string) => string };
}

/**
 * Where saved plans go in the state bucket (ci/saved-plan.sh). Cloud Storage names an
 * object `projects/_/buckets/<bucket>/objects/<object>` in IAM conditions
 * (https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name; Google's startsWith sample:
 * https://cloud.google.com/storage/docs/samples/storage-add-bucket-conditional-iam-binding).
 */
export const SAVED_PLANS_PREFIX = 'plans/';

/** Every grant on a resource the bootstrap stack makes; __tests__/stacks/bootstrap-stack.test.ts holds the stack to exactly this list. */
export const RESOURCE_GRANTS: readonly ResourceGrant[] = [
  { identity: 'deployer', role: 'roles/storage.objectAdmin', on: 'state bucket', reason: 'state and its locks of every stack, saved plans under plans/' },
  { identity: 'planner', role: 'roles/storage.objectViewer', on: 'state bucket', reason: 'read other stacks\' outputs; plans run with -lock=false' },
  {
    identity: 'planner',
    role: 'roles/storage.objectCreator',
    on: 'state bucket',
    reason: 'the deploy\'s plan jobs save their plans under plans/ (create only: objectCreator cannot overwrite or delete; the apply checks each file against the plan job\'s receipt)',
    condition: {
      title: 'saved-plans-only',
      description: `Only objects under ${SAVED_PLANS_PREFIX} (ci/saved-plan.sh)`,
      expression: (bucket) => `resource.name.startsWith('projects/_/buckets/${bucket}/objects/${SAVED_PLANS_PREFIX}')`,
    },
  },
  { identity: 'deployer', role: 'roles/iam.serviceAccountUser', on: 'node account', reason: 'node pools (and the transient default pool) run as it: actAs on this account only' },
  { identity: 'deployer', role: 'custom:isoscribeServiceAccountIam', on: 'each workload account', reason: 'Workload Identity binding of the workload\'s Kubernetes service account' },
  { identity: 'imagePusher', role: 'roles/artifactregistry.writer', on: 'image repository', reason: 'push every workload\'s image' },
  { identity: 'node', role: 'roles/artifactregistry.reader', on: 'image repository', reason: 'nodes pull the images' },
  { identity: 'node', role: 'roles/artifactregistry.reader', on: 'Docker Hub remote repository', reason: 'nodes pull NGINX through it (the registry fetches from Docker Hub on a miss)' },
  // Signing each pushed digest (ci/attest-images.ts), as Google's "Create attestations" page lists:
  // https://cloud.google.com/binary-authorization/docs/making-attestations
  { identity: 'imagePusher', role: 'roles/cloudkms.signerVerifier', on: 'attestation key', withAttestation: true, reason: 'sign the attestation payload of each pushed digest with the attestor\'s key (gcloud kms asymmetric-sign)' },
  { identity: 'imagePusher', role: 'roles/containeranalysis.notes.attacher', on: 'attestation note', withAttestation: true, reason: 'attach the attestation occurrence to the attestor\'s note' },
  { identity: 'imagePusher', role: 'roles/containeranalysis.occurrences.editor', on: 'project', withAttestation: true, reason: 'create the attestation occurrence (occurrences belong to the project, no narrower scope)' },
  { identity: 'imagePusher', role: 'roles/binaryauthorization.attestorsVerifier', on: 'attestor', withAttestation: true, reason: 'read the attestor and validate the new attestation against its key (attestations create --validate)' },
  { identity: 'imagePusher', role: 'roles/artifactregistry.reader', on: 'gcr.io remote repository', reason: 'resolve and pull the services\' distroless base image through it (ci/build-images.sh, staging); only builds use it, so nodes need no grant' },
  { identity: 'imagePusher', role: 'roles/artifactregistry.reader', on: 'Docker Hub remote repository', reason: 'the images job resolves the NGINX tag to the digest it pins (ci/push-images.sh), and resolves and pulls the Docker Hub base images through it (ci/build-images.sh, staging)' },
];

/** The project roles of the planner that are custom roles of this stack. */
export const PLANNER_CUSTOM_PROJECT_ROLES = ['custom:isoscribeControlPlaneConnect'] as const;

/** Where the deploy jobs that may act as the deployer are defined (CI_ROLE.deploy). */
export const DEPLOY_WORKFLOW = '.github/workflows/deploy-stacks.yml';

/** The GitHub environment whose jobs plan an environment on main; `<env>` itself gates the applies. */
export function planEnvironment(envName: string): string {
  return `${envName}-plan`;
}

/** APIs the bootstrap stack itself needs; the core stack enables the rest, as the deployer. */
export const BOOTSTRAP_SERVICES = [
  'artifactregistry.googleapis.com',
  'binaryauthorization.googleapis.com',
  // The attestor's signing key and its note (admission.requireAttestation).
  'cloudkms.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'containeranalysis.googleapis.com',
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

/** Where CI's image attestations are signed and recorded (ci/attest-images.ts signs with these). */
export interface AttestationNames {
  readonly project: string;
  readonly keyLocation: string;
  readonly keyRing: string;
  readonly key: string;
  readonly keyVersion: number;
  readonly note: string;
  readonly attestor: string;
  /** The attestor's id of the key version, as the provider's data source forms it (and gcloud's --public-key-id takes it). */
  readonly publicKeyId: string;
}

/**
 * The attestor of an environment whose clusters require attestations. The key ring is global: it
 * is only used from CI, and a key ring cannot be deleted, so it is named once.
 */
export function attestationNames(env: EnvironmentConfig): AttestationNames {
  const project = env.project.id;
  const keyLocation = 'global';
  const keyRing = `${env.prefix}-attestation`;
  const key = 'built-by-ci';
  const keyVersion = 1;
  return {
    project, keyLocation, keyRing, key, keyVersion,
    note: `${env.prefix}-built-by-ci`,
    attestor: `${env.prefix}-built-by-ci`,
    publicKeyId: `//cloudkms.googleapis.com/v1/projects/${project}/locations/${keyLocation}/keyRings/${keyRing}/cryptoKeys/${key}/cryptoKeyVersions/${keyVersion}`,
  };
}

/**
 * The images Binary Authorization admits without an attestation: an allowlist pattern matches the
 * name with any tag or digest, and `*` does not cross a `/`; digests are required by the policy pack
 * (POD-020) at release synth. Where attestations are required, only NGINX (third-party, pinned by
 * the digest CI resolved, never built by us) is on it, and our workloads' images need CI's
 * attestation (the default rule); elsewhere every configured repository path is.
 */
export function admittedImagePatterns(env: EnvironmentConfig, workloads: readonly WorkloadDefinition[]): string[] {
  const ours = env.admission.requireAttestation ? [] : workloads.map((w) => env.workloads[w.name].image.repository);
  // Third-party images by path: NGINX, the search engine (also its secret sync job's image) and its operator.
  const thirdParty = [env.nginxImage.repository, env.search.engineImage.repository, env.search.operatorImage.repository];
  return [...new Set([...ours, ...thirdParty])].sort().map((repository) => `${repository}*`);
}

function googleRoles(grants: readonly RoleGrant[]): string[] {
  return grants.map((g) => g.role).filter((r) => r.startsWith('roles/'));
}

export interface BootstrapStackProps {
  readonly env: EnvironmentConfig;
  /** The GitHub repository whose workflows it trusts. */
  readonly delivery: DeliveryConfig;
  /**
   * The workloads whose Google accounts it creates.
   * @default WORKLOADS
   */
  readonly definitions?: readonly WorkloadDefinition[];
}

/**
 * Run once per GCP project, by a human with project-owner rights, before anything else
 * (docs/deploy.md): what the first deploy uses before it could create it (the state bucket, the
 * image registry CI pushes to before `core`, the service accounts the deployer must not be able to
 * create), and the keyless trust that lets GitHub Actions plan, push images and deploy.
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
  readonly nodeAccount: ServiceAccount;
  readonly imageRepository: ArtifactRegistryRepository;
  readonly dockerHubRepository: ArtifactRegistryRepository;
  readonly gcrRepository: ArtifactRegistryRepository;
  readonly admissionPolicy: BinaryAuthorizationPolicy;
  /** Where attestations are required (admission.requireAttestation): the attestor, its note and its KMS key. */
  readonly attestor?: BinaryAuthorizationAttestor;
  readonly attestationNote?: ContainerAnalysisNote;
  readonly attestationKey?: KmsCryptoKey;

  /** `id` is the stack's name too: `stackName(env, BOOTSTRAP_LAYER)`. */
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { env, delivery, definitions = WORKLOADS } = props;
    const name = id;
    this.stackName = name;
    const project = env.project.id;
    const prefix = env.prefix;
    new LocalBackend(this, { path: `../../../.terraform-state/${name}.tfstate` });
    googleProvider(this, env);

    const services = enableServices(this, project, BOOTSTRAP_SERVICES);

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
        // Saved plans (deploy-stacks.yml) hold what state holds; they are only useful for one run.
        { action: { type: 'Delete' }, condition: { age: 7, matchesPrefix: ['plans/'] } },
      ],
      forceDestroy: false,
      // Losing this bucket loses track of every resource of the environment.
      lifecycle: { preventDestroy: true },
    });

    const { repository, mainBranch } = delivery.github;
    this.identity = new GitHubWorkloadIdentity(this, 'github', {
      project, repository, repositoryId: delivery.github.repositoryId, repositoryOwnerId: delivery.github.repositoryOwnerId, mainBranch, poolId: `${prefix}-github`, deployWorkflow: DEPLOY_WORKFLOW,
    });

    // The accounts the topology's workloads run as (config/service-accounts.ts says why they live here).
    const ids = serviceAccountIds(env, definitions);
    this.nodeAccount = new ServiceAccount(this, 'node', {
      project,
      accountId: ids.node,
      displayName: `GKE nodes (${env.name})`,
      description: 'Dedicated least-privilege identity of GKE nodes: logs, metrics, image pulls (project roles: core stack).',
    });
    const searchAccount = new ServiceAccount(this, 'search-engine', {
      project,
      accountId: ids.search,
      displayName: `Search engine (${env.name})`,
      description: 'OpenSearch pods and their secret sync job: snapshot bucket objectAdmin, search secrets accessor (core stack).',
    });
    const workloadAccounts = definitions.filter((w) => ids.workloads[w.name]).map((w) => ({
      name: w.name,
      account: new ServiceAccount(this, w.name, { project, accountId: ids.workloads[w.name], displayName: `${w.service} workload (${env.name})` }),
    }));

    // The registry exists before the first image push, which comes before the first deploy. Where
    // the images may live is checked with the configuration (config/registry.ts registryProblems).
    const { location, repositoryId } = workloadsRepository(env);
    this.imageRepository = new ArtifactRegistryRepository(this, 'images', {
      project,
      repositoryId,
      location,
      format: 'DOCKER',
      description: 'Container images of every workload',
      // Tags are written once by CI (the commit SHA); a moved tag would make a rollout non-reproducible.
      dockerConfig: { immutableTags: true },
      cleanupPolicies: [
        { id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: '2592000s' } },
      ],
    });
    // Third-party images come through a pull-through cache in our registry, in the same location:
    // no Docker Hub rate limits on the NAT's shared addresses, and the digests CI pins stay pullable.
    const remote = dockerHubRepository(env);
    this.dockerHubRepository = new ArtifactRegistryRepository(this, 'docker-hub', {
      project,
      repositoryId: remote.repositoryId,
      location: remote.location,
      format: 'DOCKER',
      mode: 'REMOTE_REPOSITORY',
      description: 'Docker Hub through Artifact Registry (NGINX); pinned by digest at release',
      remoteRepositoryConfig: { description: 'Docker Hub', dockerRepository: { publicRepository: 'DOCKER_HUB' } },
    });
    // gcr.io (the services' distroless base image) the same way, so no base image comes straight
    // from a public registry. A user-defined upstream: provider 6.50.0 marks
    // docker_repository.custom_repository deprecated for remote_repository_config.common_repository
    // (GoogleCloudPlatform/magic-modules#12312: what gcloud and the console use), whose uri takes a
    // registry's URI. Whether Artifact Registry accepts gcr.io (itself served by Artifact Registry
    // since Container Registry's shutdown) is checked by the API on create, not here: the bootstrap
    // apply fails with "Failed to validate remote upstream" if not (docs/deploy.md, step 1).
    // https://cloud.google.com/artifact-registry/docs/repositories/remote-overview
    this.gcrRepository = new ArtifactRegistryRepository(this, 'gcr-io', {
      project,
      repositoryId: GCR_REMOTE_REPOSITORY,
      location: remote.location,
      format: 'DOCKER',
      mode: 'REMOTE_REPOSITORY',
      description: 'gcr.io through Artifact Registry (the distroless base image); pinned by digest at build',
      remoteRepositoryConfig: { description: 'gcr.io', commonRepository: { uri: 'https://gcr.io' } },
    });

    // Only what CI built: an attestor whose key lives in Cloud KMS (never leaves it), which CI's
    // image pusher signs each pushed digest with (ci/attest-images.ts, deploy.yml). A PKIX
    // attestor with a Cloud KMS key: https://cloud.google.com/binary-authorization/docs/creating-attestors-cli
    const names = attestationNames(env);
    if (env.admission.requireAttestation) {
      const keyRing = new KmsKeyRing(this, 'attestation-key-ring', { project, name: names.keyRing, location: names.keyLocation });
      this.attestationKey = new KmsCryptoKey(this, 'attestation-key', {
        name: names.key,
        keyRing: keyRing.id,
        purpose: 'ASYMMETRIC_SIGN',
        // ECDSA P-256 over a SHA-256 digest; the attestor takes the key version's own algorithm name
        // (the provider's signature_algorithm accepts the KMS names, as its KMS example passes them).
        versionTemplate: { algorithm: 'EC_SIGN_P256_SHA256', protectionLevel: 'SOFTWARE' },
        // Destroying the key would orphan every attestation made with it.
        lifecycle: { preventDestroy: true },
      });
      const version = new DataGoogleKmsCryptoKeyVersion(this, 'attestation-key-version', { cryptoKey: this.attestationKey.id, version: names.keyVersion });
      this.attestationNote = new ContainerAnalysisNote(this, 'attestation-note', {
        project,
        name: names.note,
        attestationAuthority: { hint: { humanReadableName: `${env.prefix}: built and pushed by CI` } },
      });
      this.attestor = new BinaryAuthorizationAttestor(this, 'attestor', {
        project,
        name: names.attestor,
        description: 'Images CI built and pushed (.github/workflows/deploy.yml signs each digest)',
        attestationAuthorityNote: {
          noteReference: this.attestationNote.name,
          publicKeys: [{
            id: version.id,
            pkixPublicKey: { publicKeyPem: version.publicKey.get(0).pem, signatureAlgorithm: version.publicKey.get(0).algorithm },
          }],
        },
      });
    }

    // What may run on the clusters (which enforce the project policy, constructs/gcp/gke-cluster.ts):
    // NGINX by name, our images by CI's attestation (by name in tiers without attestation);
    // everything else is denied. Here, not in core, so that the CI deployer can neither create nor
    // loosen it. GKE's own system images stay admitted by Google's global policy.
    this.admissionPolicy = new BinaryAuthorizationPolicy(this, 'admission-policy', {
      project,
      description: this.attestor
        ? `NGINX by name, ${env.prefix}'s own images only with CI's attestation (stacks/bootstrap-stack.ts)`
        : `Only ${env.prefix}'s configured images (stacks/bootstrap-stack.ts admittedImagePatterns)`,
      globalPolicyEvaluationMode: 'ENABLE',
      admissionWhitelistPatterns: admittedImagePatterns(env, definitions).map((namePattern) => ({ namePattern })),
      defaultAdmissionRule: this.attestor
        ? { evaluationMode: 'REQUIRE_ATTESTATION', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', requireAttestationsBy: [this.attestor.name] }
        : { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
    });

    this.deployer = new ServiceAccount(this, 'deployer', {
      project,
      accountId: `${prefix}-ci-deploy`,
      displayName: `CI deployer (${env.name})`,
      description: `applies from GitHub Actions (${repository}@${mainBranch}, environment ${env.name}); no key`,
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
    // Only the applies, in <env> behind its reviewers, act as the deployer (deploy-stacks.yml); the
    // plans before them run `npm ci` and synth unreviewed, so they run as the planner.
    this.identity.grantImpersonation('deployer-from-deploy-jobs', this.deployer.account.name, GitHubActor.deployJob(env.name));

    this.planner = new ServiceAccount(this, 'planner', {
      project,
      accountId: `${prefix}-ci-plan`,
      displayName: `CI planner (${env.name})`,
      description: `read-only plans: pull requests of ${repository}, and deploy plans (environment ${planEnvironment(env.name)}); no secret access; no key`,
      projectRoles: googleRoles(PLANNER_ROLES),
    });
    const connect = new ProjectIamCustomRole(this, 'control-plane-connect', {
      project,
      roleId: 'isoscribeControlPlaneConnect',
      title: 'GKE DNS endpoint access (CI plans)',
      description: 'Reach the clusters\' DNS-based control-plane endpoint; Kubernetes authorization still applies',
      permissions: [...CONTROL_PLANE_CONNECT_PERMISSIONS],
    });
    new ProjectIamMember(this, 'planner-control-plane-connect', { project, role: connect.name, member: this.planner.member });
    this.identity.grantImpersonation('planner-from-pull-requests', this.planner.account.name, GitHubActor.pullRequests());
    this.identity.grantImpersonation('planner-from-deploy-plan-jobs', this.planner.account.name, GitHubActor.deployJob(planEnvironment(env.name)));

    this.imagePusher = new ServiceAccount(this, 'image-pusher', {
      project,
      accountId: `${prefix}-ci-push`,
      displayName: `CI image pusher (${env.name})`,
      description: `pushes api and frontend-server images from ${repository}@${mainBranch}; no key`,
    });
    this.identity.grantImpersonation('image-pusher-from-main', this.imagePusher.account.name, GitHubActor.mainBranchPush());

    const secretAdmin = new ProjectIamCustomRole(this, 'secret-admin', {
      project,
      roleId: 'isoscribeSecretAdmin',
      title: 'Secret Manager secrets without values (CI deploys)',
      description: 'Create, update and delete secrets and set their IAM; no version access: values never pass through CI',
      permissions: [...SECRET_ADMIN_PERMISSIONS],
    });
    new ProjectIamMember(this, 'deployer-secret-admin', { project, role: secretAdmin.name, member: this.deployer.member });

    // Grants on single resources: RESOURCE_GRANTS is the written list, this is the wiring.
    const serviceAccountIam = new ProjectIamCustomRole(this, 'service-account-iam', {
      project,
      roleId: 'isoscribeServiceAccountIam',
      title: 'Service account IAM (Workload Identity bindings)',
      description: 'Read and set the IAM policy of the service accounts it is granted on; no actAs, no keys',
      permissions: [...SERVICE_ACCOUNT_IAM_PERMISSIONS],
    });
    const identities: Record<BootstrapIdentity, ServiceAccount> = {
      deployer: this.deployer, planner: this.planner, imagePusher: this.imagePusher, node: this.nodeAccount,
    };
    const accountTargets: Partial<Record<GrantTarget, { name: string; account: ServiceAccount }[]>> = {
      'node account': [{ name: 'node', account: this.nodeAccount }],
      // The search engine's account is bound to its pods the same way (stacks/search-stack.ts).
      'each workload account': [...workloadAccounts, { name: SEARCH_ENGINE_ACCOUNT_SUFFIX, account: searchAccount }],
    };
    const role = (name: string) => (name === 'custom:isoscribeServiceAccountIam' ? serviceAccountIam.name : name);
    for (const grant of RESOURCE_GRANTS) {
      if (grant.withAttestation && !env.admission.requireAttestation) continue;
      const roleId = grant.role.replace(/^(roles|custom)[/:]/, '');
      const id = `${grant.identity}-${grant.on.replace(/ /g, '-')}-${roleId}`.replace(/\./g, '-');
      const member = identities[grant.identity].member;
      const accounts = accountTargets[grant.on];
      if (grant.on === 'state bucket') {
        const condition = grant.condition && {
          title: grant.condition.title, description: grant.condition.description, expression: grant.condition.expression(stateBucketName(env)),
        };
        new StorageBucketIamMember(this, id, { bucket: this.stateBucket.name, role: role(grant.role), member, condition });
      } else if (grant.on === 'image repository') {
        new ArtifactRegistryRepositoryIamMember(this, id, {
          project, location: this.imageRepository.location, repository: this.imageRepository.name, role: role(grant.role), member,
        });
      } else if (grant.on === 'gcr.io remote repository') {
        new ArtifactRegistryRepositoryIamMember(this, id, {
          project, location: this.gcrRepository.location, repository: this.gcrRepository.name, role: role(grant.role), member,
        });
      } else if (grant.on === 'Docker Hub remote repository') {
        new ArtifactRegistryRepositoryIamMember(this, id, {
          project, location: this.dockerHubRepository.location, repository: this.dockerHubRepository.name, role: role(grant.role), member,
        });
      } else if (grant.on === 'attestation key') {
        new KmsCryptoKeyIamMember(this, id, { cryptoKeyId: this.attestationKey!.id, role: role(grant.role), member });
      } else if (grant.on === 'attestation note') {
        new ContainerAnalysisNoteIamMember(this, id, { project, note: this.attestationNote!.name, role: role(grant.role), member });
      } else if (grant.on === 'attestor') {
        new BinaryAuthorizationAttestorIamMember(this, id, { project, attestor: this.attestor!.name, role: role(grant.role), member });
      } else if (grant.on === 'project') {
        new ProjectIamMember(this, id, { project, role: role(grant.role), member });
      } else if (accounts) {
        for (const { name, account } of accounts) {
          new ServiceAccountIamMember(this, `${grant.identity}-${name}-account-${roleId}`.replace(/\./g, '-'), {
            serviceAccountId: account.account.name, role: role(grant.role), member,
          });
        }
      } else {
        throw new Error(`RESOURCE_GRANTS: no resource for target "${grant.on}"`);
      }
    }

    // The values GitHub needs (docs/deploy.md sets them as repository variables).
    new TerraformOutput(this, 'workload_identity_provider', { value: this.identity.provider.name });
    new TerraformOutput(this, 'deployer_service_account', { value: this.deployer.email });
    new TerraformOutput(this, 'planner_service_account', { value: this.planner.email });
    new TerraformOutput(this, 'image_pusher_service_account', { value: this.imagePusher.email });
    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.name });

    // Nothing of an API before the API is on (a new project's first apply; policy API-001).
    orderAfterEnablement(this, services);
  }
}
