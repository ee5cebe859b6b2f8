/*
 * npx tsx ci/certificate-wait.ts --stack <stack> [--timeout-minutes 60] [--interval-seconds 30] [--out cdktf.out]
 *
 * Before a stack that reads a Certificate Manager certificate (edge: its plan fails until the
 * certificate is ACTIVE, so no visitor meets Full (strict) without it) is planned, waits until every
 * certificate it reads is ACTIVE, printing the certificate's state and each domain's authorization
 * state at every poll. Gives up at the timeout, or at once when Google reports FAILED (Certificate
 * Manager has stopped trying; the certificate must be recreated). A stack that reads no certificate
 * returns at once. Which certificate is read comes from the synthesized stack: the data source's
 * filter, followed through its cross-stack reference to the certificate resource of the stack that
 * creates it. Needs gcloud signed in with certificatemanager.certs.get (the planner has it).
 *
 * The response is the API's Certificate resource (gcloud --format=json prints it as the API returns it):
 * https://cloud.google.com/certificate-manager/docs/reference/certificate-manager/rest/v1/projects.locations.certificates
 * managed.state: PROVISIONING | FAILED | ACTIVE; managed.authorizationAttemptInfo[]: { domain, state
 * (AUTHORIZING | AUTHORIZED | FAILED), failureReason, details }; managed.provisioningIssue: { reason, details }.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TfJson = Record<string, any>;

/** A certificate to wait for, as gcloud addresses it. */
export interface CertificateRef {
  readonly project: string;
  readonly location: string;
  readonly name: string;
}

/** What the API answers about a certificate, in the part this script reads. */
export interface CertificateStatus {
  readonly name?: string;
  readonly managed?: {
    readonly state?: string;
    readonly provisioningIssue?: { readonly reason?: string; readonly details?: string };
    readonly authorizationAttemptInfo?: readonly { domain?: string; state?: string; failureReason?: string; details?: string }[];
  };
}

const FULL_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/certificates\/([^/]+)$/;
const REMOTE_OUTPUT = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}$/;

/**
 * The certificates a synthesized stack reads (`data.google_certificate_manager_certificates` with a
 * `name:` filter), resolved to project, location and name. `read` returns another stack's cdk.tf.json.
 */
export function certificatesReadBy(stackName: string, read: (stack: string) => TfJson): CertificateRef[] {
  const stack = read(stackName);
  const sources: TfJson = stack.data?.google_certificate_manager_certificates ?? {};
  return Object.entries(sources).map(([id, source]) => {
    const filter = String(source.filter ?? '');
    const value = filter.startsWith('name:') ? filter.slice('name:'.length) : undefined;
    if (value === undefined) throw new Error(`${stackName}: data.google_certificate_manager_certificates.${id} has filter "${filter}", not "name:<certificate>": the certificate to wait for is unknown`);
    const literal = FULL_NAME.exec(value);
    if (literal) return { project: literal[1], location: literal[2], name: literal[3] };
    const remote = REMOTE_OUTPUT.exec(value);
    if (!remote) throw new Error(`${stackName}: data.google_certificate_manager_certificates.${id} filters on ${value}, neither a certificate name nor another stack's output`);
    const [, upstreamName, outputName] = remote;
    const upstream = read(upstreamName);
    const reference = String(upstream.output?.[outputName]?.value ?? '');
    const target = /^\$\{(google_certificate_manager_certificate)\.([A-Za-z0-9_-]+)\.id\}$/.exec(reference);
    if (!target) throw new Error(`${upstreamName}: output ${outputName} is "${reference}", not a certificate's id`);
    const certificate = upstream.resource?.[target[1]]?.[target[2]];
    if (!certificate) throw new Error(`${upstreamName}: no ${target[1]}.${target[2]}`);
    const project = certificate.project ?? [upstream.provider?.google ?? []].flat()[0]?.project;
    if (!project) throw new Error(`${upstreamName}: ${target[1]}.${target[2]} has no project, nor does the stack's google provider`);
    return { project: String(project), location: String(certificate.location ?? 'global'), name: String(certificate.name) };
  });
}

