import { registryLocation } from '../../config/registry';
import { GCP_REGIONS } from '../../facts/gcp-regions';

describe('registryLocation', () => {
  it('maps every region the schema knows to a multi-region, and says what to do for one it cannot', () => {
    for (const region of GCP_REGIONS) expect(['us', 'europe', 'asia']).toContain(registryLocation(region));
    expect(() => registryLocation('mars-north1')).toThrow('no Artifact Registry multi-region for region "mars-north1"; extend registryLocation (config/registry.ts)');
  });
});
