import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { Construct } from 'constructs';

/** GitHub Actions' OIDC issuer: every workflow job can ask it for a short-lived token about itself. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/**
 * Which GitHub workflow runs may act as a service account. Built from the token's claims:
 * `sub` is `repo:<owner/name>:environment:<env>` for a job that declares a GitHub environment, and
 * `repo:<owner/name>:ref:<ref>` otherwise (GitHub's default subject format).
 */
export class GitHubActor {
  /** Any workflow run of the repository (pull requests from forks get no OIDC token at all). */
  static anyWorkflow(): GitHubActor {
    return new GitHubActor('any workflow of the repository', (pool, repo) => `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repo}`);
  }

  /** Jobs without a GitHub environment running on this branch (e.g. pushes to `main`). */
  static branch(name: string): GitHubActor {
    return new GitHubActor(`jobs on branch ${name}`, (pool, repo) => `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:ref:refs/heads/${name}`);
  }

  /**
   * Jobs that declare this GitHub environment. The environment's protection rules (required
   * reviewers, deployment branches) then gate every use of the service account.
   */
  static environment(name: string): GitHubActor {
    return new GitHubActor(`jobs in GitHub environment ${name}`, (pool, repo) => `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:environment:${name}`);
  }

  private constructor(
    /** Human-readable, for descriptions and docs. */
    readonly description: string,
    private readonly toMember: (poolName: string, repository: string) => string,
  ) {}

  /** The IAM member string for a pool (its `name`, `projects/<number>/locations/global/workloadIdentityPools/<id>`). */
  member(poolName: string, repository: string): string {
    return this.toMember(poolName, repository);
  }
}

export interface GitHubWorkloadIdentityProps {
  readonly project: string;
  /** `owner/name`; the provider rejects tokens of any other repository. */
  readonly repository: string;
  /** 4-32 lowercase letters, digits or hyphens. Deleted pools keep their id for 30 days. @default 'github' */
  readonly poolId?: string;
  /** @default 'github-actions' */
  readonly providerId?: string;
}

/**
 * A Workload Identity Federation pool with one OIDC provider for GitHub Actions, restricted by its
 * attribute condition to one repository. Workflows exchange their OIDC token for short-lived Google
 * credentials of the service accounts they are granted, so no service-account key exists anywhere.
 */
export class GitHubWorkloadIdentity extends Construct {
  readonly pool: IamWorkloadIdentityPool;
  readonly provider: IamWorkloadIdentityPoolProvider;
  readonly repository: string;

  constructor(scope: Construct, id: string, props: GitHubWorkloadIdentityProps) {
    super(scope, id);
    if (!REPOSITORY.test(props.repository)) {
      throw new Error(`GitHubWorkloadIdentity repository "${props.repository}" must be "owner/name", e.g. "isoscribe/isoscribe-stack"`);
    }
    const poolId = props.poolId ?? 'github';
    if (!/^[a-z0-9-]{4,32}$/.test(poolId) || poolId.startsWith('gcp-')) {
      throw new Error(`GitHubWorkloadIdentity poolId "${poolId}" must be 4-32 lowercase letters, digits or hyphens, not starting with "gcp-"`);
    }
    this.repository = props.repository;

    this.pool = new IamWorkloadIdentityPool(this, 'pool', {
      project: props.project,
      workloadIdentityPoolId: poolId,
      displayName: 'GitHub Actions',
      description: `OIDC tokens of GitHub Actions workflows of ${props.repository}`,
    });

    this.provider = new IamWorkloadIdentityPoolProvider(this, 'provider', {
      project: props.project,
      workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: props.providerId ?? 'github-actions',
      displayName: 'GitHub Actions OIDC',
      oidc: { issuerUri: GITHUB_OIDC_ISSUER },
      attributeMapping: {
        'google.subject': 'assertion.sub',
        'attribute.repository': 'assertion.repository',
        'attribute.repository_id': 'assertion.repository_id',
        'attribute.ref': 'assertion.ref',
        // Present only for jobs that declare a GitHub environment; unset for the others.
        'attribute.environment': 'assertion.environment',
        'attribute.event_name': 'assertion.event_name',
        'attribute.actor': 'assertion.actor',
      },
      // Every token GitHub issues is signed by the same issuer: without this condition, any
      // repository on github.com could exchange its tokens in this pool.
      attributeCondition: `assertion.repository == '${props.repository}'`,
    });
  }

  /** Lets `actor` impersonate the service account (`roles/iam.workloadIdentityUser`), and nobody else through this pool. */
  grantImpersonation(id: string, serviceAccountName: string, actor: GitHubActor): ServiceAccountIamMember {
    return new ServiceAccountIamMember(this, id, {
      serviceAccountId: serviceAccountName,
      role: 'roles/iam.workloadIdentityUser',
      member: actor.member(this.pool.name, this.repository),
    });
  }
}
