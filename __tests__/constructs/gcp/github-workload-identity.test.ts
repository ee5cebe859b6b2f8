import { evaluate } from '@marcbachmann/cel-js';
import { Testing } from 'cdktf';
import { loadDelivery } from '../../../config/delivery';
import { CI_ROLE, ciRoleMapping } from '../../../constructs/gcp/github-workload-identity';
import { DEPLOY_WORKFLOW, planEnvironment } from '../../../stacks/bootstrap-stack';
import { bootstrapStack, environment, onlyResource, type TfJson } from '../../support/topology';

/*
 * The provider's attribute condition and `attribute.ci_role` mapping, as synthesized, evaluated by a
 * CEL interpreter against the claims GitHub puts in its OIDC tokens. Google evaluates them at token
 * exchange, which cannot run here; the expressions are the synthesized ones, not restatements.
 */

const delivery = loadDelivery();
const REPO = delivery.github.repository;
const provider = (() => {
  const stack = bootstrapStack(Testing.app(), environment('production'), delivery);
  return onlyResource(JSON.parse(Testing.synth(stack)) as TfJson, 'google_iam_workload_identity_pool_provider');
})();

type Claims = Record<string, string>;

/** A GitHub Actions token's claims (the documented default subject format). */
function token(opts: { event: string; ref: string; workflow: string; environment?: string; repository?: string; repositoryId?: string; ownerId?: string }): Claims {
  const repository = opts.repository ?? REPO;
  const sub = opts.environment
    ? `repo:${repository}:environment:${opts.environment}`
    : opts.event === 'pull_request' ? `repo:${repository}:pull_request` : `repo:${repository}:ref:${opts.ref}`;
  return {
    sub,
    repository,
    // GitHub's claims carry the ids as strings (https://docs.github.com/en/actions/reference/security/oidc).
    repository_id: opts.repositoryId ?? delivery.github.repositoryId,
    repository_owner: repository.split('/')[0],
    repository_owner_id: opts.ownerId ?? delivery.github.repositoryOwnerId,
    actor: 'someone',
    event_name: opts.event,
    ref: opts.ref,
    workflow_ref: `${repository}/.github/workflows/deploy.yml@${opts.ref}`,
    job_workflow_ref: `${repository}/${opts.workflow}@${opts.ref}`,
    ...(opts.environment ? { environment: opts.environment } : {}),
  };
}

const ciRole = (claims: Claims) => evaluate(provider.attribute_mapping['attribute.ci_role'], { assertion: claims });
const admitted = (claims: Claims) => evaluate(provider.attribute_condition, { assertion: claims });

describe('GitHub OIDC trust, evaluated on token claims', () => {
  const cases: [string, Claims, string][] = [
    ['a pull request plans', token({ event: 'pull_request', ref: 'refs/pull/7/merge', workflow: '.github/workflows/pull-request.yml' }), CI_ROLE.plan],
    ['a pull request job that names the production environment still only plans',
      token({ event: 'pull_request', ref: 'refs/pull/7/merge', workflow: DEPLOY_WORKFLOW, environment: 'production' }), CI_ROLE.plan],
    ['the image job of a push to main is "main"', token({ event: 'push', ref: 'refs/heads/main', workflow: '.github/workflows/deploy.yml' }), CI_ROLE.main],
    ['the deploy workflow\'s production job on main deploys production',
      token({ event: 'push', ref: 'refs/heads/main', workflow: DEPLOY_WORKFLOW, environment: 'production' }), CI_ROLE.deploy('production')],
    ['its plan job on main plans production (as the planner)',
      token({ event: 'push', ref: 'refs/heads/main', workflow: DEPLOY_WORKFLOW, environment: planEnvironment('production') }), CI_ROLE.deploy('production-plan')],
    ['another workflow on main naming the production environment is not a deploy job',
      token({ event: 'push', ref: 'refs/heads/main', workflow: '.github/workflows/sneaky.yml', environment: 'production' }), CI_ROLE.main],
    ['a push to another branch gets nothing, even from the deploy workflow',
      token({ event: 'push', ref: 'refs/heads/feature', workflow: DEPLOY_WORKFLOW, environment: 'production' }), CI_ROLE.none],
    ['pull_request_target (base-branch secrets, fork code) gets nothing',
      token({ event: 'pull_request_target', ref: 'refs/heads/main', workflow: '.github/workflows/pull-request.yml' }), CI_ROLE.none],
    ['a manual run on main gets nothing', token({ event: 'workflow_dispatch', ref: 'refs/heads/main', workflow: DEPLOY_WORKFLOW, environment: 'production' }), CI_ROLE.none],
  ];

  it.each(cases)('%s', (_what, claims, expected) => {
    expect(admitted(claims)).toBe(true);
    expect(ciRole(claims)).toBe(expected);
  });

  it('admits no token of another repository, whatever it claims', () => {
    expect(admitted(token({ event: 'push', ref: 'refs/heads/main', workflow: DEPLOY_WORKFLOW, environment: 'production', repository: 'someone/fork', repositoryId: '999', ownerId: '998' }))).toBe(false);
  });

  it('admits no repository that took over our name (a recreated or transferred one has another id), and no other owner\'s', () => {
    const prod = { event: 'push', ref: 'refs/heads/main', workflow: DEPLOY_WORKFLOW, environment: 'production' };
    expect(admitted(token({ ...prod, repositoryId: '999' }))).toBe(false);
    expect(admitted(token({ ...prod, ownerId: '998' }))).toBe(false);
    // A rename keeps both ids: still admitted.
    expect(admitted(token({ ...prod, repository: 'isoscribe/renamed' }))).toBe(true);
  });

  it('a mapping that ignored the workflow file would hand the deploy role to any workflow on main (the check above can fail)', () => {
    const careless = ciRoleMapping({ repository: REPO, mainBranch: 'main', deployWorkflow: DEPLOY_WORKFLOW })
      .replace(`assertion.job_workflow_ref == '${REPO}/${DEPLOY_WORKFLOW}@refs/heads/main' && `, '');
    const sneaky = token({ event: 'push', ref: 'refs/heads/main', workflow: '.github/workflows/sneaky.yml', environment: 'production' });
    expect(evaluate(careless, { assertion: sneaky })).toBe(CI_ROLE.deploy('production'));
  });
});
