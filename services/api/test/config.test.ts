import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultRedactedKeys, loadConfig } from '../src/config';

const minimal = { LISTEN_SOCKET: '/run/api/api.sock', MONGODB_URI: 'mongodb://db.internal:27017/' };

describe('loadConfig defaults', () => {
  it('needs only a listen address and a connection string', () => {
    expect(loadConfig(minimal)).toEqual({
      listen: { socketPath: '/run/api/api.sock' },
      mongo: { uri: 'mongodb://db.internal:27017/', dbName: 'isoscribe', timeoutMs: 2000, heartbeatMs: 5000, operationTimeoutMs: 1000 },
      bodyLimitBytes: 262144,
      analytics: { queueMax: 10000, batchSize: 250, flushIntervalMs: 1000, ttlDays: 30, redactedKeys: defaultRedactedKeys },
      shutdownTimeoutMs: 20000,
      logLevel: 'info',
      search: undefined,
    });
  });

  it('serves metrics only when METRICS_PORT is set (an empty value is unset), on 127.0.0.1 unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({ ...minimal, METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ ...minimal, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ ...minimal, METRICS_PORT: '', METRICS_HOST: '' }).metrics).toBeUndefined();
    expect(() => loadConfig({ ...minimal, METRICS_HOST: '0.0.0.0' })).toThrow('METRICS_HOST is set but METRICS_PORT is not');
    expect(() => loadConfig({ ...minimal, METRICS_PORT: '99999' })).toThrow('METRICS_PORT must be a whole number from 1 to 65535 (got "99999")');
  });

  it('listens on 127.0.0.1:PORT for local runs', () => {
    expect(loadConfig({ PORT: '3000', MONGODB_URI: 'mongodb://localhost/' }).listen).toEqual({ host: '127.0.0.1', port: 3000 });
  });

  it('reads the connection string from the mounted secret file, trimmed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-config-'));
    try {
      writeFileSync(join(dir, 'uri'), 'mongodb+srv://user:pw@cluster.example/\n');
      expect(loadConfig({ PORT: '1', MONGODB_URI_FILE: join(dir, 'uri') }).mongo.uri).toBe('mongodb+srv://user:pw@cluster.example/');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('normalizes the redacted key list', () => {
    expect(loadConfig({ ...minimal, ANALYTICS_REDACTED_KEYS: ' Password, otp ,,API_KEY' }).analytics.redactedKeys).toEqual(['password', 'otp', 'api_key']);
  });
});

describe('loadConfig errors name the variable', () => {
  const cases: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['no listen address', { MONGODB_URI: 'mongodb://x/' }, /set LISTEN_SOCKET .* or PORT/],
    ['both listen addresses', { ...minimal, PORT: '80' }, /LISTEN_SOCKET and PORT are both set/],
    ['relative socket path', { LISTEN_SOCKET: 'api.sock', MONGODB_URI: 'mongodb://x/' }, /LISTEN_SOCKET must be an absolute path/],
    ['port out of range', { PORT: '70000', MONGODB_URI: 'mongodb://x/' }, /PORT must be a whole number from 1 to 65535 \(got "70000"\)/],
    ['no connection string', { LISTEN_SOCKET: '/s' }, /set MONGODB_URI_FILE .* or MONGODB_URI/],
    ['both connection strings', { ...minimal, MONGODB_URI_FILE: '/x' }, /MONGODB_URI_FILE and MONGODB_URI are both set/],
    ['unreadable secret file', { LISTEN_SOCKET: '/s', MONGODB_URI_FILE: '/nonexistent/uri' }, /MONGODB_URI_FILE: cannot read "\/nonexistent\/uri" \(ENOENT\)/],
    ['not a mongodb URI', { LISTEN_SOCKET: '/s', MONGODB_URI: 'postgres://x/' }, /MONGODB_URI must hold a connection string starting with mongodb:\/\//],
    ['bad database name', { ...minimal, MONGODB_DB: 'a b' }, /MONGODB_DB must be letters, digits/],
    ['fractional number', { ...minimal, ANALYTICS_QUEUE_MAX: '1.5' }, /ANALYTICS_QUEUE_MAX must be a whole number/],
    ['zero TTL', { ...minimal, ANALYTICS_TTL_DAYS: '0' }, /ANALYTICS_TTL_DAYS must be a whole number from 1 to 3650/],
    ['tiny body limit', { ...minimal, BODY_LIMIT_BYTES: '10' }, /BODY_LIMIT_BYTES must be a whole number from 1024/],
    ['unknown log level', { ...minimal, LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)/],
    ['empty redaction list', { ...minimal, ANALYTICS_REDACTED_KEYS: ' , ' }, /ANALYTICS_REDACTED_KEYS must be a comma-separated list/],
    ['operation deadline of zero', { ...minimal, MONGODB_OPERATION_TIMEOUT_MS: '0' }, /MONGODB_OPERATION_TIMEOUT_MS must be a whole number from 50 to 60000 \(got "0"\)/],
    ['short shutdown budget', { ...minimal, SHUTDOWN_TIMEOUT_MS: '10' }, /SHUTDOWN_TIMEOUT_MS must be a whole number from 1000/],
  ];
  it.each(cases)('%s', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a connection string it rejects (it may hold credentials)', () => {
    expect(() => loadConfig({ LISTEN_SOCKET: '/s', MONGODB_URI: 'http://user:hunter2@db/' })).toThrow(/^(?!.*hunter2)/);
  });
});

