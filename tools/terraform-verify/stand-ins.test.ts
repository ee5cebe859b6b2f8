import { appliedOutput, DATA_SOURCE_STAND_INS, OUTPUT_STAND_INS } from './stand-ins';

/** A core-like upstream stack: what cdktf writes for cross-stack outputs, trimmed to the blocks read. */
const core = {
  provider: { google: [{ project: 'isoscribe-dev' }] },
  data: { google_service_account: { api: { account_id: 'isoscribe-dev-api', project: 'isoscribe-dev' } } },
  resource: {
    google_storage_bucket: { bundles: { name: 'isoscribe-dev-bundles' } },
    google_secret_manager_secret: { mongodb: { secret_id: 'mongodb-uri' } },
    google_container_cluster: { gke: { location: 'us-central1' } },
    google_compute_global_forwarding_rule: { https: { ip_address: '${data.terraform_remote_state.core.outputs.address}' } },
    google_compute_network: { vpc: {} },
  },
  output: {
    member: { value: '${data.google_service_account.api.member}' },
    name: { value: '${data.google_service_account.api.name}' },
    bucket: { value: '${google_storage_bucket.bundles.name}' },
    secret: { value: '${google_secret_manager_secret.mongodb.id}' },
    endpoint: { value: '${google_container_cluster.gke.control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint}' },
    address: { value: '${google_compute_global_forwarding_rule.https.ip_address}' },
    gateway: { value: '${google_compute_network.vpc.gateway_ipv4}' },
    list: { value: ['${google_storage_bucket.bundles.name}'] },
  },
};

describe('appliedOutput: an upstream output as a real apply would give it, from the stand-ins verify:terraform uses', () => {
  it('passes a literal argument on, and takes data sources and unknown attributes from the stand-in tables', () => {
    const account = (DATA_SOURCE_STAND_INS.google_service_account.values as (c: Record<string, unknown>) => Record<string, unknown>)({ account_id: 'isoscribe-dev-api', project: 'isoscribe-dev' });
    expect(appliedOutput(core, 'core', 'member')).toBe('serviceAccount:isoscribe-dev-api@isoscribe-dev.iam.gserviceaccount.com');
    expect(appliedOutput(core, 'core', 'name')).toBe(account.name);
    expect(appliedOutput(core, 'core', 'bucket')).toBe('isoscribe-dev-bundles');
    // The project comes from the provider where the resource does not name one.
    expect(appliedOutput(core, 'core', 'secret')).toBe('projects/isoscribe-dev/secrets/mongodb-uri');
    expect(appliedOutput(core, 'core', 'endpoint')).toBe(
      OUTPUT_STAND_INS['google_container_cluster.control_plane_endpoints_config.dns_endpoint_config.endpoint'].value({ location: 'us-central1' }));
    // An argument that is still an expression is no value: the address stand-in applies.
    expect(appliedOutput(core, 'core', 'address')).toBe('192.0.2.10');
  });

  it('refuses an output it has no value for, naming the table to extend', () => {
    expect(() => appliedOutput(core, 'core', 'gateway')).toThrow(
      'core: output gateway (${google_compute_network.vpc.gateway_ipv4}) has no value without a plan; add "google_compute_network.gateway_ipv4" to OUTPUT_STAND_INS in tools/terraform-verify/stand-ins.ts');
    expect(() => appliedOutput(core, 'core', 'list')).toThrow('core: output list is ["${google_storage_bucket.bundles.name}"], not a single resource attribute reference');
    const readsUnknownData = { ...core, output: { zone: { value: '${data.google_dns_managed_zone.zone.name_servers}' } } };
    expect(() => appliedOutput(readsUnknownData, 'core', 'zone')).toThrow(
      'core: output zone reads data.google_dns_managed_zone, which has no stand-in; add it to DATA_SOURCE_STAND_INS in tools/terraform-verify/stand-ins.ts');
    expect(() => appliedOutput(core, 'core', 'absent')).toThrow('core: output absent is undefined, not a single resource attribute reference');
  });
});
