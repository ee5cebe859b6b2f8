import { Testing, TerraformStack } from 'cdktf';
import { loadDelivery } from '../../config/delivery';
import { ciRoleMapping, GitHubWorkloadIdentity } from '../../constructs/gcp/github-workload-identity';
import {
  CONTROL_PLANE_CONNECT_PERMISSIONS,
  DEPLOY_WORKFLOW,
  DEPLOYER_ROLES,
  SECRET_ADMIN_PERMISSIONS,
  PLANNER_ROLES,
  RESOURCE_GRANTS,
  SERVICE_ACCOUNT_IAM_PERMISSIONS,
  stateBucketName,
  type BootstrapIdentity,
  type GrantTarget,
} from '../../stacks/bootstrap-stack';
import { NODE_PROJECT_ROLES } from '../../stacks/core-stack';
import { GCR_REMOTE_REPOSITORY, gcrRemoteRepository } from '../../config/registry';
import { needsGoogleServiceAccount, WORKLOADS } from '../../workloads';
import { bootstrapStack, environment, resources, onlyResource, type TfJson } from '../support/topology';

const delivery = loadDelivery();
const REPO = delivery.github.repository;

function synthBootstrap(envName: string): TfJson {
  const app = Testing.app();
  const stack = bootstrapStack(app, environment(envName), delivery);
  return JSON.parse(Testing.synth(stack));
}

/** The member bound to roles/iam.workloadIdentityUser on a service account, by the account's construct id. */
function impersonators(stack: TfJson, accountId: string): string[] {
  const account = resources(stack, 'google_service_account').find((sa) => sa.account_id === accountId);
  if (!account) throw new Error(`no service account ${accountId}`);
  return resources(stack, 'google_service_account_iam_member')
    .filter((m) => m.service_account_id === `\${google_service_account.${account.__id}.name}`)
    .map((m) => {
      expect(m.role).toBe('roles/iam.workloadIdentityUser');
      return m.member;
    });
}

interface Grant { identity: BootstrapIdentity | string; role: string; on: GrantTarget | string; condition?: unknown }

/**
 * Every IAM grant on a single resource, read back from the synthesized JSON: who (by the account's
 * id suffix), which role (custom roles as `custom:<roleId>`), on what. Workload Identity
 * impersonation (principalSet members) is checked separately.
 */
function grantsOf(stack: TfJson): Grant[] {
  const accounts = new Map(resources(stack, 'google_service_account').map((a) => [a.__id as string, a.account_id as string]));
  const customRoles = new Map(resources(stack, 'google_project_iam_custom_role').map((r) => [`\${google_project_iam_custom_role.${r.__id}.name}`, `custom:${r.role_id}`]));
  const identityOf = (member: string): string => {
    const id = /^\$\{google_service_account\.([^.]+)\.member\}$/.exec(member)?.[1];
    const accountId = id ? accounts.get(id) : undefined;
    const suffix = accountId?.replace(/^isoscribe-[a-z0-9]+-/, '').replace(/^ci-/, '');
    const byName: Record<string, string> = { deploy: 'deployer', plan: 'planner', push: 'imagePusher', 'gke-node': 'node' };
    return (suffix && byName[suffix]) ?? `unknown member ${member}`;
  };
  const targetOfAccount = (ref: string): string => {
    const id = /^\$\{google_service_account\.([^.]+)\.name\}$/.exec(ref)?.[1];
    const accountId = id ? accounts.get(id) : undefined;
    const suffix = accountId?.replace(/^isoscribe-[a-z0-9]+-/, '');
    if (suffix === 'gke-node') return 'node account';
    return suffix && (WORKLOADS.some((w) => w.name === suffix) || suffix === 'search-os') ? `${suffix} account` : `unknown account ${ref}`;
  };
  const repositories = new Map(resources(stack, 'google_artifact_registry_repository').map((r) => [`\${google_artifact_registry_repository.${r.__id}.name}`, r]));
  const repositoryOf = (ref: string): string => {
    const repo = repositories.get(ref);
    if (repo?.mode === 'REMOTE_REPOSITORY' && repo.remote_repository_config?.docker_repository?.public_repository === 'DOCKER_HUB') return 'Docker Hub remote repository';
    if (repo?.mode === 'REMOTE_REPOSITORY' && repo.remote_repository_config?.common_repository?.uri === 'https://gcr.io') return 'gcr.io remote repository';
    return repo && repo.mode === undefined ? 'image repository' : `unknown repository ${ref}`;
  };
  const role = (r: string) => customRoles.get(r) ?? r;
  const pusher = resources(stack, 'google_service_account').find((a) => String(a.account_id).endsWith('-ci-push'));
  return [
    ...resources(stack, 'google_kms_crypto_key_iam_member').map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: 'attestation key', condition: m.condition })),
    ...resources(stack, 'google_container_analysis_note_iam_member').map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: 'attestation note', condition: m.condition })),
    ...resources(stack, 'google_binary_authorization_attestor_iam_member').map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: 'attestor', condition: m.condition })),
    // The pusher's project roles are written in RESOURCE_GRANTS too (deployer and planner: DEPLOYER_ROLES, PLANNER_ROLES).
    ...resources(stack, 'google_project_iam_member').filter((m) => pusher && m.member === `\${google_service_account.${pusher.__id}.member}`)
      .map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: 'project', condition: m.condition })),
    ...resources(stack, 'google_storage_bucket_iam_member').map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: 'state bucket', condition: m.condition })),
    ...resources(stack, 'google_artifact_registry_repository_iam_member').map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: repositoryOf(m.repository), condition: m.condition })),
    ...resources(stack, 'google_service_account_iam_member')
      .filter((m) => m.role !== 'roles/iam.workloadIdentityUser')
      .map((m) => ({ identity: identityOf(m.member), role: role(m.role), on: targetOfAccount(m.service_account_id), condition: m.condition })),
  ];
}

