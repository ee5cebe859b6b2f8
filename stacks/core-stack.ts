import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { enableServices, orderAfterEnablement } from '../constructs/gcp/project-services';
import { RegionalNetwork } from '../constructs/gcp/regional-network';
import { ExistingServiceAccount } from '../constructs/gcp/service-account';
import { kubernetesServiceAccountPrincipal } from '../constructs/kubernetes/workload-identity';
import { needsGoogleServiceAccount, type WorkloadDefinition } from '../workloads/workload';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { WORKLOADS_NAMESPACE } from '../config/naming';
import { serviceAccountIds } from '../config/service-accounts';
import { SEARCH_SECRETS } from '../constructs/search/opensearch-cluster';

/** APIs the topology uses; enabled once per project and never disabled by Terraform. */
export const PROJECT_SERVICES = [
  'artifactregistry.googleapis.com',
  'certificatemanager.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'compute.googleapis.com',
  // Artifact Analysis scans every pushed image: GKE's basic workload scanning tier is retired.
  'containerscanning.googleapis.com',
  'container.googleapis.com',
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'logging.googleapis.com',
  'monitoring.googleapis.com',
  // Server TLS policies: the HTTPS proxy's client-certificate check (ingress).
  'networksecurity.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
] as const;

/** Least privilege for GKE nodes: write logs and metrics, nothing else at project level. */
export const NODE_PROJECT_ROLES = [
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/monitoring.viewer',
  'roles/stackdriver.resourceMetadata.writer',
  'roles/autoscaling.metricsWriter',
];

/** What a CoreStack is built from, besides its environment. */
export interface CoreStackProps extends EnvironmentStackProps {
  /** The workloads whose accounts, secrets and grants core holds. */
  readonly definitions: readonly WorkloadDefinition[];
}

/**
 * Project-wide foundations every other stack builds on: APIs, the VPC with one subnet, router and NAT
 * per region, the node account's project roles, the static-bundle bucket, the workloads' secrets
 * (their values are added out of band) and the global IP address.
 *
 * The global address lives here, not in `ingress`, because the NGINX config in every workload must
 * trust it (real-IP) and workloads deploy before ingress; an address that DNS points at should also
 * outlive any rebuild of the load balancer.
 */
export class CoreStack extends EnvironmentStack {
  readonly network: ComputeNetwork;
  readonly regions: Record<string, RegionalNetwork>;
  readonly nodeServiceAccount: ExistingServiceAccount;
  /**
   * The Google identity of each workload that calls Google APIs itself (needsGoogleServiceAccount),
   * by name (created by bootstrap); the workloads stacks bind them to Kubernetes service accounts.
   */
  readonly workloadServiceAccounts: Record<string, ExistingServiceAccount>;
  readonly bundleBucket: StorageBucket;
  /** Secret Manager secrets the workloads read (CoreAccess.secret), by name; values are added out of band. */
  readonly secrets: Record<string, SecretManagerSecret> = {};
  readonly globalAddress: ComputeGlobalAddress;
  /** The search engine's identity (created by bootstrap). */
  readonly searchServiceAccount: ExistingServiceAccount;
  /** Each region's search snapshots bucket, by region name. */
  readonly searchSnapshotBuckets: Record<string, StorageBucket> = {};

  constructor(scope: Construct, id: string, props: CoreStackProps) {
    super(scope, id, props.env);
    const { env, definitions } = props;
    const project = env.project.id;
    const prefix = env.prefix;
    const { primaryRegion } = env;

    googleProvider(this, env);

    const services = enableServices(this, project, PROJECT_SERVICES);

    this.network = new ComputeNetwork(this, 'vpc', {
      name: prefix,
      autoCreateSubnetworks: false,
      routingMode: 'GLOBAL',
    });

    this.regions = {};
    for (const region of env.regions) {
      this.regions[region.name] = new RegionalNetwork(this, `network-${region.name}`, {
        name: `${prefix}-${region.name}`,
        network: this.network.id,
        region: region.name,
        nodeCidr: region.nodeCidr,
        podCidr: region.podCidr,
        serviceCidr: region.serviceCidr,
        // A public MongoDB endpoint allowlists fixed egress addresses (config: mongodb.reach).
        staticNatAddresses: env.mongodb.reach.kind === 'publicTls' ? 1 : 0,
      });
    }
    if (env.mongodb.reach.kind === 'publicTls') {
      new TerraformOutput(this, 'mongodb_allowlist_ips', {
        description: `Add these to ${env.mongodb.reach.host}'s IP access list (docs/deploy.md, "MongoDB reachability")`,
        value: Object.values(this.regions).flatMap((r) => r.natAddresses.map((a) => a.address)),
      });
    }

    // The service accounts and the image repository come from the bootstrap stack (config/service-accounts.ts says why).
    const accounts = serviceAccountIds(env, definitions);
    this.nodeServiceAccount = new ExistingServiceAccount(this, 'node-sa', { project, accountId: accounts.node });
    for (const role of NODE_PROJECT_ROLES) {
      new ProjectIamMember(this, `node-sa-${role.replace(/^roles\//, '')}`, { project, role, member: this.nodeServiceAccount.member });
    }
    // Workload identities: bound to Kubernetes service accounts by the workloads stacks.
    this.workloadServiceAccounts = Object.fromEntries(Object.entries(accounts.workloads).map(([name, accountId]) => [name,
      new ExistingServiceAccount(this, `${name}-sa`, { project, accountId })]));

    this.bundleBucket = new StorageBucket(this, 'bundle-bucket', {
      name: `${project}-static-bundles`,
      location: primaryRegion.toUpperCase(),
      uniformBucketLevelAccess: true,
      versioning: { enabled: true },
      // Served to the public by the load balancer's backend bucket (/static/*), so the bucket grants
      // allUsers read in the ingress stack; prevention stays "inherited" for that reason.
      publicAccessPrevention: 'inherited',
      lifecycleRule: [{ action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: 30, withState: 'ARCHIVED' } }],
      forceDestroy: false,
    });