describe('search settings', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'api-search-config-'))));
  afterEach(() => rmSync(dir, { recursive: true }));

  it('is off without SEARCH_NODES (or with it empty)', () => {
    expect(loadConfig(minimal).search).toBeUndefined();
    expect(loadConfig({ ...minimal, SEARCH_NODES: '', SEARCH_USERNAME: '', SEARCH_PASSWORD_FILE: '' }).search).toBeUndefined();
  });

  it('reads the nodes, the user with the mounted password, the CA and the defaults', () => {
    writeFileSync(join(dir, 'password'), 's3cret\n');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const env = { ...minimal, SEARCH_NODES: 'https://a.search:9200, https://b.search:9200', SEARCH_USERNAME: 'isoscribe-api', SEARCH_PASSWORD_FILE: join(dir, 'password'), SEARCH_CA_FILE: join(dir, 'ca.crt') };
    expect(loadConfig(env).search).toEqual({
      nodes: ['https://a.search:9200', 'https://b.search:9200'],
      auth: { username: 'isoscribe-api', password: 's3cret' },
      caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      alias: 'documents',
      timeoutMs: 1000,
      indexerPollMs: 250,
      indexerBatchSize: 500,
      region: 'local',
      regions: ['local'],
    });
  });

  it('reads the pod\'s region and every region with an engine', () => {
    const search = loadConfig({ ...minimal, SEARCH_NODES: 'https://s:9200', SEARCH_REGION: 'europe-west1', SEARCH_REGIONS: 'us-central1, europe-west1' }).search!;
    expect(search).toMatchObject({ region: 'europe-west1', regions: ['us-central1', 'europe-west1'] });
    expect(loadConfig({ ...minimal, SEARCH_NODES: 'https://s:9200', SEARCH_REGION: 'europe-west1' }).search).toMatchObject({ region: 'europe-west1', regions: ['europe-west1'] });
  });

  const cases: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['a node that is not a URL', { SEARCH_NODES: 'search:9200' }, /SEARCH_NODES must be comma-separated base URLs/],
    ['credentials in a node URL', { SEARCH_NODES: 'https://u:p@search:9200' }, /without credentials/],
    ['a user without the password file', { SEARCH_NODES: 'https://s:9200', SEARCH_USERNAME: 'api' }, /SEARCH_USERNAME and SEARCH_PASSWORD_FILE go together/],
    ['an unreadable password file', { SEARCH_NODES: 'https://s:9200', SEARCH_USERNAME: 'api', SEARCH_PASSWORD_FILE: '/nonexistent/password' }, /SEARCH_PASSWORD_FILE: cannot read "\/nonexistent\/password" \(ENOENT\)/],
    ['a CA file without a certificate', { SEARCH_NODES: 'https://s:9200', SEARCH_CA_FILE: '/dev/null' }, /SEARCH_CA_FILE \(\/dev\/null\) must hold a PEM certificate/],
    ['an alias with capitals', { SEARCH_NODES: 'https://s:9200', SEARCH_INDEX: 'Docs' }, /SEARCH_INDEX must be a lowercase index alias/],
    ['a region outside the region list', { SEARCH_NODES: 'https://s:9200', SEARCH_REGION: 'asia-northeast1', SEARCH_REGIONS: 'us-central1,europe-west1' }, /SEARCH_REGION "asia-northeast1" is not in SEARCH_REGIONS/],
    ['a region listed twice', { SEARCH_NODES: 'https://s:9200', SEARCH_REGION: 'us-central1', SEARCH_REGIONS: 'us-central1,us-central1' }, /SEARCH_REGIONS lists a region twice/],
    ['a malformed region name', { SEARCH_NODES: 'https://s:9200', SEARCH_REGIONS: 'us central1' }, /SEARCH_REGIONS must be comma-separated region names/],
    ['a deadline too short', { SEARCH_NODES: 'https://s:9200', SEARCH_TIMEOUT_MS: '10' }, /SEARCH_TIMEOUT_MS must be a whole number from 50 to 60000/],
  ];
  it.each(cases)('rejects %s, naming the variable', (_, env, message) => {
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(message);
  });
});