function projectRoles(stack: TfJson, accountId: string): string[] {
  const account = resources(stack, 'google_service_account').find((sa) => sa.account_id === accountId)!;
  return resources(stack, 'google_project_iam_member')
    .filter((m) => m.member === `\${google_service_account.${account.__id}.member}`)
    .map((m) => m.role)
    .sort();
}

describe.each(['dev', 'staging', 'production'])('bootstrap stack of %s', (envName) => {
  const env = environment(envName);
  const stack = synthBootstrap(envName);
  const pool = '${google_iam_workload_identity_pool.github_pool_BAD9F060.name}';

  it('keeps local state: it creates the bucket the other stacks keep state in', () => {
    expect(stack.terraform.backend).toEqual({ local: { path: `../../../.terraform-state/isoscribe-${envName}-bootstrap.tfstate` } });
  });

  it('creates the state bucket named by the environment backend, locked down and versioned', () => {
    const bucket = onlyResource(stack, 'google_storage_bucket');
    expect(bucket.name).toBe(env.backend.type === 'gcs' ? env.backend.bucket : `${env.project.id}-tfstate`);
    expect(bucket.uniform_bucket_level_access).toBe(true);
    expect(bucket.public_access_prevention).toBe('enforced');
    expect(bucket.versioning).toEqual({ enabled: true });
    expect(bucket.force_destroy).toBe(false);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    // Old versions expire, the live one never does.
    const versionRules = bucket.lifecycle_rule.filter((r: TfJson) => !r.condition.matches_prefix);
    for (const rule of versionRules) {
      expect(rule.action.type).toBe('Delete');
      expect(rule.condition.with_state).toBe('ARCHIVED');
    }
    expect(versionRules.map((r: TfJson) => r.condition.num_newer_versions ?? r.condition.days_since_noncurrent_time)).toEqual([20, 90]);
  });

  it('trusts GitHub OIDC tokens of this repository only, and maps what each job may do to attribute.ci_role', () => {
    const provider = onlyResource(stack, 'google_iam_workload_identity_pool_provider');
    expect(provider.oidc).toEqual({ issuer_uri: 'https://token.actions.githubusercontent.com' });
    // The ids, not the name: a name can be reused by a recreated or transferred repository.
    expect(provider.attribute_condition).toBe(`assertion.repository_id == '${delivery.github.repositoryId}' && assertion.repository_owner_id == '${delivery.github.repositoryOwnerId}'`);
    expect(provider.attribute_condition).not.toContain('assertion.repository ==');
    expect(provider.attribute_mapping).toMatchObject({ 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.repository' });
    expect(provider.attribute_mapping['attribute.ci_role']).toBe(ciRoleMapping({ repository: REPO, mainBranch: 'main', deployWorkflow: DEPLOY_WORKFLOW }));
  });

  it('lets only the deploy workflow\'s apply jobs (GitHub environment <env>, behind its reviewers) on main impersonate the deployer', () => {
    expect(impersonators(stack, `isoscribe-${envName}-ci-deploy`)).toEqual([`principalSet://iam.googleapis.com/${pool}/attribute.ci_role/deploy-${envName}`]);
  });

  it('lets pull requests and the deploy\'s plan jobs (<env>-plan: npm ci and synth, unreviewed) impersonate the planner, and only pushes to main the image pusher', () => {
    expect(impersonators(stack, `isoscribe-${envName}-ci-plan`).sort()).toEqual([
      `principalSet://iam.googleapis.com/${pool}/attribute.ci_role/deploy-${envName}-plan`,
      `principalSet://iam.googleapis.com/${pool}/attribute.ci_role/plan`,
    ]);
    expect(impersonators(stack, `isoscribe-${envName}-ci-push`)).toEqual([`principalSet://iam.googleapis.com/${pool}/attribute.ci_role/main`]);
  });

  it('creates no service-account key and grants no primitive role', () => {
    expect(stack.resource.google_service_account_key).toBeUndefined();
    const roles = resources(stack, 'google_project_iam_member').map((m) => m.role);
    expect(roles).not.toEqual(expect.arrayContaining(['roles/owner']));
    expect(roles).not.toEqual(expect.arrayContaining(['roles/editor']));
    expect(roles).not.toEqual(expect.arrayContaining(['roles/viewer']));
  });

  it('grants the deployer its listed project roles; project IAM admin only for the roles the topology hands out', () => {
    const secretAdmin = resources(stack, 'google_project_iam_custom_role').find((r) => r.role_id === 'isoscribeSecretAdmin')!;
    expect(projectRoles(stack, `isoscribe-${envName}-ci-deploy`)).toEqual(
      [...DEPLOYER_ROLES.map((g) => g.role).filter((r) => r.startsWith('roles/')), `\${google_project_iam_custom_role.${secretAdmin.__id}.name}`].sort(),
    );
    const iamAdmin = resources(stack, 'google_project_iam_member').find((m) => m.role === 'roles/resourcemanager.projectIamAdmin')!;
    expect(iamAdmin.condition.expression).toBe(
      `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${NODE_PROJECT_ROLES.map((r) => `'${r}'`).join(', ')}])`,
    );
  });

  it('never lets the deployer act as, or set IAM on, any account project-wide (the default compute account is Editor)', () => {
    const deployerProject = projectRoles(stack, `isoscribe-${envName}-ci-deploy`);
    for (const role of ['roles/iam.serviceAccountUser', 'roles/iam.serviceAccountAdmin', 'roles/iam.serviceAccountTokenCreator', 'roles/iam.securityAdmin', 'roles/iam.serviceAccountKeyAdmin']) {
      expect(deployerProject).not.toContain(role);
    }
    const actAs = grantsOf(stack).filter((g) => g.identity === 'deployer' && g.role === 'roles/iam.serviceAccountUser');
    expect(actAs.map((g) => g.on)).toEqual(['node account']);
  });

  it('creates the image repository (the first push precedes every deploy) with immutable tags; pusher writes, nodes read, on it only', () => {
    const [repo] = resources(stack, 'google_artifact_registry_repository').filter((r) => r.mode === undefined);
    const [, location, , repositoryId] = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\//.exec(env.workloads.api.image.repository)!;
    expect(repo).toMatchObject({ format: 'DOCKER', repository_id: repositoryId, location, docker_config: { immutable_tags: true } });
    expect(env.workloads.frontend.image.repository.startsWith(`${location}-docker.pkg.dev/${env.project.id}/${repositoryId}/`)).toBe(true);
    expect(grantsOf(stack).filter((g) => g.on === 'image repository').map((g) => `${g.identity} ${g.role}`).sort()).toEqual([
      'imagePusher roles/artifactregistry.writer', 'node roles/artifactregistry.reader',
    ]);
    // Where CI attests its images, the pusher also creates the attestation occurrences (project-level resources).
    expect(projectRoles(stack, `isoscribe-${envName}-ci-push`)).toEqual(env.admission.requireAttestation ? ['roles/containeranalysis.occurrences.editor'] : []);
  });

  it('creates the Docker Hub remote repository NGINX is pulled through (issue 13: no anonymous Docker Hub pulls); nodes and the pusher read it', () => {
    const remote = resources(stack, 'google_artifact_registry_repository').filter((r) => r.mode === 'REMOTE_REPOSITORY' && r.repository_id === 'docker-hub');
    expect(remote).toHaveLength(1);
    const [, location, project, repositoryId] = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\//.exec(env.nginxImage.repository)!;
    expect(project).toBe(env.project.id);
    expect(remote[0]).toMatchObject({ format: 'DOCKER', repository_id: repositoryId, location, remote_repository_config: { docker_repository: { public_repository: 'DOCKER_HUB' } } });
    expect(env.nginxImage.repository).toBe(`${location}-docker.pkg.dev/${env.project.id}/${repositoryId}/nginxinc/nginx-unprivileged`);
    expect(grantsOf(stack).filter((g) => g.on === 'Docker Hub remote repository').map((g) => `${g.identity} ${g.role}`).sort()).toEqual([
      'imagePusher roles/artifactregistry.reader', 'node roles/artifactregistry.reader',
    ]);
  });

  it('creates the gcr.io remote repository the distroless base image is built from (issue 19: no base image straight from a public registry); only the pusher reads it', () => {
    const gcr = resources(stack, 'google_artifact_registry_repository').filter((r) => r.repository_id === GCR_REMOTE_REPOSITORY);
    expect(gcr).toHaveLength(1);
    const [, location] = /^([a-z0-9-]+)-docker\.pkg\.dev\//.exec(env.nginxImage.repository)!;
    expect(gcr[0]).toMatchObject({ format: 'DOCKER', mode: 'REMOTE_REPOSITORY', location, remote_repository_config: { common_repository: { uri: 'https://gcr.io' } } });
    expect(grantsOf(stack).filter((g) => g.on === 'gcr.io remote repository').map((g) => `${g.identity} ${g.role}`)).toEqual(['imagePusher roles/artifactregistry.reader']);
    // The path CI builds through is this repository.
    expect(gcrRemoteRepository(env.project.id, env.primaryRegion)).toBe(`${location}-docker.pkg.dev/${env.project.id}/${GCR_REMOTE_REPOSITORY}`);
  });

  it('enforces a Binary Authorization policy that denies every image but the configured ones, ours only with CI\'s attestation where required (issues 13, 19)', () => {
    const policy = onlyResource(stack, 'google_binary_authorization_policy');
    expect(policy.default_admission_rule).toEqual(env.admission.requireAttestation
      ? { evaluation_mode: 'REQUIRE_ATTESTATION', enforcement_mode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', require_attestations_by: ['${google_binary_authorization_attestor.attestor.name}'] }
      : { evaluation_mode: 'ALWAYS_DENY', enforcement_mode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' });
    expect(policy.global_policy_evaluation_mode).toBe('ENABLE');
    const patterns = policy.admission_whitelist_patterns.map((p: TfJson) => p.name_pattern).sort();
    const byName = env.admission.requireAttestation ? [] : WORKLOADS.map((w) => env.workloads[w.name].image.repository);
    const searchImages = [env.search.engineImage.repository, env.search.operatorImage.repository];
    expect(patterns).toEqual([...new Set([...byName, env.nginxImage.repository, ...searchImages])].sort().map((r) => `${r}*`));
    // The engine and its operator come through the project's Docker Hub remote repository, like NGINX.
    for (const image of searchImages) expect(image).toMatch(new RegExp(`^[a-z]+-docker\\.pkg\\.dev/${env.project.id}/docker-hub/opensearchproject/`));
    // Every pattern is inside this project's registry, and none admits a whole registry or a nested path.
    for (const pattern of patterns) {
      expect(pattern).toMatch(new RegExp(`^[a-z0-9-]+-docker\\.pkg\\.dev/${env.project.id}/[a-z0-9-]+/[a-z0-9._/-]+[a-z0-9]\\*$`));
    }
    expect(resources(stack, 'google_project_service').map((s) => s.service)).toContain('binaryauthorization.googleapis.com');
    // The deployer cannot manage (so cannot loosen) it: no Binary Authorization role among its grants.
    expect(DEPLOYER_ROLES.some((g) => g.role.includes('binaryauthorization') || g.covers.some((c) => c.startsWith('google_binary_authorization')))).toBe(false);
  });

  it('gives the planner read-only roles, DNS-endpoint access and read access to state, and no secret at all', () => {
    const roles = projectRoles(stack, `isoscribe-${envName}-ci-plan`);
    const connect = resources(stack, 'google_project_iam_custom_role').find((r) => r.role_id === 'isoscribeControlPlaneConnect')!;
    expect(roles).toEqual([...PLANNER_ROLES.map((g) => g.role).filter((r) => r.startsWith('roles/')), `\${google_project_iam_custom_role.${connect.__id}.name}`].sort());
    for (const role of roles.filter((r) => r.startsWith('roles/'))) {
      expect(role).toMatch(/\.(viewer|reader|securityReviewer|serviceUsageViewer|serviceAccountViewer|bucketViewer)$/);
      expect(role).not.toMatch(/secretAccessor|secretmanager\.admin/);
    }
    expect(connect.permissions).toEqual(['container.clusters.connect']);
    expect(grantsOf(stack).filter((g) => g.identity === 'planner').map((g) => `${g.role} on ${g.on}`).sort()).toEqual([
      'roles/storage.objectCreator on state bucket', 'roles/storage.objectViewer on state bucket',
    ]);
    // It may create saved plans, and only under plans/ (no overwrite: objectCreator has no delete).
    const creator = grantsOf(stack).find((g) => g.identity === 'planner' && g.role === 'roles/storage.objectCreator')!;
    expect(creator.condition).toMatchObject({ expression: `resource.name.startsWith('projects/_/buckets/${stateBucketName(env)}/objects/plans/')` });
  });

  it('lets only the deployer and the planner reach the clusters\' DNS endpoint (container.clusters.connect)', () => {
    const connectRole = resources(stack, 'google_project_iam_custom_role').find((r) => r.role_id === 'isoscribeControlPlaneConnect')!;
    // Predefined roles that carry (or may carry) container.clusters.connect, and the custom one.
    const carriers = ['roles/container.admin', 'roles/container.clusterAdmin', 'roles/container.developer', 'roles/container.viewer', `\${google_project_iam_custom_role.${connectRole.__id}.name}`];
    const holders = resources(stack, 'google_project_iam_member').filter((m) => carriers.includes(m.role)).map((m) => m.member);
    const accountOf = (member: string) => resources(stack, 'google_service_account').find((a) => member === `\${google_service_account.${a.__id}.member}`)?.account_id;
    expect([...new Set(holders.map(accountOf))].sort()).toEqual([`isoscribe-${envName}-ci-deploy`, `isoscribe-${envName}-ci-plan`]);
  });

  it('custom roles carry exactly the permissions their purpose names', () => {
    const custom = Object.fromEntries(resources(stack, 'google_project_iam_custom_role').map((r) => [r.role_id, r.permissions]));
    expect(custom).toEqual({
      isoscribeControlPlaneConnect: [...CONTROL_PLANE_CONNECT_PERMISSIONS],
      isoscribeServiceAccountIam: [...SERVICE_ACCOUNT_IAM_PERMISSIONS],
      isoscribeSecretAdmin: [...SECRET_ADMIN_PERMISSIONS],
    });
    expect(SERVICE_ACCOUNT_IAM_PERMISSIONS).not.toContain('iam.serviceAccounts.actAs');
  });

  it('lets the deployer create secrets and set their IAM, never read or add a value (issue 13)', () => {
    expect(SECRET_ADMIN_PERMISSIONS.filter((p) => !/^secretmanager\.secrets\./.test(p))).toEqual([]);
    const deployerRoles = projectRoles(stack, `isoscribe-${envName}-ci-deploy`);
    // Predefined roles carrying secretmanager.versions.access or versions.add.
    for (const role of ['roles/secretmanager.admin', 'roles/secretmanager.secretAccessor', 'roles/secretmanager.secretVersionAdder', 'roles/secretmanager.secretVersionManager']) {
      expect(deployerRoles).not.toContain(role);
    }
  });

  it('every IAM grant the stack makes is a written one (RESOURCE_GRANTS), with exactly its written condition, and every written one is made', () => {
    const expression = (condition: unknown) => (condition as { expression?: string } | undefined)?.expression ?? 'none';
    const actual = grantsOf(stack).map((g) => `${g.identity} | ${g.role} | ${g.on} | ${expression(g.condition)}`).sort();
    // 'each workload account' is one grant on the account of every workload that has one (the api, which only mounts a secret, has none).
    const withAccounts = WORKLOADS.filter(needsGoogleServiceAccount);
    expect(withAccounts.map((w) => w.name)).toEqual(['frontend']);
    // ... and on the search engine's account (stacks/search-stack.ts binds it to the engine's pods).
    const accounts = [...withAccounts.map((w) => w.name), 'search-os'];
    const written = RESOURCE_GRANTS.filter((g) => !g.withAttestation || env.admission.requireAttestation)
      .flatMap((g) => (g.on === 'each workload account' ? accounts.map((name) => ({ ...g, on: `${name} account` })) : [g]));
    expect(actual).toEqual(written.map((g) => `${g.identity} | ${g.role} | ${g.on} | ${g.condition?.expression(stateBucketName(env)) ?? 'none'}`).sort());
    // Conditions at project level: only the deployer's projectIamAdmin carries one, and it must.
    const conditioned = resources(stack, 'google_project_iam_member').filter((m) => m.condition).map((m) => m.role);
    expect(conditioned).toEqual(['roles/resourcemanager.projectIamAdmin']);
    // Only these IAM resource kinds exist: a new one must be added to grantsOf (and RESOURCE_GRANTS) first.
    const iamTypes = Object.keys(stack.resource).filter((t) => /_iam_(member|binding|policy)$/.test(t)).sort();
    const attestation = env.admission.requireAttestation
      ? ['google_binary_authorization_attestor_iam_member', 'google_container_analysis_note_iam_member', 'google_kms_crypto_key_iam_member'] : [];
    expect(iamTypes).toEqual([...attestation, 'google_artifact_registry_repository_iam_member', 'google_project_iam_member', 'google_service_account_iam_member', 'google_storage_bucket_iam_member'].sort());
  });

  it('keeps saved plans in the state bucket for a week only', () => {
    const bucket = onlyResource(stack, 'google_storage_bucket');
    expect(bucket.lifecycle_rule).toEqual(expect.arrayContaining([{ action: { type: 'Delete' }, condition: { age: 7, matches_prefix: ['plans/'] } }]));
  });
});

describe('bootstrap stack: a registry outage does not stop image pulls', () => {
  it.each(['dev', 'staging', 'production'])('%s keeps its images and its Docker Hub cache in a multi-region', (envName) => {
    const env = environment(envName);
    const stack = synthBootstrap(envName);
    const locations = resources(stack, 'google_artifact_registry_repository').map((r) => r.location);
    expect(locations).toHaveLength(3);
    for (const location of locations) expect(['us', 'europe', 'asia']).toContain(location);
    // The continent of the primary region.
    expect(locations[0]).toBe({ us: 'us', europe: 'europe', asia: 'asia' }[env.primaryRegion.split('-')[0]]);
  });
});

describe('GitHubWorkloadIdentity', () => {
  it('rejects a repository that is not owner/name, saying how to write it', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const ids = { repositoryId: '1', repositoryOwnerId: '2' };
    expect(() => new GitHubWorkloadIdentity(stack, 'id', { project: 'p', repository: 'https://github.com/a/b', ...ids, deployWorkflow: DEPLOY_WORKFLOW })).toThrow(
      'GitHubWorkloadIdentity repository "https://github.com/a/b" must be "owner/name", e.g. "isoscribe/isoscribe-stack"',
    );
    expect(() => new GitHubWorkloadIdentity(stack, 'id2', { project: 'p', repository: 'a/b', ...ids, poolId: 'gcp-x', deployWorkflow: DEPLOY_WORKFLOW })).toThrow(/poolId "gcp-x"/);
  });

  it('rejects a repository id that is not GitHub\'s numeric id, saying where to find it', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    expect(() => new GitHubWorkloadIdentity(stack, 'id', { project: 'p', repository: 'a/b', repositoryId: 'a/b', repositoryOwnerId: '2', deployWorkflow: DEPLOY_WORKFLOW })).toThrow(
      'GitHubWorkloadIdentity repositoryId "a/b" must be GitHub\'s numeric id (gh api repos/a/b --jq .id)',
    );
  });
});

describe('loadDelivery', () => {
  it('names the field and the fix', () => {
    expect(() => loadDelivery({ github: { repository: 'no-slash', repositoryId: '1', repositoryOwnerId: '2' } })).toThrow(
      'config/delivery.ts › github.repository: must be a GitHub repository as "owner/name"',
    );
    expect(() => loadDelivery({ github: { repository: 'a/b', repositoryId: '0x12', repositoryOwnerId: '2' } })).toThrow(
      'config/delivery.ts › github.repositoryId: must be the repository\'s numeric id as a string: `gh api repos/OWNER/REPO --jq .id`',
    );
  });
});