    // What each workload's identity may use here (CoreAccess in its definition).
    for (const w of definitions) {
      const usesGoogleAccount = needsGoogleServiceAccount(w);
      for (const { name, kind } of w.access ?? []) {
        if (kind === 'bundle-bucket') {
          const member = this.workloadServiceAccounts[w.name].member;
          new StorageBucketIamMember(this, `${w.name}-sa-${name}`, { bucket: this.bundleBucket.name, role: 'roles/storage.objectViewer', member });
          continue;
        }
        if (usesGoogleAccount) {
          // Its Kubernetes service account carries the Google account's annotation, and the add-on
          // would then read the secret as the Google account, not as the principal granted below.
          throw new Error(
            `Workload ${w.name}: it mounts the secret "${name}" and also uses its Google service account; ` +
              'give the secret to a workload of its own, or the bucket read to another (workloads/*.ts access)',
          );
        }
        this.secrets[name] ??= new SecretManagerSecret(this, name, {
          secretId: `${prefix}-${name}`,
          replication: { auto: {} },
        });
        // The pod's Kubernetes service account itself: Google's add-on page
        // (https://cloud.google.com/secret-manager/docs/secret-manager-managed-csi-component) grants
        // roles/secretmanager.secretAccessor to principal://…/subject/ns/<ns>/sa/<ksa>, and the
        // provider it derives from "will use the workload identity of the pod that a secret is
        // mounted onto" (GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp README), directly
        // when the KSA names no Google account (its auth/auth.go). No Google service account holds
        // the secret: the workload has none (needsGoogleServiceAccount).
        const member = kubernetesServiceAccountPrincipal({ projectId: project, projectNumber: env.project.number, namespace: WORKLOADS_NAMESPACE, name: w.name });
        new SecretManagerSecretIamMember(this, `${w.name}-ksa-${name}`, { secretId: this.secrets[name].id, role: 'roles/secretmanager.secretAccessor', member });
      }
    }

    // The search engine (docs/search.md): its identity reads its secrets and writes its snapshots.
    this.searchServiceAccount = new ExistingServiceAccount(this, 'search-engine-sa', { project, accountId: accounts.search });
    for (const name of Object.values(SEARCH_SECRETS)) {
      this.secrets[name] ??= new SecretManagerSecret(this, name, { secretId: `${prefix}-${name}`, replication: { auto: {} }, dependsOn: services });
      new SecretManagerSecretIamMember(this, `search-engine-sa-${name}`, { secretId: this.secrets[name].id, role: 'roles/secretmanager.secretAccessor', member: this.searchServiceAccount.member });
    }
    for (const region of env.regions) {
      // In the engine's region: snapshots and restores stay regional (no cross-region egress per snapshot).
      const bucket = new StorageBucket(this, `search-snapshots-${region.name}`, {
        name: `${project}-search-${region.name}`,
        location: region.name.toUpperCase(),
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        // The repository deletes old snapshots' files itself; a deleted or overwritten object stays recoverable this long.
        lifecycleRule: [{ action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: env.search.snapshotRetentionDays, withState: 'ARCHIVED' } }],
        forceDestroy: false,
        dependsOn: services,
      });
      // objectAdmin: the repository-gcs plugin lists, writes and deletes snapshot files (no bucket-level admin).
      new StorageBucketIamMember(this, `search-engine-sa-snapshots-${region.name}`, { bucket: bucket.name, role: 'roles/storage.objectAdmin', member: this.searchServiceAccount.member });
      this.searchSnapshotBuckets[region.name] = bucket;
    }

    this.globalAddress = new ComputeGlobalAddress(this, 'lb-ipv4', {
      name: `${prefix}-lb-ipv4`,
      ipVersion: 'IPV4',
      addressType: 'EXTERNAL',
    });

    // Nothing of an API before the API is on (a new project's first apply; policy API-001).
    orderAfterEnablement(this, services);
  }
}
