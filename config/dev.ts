import { environment } from './defaults';

/**
 * The embedded default: placeholder project and domain, local state, one small region. Synthesizes
 * with no credentials; deploying it needs only a sandbox project of your own (change `project.id`).
 * A sandbox zone of your own: set `domain` (or edge.zoneName) to it and edge.plan to its plan.
 */
export const dev = environment({
  name: 'dev',
  tier: 'disposable',
  // A placeholder number: set your sandbox project's (gcloud projects describe <id> --format='value(projectNumber)').
  project: { id: 'isoscribe-dev', number: '100000000001' },
  domain: 'dev.isoscribe.example',
  primaryRegion: 'us-central1',
  regions: [{ name: 'us-central1', zones: ['us-central1-a', 'us-central1-b'] }],
  // Like staging: a free-tier Atlas cluster over public TLS, allowlisting this environment's NAT addresses.
  // Alerts by severity (docs/operations.md); add a paging or chat channel made by hand with channelIds.
  monitoring: { notifications: { page: { emails: ['dev-alerts@isoscribe.example'] }, ticket: { emails: ['dev-alerts@isoscribe.example'] } } },
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-dev.mongodb.net', port: 27017 } },
});
