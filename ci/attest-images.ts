/*
 * npx tsx ci/attest-images.ts --env <environment> --pins <file>
 *
 * After CI pushed this commit's images to an environment's registry (ci/push-images.sh,
 * whose `image_pins` lines are the --pins file), signs each workload's pushed digest as the
 * environment's attestor (stacks/bootstrap-stack.ts attestationNames) so Binary Authorization admits
 * it (admission.requireAttestation). Per Google's "Create attestations" with a Cloud KMS key
 * (https://cloud.google.com/binary-authorization/docs/making-attestations):
 *   1. the signature payload, in the format `gcloud container binauthz create-signature-payload` prints;
 *   2. `gcloud kms asymmetric-sign` over it with the attestor's key version (ECDSA P-256, SHA-256);
 *   3. `gcloud container binauthz attestations create --payload-file --signature-file --public-key-id
 *      --attestor --validate`: the attestation, checked against the attestor's key before it is stored.
 * The payload is ours rather than gcloud's so the bytes signed are the bytes sent (--payload-file).
 * Needs gcloud signed in as the image pusher. An environment that requires no attestation is skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ENVIRONMENTS, loadEnvironments, selectEnvironments, type EnvironmentConfig } from '../config';
import { imageOverrideVariables } from '../config/overrides';
import { attestationNames } from '../stacks/bootstrap-stack';
import { WORKLOADS } from '../workloads';

/** The type Binary Authorization's own payloads carry (gcloud create-signature-payload). */
export const PAYLOAD_TYPE = 'Google cloud binauthz container signature';

const ARTIFACT = /^([a-z0-9][a-z0-9.-]*(?::[0-9]+)?\/[a-z0-9._/-]+)@(sha256:[0-9a-f]{64})$/;

/**
 * The "simple signing" payload of one image, as `gcloud container binauthz create-signature-payload`
 * produces it: the repository (no tag, no digest) as docker-reference and the manifest digest.
 * Binary Authorization verifies the signature over exactly these bytes and checks both fields
 * against the image being admitted.
 */
export function signaturePayload(artifactUrl: string): Buffer {
  const m = ARTIFACT.exec(artifactUrl);
  if (!m) throw new Error(`"${artifactUrl}" is not <registry>/<path>@sha256:<64 hex digits>: an attestation names one digest`);
  const payload = { critical: { identity: { 'docker-reference': m[1] }, image: { 'docker-manifest-digest': m[2] }, type: PAYLOAD_TYPE } };
  return Buffer.from(`${JSON.stringify(payload, null, 2)}\n`);
}

/** Every workload's pushed image (`<repository>@<digest>`) from the `image_pins` lines of ci/push-images.sh. */
export function pushedImages(env: EnvironmentConfig, pins: string): string[] {
  const values = new Map(pins.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const i = line.indexOf('=');
    return [line.slice(0, i), line.slice(i + 1)] as const;
  }));
  return WORKLOADS.map((w) => {
    const variable = imageOverrideVariables(w.name).digest;
    const digest = values.get(variable);
    if (!digest) throw new Error(`the image pins have no ${variable}: ci/push-images.sh pushes every workload first`);
    return `${env.workloads[w.name].image.repository}@${digest}`;
  });
}

/** The gcloud commands that sign and record one image's attestation; files are in `dir`. */
export function attestationCommands(env: EnvironmentConfig, artifactUrl: string, dir: string): { payloadFile: string; commands: string[][] } {
  const n = attestationNames(env);
  const payloadFile = join(dir, 'payload.json');
  const signatureFile = join(dir, 'signature');
  return {
    payloadFile,
    commands: [
      ['kms', 'asymmetric-sign', `--project=${n.project}`, `--location=${n.keyLocation}`, `--keyring=${n.keyRing}`, `--key=${n.key}`, `--version=${n.keyVersion}`,
        '--digest-algorithm=sha256', `--input-file=${payloadFile}`, `--signature-file=${signatureFile}`],
      ['container', 'binauthz', 'attestations', 'create', `--project=${n.project}`, `--artifact-url=${artifactUrl}`,
        `--attestor=projects/${n.project}/attestors/${n.attestor}`, `--payload-file=${payloadFile}`, `--signature-file=${signatureFile}`,
        `--public-key-id=${n.publicKeyId}`, '--validate'],
    ],
  };
}

function gcloud(args: string[]): void {
  const run = spawnSync('gcloud', args, { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (run.error) throw new Error(`gcloud could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`gcloud ${args.slice(0, 4).join(' ')} failed (exit ${run.status}): ${run.stderr.trim()}`);
}

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { env: { type: 'string' }, pins: { type: 'string' } } });
  if (!values.env || !values.pins) throw new Error('usage: attest-images.ts --env <environment> --pins <file with the image_pins lines>');
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), values.env);
  if (!env.admission.requireAttestation) {
    process.stdout.write(`attest-images: ${env.name} admits its images by name (admission.requireAttestation is false); nothing to sign\n`);
    return 0;
  }
  for (const image of pushedImages(env, readFileSync(values.pins, 'utf8'))) {
    const dir = mkdtempSync(join(tmpdir(), 'attest-'));
    try {
      const { payloadFile, commands } = attestationCommands(env, image, dir);
      writeFileSync(payloadFile, signaturePayload(image));
      for (const command of commands) gcloud(command);
      process.stdout.write(`attest-images: ${image} attested by ${attestationNames(env).attestor}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`attest-images: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
