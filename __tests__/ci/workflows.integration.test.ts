import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { APPLY_TIMEOUT_MINUTES, DEPLOY_WAVE_JOBS } from '../../ci/deploy-waves';
import { DEPLOY_WORKFLOW, planEnvironment } from '../../stacks/bootstrap-stack';

const root = path.resolve(__dirname, '../..');
const workflowDir = path.join(root, '.github/workflows');
const workflowFiles = fs.readdirSync(workflowDir).filter((f) => f.endsWith('.yml')).sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = Record<string, any>;
const workflows: Record<string, Yaml> = Object.fromEntries(workflowFiles.map((f) => [f, parse(fs.readFileSync(path.join(workflowDir, f), 'utf8'))]));

/** actionlint from ci/install/actionlint.sh (.tools/bin), else from PATH. */
function actionlint(): string {
  const local = path.join(root, '.tools/bin/actionlint');
  if (fs.existsSync(local)) return local;
  const which = spawnSync('sh', ['-c', 'command -v actionlint'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('actionlint is not installed: run `bash ci/install/actionlint.sh` (needs Go 1.25+)');
}

/** A step that plans or applies stacks against real state (verify:terraform plans offline, with no credentials). */
const PLANS_OR_APPLIES = /ci\/saved-plan\.sh (plan|apply)\b|plan-comment\.ts run\b|cdktf (diff|deploy)\b|terraform\b.*\b(plan|apply)\b/;
const AUTH_PLUGIN = 'gke-gcloud-auth-plugin';

/** `<file> › <job>` of every job that plans or applies with Google credentials, with its steps' indexes. */
function credentialedPlanJobs(wfs: Record<string, Yaml>): { where: string; steps: Yaml[]; auth: number; plan: number }[] {
  const jobs = [];
  for (const [file, wf] of Object.entries(wfs)) {
    for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
      const steps: Yaml[] = job.steps ?? [];
      const auth = steps.findIndex((st) => String(st.uses).startsWith('google-github-actions/auth@'));
      const plan = steps.findIndex((st) => PLANS_OR_APPLIES.test(String(st.run ?? '')));
      if (auth >= 0 && plan >= 0) jobs.push({ where: `${file} › ${name}`, steps, auth, plan });
    }
  }
  return jobs;
}

/**
 * One line per job that plans or applies with Google credentials without GKE's credential plugin,
 * which the workloads stacks' kubernetes provider runs for its token (its exec block): setup-gcloud,
 * pinned, installing the plugin, after the auth step (which signs that gcloud in) and before the plan.
 */
function jobsWithoutAuthPlugin(wfs: Record<string, Yaml>): string[] {
  const lines: string[] = [];
  for (const { where, steps, auth, plan } of credentialedPlanJobs(wfs)) {
    const gcloud = steps.findIndex((st) => String(st.uses).startsWith('google-github-actions/setup-gcloud@'));
    if (gcloud < 0) {
      lines.push(`${where}: plans or applies with Google credentials but installs no ${AUTH_PLUGIN}: add google-github-actions/setup-gcloud with install_components: ${AUTH_PLUGIN} after the auth step`);
      continue;
    }
    const inputs: Yaml = steps[gcloud].with ?? {};
    if (!String(inputs.install_components ?? '').split(',').map((c) => c.trim()).includes(AUTH_PLUGIN)) {
      lines.push(`${where}: setup-gcloud must install the plugin: install_components: ${AUTH_PLUGIN}`);
    }
    if (!/^\d+\.\d+\.\d+$/.test(String(inputs.version ?? ''))) lines.push(`${where}: setup-gcloud must pin gcloud's version (got ${inputs.version ?? 'none, i.e. latest'})`);
    if (gcloud < auth) lines.push(`${where}: setup-gcloud runs before google-github-actions/auth, so its gcloud (and the plugin) is not signed in: move it after`);
    if (gcloud > plan) lines.push(`${where}: setup-gcloud must come before the step that plans or applies`);
  }
  return lines;
}

describe('GitHub Actions workflows', () => {
  it('pass actionlint (syntax, expressions, job graph, action inputs)', () => {
    const run = spawnSync(actionlint(), ['-no-color', ...workflowFiles.map((f) => path.join('.github/workflows', f))], { cwd: root, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('actionlint does catch a broken workflow (the check above can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionlint-'));
    try {
      fs.mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
      const broken = fs.readFileSync(path.join(workflowDir, 'deploy.yml'), 'utf8').replace('needs: [images, staging]', 'needs: [images, stagign]');
      fs.writeFileSync(path.join(dir, '.github/workflows/deploy.yml'), broken);
      const run = spawnSync(actionlint(), ['-no-color', '.github/workflows/deploy.yml'], { cwd: dir, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/stagign/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pin every third-party action to a full commit SHA, with its release tag in a comment', () => {
    for (const file of workflowFiles.map((f) => path.join(workflowDir, f)).concat(path.join(root, '.github/actions/setup-node-project/action.yml'))) {
      const uses = [...fs.readFileSync(file, 'utf8').matchAll(/uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, ref, rest] of uses) {
        if (ref.startsWith('./')) continue; // this repository's own actions and workflows
        expect(`${ref}${rest}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
      }
    }
  });

  it("install GKE's credential plugin, pinned, after auth, in every job that plans or applies with credentials", () => {
    expect(credentialedPlanJobs(workflows).map((j) => j.where).sort()).toEqual(['deploy-stacks.yml › apply', 'deploy-stacks.yml › plan', 'pull-request.yml › plan']);
    expect(jobsWithoutAuthPlugin(workflows)).toEqual([]);
  });

  describe('the plugin check fails on a job that would run the workloads stacks without it', () => {
    const steps = (wfs: Record<string, Yaml>, file: string, job: string): Yaml[] => wfs[file].jobs[job].steps;
    const gcloudStep = (list: Yaml[]) => list.findIndex((st) => String(st.uses).startsWith('google-github-actions/setup-gcloud@'));
    it.each<[string, (wfs: Record<string, Yaml>) => void, string]>([
      [
        'the step removed from the deploy apply',
        (wfs) => steps(wfs, 'deploy-stacks.yml', 'apply').splice(gcloudStep(steps(wfs, 'deploy-stacks.yml', 'apply')), 1),
        `deploy-stacks.yml › apply: plans or applies with Google credentials but installs no ${AUTH_PLUGIN}: add google-github-actions/setup-gcloud with install_components: ${AUTH_PLUGIN} after the auth step`,
      ],
      [
        'the step moved before auth in the pull-request plan',
        (wfs) => {
          const list = steps(wfs, 'pull-request.yml', 'plan');
          const [step] = list.splice(gcloudStep(list), 1);
          list.unshift(step);
        },
        'pull-request.yml › plan: setup-gcloud runs before google-github-actions/auth, so its gcloud (and the plugin) is not signed in: move it after',
      ],
      [
        'no install_components',
        (wfs) => delete steps(wfs, 'deploy-stacks.yml', 'plan')[gcloudStep(steps(wfs, 'deploy-stacks.yml', 'plan'))].with.install_components,
        `deploy-stacks.yml › plan: setup-gcloud must install the plugin: install_components: ${AUTH_PLUGIN}`,
      ],
      [
        'gcloud unpinned',
        (wfs) => (steps(wfs, 'deploy-stacks.yml', 'plan')[gcloudStep(steps(wfs, 'deploy-stacks.yml', 'plan'))].with.version = 'latest'),
        "deploy-stacks.yml › plan: setup-gcloud must pin gcloud's version (got latest)",
      ],
    ])('%s', (_, edit, message) => {
      const broken = JSON.parse(JSON.stringify(workflows));
      edit(broken);
      expect(jobsWithoutAuthPlugin(broken)).toEqual([message]);
    });
  });

  it('grant no permission by default, and the OIDC token only to jobs that exchange it', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect([file, wf.permissions]).toEqual([file, {}]);
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        const authenticates = JSON.stringify(job.steps ?? []).includes('google-github-actions/auth@') ||
          ['./.github/workflows/deploy-environment.yml', './.github/workflows/deploy-stacks.yml'].includes(job.uses);
        expect([file, name, job.permissions?.['id-token'] === 'write']).toEqual([file, name, authenticates]);
        expect(Object.values(job.permissions ?? {}).every((level) => level === 'read' || level === 'write')).toBe(true);
      }
    }
  });

  it('use no service-account key and no privileged pull_request_target trigger', () => {
    for (const file of workflowFiles) {
      const text = fs.readFileSync(path.join(workflowDir, file), 'utf8');
      expect(text).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS|pull_request_target/);
    }
  });

  it('plan with credentials only for pull requests from this repository, and comment only there', () => {
    const pr = workflows['pull-request.yml'];
    const sameRepo = 'github.event.pull_request.head.repo.full_name == github.repository';
    expect(pr.jobs.plan.if).toBe(sameRepo);
    expect(pr.jobs['plan-comment'].if).toContain(sameRepo);
    const comment = pr.jobs['synth-diff'].steps.find((s: Yaml) => s.name === 'Comment on the pull request');
    expect(comment.if).toBe(sameRepo);
    // Forks still get the synth diff, in the job summary.
    expect(pr.jobs['synth-diff'].steps.some((s: Yaml) => String(s.run).includes('GITHUB_STEP_SUMMARY'))).toBe(true);
    expect(pr.jobs.plan.steps.find((s: Yaml) => String(s.uses).startsWith('google-github-actions/auth@')).with.service_account).toContain('_GCP_PLANNER_SA');
  });

  it('deploy staging, then production behind its GitHub environment, never cancelling an apply', () => {
    const deploy = workflows['deploy.yml'];
    expect(deploy.on).toEqual({ push: { branches: ['main'] } });
    expect(deploy.concurrency['cancel-in-progress']).toBe(false);
    expect(deploy.jobs.staging.with.environment).toBe('staging');
    expect(deploy.jobs.production.with.environment).toBe('production');
    expect(deploy.jobs.production.needs).toEqual(['images', 'staging']);
    for (const env of ['staging', 'production']) {
      expect(deploy.jobs[env].with.image_pins).toBe(`\${{ needs.images.outputs.${env}_image_pins }}`);
    }
    // Every workload's image is built and pinned by the scripts that iterate over workloads/index.ts.
    expect(deploy.jobs.images.steps.find((s: Yaml) => s.name === 'Build').run).toContain('ci/build-images.sh');
  });

  it('deploy an environment in the manifest\'s waves, each wave after the one before, with no stack named in YAML', () => {
    const wf = workflows['deploy-environment.yml'];
    expect(wf.jobs.waves.steps.find((st: Yaml) => String(st.run).includes('ci/deploy-waves.ts'))).toBeDefined();
    const waveJobs = Object.keys(wf.jobs).filter((n) => /^wave\d+$/.test(n));
    expect(waveJobs).toHaveLength(DEPLOY_WAVE_JOBS);
    for (const [i, name] of waveJobs.entries()) {
      const job = wf.jobs[name];
      expect(job.uses).toBe('./.github/workflows/deploy-stacks.yml');
      expect(job.needs).toEqual(i === 0 ? 'waves' : ['waves', `wave${i}`]);
      expect(job.with.stacks).toBe(`\${{ needs.waves.outputs.${name} }}`);
      expect(job.with.apply_timeout_minutes).toBe(`\${{ fromJSON(needs.waves.outputs.${name}_timeout) }}`);
      expect(job.with.image_pins).toBe('${{ inputs.image_pins }}');
    }
    expect(fs.readFileSync(path.join(workflowDir, 'deploy-environment.yml'), 'utf8')).not.toMatch(/isoscribe-(staging|production)-/);
  });

  it('plan before approval, show the plan, then apply exactly the saved plan behind the environment\'s reviewers', () => {
    const wf = workflows['deploy-stacks.yml'];
    const { plan, apply } = wf.jobs;
    expect(`.github/workflows/deploy-stacks.yml`).toBe(DEPLOY_WORKFLOW); // the deployer trusts this file's jobs only
    expect(plan.environment).toBe(`\${{ inputs.environment }}${planEnvironment('')}`);
    expect(apply.environment).toBe('${{ inputs.environment }}');
    expect(apply.needs).toBe('plan');
    const runs = (job: Yaml) => job.steps.map((st: Yaml) => String(st.run ?? '')).join('\n');
    expect(runs(plan)).toContain('ci/saved-plan.sh plan "$STACK"');
    expect(runs(apply)).toContain('ci/saved-plan.sh apply "$STACK"');
    expect(plan.steps.some((st: Yaml) => String(st.uses).startsWith('actions/upload-artifact@'))).toBe(true);
    // Nothing applies but the saved plan: no `cdktf deploy` (it plans again), no -auto-approve.
    for (const file of ['deploy.yml', 'deploy-environment.yml', 'deploy-stacks.yml']) {
      const commands = Object.values<Yaml>(workflows[file].jobs).flatMap((job) => (job.steps ?? []).map((st: Yaml) => String(st.run ?? '')));
      expect([file, commands.filter((c) => /auto-approve|cdktf (deploy|apply)|terraform (-chdir=\S+ )?apply/.test(c))]).toEqual([file, []]);
    }
    // Same commit, same images in both jobs: the apply re-synthesizes what was planned.
    for (const job of [plan, apply]) {
      const pin = job.steps.find((st: Yaml) => st.name === "Pin every workload's image");
      expect(pin.env).toEqual({ IMAGE_PINS: '${{ inputs.image_pins }}' });
      expect(pin.run).toContain('GITHUB_ENV');
      const synth = job.steps.findIndex((st: Yaml) => String(st.run) === 'npm run synth');
      expect(job.steps.indexOf(pin)).toBeLessThan(synth);
    }
  });

  it('apply a wave\'s stacks in parallel, never cancel a sibling apply, and report a state lock left behind', () => {
    const { plan, apply } = workflows['deploy-stacks.yml'].jobs;
    for (const job of [plan, apply]) {
      expect(job.strategy.matrix.stack).toBe('${{ fromJSON(inputs.stacks) }}');
      expect(job.strategy['fail-fast']).toBe(false);
    }
    // Only the apply takes the state lock (the plan runs -lock=false, as the planner, which cannot write one).
    const check = apply.steps.find((st: Yaml) => String(st.run).includes('ci/saved-plan.sh check-lock'));
    expect(check.if).toBe('cancelled() || failure()');
    expect(plan.steps.some((st: Yaml) => String(st.run).includes('check-lock'))).toBe(false);
    expect(apply.concurrency).toBeUndefined(); // deploy.yml runs one deploy at a time already
    expect(apply['timeout-minutes']).toBe('${{ inputs.apply_timeout_minutes }}');
  });

  it('plan as the read-only planner (it runs npm ci and synth before any review); only the apply, behind the environment, holds the deployer', () => {
    const { plan, apply } = workflows['deploy-stacks.yml'].jobs;
    const account = (job: Yaml) => job.steps.filter((st: Yaml) => String(st.uses).startsWith('google-github-actions/auth@')).map((st: Yaml) => st.with.service_account);
    expect(account(plan)).toEqual(["${{ vars[format('{0}_GCP_PLANNER_SA', inputs.vars_prefix)] }}"]);
    expect(account(apply)).toEqual(["${{ vars[format('{0}_GCP_DEPLOYER_SA', inputs.vars_prefix)] }}"]);
    // No other job of any workflow acts as a deployer.
    for (const [file, wf] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        if (file === 'deploy-stacks.yml' && name === 'apply') continue;
        expect([file, name, JSON.stringify(job).includes('_GCP_DEPLOYER_SA')]).toEqual([file, name, false]);
      }
    }
    // The apply checks the saved files against the receipt the plan job uploaded in this run.
    const upload = plan.steps.find((st: Yaml) => String(st.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with.name).toBe('plan-${{ matrix.stack }}');
    expect(upload.with.path).toContain('cdktf.out/stacks/${{ matrix.stack }}/tfplan.receipt');
    const download = apply.steps.findIndex((st: Yaml) => String(st.uses).startsWith('actions/download-artifact@'));
    const applyStep = apply.steps.findIndex((st: Yaml) => String(st.run).includes('ci/saved-plan.sh apply'));
    expect(apply.steps[download].with).toEqual({ name: 'plan-${{ matrix.stack }}', path: 'plan-receipt' });
    expect(download).toBeGreaterThan(apply.steps.findIndex((st: Yaml) => st.run === 'npm run synth'));
    expect(download).toBeLessThan(applyStep);
    expect(apply.steps[applyStep].run).toBe('bash ci/saved-plan.sh apply "$STACK" plan-receipt/tfplan.receipt');
  });

  it('wait, bounded, for the certificate before planning a stack that reads it (edge), instead of failing the first deploy', () => {
    const { plan } = workflows['deploy-stacks.yml'].jobs;
    const wait = plan.steps.findIndex((st: Yaml) => String(st.run).includes('ci/certificate-wait.ts'));
    const planStep = plan.steps.findIndex((st: Yaml) => String(st.run).includes('ci/saved-plan.sh plan'));
    const auth = plan.steps.findIndex((st: Yaml) => String(st.uses).startsWith('google-github-actions/auth@'));
    const synth = plan.steps.findIndex((st: Yaml) => st.run === 'npm run synth');
    expect(wait).toBeGreaterThan(Math.max(auth, synth));
    expect(wait).toBeLessThan(planStep);
    const step = plan.steps[wait];
    expect(step.run).toBe('npx tsx ci/certificate-wait.ts --stack "$STACK" --timeout-minutes 60');
    // The step's own bound is above the script's; the job's above both.
    expect(step['timeout-minutes']).toBeGreaterThan(60);
    expect(plan['timeout-minutes']).toBeGreaterThan(step['timeout-minutes']);
  });

  it('give each apply longer than Terraform\'s own timeouts, so Terraform gives up (and unlocks) first', () => {
    // google 6.50.0: cluster create 40 / update 60 min, then node pool 30 min.
    expect(APPLY_TIMEOUT_MINUTES.cluster).toBeGreaterThan(60 + 30);
    // kubernetes 2.38.0: a Deployment waits 10 min for its rollout.
    expect(APPLY_TIMEOUT_MINUTES.workloads).toBeGreaterThan(10);
    expect(workflows['deploy.yml'].concurrency['cancel-in-progress']).toBe(false);
  });
});
