import { SEARCH_SECRETS } from '../../constructs/search/opensearch-cluster';
import { Testing, TerraformStack } from 'cdktf';
import { RegionalNetwork } from '../../constructs/gcp/regional-network';
import { stackName } from '../../config/naming';
import { CoreStack, NODE_PROJECT_ROLES, PROJECT_SERVICES } from '../../stacks/core-stack';
import { CoreAccess } from '../../workloads';
import { api } from '../../workloads/api';
import { dataSources, environment, onlyResource, resources, synthEnvironment } from '../support/topology';

const prodEnv = environment('production');
const core = synthEnvironment(prodEnv).json['isoscribe-production-core'];

describe('core stack (production)', () => {
  it('enables every API the topology uses, never disabling them on destroy', () => {
    const services = resources(core, 'google_project_service');
    expect(services.map((s) => s.service).sort()).toEqual([...PROJECT_SERVICES].sort());
    for (const s of services) expect(s.disable_on_destroy).toBe(false);
  });

  it('creates a custom-mode global VPC', () => {
    const vpc = onlyResource(core, 'google_compute_network');
    expect(vpc).toMatchObject({ name: 'isoscribe-production', auto_create_subnetworks: false, routing_mode: 'GLOBAL' });
  });

  it('has one subnet per region with pod and service secondary ranges, private Google access and flow logs', () => {
    const subnets = resources(core, 'google_compute_subnetwork');
    expect(subnets.map((s) => s.region).sort()).toEqual(prodEnv.regions.map((r) => r.name).sort());
    for (const region of prodEnv.regions) {
      const subnet = subnets.find((s) => s.region === region.name)!;
      expect(subnet.ip_cidr_range).toBe(region.nodeCidr);
      expect(subnet.secondary_ip_range).toEqual([
        { range_name: 'pods', ip_cidr_range: region.podCidr },
        { range_name: 'services', ip_cidr_range: region.serviceCidr },
      ]);
      expect(subnet.private_ip_google_access).toBe(true);
      expect(subnet.log_config.flow_sampling).toBeGreaterThan(0);
    }
  });

  it('gives every region a Cloud Router and a NAT for the private nodes, with error logging', () => {
    const routers = resources(core, 'google_compute_router');
    const nats = resources(core, 'google_compute_router_nat');
    expect(routers.map((r) => r.region).sort()).toEqual(prodEnv.regions.map((r) => r.name).sort());
    expect(nats).toHaveLength(prodEnv.regions.length);
    for (const nat of nats) {
      expect(nat.source_subnetwork_ip_ranges_to_nat).toBe('LIST_OF_SUBNETWORKS');
      expect(nat.log_config).toEqual({ enable: true, filter: 'ERRORS_ONLY' });
    }
  });

  it('MongoDB over public TLS: each region\'s NAT egresses only from its own reserved static address, output for the allowlist', () => {
    expect(prodEnv.mongodb.reach.kind).toBe('publicTls');
    const addresses = resources(core, 'google_compute_address');
    expect(addresses.map((a) => a.region).sort()).toEqual(prodEnv.regions.map((r) => r.name).sort());
    for (const address of addresses) {
      expect(address).toMatchObject({ address_type: 'EXTERNAL', name: `isoscribe-production-${address.region}-nat-1` });
      const nat = resources(core, 'google_compute_router_nat').find((n) => n.region === address.region)!;
      expect(nat.nat_ip_allocate_option).toBe('MANUAL_ONLY');
      expect(nat.nat_ips).toEqual([`\${google_compute_address.${address.__id}.self_link}`]);
    }
    const allowlist = core.output.mongodb_allowlist_ips;
    expect([...allowlist.value].sort()).toEqual(addresses.map((a) => `\${google_compute_address.${a.__id}.address}`).sort());
    expect(allowlist.description).toContain((prodEnv.mongodb.reach as { host: string }).host);
  });

  it('a regional network refuses a NAT address count that is no whole number', () => {
    const stack = new TerraformStack(Testing.app(), 'nat-addresses');
    const props = { name: 'n', network: 'vpc', region: 'us-central1', nodeCidr: '10.0.0.0/20', podCidr: '10.4.0.0/14', serviceCidr: '10.8.0.0/20' };
    expect(() => new RegionalNetwork(stack, 'bad', { ...props, staticNatAddresses: -1 })).toThrow(/RegionalNetwork n: staticNatAddresses must be a whole number, 0 for addresses Google picks \(got -1\)/);
    expect(() => new RegionalNetwork(stack, 'half', { ...props, staticNatAddresses: 1.5 })).toThrow(/got 1\.5/);
    expect(new RegionalNetwork(stack, 'two', { ...props, staticNatAddresses: 2 }).natAddresses).toHaveLength(2);
  });

  it('MongoDB over Private Service Connect: no static NAT addresses (Google picks them), nothing to allowlist', () => {
    const psc = environment('production', (e) => ({ ...e, mongodb: { reach: { kind: 'privateServiceConnect', endpointIp: '10.10.255.10' } } }));
    const pscCore = synthEnvironment(psc).json['isoscribe-production-core'];
    expect(resources(pscCore, 'google_compute_address')).toEqual([]);
    for (const nat of resources(pscCore, 'google_compute_router_nat')) {
      expect(nat.nat_ip_allocate_option).toBe('AUTO_ONLY');
      expect(nat.nat_ips).toBeUndefined();
    }
    expect(pscCore.output?.mongodb_allowlist_ips).toBeUndefined();
  });

  it('creates no image repository: the bootstrap stack does, before the first image push', () => {
    expect(resources(core, 'google_artifact_registry_repository')).toEqual([]);
    expect(resources(core, 'google_artifact_registry_repository_iam_member')).toEqual([]);
  });

  it('gives the node service account only the logging/monitoring roles it needs', () => {
    const bindings = resources(core, 'google_project_iam_member');
    expect(bindings.map((b) => b.role).sort()).toEqual([...NODE_PROJECT_ROLES].sort());
    for (const b of bindings) expect(b.member).toMatch(/data\.google_service_account\.node-sa_account_.*\.member/);
    expect(bindings.map((b) => b.role)).not.toEqual(expect.arrayContaining(['roles/editor']));
  });

  it('creates no service account (the deployer may not): it reads the node and workload accounts the bootstrap stack made', () => {
    expect(resources(core, 'google_service_account')).toEqual([]);
    const ids = dataSources(core, 'google_service_account').map((a) => a.account_id).sort();
    // No account for the api: it only mounts secrets, which the add-on reads as its Kubernetes service account.
    expect(ids).toEqual(['isoscribe-production-frontend', 'isoscribe-production-gke-node', 'isoscribe-production-search-os']);
  });

  it('keeps the static bundle bucket versioned, with uniform access', () => {
    const bucket = resources(core, 'google_storage_bucket').find((b) => b.name === 'isoscribe-prod-static-bundles');
    expect(bucket).toMatchObject({ uniform_bucket_level_access: true, versioning: { enabled: true } });
    const reads = resources(core, 'google_storage_bucket_iam_member').filter((m) => m.role === 'roles/storage.objectViewer');
    expect(reads).toHaveLength(1);
    expect(reads[0].member).toMatch(/frontend-sa_account/);
  });

  it('gives every region a private, versioned search snapshots bucket in that region, objectAdmin to the search account alone', () => {
    const env = environment('production');
    const buckets = resources(core, 'google_storage_bucket').filter((b) => b.name.includes('-search-'));
    expect(buckets.map((b) => [b.name, b.location]).sort()).toEqual(env.regions.map((r) => [`isoscribe-prod-search-${r.name}`, r.name.toUpperCase()]).sort());
    for (const b of buckets) {
      expect(b).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', versioning: { enabled: true }, force_destroy: false });
      expect(b.lifecycle_rule[0].condition.days_since_noncurrent_time).toBe(env.search.snapshotRetentionDays);
      expect(b.name.length).toBeLessThanOrEqual(63);
    }
    const admins = resources(core, 'google_storage_bucket_iam_member').filter((m) => m.role === 'roles/storage.objectAdmin');
    expect(admins).toHaveLength(env.regions.length);
    for (const a of admins) expect(a.member).toMatch(/search-engine-sa_account/);
  });

  it('creates the MongoDB secret container, never a version (the value is added out of band)', () => {
    const secrets = resources(core, 'google_secret_manager_secret').map((x) => x.secret_id).sort();
    expect(secrets).toEqual(['mongodb-uri', ...Object.values(SEARCH_SECRETS)].map((n) => `isoscribe-production-${n}`).sort());
    expect(resources(core, 'google_secret_manager_secret_version')).toHaveLength(0);
    const access = resources(core, 'google_secret_manager_secret_iam_member');
    for (const a of access) expect(a.role).toBe('roles/secretmanager.secretAccessor');
    // The api reads its MongoDB URI, its search password and the engine's CA certificate; never the CA key or the admin's.
    const apiReads = access.filter((a) => /\/sa\/api$/.test(a.member)).map((a) => a.secret_id).sort();
    expect(apiReads).toHaveLength(3);
    expect(apiReads.join(' ')).not.toMatch(/search-ca-key|search-admin-password|search-internal-users/);
    expect(access.filter((a) => /search-engine-sa_account/.test(a.member))).toHaveLength(Object.values(SEARCH_SECRETS).length);
  });

  it('lets the api\'s Kubernetes service account principal (and no Google service account) read the MongoDB secret, as Google\'s add-on page grants it', () => {
    const access = resources(core, 'google_secret_manager_secret_iam_member').find((a) => /mongodb-uri/.test(a.secret_id))!;
    expect(access.role).toBe('roles/secretmanager.secretAccessor');
    const { id, number } = environment('production').project;
    expect(access.member).toBe(`principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${id}.svc.id.goog/subject/ns/isoscribe/sa/api`);
  });

  it('refuses a workload that would mount a secret while acting as a Google service account (the add-on would read as that account, not the granted principal)', () => {
    const env = environment('dev');
    const mixed = { ...api, name: 'mixed', access: [CoreAccess.secret('mongodb-uri'), CoreAccess.bundleBucketRead()] };
    expect(() => new CoreStack(Testing.app(), stackName(env, 'core'), { env, definitions: [mixed] })).toThrow(/Workload mixed: it mounts the secret "mongodb-uri" and also uses its Google service account/);
  });

  it('reserves the global IPv4 address for the load balancer', () => {
    expect(onlyResource(core, 'google_compute_global_address')).toMatchObject({ name: 'isoscribe-production-lb-ipv4', ip_version: 'IPV4', address_type: 'EXTERNAL' });
  });

  it('labels every labelable resource through the provider default labels', () => {
    const provider = core.provider.google[0];
    expect(provider.default_labels).toEqual({ team: 'platform', criticality: 'high', app: 'isoscribe', environment: 'production', managed_by: 'cdktf' });
    expect(provider.project).toBe('isoscribe-prod');
  });
});
