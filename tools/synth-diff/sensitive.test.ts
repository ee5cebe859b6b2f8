import * as path from 'node:path';
import { diffStack, diffSynthOutputs, isSensitivePath, loadSynthOutput, looksLikeSecret, renderMarkdown } from '.';

const fixtures = path.join(__dirname, 'fixtures');

// Every secret planted in the fixtures (base and head). None may reach the Markdown.
const PLANTED = [
  'Hunter2-password', // google_sql_user.password
  'plain-base-outputvalue', // output marked sensitive
  'plain-head-outputvalue',
  'QmFzZTY0', // long base64 under an innocent name
  'eyJhbGciOiJIUzI1NiJ9', // JWT in a label
  'BEGIN PRIVATE KEY', // PEM in a container env value
  'headonly',
  'mongo-pw', // kubernetes_secret_v1 data
  'cf-fixture-token-value', // provider api_token of a removed stack
  'AAAAC3NzaC1lZDI1NTE5', // node metadata ssh-keys
];

describe('secrets are never printed', () => {
  const markdown = renderMarkdown(diffSynthOutputs(loadSynthOutput(path.join(fixtures, 'base')), loadSynthOutput(path.join(fixtures, 'head'))));

  test.each(PLANTED)('%s does not appear in the Markdown', (secret) => {
    expect(markdown).not.toContain(secret);
  });

  test('masked changes still say what changed', () => {
    for (const line of [
      '!     password: (sensitive)',
      '!     value: (sensitive)',
      '!     data.uri: (sensitive)',
      '!     keepers.blob: (sensitive)',
      '+     labels.note: (sensitive)',
      '!     spec.template.spec.container[1].env[0].value: (sensitive)',
    ]) {
      expect(markdown).toContain(line);
    }
  });

  test('non-secrets next to them are shown, including hardening booleans and image digests', () => {
    expect(markdown).toContain('!     node_config.shielded_instance_config.enable_secure_boot: false -> true');
    expect(markdown).toContain('@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"');
    expect(markdown).toContain('api:0123456789abcdef0123456789abcdef01234567"');
  });
});

describe('masking rules', () => {
  test.each([
    [['password']],
    [['master_auth', 'client_key']],
    [['privateKey']],
    [['settings', 'database_flags', 0, 'connection_string']],
    [['access_token']],
    [['credentials']],
    [['tls', 'key']],
  ])('name %j is sensitive', (segments) => {
    expect(isSensitivePath('google_x', segments)).toBe(true);
  });

  test.each([
    [['name']],
    [['private_cluster_config', 'enable_private_nodes']],
    [['action_parameters', 'cache_key', 'ignore_query_strings_order']],
    [['kms_key_name']],
    [['data', 'nginx.conf']],
  ])('name %j is not sensitive', (segments) => {
    expect(isSensitivePath('kubernetes_config_map_v1', segments)).toBe(false);
  });

  test('the payload of secret-typed resources is sensitive', () => {
    expect(isSensitivePath('kubernetes_secret_v1', ['data', 'anything'])).toBe(true);
    expect(isSensitivePath('kubernetes_secret_v1', ['metadata', 'name'])).toBe(false);
  });

  test.each([
    'mongodb://app:pw@db:27017/app',
    'AIzaSyA-1234567890abcdefghijklmnopqrstuvw',
    'c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2gtMTIzNDU2Nzg5MA==',
    'JlLt0atzpJgiSVEXBZKQLrGbxOrf0KnWT6Ci4/EEt5t3pG7viWUV1yl64ipS',
    '5d41402abc4b2a76b9719d911017c592aa',
  ])('value %s looks like a secret', (value) => {
    expect(looksLikeSecret(value)).toBe(true);
  });

  test.each([
    '${data.terraform_remote_state.cross-stack-reference-input-isoscribe-dev-core.outputs.cross-stack-output-google_compute_networkvpcname}',
    'projects/isoscribe-prod/locations/europe-west1/keyRings/isoscribe/cryptoKeys/state',
    'projects/123456789/locations/global/workloadIdentityPools/github/providers/github-oidc',
    'europe-docker.pkg.dev/isoscribe/apps/api@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  ])('value %s does not look like a secret', (value) => {
    expect(looksLikeSecret(value)).toBe(false);
  });

  test('an output that stops being sensitive still hides its old value', () => {
    const diff = diffStack('s', { output: { o: { value: 'old-value-x', sensitive: true } } }, { output: { o: { value: 'new-value-y' } } });
    const markdown = renderMarkdown([diff]);
    expect(markdown).toContain('!     value: (sensitive)');
    expect(markdown).toContain('-     sensitive: true');
    expect(markdown).not.toContain('old-value-x');
    expect(markdown).not.toContain('new-value-y');
  });

  test('an added object is masked when anything nested in it is sensitive', () => {
    const diff = diffStack('s', { resource: { google_x: { a: {} } } }, { resource: { google_x: { a: { auth: { user: 'u', password: 'pw-nested-1' } } } } });
    expect(diff.blocks[0].attributes).toEqual([{ path: 'auth', action: 'added', sensitive: true }]);
  });
});
