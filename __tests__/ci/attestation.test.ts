import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { parse } from 'yaml';
import { loadDelivery } from '../../config/delivery';
import { attestationCommands, PAYLOAD_TYPE, pushedImages, signaturePayload } from '../../ci/attest-images';
import { attestationNames } from '../../stacks/bootstrap-stack';
import { WORKLOADS } from '../../workloads';
import { bootstrapStack, environment, resources, onlyResource, type TfJson } from '../support/topology';

/*
 * Only what CI built may run (issue 19): the attestor and its Cloud KMS key (bootstrap), the policy
 * that requires its attestation, and CI's signing of each pushed digest (ci/attest-images.ts).
 * Cloud KMS and the attestation API cannot run here: the resources plan with the real provider
 * (npm run verify:terraform), and the signature is made and checked with a local key of the key's
 * algorithm (EC_SIGN_P256_SHA256: ECDSA on P-256 over SHA-256, DER-encoded as KMS returns it,
 * https://cloud.google.com/kms/docs/create-validate-signatures), over the payload our code builds.
 */

const root = path.resolve(__dirname, '../..');
const synthBootstrap = (envName: string): TfJson => JSON.parse(Testing.synth(bootstrapStack(Testing.app(), environment(envName), loadDelivery())));
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('the signature payload', () => {
  it('is the format Google documents for Binary Authorization (create-signature-payload), for Google\'s own example image', () => {
    // https://cloud.google.com/binary-authorization/docs/making-attestations (the payload JSON file).
    const image = 'us-docker.pkg.dev/google-samples/containers/gke/hello-app';
    const digest = 'sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567';
    expect(JSON.parse(signaturePayload(`${image}@${digest}`).toString())).toEqual({
      critical: { identity: { 'docker-reference': image }, image: { 'docker-manifest-digest': digest }, type: 'Google cloud binauthz container signature' },
    });
  });

  it('names exactly one digest, never a tag', () => {
    expect(() => signaturePayload('europe-docker.pkg.dev/p/isoscribe/api:abc123')).toThrow('is not <registry>/<path>@sha256:<64 hex digits>');
    expect(() => signaturePayload('europe-docker.pkg.dev/p/isoscribe/api@sha256:abc')).toThrow(/an attestation names one digest/);
  });

  it('signed with a P-256 key (the KMS key\'s algorithm), verifies with its public key, and only for those bytes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // The attestor holds the key version's public key as PEM (SubjectPublicKeyInfo), as KMS's getPublicKey returns it.
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const payload = signaturePayload(`europe-docker.pkg.dev/isoscribe-staging/isoscribe/api@${DIGEST}`);
    const signature = sign('sha256', payload, privateKey); // DER, like KMS asymmetricSign for EC keys
    expect(verify('sha256', payload, createPublicKey(pem), signature)).toBe(true);
    const other = signaturePayload(`europe-docker.pkg.dev/isoscribe-staging/isoscribe/api@sha256:${'f'.repeat(64)}`);
    expect(verify('sha256', other, createPublicKey(pem), signature)).toBe(false);
  });
});

