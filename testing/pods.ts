/**
 * The two workloads' pods with what stands in for their surroundings: the api pod on a
 * MongoDB-wire server's URI (its mounted secret), the frontend pod on a loopback manifest server
 * (the bundle bucket). Both are startPod() of the real definitions.
 */
import { startMongoWireServer, type MongoWireServer } from '../services/api/test/support/mongo-wire';
import { startManifestServer, viteManifest, type ManifestServer } from '../services/frontend-server/test/support/manifest-server';
import { SEARCH_SECRETS } from '../constructs/search/opensearch-cluster';
import { api } from '../workloads/api';
import { frontend } from '../workloads/frontend';
import { startPod, type RunningPod, type StartPodOptions } from './pod';

export { CLIENT_ADDRESS, LB_ADDRESS, startPod, type RunningPod, type StartPodOptions, type TerminationReport } from './pod';

/** The engine the api pod's search files name: its api user's password and its HTTP CA certificate (PEM). */
export interface SearchEngineFiles {
  readonly password: string;
  readonly caPem: string;
}

/**
 * Every secret the api pod mounts (workloads/api.ts), by core's name: the MongoDB URI and the search
 * engine's files. Without an engine the search files are empty: nothing in the pod reads them until
 * SEARCH_* names them, and then the caller passes the engine it started.
 */
export function apiPodSecrets(mongoUri: string, search?: SearchEngineFiles): Record<string, string> {
  return { 'mongodb-uri': mongoUri, [SEARCH_SECRETS.apiPassword]: search?.password ?? '', [SEARCH_SECRETS.caCert]: search?.caPem ?? '' };
}

/**
 * The api pod, its mounted secrets pointing at `mongoUri`. Search points at `searchNodes` (test
 * nodes), or is off; with `search` the pod authenticates with those files as in production, without
 * it the test nodes run with security off and the credentials are left unset.
 */
export function startApiPod(
  mongoUri: string,
  options: Omit<StartPodOptions, 'secrets'> & { searchNodes?: string[]; search?: SearchEngineFiles } = {},
): Promise<RunningPod> {
  const { search, searchNodes, ...rest } = options;
  const searchEnv: Record<string, string> = { SEARCH_NODES: searchNodes?.join(',') ?? '' };
  if (search === undefined) Object.assign(searchEnv, { SEARCH_USERNAME: '', SEARCH_PASSWORD_FILE: '', SEARCH_CA_FILE: '' });
  return startPod(api, { ...rest, appEnv: { ...searchEnv, ...rest.appEnv }, secrets: apiPodSecrets(mongoUri, search) });
}

export interface FrontendPod extends RunningPod {
  /** The stand-in for the bundle bucket's Vite manifest; closed by stop(). */
  readonly manifest: ManifestServer;
}

/**
 * The frontend pod, its generator reading the manifest of build `buildHash` from a loopback server.
 * `manifestAvailable: false` starts that server answering 503 (and so does not wait for readiness).
 */
export async function startFrontendPod(
  options: Omit<StartPodOptions, 'bundleManifestUrl'> & { buildHash?: string; manifestAvailable?: boolean } = {},
): Promise<FrontendPod> {
  const manifest = await startManifestServer(viteManifest(options.buildHash ?? 'e2e0001'));
  if (options.manifestAvailable === false) manifest.serve({ status: 503 });
  try {
    const pod = await startPod(frontend, { waitReady: options.manifestAvailable !== false, ...options, bundleManifestUrl: manifest.url });
    return {
      ...pod,
      manifest,
      stop: async () => {
        await pod.stop();
        await manifest.close();
      },
    };
  } catch (error) {
    await manifest.close();
    throw error;
  }
}

export interface ApiWithDatabase {
  /** The MongoDB-wire server (or the one MONGODB_URL names). */
  readonly mongo: MongoWireServer;
  readonly pod: RunningPod;
  /** The database this run writes to; drop it when done. */
  readonly dbName: string;
  stop(): Promise<void>;
}

/** A MongoDB-wire server and the api pod on it, writing to a database of its own. */
export async function startApiWithDatabase(options: Omit<StartPodOptions, 'secrets'> = {}): Promise<ApiWithDatabase> {
  const dbName = `live_api_${process.pid}`;
  const mongo = await startMongoWireServer();
  try {
    const pod = await startApiPod(mongo.uri, { ...options, appEnv: { LOG_LEVEL: 'warn', MONGODB_DB: dbName, ...options.appEnv } });
    return {
      mongo,
      pod,
      dbName,
      stop: async () => {
        await pod.stop();
        await mongo.stop();
      },
    };
  } catch (error) {
    await mongo.stop();
    throw error;
  }
}

/** Page definitions with two routes, for tests and benchmarks that need more than the home page. */
export const SAMPLE_PAGES = `
pages:
  - route: /
    title: Isoscribe
    description: Write together.
    canonical: https://isoscribe.example/
  - route: /about
    title: About Isoscribe
    canonical: https://isoscribe.example/about
fallback:
  title: Isoscribe app
  robots: noindex
`;
