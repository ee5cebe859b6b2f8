import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { TerraformStack, Testing } from 'cdktf';
import { API_OF_RESOURCE_TYPE, orderAfterEnablement } from '../../constructs/gcp/project-services';
import { HardeningPolicy, StackView, type ResourceView } from '../../policy';
import { PROJECT_SERVICE_RULES, unmappedResourceTypes } from '../../policy/rules/project-services';
import { synthesized, type TfJson } from '../support/topology';

/*
 * API-001: a stack that enables an API creates nothing of that API before the enablement. Checked on
 * small stacks of the real provider classes, then on every synthesized stack of the app.
 */

function stackWithIam(order: 'none' | 'depends_on' | 'helper'): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'fixture');
  const iam = new ProjectService(stack, 'service-iam', { project: 'p', service: 'iam.googleapis.com' });
  const account = new ServiceAccount(stack, 'account', { project: 'p', accountId: 'someone', dependsOn: order === 'depends_on' ? [iam] : undefined });
  new IamWorkloadIdentityPool(stack, 'pool', { project: 'p', workloadIdentityPoolId: 'github', dependsOn: order === 'depends_on' ? [iam] : undefined });
  // Ordered through the account it references, whenever the account is.
  new ServiceAccountIamMember(stack, 'binding', { serviceAccountId: account.name, role: 'roles/iam.workloadIdentityUser', member: 'principal://x' });
  if (order === 'helper') orderAfterEnablement(stack, [iam]);
  return stack;
}

const findings = (stack: TerraformStack) => new HardeningPolicy().checkStack(stack).map((f) => `${f.ruleId} ${f.address}`);

describe('API-001: nothing of an API before its enablement', () => {
  it('reports every resource of an enabled API that does not depend on the enablement (bootstrap before the fix)', () => {
    expect(findings(stackWithIam('none')).sort()).toEqual([
      'API-001 google_iam_workload_identity_pool.pool',
      'API-001 google_service_account.account',
      'API-001 google_service_account_iam_member.binding',
    ]);
    const [finding] = new HardeningPolicy().checkStack(stackWithIam('none')).filter((f) => f.address === 'google_service_account.account');
    expect(finding.problems).toEqual(['the stack enables iam.googleapis.com (google_project_service.service-iam) but google_service_account.account does not depend on it (depends_on: none)']);
  });

  it('accepts depends_on, directly or through a resource it references', () => {
    expect(findings(stackWithIam('depends_on'))).toEqual([]);
  });

  it('orderAfterEnablement makes each resource depend on its own API\'s enablement, once', () => {
    const stack = stackWithIam('helper');
    expect(findings(stack)).toEqual([]);
    const json = JSON.parse(Testing.synth(stack)) as TfJson;
    expect(json.resource.google_service_account.account.depends_on).toEqual(['google_project_service.service-iam']);
    expect(json.resource.google_project_service['service-iam'].depends_on).toBeUndefined();
  });

  it('asks nothing of a stack that enables no API (its APIs come from an earlier stack)', () => {
    const stack = new TerraformStack(Testing.app(), 'fixture');
    new ServiceAccount(stack, 'account', { project: 'p', accountId: 'someone' });
    expect(findings(stack)).toEqual([]);
  });
});

describe('API-001 on the synthesized app', () => {
  const out = synthesized();
  const stacks = Object.keys(out.manifest.stacks);

  /** The stack as the policy sees it, from cdk.tf.json alone. */
  function viewOf(name: string): StackView {
    const json = out.read(name);
    const resources: ResourceView[] = Object.entries<Record<string, TfJson>>(json.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName).map(([resourceName, body]) => ({ type, name: resourceName, attributes: body })));
    return new StackView(name, resources);
  }

  it('some stacks enable APIs (bootstrap and core of every environment)', () => {
    const enabling = stacks.filter((s) => viewOf(s).ofType('google_project_service').length > 0).map((s) => s.replace(/^isoscribe-[a-z]+-/, '')).sort();
    expect([...new Set(enabling)]).toEqual(['bootstrap', 'core']);
  });

  it.each(stacks)('%s: every resource of an API the stack enables depends on that enablement', (name) => {
    const view = viewOf(name);
    const [rule] = PROJECT_SERVICE_RULES;
    const problems = view.resources.filter((r) => rule.resourceTypes.includes(r.type)).flatMap((r) => rule.check(r, view));
    expect(problems).toEqual([]);
  });

  it.each(stacks)('%s: every Google resource type of a stack that enables APIs has its API written down (API_OF_RESOURCE_TYPE)', (name) => {
    expect(unmappedResourceTypes(viewOf(name))).toEqual([]);
  });

  it('maps only to APIs written as <name>.googleapis.com', () => {
    for (const api of Object.values(API_OF_RESOURCE_TYPE)) expect(api).toMatch(/^[a-z]+\.googleapis\.com$/);
  });
});
