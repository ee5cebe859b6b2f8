import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certificatesReadBy, describeStatus, waitForCertificates, type CertificateStatus } from '../../ci/certificate-wait';
import { synthesized } from '../support/topology';

/*
 * ci/certificate-wait.ts, the deploy's wait for the certificate before the edge plan. Certificate
 * Manager cannot run here: gcloud is a stand-in on PATH that answers with the API's Certificate
 * resource in the shape Google documents (JSON representation of
 * https://cloud.google.com/certificate-manager/docs/reference/certificate-manager/rest/v1/projects.locations.certificates:
 * managed.state PROVISIONING | FAILED | ACTIVE; managed.authorizationAttemptInfo[] { domain, state
 * AUTHORIZING | AUTHORIZED | FAILED, failureReason CONFIG | CAA | RATE_LIMITED, details };
 * managed.provisioningIssue { reason AUTHORIZATION_ISSUE | RATE_LIMITED, details }).
 */

const root = path.resolve(__dirname, '../..');
const out = synthesized();
const EDGE = 'isoscribe-staging-edge';
const INGRESS = 'isoscribe-staging-ingress';
const DOMAINS = ['isoscribe-staging.com', 'www.isoscribe-staging.com'];

const certificate = (state: string, attempt: string, extra: Partial<NonNullable<CertificateStatus['managed']>> = {}): CertificateStatus => ({
  name: 'projects/isoscribe-staging/locations/global/certificates/isoscribe-staging-cert',
  managed: {
    state,
    authorizationAttemptInfo: DOMAINS.map((domain) => ({ domain, state: attempt, ...(attempt === 'FAILED' ? { failureReason: 'CONFIG', details: 'no CNAME found' } : {}) })),
    ...extra,
  },
});

describe('which certificate a stack waits for', () => {
  it('follows the edge stack\'s data source through its cross-stack reference to the ingress stack\'s certificate', () => {
    const [ref, ...more] = certificatesReadBy(EDGE, out.read);
    expect(more).toEqual([]);
    const created = Object.values<Record<string, string>>(out.read(INGRESS).resource.google_certificate_manager_certificate);
    expect(created.map((c) => c.name)).toEqual([ref.name]);
    expect(ref).toEqual({ project: 'isoscribe-staging', location: 'global', name: 'isoscribe-staging-cert' });
  });

  it('waits for nothing in a stack that reads no certificate', () => {
    for (const stack of Object.keys(out.manifest.stacks).filter((s) => !s.endsWith('-edge'))) expect([stack, certificatesReadBy(stack, out.read)]).toEqual([stack, []]);
  });
});

describe('waiting (clock and gcloud replaced)', () => {
  const ref = { project: 'isoscribe-staging', location: 'global', name: 'isoscribe-staging-cert' };
  function clock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => { t += ms; } };
  }

  it('prints the state and each domain\'s authorization at every poll, and returns once ACTIVE', async () => {
    const answers = [certificate('PROVISIONING', 'AUTHORIZING'), certificate('PROVISIONING', 'AUTHORIZED'), certificate('ACTIVE', 'AUTHORIZED')];
    const log: string[] = [];
    await waitForCertificates([ref], { timeoutMs: 600_000, intervalMs: 30_000, describe: () => answers.shift()!, log: (l) => log.push(l), ...clock() });
    expect(log).toEqual([
      'certificate-wait: isoscribe-staging-cert: PROVISIONING; authorization isoscribe-staging.com: AUTHORIZING, www.isoscribe-staging.com: AUTHORIZING',
      'certificate-wait: isoscribe-staging-cert: PROVISIONING; authorization isoscribe-staging.com: AUTHORIZED, www.isoscribe-staging.com: AUTHORIZED',
      'certificate-wait: isoscribe-staging-cert: ACTIVE; authorization isoscribe-staging.com: AUTHORIZED, www.isoscribe-staging.com: AUTHORIZED',
    ]);
  });

  it('gives up at the timeout, with the last state', async () => {
    const wait = waitForCertificates([ref], { timeoutMs: 120_000, intervalMs: 30_000, describe: () => certificate('PROVISIONING', 'AUTHORIZING'), log: () => undefined, ...clock() });
    await expect(wait).rejects.toThrow(/^not ACTIVE after 2 min: isoscribe-staging-cert: PROVISIONING; authorization isoscribe-staging\.com: AUTHORIZING/);
  });

  it('stops at once when Certificate Manager gave up (FAILED), naming the failure', async () => {
    const failed = certificate('FAILED', 'FAILED', { provisioningIssue: { reason: 'AUTHORIZATION_ISSUE', details: 'authorization failed' } });
    let polls = 0;
    const wait = waitForCertificates([ref], { timeoutMs: 600_000, intervalMs: 30_000, describe: () => { polls++; return failed; }, log: () => undefined, ...clock() });
    await expect(wait).rejects.toThrow('isoscribe-staging-cert: FAILED; authorization isoscribe-staging.com: FAILED (CONFIG: no CNAME found), www.isoscribe-staging.com: FAILED (CONFIG: no CNAME found); provisioning issue AUTHORIZATION_ISSUE: authorization failed. Certificate Manager gave up on it');
    expect(polls).toBe(1);
  });

  it('says when there is no managed state at all', () => {
    expect(describeStatus(ref, {})).toBe('isoscribe-staging-cert: no managed state; authorization none yet');
  });
});

describe('the command, with a stand-in gcloud on PATH', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certificate-wait-'));
    // Answers one response per call, in order (the last one repeats), and records its arguments.
    fs.writeFileSync(path.join(dir, 'gcloud'), [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      `dir=${JSON.stringify(dir)}`,
      'echo "$*" >> "$dir/calls"',
      'n=$(wc -l < "$dir/calls")',
      'f="$dir/answer-$n.json"; [ -f "$f" ] || f=$(ls "$dir"/answer-*.json | sort -V | tail -1)',
      'cat "$f"',
    ].join('\n'), { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (stack: string, ...answers: CertificateStatus[]) => {
    answers.forEach((a, i) => fs.writeFileSync(path.join(dir, `answer-${i + 1}.json`), JSON.stringify(a)));
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'ci/certificate-wait.ts'), '--stack', stack, '--out', out.dir, '--interval-seconds', '0.05', '--timeout-minutes', '0.005'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
    return { status: result.status, out: result.stdout + result.stderr, calls };
  };

  it('asks gcloud for the edge stack\'s certificate until it is ACTIVE, then exits 0', () => {
    const result = run(EDGE, certificate('PROVISIONING', 'AUTHORIZING'), certificate('ACTIVE', 'AUTHORIZED'));
    expect(result.out).toContain('every certificate isoscribe-staging-edge reads is ACTIVE');
    expect(result.status).toBe(0);
    expect(result.calls).toEqual(Array(2).fill('certificate-manager certificates describe isoscribe-staging-cert --location=global --project=isoscribe-staging --format=json'));
  });

  it('fails the step with an error annotation at the timeout', () => {
    const result = run(EDGE, certificate('PROVISIONING', 'AUTHORIZING'));
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/::error title=Certificate not ACTIVE::certificate-wait: not ACTIVE after 0 min: isoscribe-staging-cert: PROVISIONING/);
    expect(result.calls.length).toBeGreaterThan(1);
  });

  it('calls nothing for a stack that reads no certificate', () => {
    const result = run(INGRESS);
    expect(result.status).toBe(0);
    expect(result.out).toContain('isoscribe-staging-ingress reads no certificate; nothing to wait for');
    expect(result.calls).toEqual([]);
  });
});
