/**
 * Checks on what the real `cdktf synth` writes for every environment, read back from the output
 * directory that the jest global setup synthesized once for the whole test run:
 *
 * - No secret value, token or key in any file; the MongoDB Secret holds nothing but a reference to
 *   the Secret Manager data source, which Terraform resolves at plan time.
 * - Every NGINX config the workloads stacks ship, exactly as synthesized into their ConfigMaps, is
 *   loaded by a real NGINX (`nginx -t`). Only two things change: the load balancer's address, which
 *   Terraform interpolates, becomes a documentation address, and the pod's paths move under a temp
 *   dir. The live proxy behaviours of these configs are proven in __tests__/constructs/nginx/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../config';
import { POD_LAYOUT } from '../../constructs/nginx';
import { nginxTest, type NginxTestLayout } from '../../testing/nginx';
import { dataSources, environment, resources, synthesized } from '../support/topology';
import { nginxConfigOf, WORKLOAD_NAMES, workloadsStackName } from '../workloads/support';

const TERRAFORM_INTERPOLATION = /\$\{[^}]*\}/g;
const TEST_LB_ADDRESS = '192.0.2.10';

/** The synthesized config with Terraform's value filled in and pod paths rebased onto the test layout. */
function forTest(synthesized: string, layout: NginxTestLayout): string {
  return synthesized
    .replace(TERRAFORM_INTERPOLATION, TEST_LB_ADDRESS)
    .split(POD_LAYOUT.tmpDir).join(layout.tmpDir)
    .split(POD_LAYOUT.socketDir).join(layout.socketDir)
    .split(POD_LAYOUT.htmlDir).join(layout.htmlDir);
}

/** Patterns of secret material; each names what it found. */
const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['MongoDB URI with credentials', /mongodb(\+srv)?:\/\/[^\s"'/@$]+:[^\s"'@]+@/i],
  ['any MongoDB URI', /mongodb(\+srv)?:\/\/(?!\$\{)/i],
  ['PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['Google OAuth access token', /\bya29\.[\w-]{20,}/],
  ['Google API key', /\bAIza[\w-]{35}\b/],
  ['service account key JSON', /"private_key_id"\s*:/],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['JWT', /\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/],
  ['bearer credential', /"Authorization"\s*:\s*"Bearer (?!\$\{)/i],
  // A sensitive attribute must be a Terraform reference ("${...}"), never a literal value.
  ['literal sensitive attribute', /"(token|access_token|password|secret_data|client_secret|private_key|api_token|api_key)"\s*:\s*"(?!\$\{)[^"]+"/],
];

function findSecrets(text: string): string[] {
  return SECRET_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Every file the real `cdktf synth` of the test run wrote (manifest, stacks, reports), by relative path. */
const shared = synthesized();
const everyFile = new Map(filesUnder(shared.dir).map((f) => [path.relative(shared.dir, f), fs.readFileSync(f, 'utf8')]));

describe.each(ENVIRONMENTS.map((e) => [e.name]))('%s synthesized output', (envName) => {
  const env = environment(envName);
  const contents = new Map(
    [...everyFile].filter(([file]) => !file.startsWith('stacks/') || file.startsWith(`stacks/isoscribe-${envName}-`)),
  );

  it('holds no secret-looking value in any file (cdk.tf.json, manifest, everything)', () => {
    expect([...contents.keys()].filter((f) => f.endsWith('cdk.tf.json')).length).toBeGreaterThan(0);
    const found = [...contents].flatMap(([file, text]) => findSecrets(text).map((what) => `${file}: ${what}`));
    expect(found).toEqual([]);
  });

  const workloadsStack = (region: string) => JSON.parse(contents.get(`stacks/${workloadsStackName(envName, region)}/cdk.tf.json`)!);

  it.each(env.regions.map((r) => [r.name]))('workloads-%s: the MongoDB secret is named (its latest version), never read', (region) => {
    const stack = workloadsStack(region);
    expect(dataSources(stack, 'google_secret_manager_secret_version')).toEqual([]);
    expect(resources(stack, 'kubernetes_secret_v1')).toEqual([]);
    const [providerClass] = resources(stack, 'kubernetes_manifest');
    expect(providerClass.manifest.spec.parameters.secrets).toMatch(/mongodb-uriid\}\/versions\/latest"/);
  });

  it.each(env.regions.flatMap((r) => WORKLOAD_NAMES.map((w) => [r.name, w])))('workloads-%s: the %s NGINX config is accepted by nginx -t', (region, w) => {
    const config = nginxConfigOf(workloadsStack(region), w);
    let outsideTestDir = '';
    const result = nginxTest((layout) => {
      const tested = forTest(config, layout);
      // Once the test dir is taken out, no pod path may be left (the temp dir's own name may start like one).
      outsideTestDir = tested.split(layout.dir).join('<test-dir>');
      return tested;
    });
    expect({ ok: result.ok, output: result.output }).toEqual({ ok: true, output: expect.stringContaining('test is successful') });
    // The rebase really moved every pod path, so NGINX checked the same file the pod reads.
    for (const podPath of [POD_LAYOUT.tmpDir, POD_LAYOUT.socketDir, POD_LAYOUT.htmlDir]) {
      expect(outsideTestDir).not.toMatch(new RegExp(`(^|[\\s:])${podPath}(?=[/;.\\s]|$)`, 'm'));
    }
    expect(outsideTestDir).toContain(`set_real_ip_from ${TEST_LB_ADDRESS};`);
  });

  it('nginx -t rejects a broken copy of a shipped config (the check can fail)', () => {
    const config = nginxConfigOf(workloadsStack(env.regions[0].name), 'api');
    const result = nginxTest((layout) => forTest(config, layout).replace('real_ip_recursive on;', 'real_ip_recursive maybe;'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/real_ip_recursive/);
  });
});

describe('the scanner', () => {
  it.each([
    ['mongodb+srv://isoscribe:s3cr3t@cluster0.example.net/isoscribe', 'MongoDB URI with credentials'],
    ['mongodb://10.200.0.10:27017/isoscribe', 'any MongoDB URI'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE...', 'PEM private key'],
    ['ya29.a0AfH6SMBx3Y2Lq9wZ-example-token-value', 'Google OAuth access token'],
    ['{"token": "abc123"}', 'literal sensitive attribute'],
    ['{"secret_data": "mongodb://u:p@h"}', 'literal sensitive attribute'],
  ])('finds %j', (text, what) => {
    expect(findSecrets(text)).toContain(what);
  });

  it('accepts Terraform references in sensitive attributes', () => {
    expect(findSecrets('{"token": "${data.google_client_config.client.access_token}", "uri": "${data.x.y.secret_data}"}')).toEqual([]);
  });
});
