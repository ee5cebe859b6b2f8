import { serviceAccountIds } from '../../config/service-accounts';
import { WORKLOADS } from '../../workloads';
import { environment } from '../support/topology';

describe('the search engine\'s Google account', () => {
  it('fits the 30-character account id limit in every environment and refuses a workload that would take its id, naming the file to change', () => {
    for (const name of ['dev', 'staging', 'production']) expect(serviceAccountIds(environment(name), WORKLOADS).search.length).toBeLessThanOrEqual(30);
    expect(() => serviceAccountIds(environment('production'), [...WORKLOADS, { ...WORKLOADS[0], name: 'search-os' }])).toThrow(
      'Workload "search-os": its service account would be the search engine\'s (isoscribe-production-search-os); name it otherwise in workloads/search-os.ts',
    );
  });
});
