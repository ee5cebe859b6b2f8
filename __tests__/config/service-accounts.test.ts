import { ConfigError } from '../../config';
import { serviceAccountIds } from '../../config/service-accounts';
import { checkWorkloadsConfigured, WORKLOADS } from '../../workloads';
import { environment } from '../support/topology';

describe('the search engine\'s Google account', () => {
  it('fits the 30-character account id limit in every environment', () => {
    for (const name of ['dev', 'staging', 'production']) expect(serviceAccountIds(environment(name), WORKLOADS).search.length).toBeLessThanOrEqual(30);
  });

  it('is no workload\'s: a definition that would take its id is a configuration error naming the file to change', () => {
    const envs = [environment('production')];
    const clash = [...WORKLOADS, { ...WORKLOADS[0], name: 'search-os' }];
    expect(() => checkWorkloadsConfigured(envs, clash)).toThrow(ConfigError);
    expect(() => checkWorkloadsConfigured(envs, clash)).toThrow(
      'workloads/search-os.ts › name: "search-os" would give the workload the search engine\'s service account (isoscribe-<env>-search-os); name it otherwise',
    );
  });
});
