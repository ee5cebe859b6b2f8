/**
 * A real Kubernetes control plane for tests, on loopback only: etcd, kube-apiserver (RBAC, the
 * default admission plugins, so Pod Security admission included) and kube-controller-manager (so
 * Deployments create ReplicaSets and ReplicaSets create Pods, which admission then judges). There is
 * no scheduler and no kubelet: Pods are admitted and stored, and stay Pending.
 *
 *   const kube = await startControlPlane();
 *   const ns = await kube.get('/api/v1/namespaces/isoscribe');
 *   await kube.stop();
 *
 * The binaries are built by ci/install/kube.sh into a cache outside the repository. Every
 * credential is generated at start in a temp dir: a CA, the API server's serving certificate, a
 * client certificate in system:masters for the test (and the controller manager), a bearer token
 * in system:masters (static token file: what an exec credential plugin's token stands in for), and
 * the service-account signing key.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { freePort } from '../../../testing/nginx';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const INSTALL_SCRIPT = 'ci/install/kube.sh';
const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** The cache directory ci/install/kube.sh builds into (it owns the version). */
export function kubeBinDir(): string {
  return execFileSync('bash', [path.join(ROOT, INSTALL_SCRIPT), '--print-dir'], { encoding: 'utf8' }).trim();
}

/** Throws, naming the script that builds them, when a binary is missing. */
export function requireKubeBinaries(binDir = kubeBinDir()): string {
  const missing = BINARIES.filter((b) => !fs.existsSync(path.join(binDir, b)));
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes control-plane binaries missing in ${binDir}: ${missing.join(', ')}. ` +
        `Build them with \`bash ${INSTALL_SCRIPT}\` (about 10 minutes cold; .ci/run does it).`,
    );
  }
  return binDir;
}

export interface KubeResponse<T = any> {
  readonly status: number;
  readonly body: T;
  /** The text of every `Warning` header the API server sent (admission warnings, deprecations). */
  readonly warnings: string[];
}

export interface ControlPlane {
  /** e.g. https://127.0.0.1:41234 */
  readonly server: string;
  /** A kubeconfig for a system:masters client of this server. */
  readonly kubeconfig: string;
  /** PEM of the CA that signed the server's certificate (a client's `cluster_ca_certificate`). */
  readonly caCertificate: string;
  /** A bearer token the server maps to a system:masters user (--token-auth-file), fresh per start. */
  readonly bearerToken: string;
  readonly dir: string;
  /** The server's /version gitVersion. */
  readonly version: string;
  /** JSON in and out; `contentType` for patches (e.g. `application/merge-patch+json`). */
  request<T = any>(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>>;
  get<T = any>(apiPath: string): Promise<KubeResponse<T>>;
  /** Polls until `check` returns a value (not undefined) or the timeout passes. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Process ids of every process started (for the no-stray-process check). */
  readonly pids: number[];
  /** The combined logs of one component. */
  logs(component: (typeof BINARIES)[number]): string;
  stop(): Promise<void>;
}

/** The texts of every `Warning: 299 - "<text>"` header (raw headers: Node joins repeated ones with commas). */
function warningsOf(rawHeaders: string[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'warning') continue;
    const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(rawHeaders[i + 1]);
    texts.push(m ? m[1].replace(/\\(.)/g, '$1') : rawHeaders[i + 1]);
  }
  return texts;
}


