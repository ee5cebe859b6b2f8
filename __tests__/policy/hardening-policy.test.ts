import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { AnnotationMetadataEntryType, Testing, TerraformStack } from 'cdktf';
import { HARDENING_RULES, HardeningPolicy, MIN_REASON_LENGTH, PolicySuppressions, REPORT_FILE } from '../../policy';
import { synthesized } from '../support/topology';
import { gke, newStack, pods } from './fixtures';
import { blockContent } from '../../tools/generated-block';
import { POLICY_DOC, RULE_TABLE, updatedPolicyDoc } from '../../tools/policy-doc/policy-doc';

const root = resolve(__dirname, '../..');

function annotations(stack: TerraformStack, level: string): string[] {
  return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === level).map((m) => `${c.node.path}: ${m.data}`));
}

describe('a violation', () => {
  it('fails synth with the construct path, the rule, what is wrong and the fix', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'fixture');
    gke(stack, (p) => { p.cluster.privateClusterConfig.enablePrivateNodes = false; });
    HardeningPolicy.applyTo(app);
    expect(() => app.synth()).toThrow(
      /fixture\/cluster.*\[GKE-001\] Nodes are private.*Problem: private_cluster_config\.enable_private_nodes is false\. Fix: set privateClusterConfig\.enablePrivateNodes: true.*Resource: google_container_cluster\.cluster at fixture\/cluster/s,
    );
  });

  it('makes the real entry point exit non-zero, naming the resource, the rule and the fix', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'isoscribe-policy-')), 'cdktf.out');
    // A config the schema accepts but the policy does not: a production cluster Terraform may delete.
    const script = `
      const { ENVIRONMENTS } = require('./config');
      ENVIRONMENTS.find((e) => e.name === 'production').cluster.deletionProtection = false;
      require('./main').main();
    `;
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ISOSCRIBE_ENVS: 'production' },
      encoding: 'utf8',
    });
    rmSync(join(outdir, '..'), { recursive: true, force: true });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/\[isoscribe-production-cluster-[a-z0-9-]+\/gke\/cluster\] \[GKE-017\] Terraform may not delete the cluster/);
    expect(run.stderr).toContain('Fix: set deletionProtection: true');
  }, 60_000);
});

describe('PolicySuppressions', () => {
  it('accepts a finding with its reason, as a warning, and keeps it in the report', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'fixture');
    const { deployment } = pods(stack, (p) => { delete p.deployment.spec.template.spec.automountServiceAccountToken; });
    const reason = 'The operator sidecar watches ConfigMaps through the Kubernetes API.';
    PolicySuppressions.add(deployment, [{ id: 'POD-010', reason }]);
    const policy = HardeningPolicy.applyTo(app);
    app.synth();

    expect(policy.violations).toEqual([]);
    expect(policy.suppressed).toEqual([expect.objectContaining({ ruleId: 'POD-010', suppressedBecause: reason, path: 'fixture/deployment' })]);
    expect(annotations(stack, AnnotationMetadataEntryType.WARN)).toEqual([expect.stringContaining(`fixture/deployment: [POD-010] suppressed: ${reason}`)]);
    const report = JSON.parse(readFileSync(join(app.outdir, REPORT_FILE), 'utf8'));
    expect(report.suppressed).toEqual([expect.objectContaining({ ruleId: 'POD-010', suppressedBecause: reason })]);
    expect(report.rules).toHaveLength(HARDENING_RULES.length);
  });

  it('warns when a suppression is no longer needed', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'fixture');
    const { deployment } = pods(stack);
    PolicySuppressions.add(deployment, [{ id: 'POD-010', reason: 'Kept from an older version of the workload.' }]);
    HardeningPolicy.applyTo(app);
    app.synth();
    expect(annotations(stack, AnnotationMetadataEntryType.WARN)).toEqual([expect.stringContaining('[POD-010] suppression is no longer needed')]);
  });

  it.each([
    ['no reason', { id: 'POD-010', reason: '' }, `needs a reason of at least ${MIN_REASON_LENGTH} characters`],
    ['a token reason', { id: 'POD-010', reason: 'n/a' }, 'needs a reason'],
    ['an unknown rule', { id: 'POD-999', reason: 'A reason long enough to count.' }, 'unknown rule id "POD-999"'],
    ['a rule of another resource type', { id: 'GKE-001', reason: 'A reason long enough to count.' }, 'rule GKE-001 checks google_container_cluster, not kubernetes_deployment_v1'],
  ])('refuses %s', (_what, suppression, message) => {
    const { deployment } = pods(newStack());
    expect(() => PolicySuppressions.add(deployment, [suppression])).toThrow(message);
  });

  it('refuses a construct that is not one resource', () => {
    const stack = newStack();
    expect(() => PolicySuppressions.add(stack, [{ id: 'GKE-001', reason: 'A reason long enough to count.' }])).toThrow('apply to one Terraform resource');
  });
});

describe('HardeningPolicy.applyTo', () => {
  it('refuses to synthesize a stack created after it', () => {
    const app = Testing.app();
    new TerraformStack(app, 'before');
    HardeningPolicy.applyTo(app);
    new TerraformStack(app, 'after');
    expect(() => app.synth()).toThrow('stacks after were created after HardeningPolicy.applyTo(app)');
  });

  it('is one policy per app, however often it is called', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    expect(HardeningPolicy.applyTo(app)).toBe(HardeningPolicy.applyTo(app));
    gke(stack);
    app.synth();
    expect(annotations(stack, AnnotationMetadataEntryType.INFO)).toHaveLength(1);
  });
});

describe('the whole app, every environment (the real `cdktf synth` of this test run)', () => {
  const shared = synthesized();
  const report = JSON.parse(readFileSync(join(shared.dir, REPORT_FILE), 'utf8')) as {
    stacks: { name: string }[];
    violations: { ruleId: string; path: string; problems: string[] }[];
    suppressed: { ruleId: string; path: string; suppressedBecause: string }[];
  };

  it('synthesizes with zero violations', () => {
    expect(report.violations.map((f) => `${f.ruleId} ${f.path}: ${f.problems.join('; ')}`)).toEqual([]);
  });

  it('checked every stack', () => {
    expect(report.stacks.map((s) => s.name).sort()).toEqual(Object.keys(shared.manifest.stacks).sort());
  });

  it('has a resource for every rule to check (no rule passes by finding nothing)', () => {
    const types = new Set(Object.keys(shared.manifest.stacks).flatMap((name) => Object.keys(shared.read(name).resource ?? {})));
    const idle = HARDENING_RULES.filter((r) => !r.resourceTypes.some((t) => types.has(t))).map((r) => r.id);
    expect(idle).toEqual([]);
  });

  it('carries each suppression with a reason, and the report lists them', () => {
    expect(report.suppressed.length).toBeGreaterThan(0);
    for (const f of report.suppressed) expect(f.suppressedBecause.length).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
  });
});

describe('docs/policy.md', () => {
  it('carries the rule table generated from the rules: run `npm run policy-doc` after changing a rule', () => {
    const doc = readFileSync(POLICY_DOC, 'utf8');
    expect(doc).toBe(updatedPolicyDoc(doc));
    expect(blockContent(doc, RULE_TABLE)?.split('\n').filter((line) => /^\| [A-Z]+-\d+ \|/.test(line))).toHaveLength(HARDENING_RULES.length);
  });
});
