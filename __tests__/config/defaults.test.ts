import { ConfigError, loadEnvironments } from '../../config';
import { trustedOriginPullCas } from '../../config/origin-pull-ca';
import { environment, OPENSEARCH_VERSION, REGION_RANGES, TIER_DEFAULTS, type EnvironmentSpecifics } from '../../config/defaults';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const sandbox: EnvironmentSpecifics = {
  name: 'sandbox',
  tier: 'shared',
  project: { id: 'isoscribe-sandbox', number: '123456789012' },
  domain: 'isoscribe-sandbox.com',
  primaryRegion: 'europe-west1',
  regions: [{ name: 'europe-west1', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'] }],
  mongodb: { reach: { kind: 'publicTls', host: 'sandbox.mongodb.net' } },
  monitoring: { notifications: { page: { emails: ['oncall@sandbox.example'] }, ticket: { emails: ['team@sandbox.example'] } } },
  ingress: { originPull: { trustedCaCertificates: trustedOriginPullCas('staging'), cloudflareCertificateId: '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b' } },
};

describe('environment(): the tier decides what an environment does not state', () => {
  it('fills every field from the tier, the address plan and the project', () => {
    const input = environment(sandbox);
    expect(input.backend).toEqual({ type: 'gcs', bucket: 'isoscribe-sandbox-tfstate' });
    expect(input.labels).toEqual({ team: 'platform' });
    expect(input.cluster.releaseChannel).toBe(TIER_DEFAULTS.shared.releaseChannel);
    expect(input.regions[0]).toMatchObject({ ...REGION_RANGES[0], nodePool: TIER_DEFAULTS.shared.nodePool });
    expect(input.workloads.frontend.image).toEqual({ repository: 'europe-docker.pkg.dev/isoscribe-sandbox/isoscribe/frontend-server', tag: '0.1.0' });
    expect(input.ingress).toMatchObject(TIER_DEFAULTS.shared.ingress);
    expect(input.edge).toEqual(TIER_DEFAULTS.shared.edge);
  });

  it('an environment overrides one field of a section and keeps the rest of its tier', () => {
    const input = environment({ ...sandbox, ingress: { ...sandbox.ingress, maxRatePerEndpoint: 7 }, workloads: { api: { replicas: 3 } }, labels: { owner: 'me' } });
    expect(input.ingress.maxRatePerEndpoint).toBe(7);
    expect(input.ingress.logSampleRate).toBe(TIER_DEFAULTS.shared.ingress.logSampleRate);
    expect(input.workloads.api.replicas).toBe(3);
    expect(input.workloads.api.autoscaling).toEqual(TIER_DEFAULTS.shared.workloads.api.autoscaling);
    expect(input.labels).toEqual({ team: 'platform', owner: 'me' });
    expect(() => loadEnvironments([input])).not.toThrow();
  });

  it('disposable environments keep local state and may be deleted', () => {
    const input = environment({ ...sandbox, tier: 'disposable' });
    expect(input.backend).toEqual({ type: 'local' });
    expect(input.cluster.deletionProtection).toBe(false);
  });

  it('rejects a region beyond the address plan that states no ranges, naming the file, the field and the fix', () => {
    const regions = ['us-central1', 'europe-west1', 'asia-northeast1', 'us-east1'].map((name) => ({ name, zones: [`${name}-b`] }));
    expect(() => environment({ ...sandbox, regions })).toThrow(ConfigError);
    expect(() => environment({ ...sandbox, regions })).toThrow(
      'config/sandbox.ts › regions[3]: the address plan has ranges for 3 regions; set this region\'s nodeCidr, podCidr, serviceCidr and masterCidr, or add an entry to REGION_RANGES (config/defaults.ts)');
    const own = { nodeCidr: '10.0.48.0/20', podCidr: '10.20.0.0/14', serviceCidr: '10.8.48.0/20', masterCidr: '172.16.0.48/28' };
    const input = environment({ ...sandbox, regions: [...regions.slice(0, 3), { ...regions[3], ...own }] });
    expect(input.regions[3]).toMatchObject(own);
  });
});

describe('OPENSEARCH_VERSION', () => {
  it('is the release the tests run (services/api/test/opensearch/pom.xml), security plugin included', () => {
    const pom = readFileSync(join(__dirname, '..', '..', 'services', 'api', 'test', 'opensearch', 'pom.xml'), 'utf8');
    expect(/<opensearch.version>([^<]+)</.exec(pom)?.[1]).toBe(OPENSEARCH_VERSION);
  });
});
