import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { Construct } from 'constructs';

/** GitHub Actions' OIDC issuer: every workflow job can ask it for a short-lived token about itself. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** What a GitHub Actions job may do, as the provider's `attribute.ci_role` mapping computes it from the token. */
export const CI_ROLE = {
  /** A `pull_request` event of the repository (forks get no OIDC token at all). */
  plan: 'plan',
  /** A push to the main branch, outside the deploy workflow's environment jobs (e.g. pushing images). */
  main: 'main',
  /** Anything else: a manual run, a schedule, another branch, `pull_request_target`. */
  none: 'none',
  /** A job of the deploy workflow, on a push to the main branch, in GitHub environment `environment`. */
  deploy: (environment: string) => `deploy-${environment}`,
} as const;

/** The provider's view of one GitHub token, from which the `ci_role` mapping is computed. */
export interface CiRoleInputs {
  /** `owner/name`. */
  readonly repository: string;
  /** e.g. `main`. */
  readonly mainBranch: string;
  /** Path of the workflow whose environment jobs deploy, e.g. `.github/workflows/deploy-stacks.yml`. */
  readonly deployWorkflow: string;
}

/**
 * The CEL mapping of `attribute.ci_role`. Its claims are ones GitHub puts in every token
 * (`event_name`, `ref`, `job_workflow_ref`, `sub`); `environment` is read only when `sub` says the
 * job has one. `job_workflow_ref` names the workflow file that defines the job, at the commit's ref,
 * so a job some other workflow (or branch) adds under the same environment gets no deploy role.
 */
export function ciRoleMapping(inputs: CiRoleInputs): string {
  const main = `refs/heads/${inputs.mainBranch}`;
  return [
    `assertion.event_name == 'pull_request' ? '${CI_ROLE.plan}' :`,
    `(assertion.event_name == 'push' && assertion.ref == '${main}') ?`,
    `  ((assertion.job_workflow_ref == '${inputs.repository}/${inputs.deployWorkflow}@${main}' && assertion.sub.startsWith('repo:${inputs.repository}:environment:'))`,
    `    ? 'deploy-' + assertion.environment : '${CI_ROLE.main}') :`,
    `'${CI_ROLE.none}'`,
  ].join(' ');
}

/** Which GitHub workflow runs may act as a service account: one value of `attribute.ci_role`. */
export class GitHubActor {
  /** Jobs of pull requests of the repository. */
  static pullRequests(): GitHubActor {
    return new GitHubActor('pull requests of the repository', CI_ROLE.plan);
  }

  /** Jobs of a push to the main branch that are not deploy jobs. */
  static mainBranchPush(): GitHubActor {
    return new GitHubActor('pushes to the main branch', CI_ROLE.main);
  }

  /**
   * The deploy workflow's jobs in this GitHub environment, on a push to the main branch. The
   * environment's protection rules (required reviewers, deployment branches) gate them as well.
   */
  static deployJob(environment: string): GitHubActor {
    return new GitHubActor(`deploy jobs in GitHub environment ${environment}`, CI_ROLE.deploy(environment));
  }

  private constructor(
    /** Human-readable, for descriptions and docs. */
    readonly description: string,
    /** The `attribute.ci_role` value. */
    readonly ciRole: string,
  ) {}

  /** The IAM member string for a pool (its `name`, `projects/<number>/locations/global/workloadIdentityPools/<id>`). */
  member(poolName: string): string {
    return `principalSet://iam.googleapis.com/${poolName}/attribute.ci_role/${this.ciRole}`;
  }
}

export interface GitHubWorkloadIdentityProps {
  readonly project: string;
  /** `owner/name`: the deploy workflow's `job_workflow_ref` names it. */
  readonly repository: string;
  /** GitHub's numeric repository id (claim `repository_id`): the provider rejects tokens of any other repository. */
  readonly repositoryId: string;
  /** GitHub's numeric id of the repository's owner (claim `repository_owner_id`). */
  readonly repositoryOwnerId: string;
  /** 4-32 lowercase letters, digits or hyphens. Deleted pools keep their id for 30 days. @default 'github' */
  readonly poolId?: string;
  /** @default 'github-actions' */
  readonly providerId?: string;
  /** The branch that pushes images and deploys. @default 'main' */
  readonly mainBranch?: string;
  /** Path of the workflow whose environment jobs may deploy, e.g. `.github/workflows/deploy-stacks.yml`. */
  readonly deployWorkflow: string;
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
  readonly mainBranch: string;

  constructor(scope: Construct, id: string, props: GitHubWorkloadIdentityProps) {
    super(scope, id);
    if (!REPOSITORY.test(props.repository)) {
      throw new Error(`GitHubWorkloadIdentity repository "${props.repository}" must be "owner/name", e.g. "isoscribe/isoscribe-stack"`);
    }
    const poolId = props.poolId ?? 'github';
    if (!/^[a-z0-9-]{4,32}$/.test(poolId) || poolId.startsWith('gcp-')) {
      throw new Error(`GitHubWorkloadIdentity poolId "${poolId}" must be 4-32 lowercase letters, digits or hyphens, not starting with "gcp-"`);
    }
    for (const [field, id] of [['repositoryId', props.repositoryId], ['repositoryOwnerId', props.repositoryOwnerId]] as const) {
      if (!/^[1-9][0-9]{0,19}$/.test(id)) {
        throw new Error(`GitHubWorkloadIdentity ${field} "${id}" must be GitHub's numeric id (gh api repos/${props.repository} --jq ${field === 'repositoryId' ? '.id' : '.owner.id'})`);
      }
    }
    this.repository = props.repository;
    this.mainBranch = props.mainBranch ?? 'main';

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
        'attribute.repository_owner_id': 'assertion.repository_owner_id',
        'attribute.ref': 'assertion.ref',
        'attribute.event_name': 'assertion.event_name',
        'attribute.actor': 'assertion.actor',
        // What the job may do; service accounts trust one value each (GitHubActor).
        'attribute.ci_role': ciRoleMapping({ repository: props.repository, mainBranch: this.mainBranch, deployWorkflow: props.deployWorkflow }),
      },
      // Every token GitHub issues is signed by the same issuer: without this condition, any
      // repository on github.com could exchange its tokens in this pool. Ids, not the name: a
      // deleted, renamed or transferred repository's name can be taken by someone else, its id not
      // (claims `repository_id`, `repository_owner_id`: https://docs.github.com/en/actions/reference/security/oidc).
      attributeCondition: `assertion.repository_id == '${props.repositoryId}' && assertion.repository_owner_id == '${props.repositoryOwnerId}'`,
    });
  }

  /** Lets `actor` impersonate the service account (`roles/iam.workloadIdentityUser`), and nobody else through this pool. */
  grantImpersonation(id: string, serviceAccountName: string, actor: GitHubActor): ServiceAccountIamMember {
    return new ServiceAccountIamMember(this, id, {
      serviceAccountId: serviceAccountName,
      role: 'roles/iam.workloadIdentityUser',
      member: actor.member(this.pool.name),
    });
  }
}
