/**
 * The api pod, for live tests and the benchmark: the API process (a real process, as in the
 * container) on the unix socket of a real NGINX that runs the config the workloads construct
 * renders for the api, with the MongoDB-wire test server as its database.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNginxConfig } from '../../constructs/nginx';
import { ApiProcess, startApi } from '../../services/api/test/support/api-process';
import { MongoWireServer, startMongoWireServer } from '../../services/api/test/support/mongo-wire';
import { apiContainerEnv, apiNginxConfig as stackApiNginxConfig } from '../../stacks/workloads-stack';
import { RunningNginx, startNginx, type NginxTestLayout } from '../support/nginx';

/** The api NGINX config exactly as stacks/workloads-stack.ts builds it, rebased onto a test layout. */
export function apiNginxConfig(layout: NginxTestLayout, trustedProxies: string[]): string {
  return renderNginxConfig({ ...stackApiNginxConfig(trustedProxies, layout.socketPath), ...layout.testProps });
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
    // The container's environment from the stack, with the secret file the pod mounts.
    const mongodbUriFile = join(nginx.dir, 'mongodb-uri');
    writeFileSync(mongodbUriFile, mongo.uri);
    const api = await startApi({
      ...apiContainerEnv({ socketPath: nginx.layout.socketPath, mongodbUriFile }),
      LOG_LEVEL: 'warn',
      MONGODB_DB: dbName,
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
