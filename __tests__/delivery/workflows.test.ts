import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '../..');
const workflowDir = path.join(root, '.github/workflows');
const workflowFiles = fs.readdirSync(workflowDir).filter((f) => f.endsWith('.yml')).sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = Record<string, any>;
const workflows: Record<string, Yaml> = Object.fromEntries(workflowFiles.map((f) => [f, parse(fs.readFileSync(path.join(workflowDir, f), 'utf8'))]));

/** actionlint from scripts/ci-install-actionlint.sh (.tools/bin), else from PATH. */
function actionlint(): string {
  const local = path.join(root, '.tools/bin/actionlint');
  if (fs.existsSync(local)) return local;
  const which = spawnSync('sh', ['-c', 'command -v actionlint'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('actionlint is not installed: run `bash scripts/ci-install-actionlint.sh` (needs Go 1.25+)');
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

  it('grant no permission by default, and the OIDC token only to jobs that exchange it', () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect([file, wf.permissions]).toEqual([file, {}]);
      for (const [name, job] of Object.entries<Yaml>(wf.jobs)) {
        const authenticates = JSON.stringify(job.steps ?? []).includes('google-github-actions/auth@') || job.uses === './.github/workflows/deploy-environment.yml';
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
    expect(deploy.jobs.images.steps.find((s: Yaml) => s.name === 'Build').run).toContain('scripts/ci-build-images.sh');
    const job = workflows['deploy-environment.yml'].jobs.deploy;
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.concurrency['cancel-in-progress']).toBe(false);
    const pin = job.steps.find((s: Yaml) => s.name === "Pin every workload's image");
    expect(pin.env).toEqual({ IMAGE_PINS: '${{ inputs.image_pins }}' });
    expect(pin.run).toContain('GITHUB_ENV');
    const deployStep = job.steps.find((s: Yaml) => String(s.run).includes('cdktf deploy'));
    // The order comes from the synthesized manifest, not from stack names written here.
    expect(deployStep.run).toContain('scripts/stack-order.ts');
    expect(deployStep.run).not.toMatch(/isoscribe-(staging|production)-/);
  });
});