function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** CA, serving and client certificates and the service-account key pair, all in `dir`. */
function generateCredentials(dir: string): void {
  const days = ['-days', '2'];
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', ...days, '-subj', '/CN=isoscribe-test-ca']);
  fs.writeFileSync(
    path.join(dir, 'serving.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const issue = (name: string, subject: string, ext: string) => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, ...days, '-extfile', ext]);
  };
  issue('serving', '/CN=kube-apiserver', 'serving.ext');
  issue('admin', '/O=system:masters/CN=isoscribe-test-admin', 'client.ext');
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function writeKubeconfig(file: string, server: string, dir: string): void {
  const b64 = (name: string) => fs.readFileSync(path.join(dir, name)).toString('base64');
  // JSON is valid YAML; both the Terraform provider and client-go read it.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64('ca.crt') } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key') } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
    'current-context': 'test',
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

interface Proc {
  readonly name: (typeof BINARIES)[number];
  readonly child: ChildProcess;
  readonly log: string[];
  exited: boolean;
}

function startProcess(name: Proc['name'], binDir: string, args: string[], dir: string): Proc {
  // Own process group, so stop() can signal the whole group; and killed by the kernel if the test
  // process dies without stop() (util-linux setpriv sets the parent-death signal, then execs).
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', path.join(binDir, name), ...args], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { name, child, log: [], exited: false };
  const keep = (chunk: Buffer) => {
    proc.log.push(chunk.toString());
    if (proc.log.length > 4000) proc.log.splice(0, 1000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', () => {
    proc.exited = true;
  });
  return proc;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export interface StartControlPlaneOptions {
  /** @default the cache directory of ci/install/kube.sh */
  binDir?: string;
  /** @default 90000 */
  startTimeoutMs?: number;
}

export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = requireKubeBinaries(opts.binDir);
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isoscribe-kube-'));
  generateCredentials(dir);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, dir);
  const bearerToken = randomBytes(24).toString('hex');
  // token,user,uid,"groups"
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${bearerToken},isoscribe-test-token,isoscribe-test-token,"system:masters"\n`, { mode: 0o600 });

  const procs: Proc[] = [];
  const ca = fs.readFileSync(path.join(dir, 'ca.crt'));
  const cert = fs.readFileSync(path.join(dir, 'admin.crt'));
  const key = fs.readFileSync(path.join(dir, 'admin.key'));
  const agent = new https.Agent({ ca, cert, key, keepAlive: true });

  const request = <T>(method: string, apiPath: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse<T>> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${server}${apiPath}`,
        {
          method,
          agent,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': contentType } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: any = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // /readyz and friends answer in plain text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings: warningsOf(res.rawHeaders) });
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${apiPath}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });

  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      const dead = procs.find((p) => p.exited);
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.log.join('').slice(-4000)}`);
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
      }
      await sleep(250);
    }
  };

  const stop = async () => {
    agent.destroy();
    // Reverse order: the controller manager, then the API server, then etcd.
    for (const p of [...procs].reverse()) {
      if (p.exited) continue;
      try {
        process.kill(-p.child.pid!, 'SIGTERM');
      } catch {
        continue;
      }
      const deadline = Date.now() + 15_000;
      while (!p.exited && Date.now() < deadline) await sleep(100);
      if (!p.exited) {
        try {
          process.kill(-p.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        while (!p.exited) await sleep(50);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    procs.push(
      startProcess(
        'etcd',
        binDir,
        [
          '--name=test',
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
          // One member on a scratch dir: durability costs fsyncs the tests do not need.
          '--unsafe-no-fsync',
          '--log-level=warn',
        ],
        dir,
      ),
    );
    procs.push(
      startProcess(
        'kube-apiserver',
        binDir,
        [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${path.join(dir, 'serving.crt')}`,
          `--tls-private-key-file=${path.join(dir, 'serving.key')}`,
          `--client-ca-file=${path.join(dir, 'ca.crt')}`,
          `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
          '--authorization-mode=Node,RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation refuses.
          '--endpoint-reconciler-type=none',
          '--profiling=false',
        ],
        dir,
      ),
    );
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        const res = await request('GET', '/readyz');
        return res.status === 200 ? true : undefined;
      },
      startTimeoutMs,
    );
    procs.push(
      startProcess(
        'kube-controller-manager',
        binDir,
        [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${await freePort()}`,
          '--leader-elect=false',
          `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
          `--root-ca-file=${path.join(dir, 'ca.crt')}`,
          '--profiling=false',
        ],
        dir,
      ),
    );
    // The namespace's default ServiceAccount appears once the controller manager's controllers run.
    await waitFor(
      'kube-controller-manager (default ServiceAccount in namespace default)',
      async () => ((await request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200 ? true : undefined),
      startTimeoutMs,
    );
    const version = (await request<{ gitVersion: string }>('GET', '/version')).body.gitVersion;
    return {
      server,
      kubeconfig,
      caCertificate: ca.toString(),
      bearerToken,
      dir,
      version,
      request,
      get: (apiPath) => request('GET', apiPath),
      waitFor,
      pids: procs.map((p) => p.child.pid!),
      logs: (component) => procs.find((p) => p.name === component)?.log.join('') ?? '',
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