/** One line about a certificate's state and each domain's authorization, for the log. */
export function describeStatus(ref: CertificateRef, status: CertificateStatus): string {
  const managed = status.managed ?? {};
  const attempts = (managed.authorizationAttemptInfo ?? []).map((a) =>
    `${a.domain ?? '?'}: ${a.state ?? '?'}${a.failureReason ? ` (${a.failureReason}${a.details ? `: ${a.details}` : ''})` : ''}`);
  const issue = managed.provisioningIssue?.reason ? `; provisioning issue ${managed.provisioningIssue.reason}${managed.provisioningIssue.details ? `: ${managed.provisioningIssue.details}` : ''}` : '';
  return `${ref.name}: ${managed.state ?? 'no managed state'}; authorization ${attempts.length ? attempts.join(', ') : 'none yet'}${issue}`;
}

/** The certificate as the API returns it, through gcloud (signed in by the workflow's auth step). */
export function describeWithGcloud(ref: CertificateRef): CertificateStatus {
  const run = spawnSync('gcloud', ['certificate-manager', 'certificates', 'describe', ref.name, `--location=${ref.location}`, `--project=${ref.project}`, '--format=json'], { encoding: 'utf8' });
  if (run.error) throw new Error(`gcloud could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`gcloud certificate-manager certificates describe ${ref.name} failed (exit ${run.status}): ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as CertificateStatus;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly describe?: (ref: CertificateRef) => CertificateStatus;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Polls until every certificate is ACTIVE; throws at FAILED or at the timeout, with the last state. */
export async function waitForCertificates(refs: readonly CertificateRef[], options: WaitOptions): Promise<void> {
  const describe = options.describe ?? describeWithGcloud;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  let pending = [...refs];
  for (;;) {
    const lines: string[] = [];
    const still: CertificateRef[] = [];
    for (const ref of pending) {
      const status = describe(ref);
      const line = describeStatus(ref, status);
      log(`certificate-wait: ${line}`);
      lines.push(line);
      const state = status.managed?.state;
      if (state === 'FAILED') {
        throw new Error(`${line}. Certificate Manager gave up on it: fix the cause above (the DNS-authorization records, CAA), then delete and recreate the certificate (re-apply ingress) (docs/deploy.md, "Certificate before traffic")`);
      }
      if (state !== 'ACTIVE') still.push(ref);
    }
    pending = still;
    if (pending.length === 0) return;
    if (now() + options.intervalMs > deadline) {
      throw new Error(`not ACTIVE after ${Math.round(options.timeoutMs / 60000)} min: ${lines.join(' | ')}. Issuance usually takes minutes, at most about an hour after the DNS-authorization records exist: check them in the zone, then re-run this job (docs/deploy.md, "Certificate before traffic")`);
    }
    await sleep(options.intervalMs);
  }
}

function argument(args: string[], name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

export async function main(args: string[]): Promise<number> {
  const stack = argument(args, 'stack');
  const out = argument(args, 'out', 'cdktf.out');
  const timeoutMinutes = Number(argument(args, 'timeout-minutes', '60'));
  const intervalSeconds = Number(argument(args, 'interval-seconds', '30'));
  if (!(timeoutMinutes > 0) || !(intervalSeconds > 0)) throw new Error('--timeout-minutes and --interval-seconds must be positive numbers');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  const read = (name: string): TfJson => {
    const entry = manifest.stacks[name];
    if (!entry) throw new Error(`no stack ${name} in ${out}/manifest.json: run \`npm run synth\` first`);
    return JSON.parse(readFileSync(join(out, entry.synthesizedStackPath), 'utf8'));
  };
  const refs = certificatesReadBy(stack, read);
  if (refs.length === 0) {
    process.stdout.write(`certificate-wait: ${stack} reads no certificate; nothing to wait for\n`);
    return 0;
  }
  try {
    await waitForCertificates(refs, { timeoutMs: timeoutMinutes * 60_000, intervalMs: intervalSeconds * 1000 });
  } catch (error) {
    process.stderr.write(`::error title=Certificate not ACTIVE::certificate-wait: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`certificate-wait: every certificate ${stack} reads is ACTIVE\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: Error) => {
    process.stderr.write(`certificate-wait: ${error.message}\n`);
    process.exit(1);
  });
}
