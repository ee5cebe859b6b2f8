/**
 * Issue 13: nothing secret in Terraform state. Every synthesized stack of every environment (the
 * shared real synth, bootstrap included) is scanned for data sources and resources that would store
 * a secret value in state, and for literal secrets; then the scan is shown to fail on stacks that
 * bring one back.
 */
import { ACCEPTED_STATE_SECRETS, secretsInState, stateSecretViolations } from '../../tools/terraform-verify/secrets-in-state';
import { synthesized, type TfJson } from '../support/topology';

const { manifest, read } = synthesized();
const stacks: Record<string, TfJson> = Object.fromEntries(Object.keys(manifest.stacks).map((name) => [name, read(name)]));
const workloadsStack = Object.keys(stacks).find((name) => /-dev-workloads-/.test(name))!;

/** A deep copy of the dev workloads stack with `edit` applied. */
function brokenStacks(edit: (stack: TfJson) => void): Record<string, TfJson> {
  const copy = JSON.parse(JSON.stringify(stacks));
  edit(copy[workloadsStack]);
  return copy;
}

describe('no secret value in any stack\'s Terraform state', () => {
  it('scans every stack of every environment', () => {
    expect(Object.keys(stacks).length).toBeGreaterThanOrEqual(18);
    expect(Object.keys(stacks).filter((s) => s.endsWith('-bootstrap'))).toHaveLength(3);
  });

  it('finds nothing, and accepts nothing', () => {
    expect(ACCEPTED_STATE_SECRETS).toEqual({});
    expect(stateSecretViolations(stacks)).toEqual([]);
  });

  it('reads no Secret Manager version and holds no Kubernetes Secret: pods mount their secrets at run time', () => {
    for (const stack of Object.values(stacks)) {
      expect(Object.keys(stack.data ?? {}).filter((t) => /secret/.test(t))).toEqual([]);
      expect(Object.keys(stack.resource ?? {}).filter((t) => /^kubernetes_secret|secret_version/.test(t))).toEqual([]);
    }
  });
});

describe('the scan fails, naming the stack and address', () => {
  it.each<[string, (stack: TfJson) => void, RegExp]>([
    [
      'the Secret Manager data source brought back',
      (s) => (s.data.google_secret_manager_secret_version = { mongodb: { secret: 'projects/p/secrets/isoscribe-dev-mongodb-uri' } }),
      /^isoscribe-dev-workloads-us-central1 › data\.google_secret_manager_secret_version\.mongodb: .*secret_data.*in state/,
    ],
    [
      'a Kubernetes Secret with data',
      (s) => (s.resource.kubernetes_secret_v1 = { mongodb: { metadata: { name: 'api-mongodb' }, data: { uri: '${data.x.y.secret_data}' } } }),
      /› kubernetes_secret_v1\.mongodb: kubernetes_secret_v1 stores the Secret data in state/,
    ],
    [
      "the caller's access token brought back (google_client_config for the kubernetes provider's token)",
      (s) => {
        s.data.google_client_config = { client: {} };
        s.provider.kubernetes[0].token = '${data.google_client_config.client.access_token}';
      },
      /^isoscribe-dev-workloads-us-central1 › data\.google_client_config\.client: .*OAuth access token \(access_token\) in state/,
    ],
    ['a generated password', (s) => (s.resource.random_password = { db: { length: 32 } }), /› random_password\.db: .*generated password/],
    ['a generated private key', (s) => (s.resource.tls_private_key = { origin: { algorithm: 'ECDSA' } }), /› tls_private_key\.origin: /],
    ['a service account key', (s) => (s.resource.google_service_account_key = { ci: { service_account_id: 'x' } }), /› google_service_account_key\.ci: /],
    ['a Cloudflare API token', (s) => (s.resource.cloudflare_api_token = { ci: { name: 'ci' } }), /› cloudflare_api_token\.ci: .*token value/],
    [
      'a literal password in any attribute',
      (s) => (s.resource.google_sql_database_instance = { db: { settings: { root_password: 'hunter2' } } }),
      /› google_sql_database_instance\.db\.settings\.root_password: a literal value in an attribute named like a secret/,
    ],
    [
      'a literal password beside a reference named <what>From (the reference itself is no value)',
      (s) => (s.resource.kubernetes_manifest = { user: { manifest: { spec: { passwordFrom: { name: 'api', key: 'password' }, password: 'hunter2' } } } }),
      /› kubernetes_manifest\.user\.manifest\.spec\.password: a literal value in an attribute named like a secret/,
    ],
    [
      'a connection string with its password inline, under a harmless name',
      (s) => (Object.values<TfJson>(s.resource.kubernetes_deployment_v1)[0].metadata.annotations = { note: 'mongodb://app:pw@db.internal:27017/x' }),
      /› kubernetes_deployment_v1\.\S+\.metadata\.annotations\.note: a literal value that looks like key material/,
    ],
    [
      'a PEM private key in a ConfigMap',
      (s) => (Object.values<TfJson>(s.resource.kubernetes_config_map_v1)[0].data = { 'tls.pem': '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n' }),
      /› kubernetes_config_map_v1\.\S+\.data\.tls\.pem: a literal value that looks like key material/,
    ],
  ])('%s', (_, edit, message) => {
    const lines = stateSecretViolations(brokenStacks(edit));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('references are not values: a secret-named attribute pointing elsewhere is checked where it points', () => {
    expect(secretsInState({ resource: { kubernetes_deployment_v1: { a: { spec: { token: '${var.x}' } } } } })).toEqual([]);
  });

  it('a certificate is public: a literal PEM certificate (a trust anchor) is not a finding', () => {
    const anchor = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(secretsInState({ resource: { google_certificate_manager_trust_config: { t: { trust_stores: [{ trust_anchors: [{ pem_certificate: anchor }] }] } } } })).toEqual([]);
  });

  it('an accepted entry no stack uses any more fails, so the list only shrinks deliberately', () => {
    expect(stateSecretViolations(stacks, { ...ACCEPTED_STATE_SECRETS, random_password: 'stale' })).toEqual([
      'ACCEPTED_STATE_SECRETS lists random_password, which no stack uses any more: remove the entry',
    ]);
  });

  it('an accepted type is accepted as a whole block only, never a literal secret inside it', () => {
    const broken = brokenStacks((s) => (s.data.google_client_config = { client: { access_token: 'ya29.' + 'a'.repeat(30) } }));
    const lines = stateSecretViolations(broken, { 'data.google_client_config': 'accepted for this test only' });
    expect(lines).toEqual([expect.stringMatching(/› data\.google_client_config\.client\.access_token: a literal value in an attribute named like a secret/)]);
  });
});