describe('the attestor and the policy (bootstrap)', () => {
  it.each(['staging', 'production'])('%s: a PKIX attestor whose key is a Cloud KMS ECDSA P-256 signing key, required for our images', (envName) => {
    const env = environment(envName);
    const stack = synthBootstrap(envName);
    const names = attestationNames(env);
    expect(onlyResource(stack, 'google_kms_key_ring')).toMatchObject({ name: names.keyRing, location: names.keyLocation, project: env.project.id });
    expect(onlyResource(stack, 'google_kms_crypto_key')).toMatchObject({
      name: names.key, purpose: 'ASYMMETRIC_SIGN', version_template: { algorithm: 'EC_SIGN_P256_SHA256', protection_level: 'SOFTWARE' }, lifecycle: { prevent_destroy: true },
    });
    const version = Object.entries<TfJson>(stack.data.google_kms_crypto_key_version);
    expect(version).toHaveLength(1);
    const [versionId, versionBody] = version[0];
    expect(versionBody.version).toBe(names.keyVersion);
    const attestor = onlyResource(stack, 'google_binary_authorization_attestor');
    expect(attestor.name).toBe(names.attestor);
    expect(attestor.attestation_authority_note.public_keys).toEqual([{
      id: `\${data.google_kms_crypto_key_version.${versionId}.id}`,
      pkix_public_key: {
        public_key_pem: `\${data.google_kms_crypto_key_version.${versionId}.public_key[0].pem}`,
        signature_algorithm: `\${data.google_kms_crypto_key_version.${versionId}.public_key[0].algorithm}`,
      },
    }]);
    expect(onlyResource(stack, 'google_container_analysis_note').name).toBe(names.note);
    const policy = onlyResource(stack, 'google_binary_authorization_policy');
    expect(policy.default_admission_rule).toEqual({
      evaluation_mode: 'REQUIRE_ATTESTATION', enforcement_mode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', require_attestations_by: ['${google_binary_authorization_attestor.attestor.name}'],
    });
    // Our images are not on the allowlist (an allowlisted image skips every rule); only the third-party
    // images CI never builds are: NGINX, the search engine and its operator.
    const thirdParty = [env.nginxImage.repository, env.search.engineImage.repository, env.search.operatorImage.repository];
    expect(policy.admission_whitelist_patterns).toEqual([...thirdParty].sort().map((repository) => ({ name_pattern: `${repository}*` })));
    const ours = Object.values(env.workloads).map((w) => w.image.repository);
    for (const { name_pattern } of policy.admission_whitelist_patterns) {
      expect(ours.some((repository) => name_pattern.startsWith(repository))).toBe(false);
    }
    // The id CI passes as --public-key-id is the one the provider's data source forms.
    expect(names.publicKeyId).toBe(`//cloudkms.googleapis.com/v1/projects/${env.project.id}/locations/${names.keyLocation}/keyRings/${names.keyRing}/cryptoKeys/${names.key}/cryptoKeyVersions/${names.keyVersion}`);
  });

  it('dev (tier disposable) keeps the allowlist of its repository paths, with no attestor', () => {
    const stack = synthBootstrap('dev');
    expect(stack.resource.google_binary_authorization_attestor).toBeUndefined();
    expect(stack.resource.google_kms_crypto_key).toBeUndefined();
    expect(onlyResource(stack, 'google_binary_authorization_policy').default_admission_rule.evaluation_mode).toBe('ALWAYS_DENY');
  });

  it('lets the image pusher sign, attach and create the attestation, and read the attestor, nothing more', () => {
    const stack = synthBootstrap('production');
    const pusher = resources(stack, 'google_service_account').find((a) => a.account_id === 'isoscribe-production-ci-push')!;
    const member = `\${google_service_account.${pusher.__id}.member}`;
    const grants = [
      ...resources(stack, 'google_kms_crypto_key_iam_member'), ...resources(stack, 'google_container_analysis_note_iam_member'),
      ...resources(stack, 'google_binary_authorization_attestor_iam_member'), ...resources(stack, 'google_project_iam_member').filter((m) => m.member === member),
    ];
    expect(grants.map((g) => `${g.member === member ? 'pusher' : g.member} ${g.role}`).sort()).toEqual([
      'pusher roles/binaryauthorization.attestorsVerifier',
      'pusher roles/cloudkms.signerVerifier',
      'pusher roles/containeranalysis.notes.attacher',
      'pusher roles/containeranalysis.occurrences.editor',
    ]);
  });

  it('a production environment that admits by name is a config error naming the field', () => {
    expect(() => environment('production', (input) => ({ ...input, admission: { requireAttestation: false } }))).toThrow(
      /config\/production\.ts › admission\.requireAttestation: must be true in the "production" tier/,
    );
  });
});

