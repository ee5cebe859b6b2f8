import { issueOriginPullCertificates } from '../../docs/deploy/origin-pull-cert';
import { ConfigError, ENVIRONMENTS, loadEnvironments, selectEnvironments, type EnvironmentInput } from '../../config';

function variant(name: string, mutate: (e: EnvironmentInput) => void): EnvironmentInput {
  const input = structuredClone(ENVIRONMENTS.find((e) => e.name === name)!);
  mutate(input);
  return input;
}

/** Loads one mutated environment and returns the problems it reports. */
function problemsOf(name: string, mutate: (e: EnvironmentInput) => void): string[] {
  try {
    loadEnvironments([variant(name, mutate)]);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('the committed environments', () => {
  it('are all valid', () => {
    const envs = loadEnvironments(ENVIRONMENTS);
    expect(envs.map((e) => e.name)).toEqual(['dev', 'staging', 'production']);
  });

  it('dev needs no credentials: local state, one region, placeholder domain, no deletion protection', () => {
    const [dev] = loadEnvironments(ENVIRONMENTS.filter((e) => e.name === 'dev'));
    expect(dev.backend).toEqual({ type: 'local' });
    expect(dev.regions).toHaveLength(1);
    expect(dev.domain).toMatch(/\.example$/);
    expect(dev.cluster.deletionProtection).toBe(false);
  });

  it('staging has one region and production three on three continents, both on GCS state', () => {
    const envs = loadEnvironments(ENVIRONMENTS);
    const staging = envs.find((e) => e.name === 'staging')!;
    const production = envs.find((e) => e.name === 'production')!;
    expect(staging.regions).toHaveLength(1);
    expect(production.regions).toHaveLength(3);
    const continents = new Set(production.regions.map((r) => r.name.split('-')[0]));
    expect(continents.size).toBe(3);
    for (const env of [staging, production]) {
      expect(env.backend.type).toBe('gcs');
      expect(env.cluster.deletionProtection).toBe(true);
    }
  });

});

describe('config rules: each rejects a bad value and says how to fix it', () => {
  type Case = [string, (e: EnvironmentInput) => void, RegExp];
  const cases: Case[] = [
    ['project id format', (e) => { e.project.id = 'Isoscribe_Prod'; },
      /production\.ts › project\.id: must be a GCP project id/],
    ['project number given as the id', (e) => { (e.project as { number: string }).number = 'isoscribe-prod'; },
      /production\.ts › project\.number: must be the project's number \(digits only\): gcloud projects describe/],
    ['unknown region', (e) => { e.regions[1].name = 'europe-middle9'; },
      /regions\[1\]\.name: must be a Google Cloud region with GKE/],
    ['zone outside its region', (e) => { e.regions[1].zones[0] = 'us-central1-a'; },
      /regions\[1\]\.zones\[0\]: "us-central1-a" is not a zone of europe-west1; use "europe-west1-<letter>"/],
    ['duplicate zone', (e) => { e.regions[0].zones = ['us-central1-a', 'us-central1-a']; },
      /regions\[0\]\.zones\[1\]: zone "us-central1-a" is listed twice/],
    ['duplicate region', (e) => { e.regions[2] = { ...e.regions[1], nodeCidr: '10.0.48.0/20', podCidr: '10.24.0.0/14', serviceCidr: '10.8.48.0/20', masterCidr: '172.16.0.48/28' }; },
      /regions\[2\]\.name: region "europe-west1" is listed twice/],
    ['node CIDRs overlapping across regions', (e) => { e.regions[1].nodeCidr = '10.0.8.0/21'; },
      /regions\[1\]\.nodeCidr: 10\.0\.8\.0\/21 overlaps regions\[0\]\.nodeCidr \(10\.0\.0\.0\/20\)/],
    ['pod range overlapping another region\'s service range', (e) => { e.regions[2].podCidr = '10.8.0.0/14'; },
      /regions\[2\]\.podCidr: 10\.8\.0\.0\/14 overlaps .*serviceCidr/],
    ['service range overlapping its own node range', (e) => { e.regions[0].serviceCidr = '10.0.0.0/24'; },
      /regions\[0\]\.serviceCidr: 10\.0\.0\.0\/24 overlaps regions\[0\]\.nodeCidr/],
    ['malformed CIDR', (e) => { e.regions[0].nodeCidr = '10.0.0.1/20'; },
      /regions\[0\]\.nodeCidr: must be a canonical IPv4 CIDR/],
    ['control plane range not a /28', (e) => { e.regions[0].masterCidr = '172.16.0.0/27'; },
      /regions\[0\]\.masterCidr: the GKE control plane needs exactly a \/28 \(got \/27\)/],
    ['image tag "latest"', (e) => { e.workloads.api.image.tag = 'latest'; },
      /workloads\.api\.image\.tag: must be pinned: "latest" moves/],
    ['malformed digest', (e) => { e.workloads.frontend.image.digest = 'sha256:abc'; },
      /workloads\.frontend\.image\.digest: must be "sha256:" followed by 64 lowercase hex digits/],
    ['image repository with a tag in it', (e) => { e.nginxImage.repository = 'nginx:1.27'; },
      /nginxImage\.repository: must be an image repository without tag or digest/],
    ['replicas below 1', (e) => { e.workloads.api.replicas = 0; },
      /workloads\.api\.replicas: must be at least 1/],
    ['autoscaling min above max', (e) => { e.workloads.api.autoscaling.minReplicas = 40; },
      /workloads\.api\.autoscaling\.minReplicas: minReplicas \(40\) exceeds maxReplicas \(30\)/],
    ['replicas outside autoscaling bounds', (e) => { e.workloads.frontend.replicas = 20; },
      /workloads\.frontend\.replicas: replicas \(20\) must lie within autoscaling bounds \[3, 12\]/],
    ['node pool min above max', (e) => { e.regions[0].nodePool = { ...e.regions[0].nodePool, minNodesPerZone: 9 }; },
      /regions\[0\]\.nodePool\.minNodesPerZone: minNodesPerZone \(9\) exceeds maxNodesPerZone \(5\)/],
    ['control plane open to the internet', (e) => { e.cluster.masterAuthorizedNetworks = [{ cidr: '0.0.0.0/0', displayName: 'anyone' }]; },
      /cluster\.masterAuthorizedNetworks\[0\]\.cidr: 0\.0\.0\.0\/0 is wider than \/24 .* list the exact ranges, at most \/24 each/],
    ['control plane open to a /8', (e) => { e.cluster.masterAuthorizedNetworks = [{ cidr: '10.0.0.0/8', displayName: 'corp' }]; },
      /cluster\.masterAuthorizedNetworks\[0\]\.cidr: 10\.0\.0\.0\/8 is wider than \/24/],
    ...(['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '203.0.113.8/29'] as const).map((cidr): Case => [
      `documentation range ${cidr}`,
      (e) => { e.cluster.masterAuthorizedNetworks = [{ cidr: '10.20.0.0/24', displayName: 'vpn' }, { cidr, displayName: 'copied-example' }]; },
      new RegExp(`cluster\\.masterAuthorizedNetworks\\[1\\]\\.cidr: ${cidr.replace(/\./g, '\\.')} is in .* a documentation range \\(RFC 5737\\) .* list your VPN or bastion range, or none`),
    ]),
    ['shared environment on local state', (e) => { e.backend = { type: 'local' }; },
      /production\.ts › backend: a production environment must keep state in GCS/],
    ['unknown tier', (e) => { (e as { tier: string }).tier = 'prod'; },
      /production\.ts › tier: must be "disposable", "shared" or "production"/],
    ['primary region that is not one of the regions', (e) => { e.primaryRegion = 'europe-west4'; },
      /production\.ts › primaryRegion: "europe-west4" is not one of this environment's regions \(us-central1, europe-west1, asia-northeast1\); name one of them/],
    ['workload name that is no DNS label', (e) => { e.workloads.Search = e.workloads.api; },
      /workloads\.Search: workload names are 1-20 lowercase letters/],
    ['no regions', (e) => { e.regions = []; },
      /regions: configure at least one region/],
    ['uppercase domain', (e) => { e.domain = 'Isoscribe.com'; },
      /domain: must be a lowercase DNS name/],
    ['MongoDB in a private range over "public TLS"', (e) => { e.mongodb.reach = { kind: 'publicTls', host: '10.200.0.10' }; },
      /mongodb\.reach\.host: must be the public DNS name .* a server in a private range needs kind "privateServiceConnect"/],
    ['MongoDB at a private DNS name over "public TLS"', (e) => { e.mongodb.reach = { kind: 'publicTls', host: 'mongo.europe-west1-b.c.isoscribe.internal' }; },
      /mongodb\.reach\.host: "mongo\.europe-west1-b\.c\.isoscribe\.internal" is a private name .* use kind "privateServiceConnect"/],
    ['Private Service Connect endpoint at a public address', (e) => { e.mongodb.reach = { kind: 'privateServiceConnect', endpointIp: '34.120.1.2' }; },
      /mongodb\.reach\.endpointIp: "34\.120\.1\.2" is a public address, not a Private Service Connect endpoint; use kind "publicTls"/],
    ['Private Service Connect endpoint that is no address', (e) => { e.mongodb.reach = { kind: 'privateServiceConnect', endpointIp: '10.300.0.1' }; },
      /mongodb\.reach\.endpointIp: "10\.300\.0\.1" is not an IPv4 address/],
    ['search engine in fewer than three zones outside the disposable tier', (e) => { e.regions[1].zones = ['europe-west1-b', 'europe-west1-c']; },
      /production\.ts › regions\[1\]\.zones: region europe-west1 hosts the search engine in a production environment and lists 2 zone\(s\); list three zones/],
    ['search engine with fewer than three nodes', (e) => { e.search.nodes = 2; },
      /search\.nodes: must be at least 3: the cluster-manager quorum/],
    ['search heap above half the memory request', (e) => { e.search.heapMi = 16384; },
      /search\.heapMi: 16384 MiB is more than half the memory request \(24Gi\); .* lower heapMi or raise resources\.requests\.memory/],
    ['search node pool too small for one engine node per machine', (e) => { e.search.nodes = 7; },
      /search\.nodePool\.maxNodesPerZone: 2 node\(s\) per zone × 3 zone\(s\) of us-central1 is fewer than search\.nodes \(7\).* raise maxNodesPerZone/],
    ['search storage class GKE does not bind in the pod\'s zone', (e) => { (e.search.storage as { storageClass: string }).storageClass = 'standard'; },
      /search\.storage\.storageClass: must be "standard-rwo" \(pd-balanced\) or "premium-rwo"/],
    ['search engine image tag "latest"', (e) => { e.search.engineImage.tag = 'latest'; },
      /search\.engineImage\.tag: must be pinned: "latest" moves/],
    ['MongoDB reach of an unknown kind (the old cidrs list)', (e) => { (e.mongodb as unknown) = { reach: { kind: 'cidrs', cidrs: ['10.200.0.0/29'] } }; },
      /mongodb\.reach\.kind: must be "publicTls" .* or "privateServiceConnect"/],
  ];

  it('accepts a Private Service Connect endpoint in a private range', () => {
    const [env] = loadEnvironments([variant('production', (e) => { e.mongodb.reach = { kind: 'privateServiceConnect', endpointIp: '10.10.255.10' }; })]);
    expect(env.mongodb.reach).toEqual({ kind: 'privateServiceConnect', endpointIp: '10.10.255.10', port: 27017 });
  });

  it('local state is for the disposable tier: a shared environment on it is rejected, a disposable one is not', () => {
    expect(problemsOf('staging', (e) => { e.backend = { type: 'local' }; })).toEqual([
      'config/staging.ts › backend: a shared environment must keep state in GCS: set { type: "gcs", bucket: "<state bucket>" } (local state is for tier "disposable" only)',
    ]);
    expect(() => loadEnvironments([variant('staging', (e) => { e.backend = { type: 'local' }; e.tier = 'disposable'; })])).not.toThrow();
  });

  it('accepts real internal ranges (/24 or narrower) and an empty list', () => {
    const accepted = (networks: { cidr: string; displayName: string }[]) => loadEnvironments([variant('production', (e) => { e.cluster.masterAuthorizedNetworks = networks; })]);
    expect(accepted([{ cidr: '10.20.0.0/24', displayName: 'vpn' }, { cidr: '192.168.7.4/32', displayName: 'bastion' }])[0].cluster.masterAuthorizedNetworks).toHaveLength(2);
    expect(accepted([])[0].cluster.masterAuthorizedNetworks).toEqual([]);
  });

  it('the origin lock is required outside the disposable tier, and its CA certificates are checked', () => {
    expect(problemsOf('staging', (e) => { delete e.ingress.originPull; })).toEqual([
      'config/staging.ts › ingress.originPull: is required in the "shared" tier: without it any Cloudflare zone can reach the origin; run docs/deploy/origin-pull-cert.ts issue --env staging (docs/deploy.md)',
    ]);
    const issued = issueOriginPullCertificates('example.test', 1);
    expect(problemsOf('staging', (e) => { e.ingress.originPull!.trustedCaCertificates = [issued.clientCertificatePem]; })).toEqual([
      expect.stringMatching(/ingress\.originPull\.trustedCaCertificates\[0\]: "CN=example.test" is not a CA certificate/),
    ]);
    expect(problemsOf('staging', (e) => { e.ingress.originPull!.trustedCaCertificates = ['not a certificate']; })).toEqual([
      expect.stringMatching(/trustedCaCertificates\[0\]: must be a PEM certificate/),
    ]);
    expect(problemsOf('staging', (e) => { e.ingress.originPull!.trustedCaCertificates = []; })).toEqual([
      expect.stringMatching(/trustedCaCertificates: list at least one CA certificate; run docs\/deploy\/origin-pull-cert.ts issue/),
    ]);
    expect(problemsOf('staging', (e) => { e.ingress.originPull!.cloudflareCertificateId = 'abc'; })).toEqual([
      expect.stringMatching(/cloudflareCertificateId: must be the certificate id \(a UUID\)/),
    ]);
    expect(() => loadEnvironments([variant('staging', (e) => { delete e.ingress.originPull; e.tier = 'disposable'; })])).not.toThrow();
  });

  it('an expired CA certificate is rejected with the step that replaces it', () => {
    // The committed staging CA, read on a day after it expires.
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2040-01-01T00:00:00Z'));
    try {
      expect(problemsOf('staging', () => {})).toEqual([
        expect.stringMatching(/trustedCaCertificates\[0\]: "CN=isoscribe-staging.com origin-pull CA" expired on .*; issue a new one with docs\/deploy\/origin-pull-cert.ts/),
      ]);
    } finally {
      now.mockRestore();
    }
  });

  it.each(cases)('%s', (_rule, mutate, expected) => {
    const problems = problemsOf('production', mutate);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('lists every problem of every environment at once', () => {
    const badDev = variant('dev', (e) => { e.workloads.api.image.tag = 'latest'; });
    const badProd = variant('production', (e) => { e.project.id = 'X'; e.regions[0].zones = ['asia-east1-a', 'us-central1-b', 'us-central1-c']; });
    let error: unknown;
    try {
      loadEnvironments([badDev, badProd]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    // Another project id also leaves NGINX's configured path in the old project's registry.
    expect(problems).toHaveLength(4);
    expect(message).toMatch(/^Invalid Isoscribe configuration \(4 problems\):/);
    expect(message).toContain('config/production.ts › nginxImage.repository');
    expect(message).toContain('config/dev.ts › workloads.api.image.tag');
    expect(message).toContain('config/production.ts › project.id');
    expect(message).toContain('config/production.ts › regions[0].zones[0]');
  });
});

describe('ISOSCRIBE_ENVS selection', () => {
  const envs = loadEnvironments(ENVIRONMENTS);

  it('keeps every environment when unset or empty', () => {
    expect(selectEnvironments(envs, undefined)).toHaveLength(3);
    expect(selectEnvironments(envs, ' ')).toHaveLength(3);
  });

  it('narrows to the named environments', () => {
    expect(selectEnvironments(envs, 'production, dev').map((e) => e.name)).toEqual(['dev', 'production']);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => selectEnvironments(envs, 'prod')).toThrow(/ISOSCRIBE_ENVS: unknown environment "prod"; choose from dev, staging, production/);
  });
});
