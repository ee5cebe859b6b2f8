// Builds the real app for in-process tests (Fastify inject) against the MongoDB-wire server.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';

/** A database name of its own per test file, so files can share one server (or MONGODB_URL). */
export function testDbName(label: string): string {
  return `test_${label}_${process.pid}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Settings as the environment would give them, tuned so outages are noticed within a second. */
export function testEnv(uri: string, dbName: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PORT: '8080', // inject() never listens
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    MONGODB_TIMEOUT_MS: '500',
    MONGODB_HEARTBEAT_MS: '500',
    ANALYTICS_FLUSH_INTERVAL_MS: '50',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** The app, ready, and (unless `waitForMongo` is false) with MongoDB connected and indexes made. */
export async function startApp(env: NodeJS.ProcessEnv, { waitForMongo = true } = {}): Promise<FastifyInstance> {
  const app = buildApp(loadConfig(env));
  await app.ready();
  if (waitForMongo) await app.mongo.start();
  return app;
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
type Falsy = undefined | null | false | 0 | '';

export async function waitFor<T>(what: string, check: () => Promise<T | Falsy> | T | Falsy, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