describe('CI signs each pushed digest (ci/attest-images.ts, stand-in gcloud with a local P-256 key)', () => {
  let dir: string;
  const pins = () => WORKLOADS.map((w, i) => `ISOSCRIBE_${w.name.toUpperCase()}_IMAGE_TAG=abc123\nISOSCRIBE_${w.name.toUpperCase()}_IMAGE_DIGEST=sha256:${String(i).repeat(64)}`).join('\n')
    + `\nISOSCRIBE_NGINX_IMAGE_DIGEST=sha256:${'e'.repeat(64)}\n`;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(path.join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    // KMS signs the input file with the key (DER ECDSA over SHA-256); the attestation API checks the
    // signature over the payload file with the attestor's public key, and that the payload names the
    // artifact's repository and digest, as Binary Authorization does before it admits an image.
    fs.writeFileSync(path.join(dir, 'gcloud'), `#!/usr/bin/env node
const fs = require('fs'), crypto = require('crypto');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(path.join(dir, 'calls'))}, JSON.stringify(args) + '\\n');
const flag = (n) => (args.find((a) => a.startsWith('--' + n + '=')) || '').slice(n.length + 3);
if (args[0] === 'kms' && args[1] === 'asymmetric-sign') {
  const key = crypto.createPrivateKey(fs.readFileSync(${JSON.stringify(path.join(dir, 'key.pem'))}));
  fs.writeFileSync(flag('signature-file'), crypto.sign('sha256', fs.readFileSync(flag('input-file')), key));
} else if (args.slice(0, 4).join(' ') === 'container binauthz attestations create') {
  const payload = fs.readFileSync(flag('payload-file'));
  const ok = crypto.verify('sha256', payload, crypto.createPublicKey(fs.readFileSync(${JSON.stringify(path.join(dir, 'public.pem'))})), fs.readFileSync(flag('signature-file')));
  const [repository, digest] = flag('artifact-url').split('@');
  const c = JSON.parse(payload).critical;
  if (!ok || c.identity['docker-reference'] !== repository || c.image['docker-manifest-digest'] !== digest) { console.error('INVALID_ARGUMENT: attestation does not verify'); process.exit(1); }
} else { console.error('unexpected gcloud ' + args.join(' ')); process.exit(2); }
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'pins'), pins());
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (envName: string) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'ci/attest-images.ts'), '--env', envName, '--pins', path.join(dir, 'pins')], {
      cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : [];
    return { status: result.status, out: result.stdout + result.stderr, calls };
  };

  it('signs every workload\'s pushed digest with the attestor\'s key version and creates a validated attestation', () => {
    const env = environment('staging');
    const names = attestationNames(env);
    const result = run('staging');
    expect(result.out).not.toMatch(/INVALID|unexpected/);
    expect(result.status).toBe(0);
    const images = pushedImages(env, pins());
    expect(images).toEqual(WORKLOADS.map((w, i) => `${env.workloads[w.name].image.repository}@sha256:${String(i).repeat(64)}`));
    expect(result.calls).toHaveLength(2 * WORKLOADS.length);
    for (const [i, image] of images.entries()) {
      const [signCall, createCall] = result.calls.slice(2 * i, 2 * i + 2);
      expect(signCall).toEqual(expect.arrayContaining(['kms', 'asymmetric-sign', `--keyring=${names.keyRing}`, `--key=${names.key}`, `--version=${names.keyVersion}`, `--location=${names.keyLocation}`, '--digest-algorithm=sha256']));
      expect(createCall).toEqual(expect.arrayContaining([`--artifact-url=${image}`, `--attestor=projects/${env.project.id}/attestors/${names.attestor}`, `--public-key-id=${names.publicKeyId}`, '--validate']));
      expect(result.out).toContain(`attest-images: ${image} attested by ${names.attestor}`);
    }
  });

  it('fails, naming the command, when the attestation does not verify (another key signed it)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(path.join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const result = run('staging');
    expect(result.status).toBe(1);
    expect(result.out).toContain('attest-images: gcloud container binauthz attestations create failed (exit 1): INVALID_ARGUMENT: attestation does not verify');
  });

  it('signs nothing where attestations are not required (dev)', () => {
    const result = run('dev');
    expect(result.status).toBe(0);
    expect(result.out).toContain('dev admits its images by name (admission.requireAttestation is false); nothing to sign');
    expect(result.calls).toEqual([]);
  });

  it('the commands name one payload file for both the signature and the attestation (the bytes signed are the bytes sent)', () => {
    const { payloadFile, commands } = attestationCommands(environment('production'), `us-docker.pkg.dev/isoscribe-prod/isoscribe/api@${DIGEST}`, '/tmp/x');
    expect(commands[0]).toContain(`--input-file=${payloadFile}`);
    expect(commands[1]).toContain(`--payload-file=${payloadFile}`);
    expect(PAYLOAD_TYPE).toBe('Google cloud binauthz container signature');
  });
});

describe('the deploy workflow signs after the push and before any deploy', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const deploy = parse(fs.readFileSync(path.join(root, '.github/workflows/deploy.yml'), 'utf8')) as any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const steps: any[] = deploy.jobs.images.steps;
  const index = (predicate: (st: TfJson) => boolean) => steps.findIndex(predicate);

  it.each(['staging', 'production'])('%s: the images are pushed, then attested, in the images job every deploy needs', (envName) => {
    const push = index((st) => st.id === envName);
    const attest = index((st) => String(st.run).includes(`ci/attest-images.ts --env ${envName}`));
    expect(push).toBeGreaterThanOrEqual(0);
    expect(attest).toBeGreaterThan(push);
    expect(steps[attest].env).toEqual({ IMAGE_PINS: `\${{ steps.${envName}.outputs.image_pins }}` });
    // Signed as this environment's pusher: its auth step comes before the push, and the next environment's after the attestation.
    const auth = index((st) => st.id === `${envName}-auth`);
    expect(auth).toBeLessThan(push);
    const nextAuth = steps.findIndex((st, i) => i > auth && String(st.uses).startsWith('google-github-actions/auth@'));
    if (nextAuth >= 0) expect(nextAuth).toBeGreaterThan(attest);
    expect(deploy.jobs[envName].needs).toContain('images');
  });

  it('installs a pinned gcloud before the first attestation', () => {
    const gcloud = index((st) => String(st.uses).startsWith('google-github-actions/setup-gcloud@'));
    expect(gcloud).toBeGreaterThanOrEqual(0);
    expect(steps[gcloud].with.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(gcloud).toBeLessThan(index((st) => String(st.run).includes('ci/attest-images.ts')));
  });
});
