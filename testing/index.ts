/*
 * Everything that starts a part of the topology on loopback, for live tests, e2e and benchmarks:
 * NGINX on a rendered config, any workload's pod from its definition, the two pods with their
 * stand-ins, and the stand-ins themselves. The MongoDB-wire and manifest servers live with the
 * services, whose own tests use them (services/ never imports the IaC code); they are re-exported here.
 */
export * from './nginx';
export * from './pod';
export { apiPodSecrets, SAMPLE_PAGES, startApiPod, startApiWithDatabase, startFrontendPod, type ApiWithDatabase, type FrontendPod, type SearchEngineFiles } from './pods';
export { startMongoWireServer, type MongoWireServer } from '../services/api/test/support/mongo-wire';
export { startOpenSearch, type OpenSearchCluster, type OpenSearchNode } from '../services/api/test/support/opensearch';
export { etagOf, startManifestServer, viteManifest, type ManifestServer } from '../services/frontend-server/test/support/manifest-server';
