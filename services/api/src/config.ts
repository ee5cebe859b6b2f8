// Every setting comes from the environment and is checked once, at start. A bad or missing value
// stops the process with a message that names the variable and says what it accepts.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

export type Listen = { socketPath: string } | { host: string; port: number };

export interface Config {
  listen: Listen;
  mongo: {
    uri: string;
    dbName: string;
    /** Connect and server-selection timeout of the background connection (selection is capped by operationTimeoutMs). */
    timeoutMs: number;
    /** How often the driver re-checks MongoDB, so recovery after an outage is noticed. */
    heartbeatMs: number;
    /** Deadline of every MongoDB operation (retries and server selection included). */
    operationTimeoutMs: number;
  };
  bodyLimitBytes: number;
  analytics: {
    queueMax: number;
    batchSize: number;
    flushIntervalMs: number;
    ttlDays: number;
    redactedKeys: string[];
  };
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  /** The search engine; undefined when SEARCH_NODES is unset (the search route answers 503, nothing else changes). */
  search: SearchConfig | undefined;
  /** Prometheus metrics on their own TCP listener; absent when METRICS_PORT is unset (no instrumentation at all). */
  metrics?: { host: string; port: number };
}

export interface SearchConfig {
  /** Base URLs of the engine's nodes (the client spreads requests and skips dead ones). */
  nodes: string[];
  auth: { username: string; password: string } | undefined;
  /** PEM of the CA that signed the engine's certificate, when it is not a public one. */
  caPem: string | undefined;
  /** The alias every read and write goes through; versioned indices sit behind it. */
  alias: string;
  /** Deadline of a search (and of one indexing round trip). */
  timeoutMs: number;
  /** How often the indexer looks for pending documents when no local write woke it. */
  indexerPollMs: number;
  /** Most documents (and deletions) one indexing round takes. */
  indexerBatchSize: number;
  /**
   * The region whose engine SEARCH_NODES names: this process's indexer feeds only that engine, and
   * clears only that region's pending marks (search/indexer.ts).
   */
  region: string;
  /**
   * Every region with an engine of its own (the environment's regions, from the workload
   * definition): each write is marked pending for all of them, so every region's indexer sees it
   * whichever region took the write. Includes `region`.
   */
  regions: string[];
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof logLevels)[number];

/** Query keys whose values never reach the request log; a key matches when it contains one of these. */
export const defaultRedactedKeys = ['password', 'passwd', 'secret', 'token', 'key', 'credential', 'session', 'signature', 'code', 'email'];

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return {
    listen: listenFrom(env),
    mongo: {
      uri: mongoUriFrom(env),
      dbName: text(env, 'MONGODB_DB', 'isoscribe', /^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, "_" or "-", at most 63'),
      timeoutMs: int(env, 'MONGODB_TIMEOUT_MS', 2000, 100, 60_000),
      heartbeatMs: int(env, 'MONGODB_HEARTBEAT_MS', 5000, 500, 60_000),
      operationTimeoutMs: int(env, 'MONGODB_OPERATION_TIMEOUT_MS', 1000, 50, 60_000),
    },
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    analytics: {
      queueMax: int(env, 'ANALYTICS_QUEUE_MAX', 10_000, 1, 1_000_000),
      batchSize: int(env, 'ANALYTICS_BATCH_SIZE', 250, 1, 10_000),
      flushIntervalMs: int(env, 'ANALYTICS_FLUSH_INTERVAL_MS', 1000, 10, 60_000),
      ttlDays: int(env, 'ANALYTICS_TTL_DAYS', 30, 1, 3650),
      redactedKeys: keyList(env, 'ANALYTICS_REDACTED_KEYS', defaultRedactedKeys),
    },
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 1000, 600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', logLevels),
    search: searchFrom(env),
    metrics: metricsFrom(env),
  };
}

function metricsFrom(env: NodeJS.ProcessEnv): Config['metrics'] {
  if (env.METRICS_PORT === undefined || env.METRICS_PORT === '') {
    if (env.METRICS_HOST) throw new ConfigError('METRICS_HOST is set but METRICS_PORT is not; set METRICS_PORT (the pod uses 9464) or unset METRICS_HOST');
    return undefined;
  }
  return {
    host: text(env, 'METRICS_HOST', '127.0.0.1', /^[0-9A-Za-z.:-]+$/, 'an IP address to listen on, e.g. "0.0.0.0" for the pod IP'),
    port: int(env, 'METRICS_PORT', 0, 1, 65535),
  };
}

