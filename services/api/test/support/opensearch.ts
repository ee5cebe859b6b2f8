// Starts real OpenSearch 2.19 nodes for tests, e2e and the benchmark: the Maven Central server jar
// and plugins (fetched by ci/install/opensearch.sh) run by OpenSearchTestNode.java, one JVM
// per node, bound to 127.0.0.1, data in a temp dir. One node (single-node discovery) or a cluster
// of three (seed hosts on loopback ports). Security is off, or on (one node: `security: true`) with
// the released security plugin set up as production's operator sets it up (support/opensearch-security.ts).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSecurity, SECURITY_PLUGIN_CLASS, securityPluginDir, type EngineSecurity } from './opensearch-security';

const sourceDir = join(__dirname, '..', 'opensearch');
export const openSearchVersion = /<opensearch.version>([^<]+)</.exec(readFileSync(join(sourceDir, 'pom.xml'), 'utf8'))![1];
const home = process.env.ISOSCRIBE_OPENSEARCH_HOME ?? join(homedir(), '.cache', 'isoscribe', 'opensearch', openSearchVersion);
const readyLine = /OPENSEARCH_READY (\d+)/;

export interface OpenSearchNode {
  readonly name: string;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  running(): boolean;
  /** SIGKILL, like a lost host; its data dir stays so `start` brings it back with its shards. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data dir. */
  start(): Promise<void>;
  /** SIGSTOP: the process holds its sockets but answers nothing (a stalled engine). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface OpenSearchCluster {
  readonly nodes: OpenSearchNode[];
  /** Every node's URL: the api's SEARCH_NODES. */
  readonly urls: string[];
  /** With `security: true`: the CA, another CA and the admin's login. */
  readonly security?: EngineSecurity;
  /**
   * A request to the first running node that answers: [status, body parsed as JSON, or its text].
   * Secured, it goes over TLS trusting the node's CA, as the admin unless `login` is another
   * "user:password" or null (anonymous).
   */
  request<T = unknown>(method: string, path: string, options?: { body?: unknown; login?: string | null }): Promise<[number, T]>;
  /** Waits until the cluster reports `status` (or better) with `nodeCount` nodes. */
  waitForHealth(status: 'green' | 'yellow', nodeCount?: number, timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the data dirs. */
  stop(): Promise<void>;
}

export interface OpenSearchOptions {
  /** 1 (single-node discovery) or 3 (a cluster that survives losing one node). */
  nodes?: 1 | 3;
  /** Full JIT instead of C1 only: slower start, faster under sustained load (the benchmark). */
  fullJit?: boolean;
  /** Extra node settings, e.g. `http.max_content_length`. */
  settings?: Record<string, string>;
  /** Extra JVM options, after the defaults (a later option wins). */
  jvmOptions?: string[];
  /** The security plugin on (one node only): HTTPS with its own CA, users, roles. */
  security?: boolean;
}

export async function startOpenSearch(options: OpenSearchOptions = {}): Promise<OpenSearchCluster> {
  const jars = join(home, 'jars');
  const classes = join(home, 'classes');
  if (!existsSync(join(classes, 'OpenSearchTestNode.class'))) {
    throw new Error(`OpenSearch ${openSearchVersion} not installed in ${home}; run ci/install/opensearch.sh first`);
  }
  const count = options.nodes ?? 1;
  if (options.security && count !== 1) throw new Error('startOpenSearch: security runs on one node only (its transport certificates are per node)');
  const ports = await freePorts(count * 2);
  const root = mkdtempSync(join(tmpdir(), 'isoscribe-opensearch-'));
  const names = Array.from({ length: count }, (_, i) => `node-${i}`);
  const transportHosts = names.map((_, i) => `127.0.0.1:${ports[count + i]}`);
  const jvm = ['-Xms256m', '-Xmx512m', '-Xss1m', ...(options.fullJit ? [] : ['-XX:TieredStopAtLevel=1']), ...(options.jvmOptions ?? [])];
  const classpath = `${classes}:${jars}/*${options.security ? `:${securityPluginDir(home)}/*` : ''}`;
  // Security runs on one node (checked above): its certificates and settings are that node's.
  const secured = options.security ? prepareSecurity(classpath, securityPluginDir(home), join(root, names[0]), names[0]) : undefined;
  const security = secured?.security;
  const nodes = names.map((name, i) => {
    const settings: Record<string, string> = {
      'cluster.name': 'isoscribe-test',
      'node.name': name,
      'path.home': join(root, name),
      'path.data': join(root, name, 'data'),
      'http.port': String(ports[i]),
      'transport.port': String(ports[count + i]),
      // A busy shared disk must not flip indices read-only mid-test.
      'cluster.routing.allocation.disk.threshold_enabled': 'false',
      ...(count === 1
        ? { 'discovery.type': 'single-node' }
        : { 'discovery.seed_hosts': transportHosts.join(','), 'cluster.initial_cluster_manager_nodes': names.join(',') }),
      ...secured?.settings,
      ...options.settings,
    };
    const plugins = secured ? [`--plugin=${SECURITY_PLUGIN_CLASS}`] : [];
    const args = [...jvm, '-cp', classpath, 'OpenSearchTestNode', ...plugins, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
    return new TestNode(name, `${secured ? 'https' : 'http'}://127.0.0.1:${ports[i]}`, args);
  });
  const request: OpenSearchCluster['request'] = (method, path, requestOptions) => requestFirst(nodes, method, path, security, requestOptions);
  const cluster: OpenSearchCluster = {
    nodes,
    urls: nodes.map((node) => node.url),
    security,
    request,
    // Secured: the audit log index the operator's settings turn on has a replica, so one node stays yellow.
    waitForHealth: (status, nodeCount = count, timeoutMs = 60_000) => waitForHealth(request, security && status === 'green' ? 'yellow' : status, nodeCount, timeoutMs),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await cluster.waitForHealth('green', count);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

class TestNode implements OpenSearchNode {
  private proc: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly args: string[],
  ) {}

  running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): Promise<void> {
    if (this.running()) return Promise.resolve();
    // stdin stays open as a lifeline: the node exits when it closes, i.e. when this process dies.
    const proc = spawn('java', this.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (readyLine.test(output)) {
          proc.stdout!.off('data', onData);
          proc.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => reject(new Error(`OpenSearch ${this.name} exited (code ${code}) before it was ready:\n${output}`));
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.on('exit', onExit);
      proc.on('error', reject);
    });
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    if (this.proc?.signalCode === 'SIGSTOP') this.resume();
    return this.signal('SIGTERM');
  }

  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running()) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT'); // a paused JVM would never act on SIGTERM
    proc.kill(signal);
    await exited;
  }
}

/** The request on each running node in turn until one answers (OpenSearchCluster.request). */
async function requestFirst<T>(
  nodes: TestNode[],
  method: string,
  path: string,
  security: EngineSecurity | undefined,
  options: { body?: unknown; login?: string | null } = {},
): Promise<[number, T]> {
  let last: unknown = new Error('no node is running');
  for (const node of nodes.filter((n) => n.running())) {
    try {
      return await requestJson<T>(method, `${node.url}${path}`, security, options);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

function requestJson<T>(method: string, url: string, security: EngineSecurity | undefined, options: { body?: unknown; login?: string | null }): Promise<[number, T]> {
  return new Promise((resolve, reject) => {
    const login = options.login === undefined && security ? `${security.admin.username}:${security.admin.password}` : options.login;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
    const req = (security ? httpsRequest : httpRequest)(url, { method, headers, timeout: 10_000, ...(security ? { ca: security.caPem } : {}), ...(login ? { auth: login } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve([res.statusCode ?? 0, (text ? JSON.parse(text) : undefined) as T]);
        } catch {
          resolve([res.statusCode ?? 0, text as T]);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitForHealth(request: OpenSearchCluster['request'], status: 'green' | 'yellow', nodeCount: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const [code, body] = await request<{ timed_out: boolean }>('GET', `/_cluster/health?wait_for_status=${status}&wait_for_nodes=${nodeCount}&timeout=2s`);
      last = `${code} ${JSON.stringify(body)}`;
      if (code === 200 && !body.timed_out) return;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`OpenSearch cluster not ${status} with ${nodeCount} nodes after ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function freePorts(count: number): Promise<number[]> {
  // Hold every listener until all are bound, so the ports are distinct.
  return new Promise((resolve, reject) => {
    const servers = Array.from({ length: count }, () => createServer());
    let bound = 0;
    for (const server of servers) {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        if (++bound < count) return;
        const ports = servers.map((s) => (s.address() as { port: number }).port);
        let closed = 0;
        for (const s of servers) s.close(() => ++closed === count && resolve(ports));
      });
    }
  });
}
