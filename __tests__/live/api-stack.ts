/**
 * The api pod, for live tests and the benchmark: the API process (a real process, as in the
 * container) on the unix socket of a real NGINX that runs the config the workloads construct
 * renders for the api, with the MongoDB-wire test server as its database.
 */
import { NginxBackend, renderNginxConfig } from '../../constructs/nginx';
import { ApiProcess, startApi } from '../../services/api/test/support/api-process';
import { MongoWireServer, startMongoWireServer } from '../../services/api/test/support/mongo-wire';
import { API_BODY_LIMIT_KIB } from '../../stacks/workloads-stack';
import { RunningNginx, startNginx, type NginxTestLayout } from '../support/nginx';

/** The api NGINX config as stacks/workloads-stack.ts renders it, rebased onto a test layout. */
export function apiNginxConfig(layout: NginxTestLayout, trustedProxies: string[]): string {
  return renderNginxConfig({
    ...layout.testProps,
    backend: NginxBackend.unixSocket({ socketPath: layout.socketPath, readinessPath: '/readyz' }),
    trustedProxies,
    clientMaxBodySize: `${API_BODY_LIMIT_KIB}k`,
  });
}

export interface ApiStack {
  readonly mongo: MongoWireServer;
  readonly nginx: RunningNginx;
  readonly api: ApiProcess;
  readonly dbName: string;
  stop(): Promise<void>;
}

export interface ApiStackOptions {
  /** Peers NGINX believes X-Forwarded-For from; loopback stands in for the load balancer hop. @default ['127.0.0.1'] */
  trustedProxies?: string[];
  /** Extra environment for the API process. */
  env?: NodeJS.ProcessEnv;
}

export async function startApiStack(options: ApiStackOptions = {}): Promise<ApiStack> {
  const dbName = `live_api_${process.pid}`;
  const mongo = await startMongoWireServer();
  let nginx: RunningNginx | undefined;
  try {
    nginx = await startNginx({ config: (layout) => apiNginxConfig(layout, options.trustedProxies ?? ['127.0.0.1']) });
    const api = await startApi({
      LISTEN_SOCKET: nginx.layout.socketPath,
      MONGODB_URI: mongo.uri,
      MONGODB_DB: dbName,
      BODY_LIMIT_BYTES: String(API_BODY_LIMIT_KIB * 1024),
      ...options.env,
    });
    const running = nginx;
    return {
      mongo,
      nginx: running,
      api,
      dbName,
      stop: async () => {
        await api.stop();
        await running.stop();
        await mongo.stop();
      },
    };
  } catch (error) {
    await nginx?.stop();
    await mongo.stop();
    throw error;
  }
}
