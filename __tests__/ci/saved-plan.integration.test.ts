import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/*
 * ci/saved-plan.sh with the real Terraform, on a stack of `terraform_data` resources (the
 * built-in provider, so plan and apply run here without a cloud): plan → saved plan → apply exactly
 * it. The deploy workflow runs the same script on the real stacks with a gs:// plan store.
 */

const root = path.resolve(__dirname, '../..');
const script = path.join(root, 'ci/saved-plan.sh');
const STACK = 'isoscribe-test-core';

let work: string;
let store: string;
let summary: string;

function writeStack(value: string): void {
  const dir = path.join(work, 'cdktf.out/stacks', STACK);
  fs.mkdirSync(dir, { recursive: true });
  const config = {
    terraform: { backend: { local: { path: '../../../.terraform-state/test.tfstate' } } },
    resource: { terraform_data: { marker: { input: value } } },
    output: { marker: { value: '${terraform_data.marker.output}' } },
  };
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(config, null, 2));
}

function run(...args: string[]) {
  const result = spawnSync('bash', [script, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_STEP_SUMMARY: summary, TF_CLI_CONFIG_FILE: path.join(work, 'none.tfrc') },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The plan job's receipt, kept as its artifact would be (a later plan rewrites the one in the stack's directory). */
let receipts = 0;
function keepReceipt(): string {
  const kept = path.join(work, `receipt-${++receipts}`);
  fs.copyFileSync(path.join(work, 'cdktf.out/stacks', STACK, 'tfplan.receipt'), kept);
  return kept;
}

function state(): { outputs: Record<string, { value: string }> } {
  return JSON.parse(fs.readFileSync(path.join(work, '.terraform-state/test.tfstate'), 'utf8'));
}

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'saved-plan-'));
  store = path.join(work, 'store/run-1');
  summary = path.join(work, 'summary.md');
  fs.writeFileSync(summary, '');
  // No provider to install: an empty CLI config keeps the user's own out of the test.
  fs.writeFileSync(path.join(work, 'none.tfrc'), '');
  writeStack('first');
});

afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

describe('ci/saved-plan.sh (real terraform, built-in provider)', () => {
  it('plans, shows the plan in the job summary, saves it, and applies exactly that plan', () => {
    const plan = run('plan', STACK, store);
    expect(plan.out).toContain('planned (changes)');
    expect(plan.status).toBe(0);
    expect(fs.readdirSync(path.join(store, STACK)).sort()).toEqual(['changes', 'config-sha256', 'terraform.lock.hcl', 'tfplan']);
    const shown = fs.readFileSync(summary, 'utf8');
    expect(shown).toContain(`### \`${STACK}\`: changes`);
    expect(shown).toContain('terraform_data.marker will be created');
    const receipt = keepReceipt();
    expect(fs.readFileSync(receipt, 'utf8')).toMatch(new RegExp(`^store ${store}\nsha256 [0-9a-f]{64} tfplan\nsha256 [0-9a-f]{64} terraform.lock.hcl\nsha256 [0-9a-f]{64} config-sha256\nsha256 [0-9a-f]{64} changes\n$`));

    const apply = run('apply', STACK, receipt);
    expect(apply.out).toContain('Apply complete! Resources: 1 added');
    expect(apply.status).toBe(0);
    expect(state().outputs.marker.value).toBe('first');
  });

  it('refuses a saved plan replaced after the plan job (the planner of a pull request can write the store; the receipt is this run\'s)', () => {
    expect(run('plan', STACK, store).status).toBe(0);
    const receipt = keepReceipt();
    // Another plan, as someone else could make and drop into the store.
    writeStack('someone else\'s');
    expect(run('plan', STACK, path.join(work, 'store/other')).status).toBe(0);
    fs.copyFileSync(path.join(work, 'store/other', STACK, 'tfplan'), path.join(store, STACK, 'tfplan'));
    writeStack('first');
    const apply = run('apply', STACK, receipt);
    expect(apply.status).toBe(1);
    expect(apply.out).toMatch(/the saved tfplan of isoscribe-test-core \(.*\) is not the one the plan job saved \(sha256 [0-9a-f]{64}, receipt [0-9a-f]{64}\): it was replaced after the plan; plan again/);
    expect(fs.existsSync(path.join(work, '.terraform-state/test.tfstate'))).toBe(false);
  });

  it('refuses to apply when the synthesized configuration is not the one planned', () => {
    expect(run('plan', STACK, store).status).toBe(0);
    const receipt = keepReceipt();
    writeStack('changed after the plan');
    const apply = run('apply', STACK, receipt);
    expect(apply.status).toBe(1);
    expect(apply.out).toMatch(/cdk\.tf\.json differs from the one planned .* synthesize the same commit with the same ISOSCRIBE_\* variables, or plan again/);
    expect(fs.existsSync(path.join(work, '.terraform-state/test.tfstate'))).toBe(false);
  });

  it('refuses a saved plan made stale by another apply, instead of re-planning', () => {
    expect(run('plan', STACK, store).status).toBe(0);
    const first = keepReceipt();
    const other = path.join(work, 'store/run-2');
    expect(run('plan', STACK, other).status).toBe(0);
    expect(run('apply', STACK, keepReceipt()).status).toBe(0);
    const stale = run('apply', STACK, first);
    expect(stale.status).not.toBe(0);
    expect(stale.out).toMatch(/Saved plan is stale/);
  });

  it('applies nothing for a plan without changes', () => {
    expect(run('plan', STACK, store).status).toBe(0);
    expect(run('apply', STACK, keepReceipt()).status).toBe(0);
    const again = path.join(work, 'store/run-2');
    const plan = run('plan', STACK, again);
    expect(plan.out).toContain('planned (no changes)');
    const apply = run('apply', STACK, keepReceipt());
    expect(apply.status).toBe(0);
    expect(apply.out).toContain('has no changes; nothing to apply');
  });

  it('says what is missing: the synth, the store, or the plan job', () => {
    expect(run('plan', 'isoscribe-test-nothing', store).out).toMatch(/no cdktf\.out\/stacks\/isoscribe-test-nothing\/cdk\.tf\.json: run `npm run synth` first/);
    expect(run('plan', STACK).out).toMatch(/plan needs a plan store \(a gs:\/\/ prefix or a directory\): isoscribe-test-core has no GCS backend/);
    expect(run('apply', STACK).out).toMatch(/apply needs the plan job's receipt \(its artifact plan-isoscribe-test-core, file tfplan.receipt\): none at ""/);
    const receipt = path.join(work, 'receipt');
    fs.writeFileSync(receipt, `store ${store}\n`);
    expect(run('apply', STACK, receipt).out).toMatch(/no saved plan at .*: did the plan job of this run succeed\?/);
  });

  it('reports no lock for a stack with local state (GCS locks need the cloud: checked only in CI)', () => {
    const check = run('check-lock', STACK);
    expect(check.status).toBe(0);
    expect(check.out).toContain('keeps local state');
  });
});
