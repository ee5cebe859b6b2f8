import { Testing, TerraformStack } from 'cdktf';
import { loadDelivery } from '../../config/delivery';
import { GitHubWorkloadIdentity } from '../../constructs/gcp/github-workload-identity';
import { BootstrapStack, PLANNER_ROLES, DEPLOYER_ROLES } from '../../stacks/bootstrap-stack';
import { NODE_PROJECT_ROLES } from '../../stacks/core-stack';
import { environment, resources, onlyResource, type TfJson } from '../support/topology';

const delivery = loadDelivery();
const REPO = delivery.github.repository;

function synthBootstrap(envName: string): TfJson {
  const app = Testing.app();
  const stack = new BootstrapStack(app, environment(envName), delivery);
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
    for (const rule of bucket.lifecycle_rule) {
      expect(rule.action.type).toBe('Delete');
      expect(rule.condition.with_state).toBe('ARCHIVED');
    }
    expect(bucket.lifecycle_rule.map((r: TfJson) => r.condition.num_newer_versions ?? r.condition.days_since_noncurrent_time)).toEqual([20, 90]);
  });

  it('trusts GitHub OIDC tokens of this repository only', () => {
    const provider = onlyResource(stack, 'google_iam_workload_identity_pool_provider');
    expect(provider.oidc).toEqual({ issuer_uri: 'https://token.actions.githubusercontent.com' });
    expect(provider.attribute_condition).toBe(`assertion.repository == '${REPO}'`);
    expect(provider.attribute_mapping).toMatchObject({
      'google.subject': 'assertion.sub',
      'attribute.repository': 'assertion.repository',
      'attribute.ref': 'assertion.ref',
      'attribute.environment': 'assertion.environment',
    });
  });

  it('lets only the GitHub environment of the same name impersonate the deployer', () => {
    expect(impersonators(stack, `isoscribe-${envName}-ci-deploy`)).toEqual([
      `principal://iam.googleapis.com/${pool}/subject/repo:${REPO}:environment:${envName}`,
    ]);
  });

  it('lets only the main branch impersonate the image pusher, and any workflow of the repository the planner', () => {
    expect(impersonators(stack, `isoscribe-${envName}-ci-push`)).toEqual([
      `principal://iam.googleapis.com/${pool}/subject/repo:${REPO}:ref:refs/heads/main`,
    ]);
    expect(impersonators(stack, `isoscribe-${envName}-ci-plan`)).toEqual([
      `principalSet://iam.googleapis.com/${pool}/attribute.repository/${REPO}`,
    ]);
  });

  it('creates no service-account key and grants no primitive role', () => {
    expect(stack.resource.google_service_account_key).toBeUndefined();
    const roles = resources(stack, 'google_project_iam_member').map((m) => m.role);
    expect(roles).not.toEqual(expect.arrayContaining(['roles/owner']));
    expect(roles).not.toEqual(expect.arrayContaining(['roles/editor']));
    expect(roles).not.toEqual(expect.arrayContaining(['roles/viewer']));
  });

  it('grants the deployer its listed roles; project IAM admin only for the roles the topology hands out', () => {
    expect(projectRoles(stack, `isoscribe-${envName}-ci-deploy`)).toEqual(
      DEPLOYER_ROLES.map((g) => g.role).filter((r) => r.startsWith('roles/')).sort(),
    );
    const iamAdmin = resources(stack, 'google_project_iam_member').find((m) => m.role === 'roles/resourcemanager.projectIamAdmin')!;
    expect(iamAdmin.condition.expression).toBe(
      `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${NODE_PROJECT_ROLES.map((r) => `'${r}'`).join(', ')}])`,
    );
  });

  it('lets the pusher write to the one image repository the workloads pull from, nothing else', () => {
    expect(projectRoles(stack, `isoscribe-${envName}-ci-push`)).toEqual(['roles/artifactregistry.writer']);
    const writer = resources(stack, 'google_project_iam_member').find((m) => m.role === 'roles/artifactregistry.writer')!;
    const [, location, project, repo] = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\//.exec(env.workloads.api.image.repository)!;
    expect(writer.condition.expression).toBe(`resource.name.startsWith('projects/${project}/locations/${location}/repositories/${repo}')`);
    expect(env.workloads.frontend.image.repository.startsWith(`${location}-docker.pkg.dev/${project}/${repo}/`)).toBe(true);
  });

  it('gives the planner read-only roles and read access to state', () => {
    const roles = projectRoles(stack, `isoscribe-${envName}-ci-plan`);
    const custom = onlyResource(stack, 'google_project_iam_custom_role');
    expect(roles).toEqual([...PLANNER_ROLES.map((g) => g.role).filter((r) => r.startsWith('roles/')), `\${google_project_iam_custom_role.${custom.__id}.name}`].sort());
    for (const role of roles.filter((r) => r.startsWith('roles/'))) {
      expect(role).toMatch(/\.(viewer|reader|securityReviewer|serviceUsageViewer|serviceAccountViewer|bucketViewer|secretAccessor)$/);
    }
    // The custom role reads Kubernetes secrets and nothing else.
    expect(custom.permissions).toEqual(['container.secrets.get', 'container.secrets.list']);
    const stateGrants = resources(stack, 'google_storage_bucket_iam_member').map((m) => [m.member.split('.')[1], m.role]);
    expect(stateGrants).toEqual(expect.arrayContaining([[expect.stringMatching(/^planner/), 'roles/storage.objectViewer']]));
    expect(stateGrants).toEqual(expect.arrayContaining([[expect.stringMatching(/^deployer/), 'roles/storage.objectAdmin']]));
  });
});

describe('GitHubWorkloadIdentity', () => {
  it('rejects a repository that is not owner/name, saying how to write it', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    expect(() => new GitHubWorkloadIdentity(stack, 'id', { project: 'p', repository: 'https://github.com/a/b' })).toThrow(
      'GitHubWorkloadIdentity repository "https://github.com/a/b" must be "owner/name", e.g. "isoscribe/isoscribe-stack"',
    );
    expect(() => new GitHubWorkloadIdentity(stack, 'id2', { project: 'p', repository: 'a/b', poolId: 'gcp-x' })).toThrow(/poolId "gcp-x"/);
  });
});

describe('loadDelivery', () => {
  it('names the field and the fix', () => {
    expect(() => loadDelivery({ github: { repository: 'no-slash' } })).toThrow(
      'config/delivery.ts › github.repository: must be a GitHub repository as "owner/name"',
    );
  });
});