/** The settings an operator command (search:reindex) needs: MongoDB and search, no listener. */
export function loadToolConfig(env: NodeJS.ProcessEnv): { mongo: Pick<Config['mongo'], 'uri' | 'dbName'>; search: SearchConfig | undefined } {
  return {
    mongo: { uri: mongoUriFrom(env), dbName: text(env, 'MONGODB_DB', 'isoscribe', /^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, "_" or "-", at most 63') },
    search: searchFrom(env),
  };
}

function searchFrom(env: NodeJS.ProcessEnv): SearchConfig | undefined {
  const rawNodes = env.SEARCH_NODES;
  if (rawNodes === undefined || rawNodes.trim() === '') return undefined;
  const nodes = rawNodes.split(',').map((node) => node.trim());
  for (const node of nodes) {
    let url: URL | undefined;
    try {
      url = new URL(node);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.username || url.password) {
      throw new ConfigError(`SEARCH_NODES must be comma-separated base URLs such as "https://search.example:9200", without credentials (got "${node}")`);
    }
  }
  // Empty counts as unset, as for every optional setting.
  const username = env.SEARCH_USERNAME || undefined;
  const passwordFile = env.SEARCH_PASSWORD_FILE || undefined;
  if ((username === undefined) !== (passwordFile === undefined)) {
    throw new ConfigError('SEARCH_USERNAME and SEARCH_PASSWORD_FILE go together: set both (the password file is the mounted secret) or neither');
  }
  const password = passwordFile === undefined ? undefined : readSecretFile('SEARCH_PASSWORD_FILE', passwordFile, 'mount the search password secret there');
  if (password === '') throw new ConfigError(`SEARCH_PASSWORD_FILE (${passwordFile}) is empty; it must hold the search user's password`);
  const caFile = env.SEARCH_CA_FILE || undefined;
  const caPem = caFile === undefined ? undefined : readSecretFile('SEARCH_CA_FILE', caFile, 'mount the engine\'s CA certificate there');
  if (caPem !== undefined && !caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`SEARCH_CA_FILE (${caFile}) must hold a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return {
    nodes,
    auth: username === undefined ? undefined : { username, password: password! },
    caPem,
    alias: text(env, 'SEARCH_INDEX', 'documents', /^[a-z][a-z0-9_-]{0,99}$/, 'a lowercase index alias: a letter, then letters, digits, "_" or "-", at most 100'),
    timeoutMs: int(env, 'SEARCH_TIMEOUT_MS', 1000, 50, 60_000),
    indexerPollMs: int(env, 'SEARCH_INDEXER_POLL_MS', 250, 10, 60_000),
    indexerBatchSize: int(env, 'SEARCH_INDEXER_BATCH_SIZE', 500, 1, 10_000),
    ...searchRegionsFrom(env),
  };
}

const regionName = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * SEARCH_REGION and SEARCH_REGIONS: the pod's region and all regions hosting an engine (the
 * workload definition sets both from the environment's config). Unset, one region named "local":
 * a single engine, as in dev runs and the tests.
 */
function searchRegionsFrom(env: NodeJS.ProcessEnv): { region: string; regions: string[] } {
  const region = text(env, 'SEARCH_REGION', 'local', regionName, 'a region name such as "europe-west1" (lowercase letters, digits, "-")');
  const raw = env.SEARCH_REGIONS;
  if (raw === undefined || raw.trim() === '') return { region, regions: [region] };
  const regions = raw.split(',').map((name) => name.trim());
  for (const name of regions) {
    if (!regionName.test(name)) throw new ConfigError(`SEARCH_REGIONS must be comma-separated region names such as "us-central1,europe-west1" (got "${name}" in "${raw}")`);
  }
  if (new Set(regions).size !== regions.length) throw new ConfigError(`SEARCH_REGIONS lists a region twice ("${raw}"); list each region once`);
  if (!regions.includes(region)) {
    throw new ConfigError(`SEARCH_REGION "${region}" is not in SEARCH_REGIONS ("${raw}"); this pod's own region must be one of the regions whose engines are fed`);
  }
  return { region, regions };
}

function readSecretFile(name: string, file: string, fix: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${name}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code}); ${fix}`);
  }
}

function listenFrom(env: NodeJS.ProcessEnv): Listen {
  const socketPath = env.LISTEN_SOCKET;
  if (socketPath !== undefined && env.PORT !== undefined) {
    throw new ConfigError('LISTEN_SOCKET and PORT are both set; set only one (LISTEN_SOCKET in the pod, PORT for local runs)');
  }
  if (socketPath !== undefined) {
    if (!isAbsolute(socketPath)) {
      throw new ConfigError(`LISTEN_SOCKET must be an absolute path to a unix socket (got "${socketPath}")`);
    }
    return { socketPath };
  }
  if (env.PORT === undefined) {
    throw new ConfigError('set LISTEN_SOCKET (unix socket path, as in the pod) or PORT (TCP port, for local runs)');
  }
  return { host: text(env, 'HOST', '127.0.0.1', /^[0-9A-Za-z.:-]+$/, 'an IP address or host name'), port: int(env, 'PORT', 0, 1, 65535) };
}

function mongoUriFrom(env: NodeJS.ProcessEnv): string {
  const file = env.MONGODB_URI_FILE;
  if (file !== undefined && env.MONGODB_URI !== undefined) {
    throw new ConfigError('MONGODB_URI_FILE and MONGODB_URI are both set; set only one (the file in the pod)');
  }
  let uri = env.MONGODB_URI;
  if (file !== undefined) {
    try {
      uri = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`MONGODB_URI_FILE: cannot read "${file}" (${(err as NodeJS.ErrnoException).code}); mount the MongoDB secret there`);
    }
  }
  if (uri === undefined) {
    throw new ConfigError('set MONGODB_URI_FILE (path of the mounted secret holding the connection string) or MONGODB_URI');
  }
  // Never echo the value: it holds credentials.
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(uri)) {
    const from = file !== undefined ? `the file named by MONGODB_URI_FILE (${file})` : 'MONGODB_URI';
    throw new ConfigError(`${from} must hold a connection string starting with mongodb:// or mongodb+srv://`);
  }
  return uri;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string, pattern: RegExp, what: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new ConfigError(`${name} must be ${what} (got "${raw}")`);
  return raw;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  return raw as T;
}

function keyList(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const keys = raw.split(',').map((key) => key.trim().toLowerCase()).filter((key) => key !== '');
  if (keys.length === 0 || keys.some((key) => !/^[a-z0-9_-]+$/.test(key))) {
    throw new ConfigError(`${name} must be a comma-separated list of query keys such as "password,token,email" (got "${raw}")`);
  }
  return keys;
}
