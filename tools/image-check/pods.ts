/**
 * Each service's image started as its pod starts it (its workload definition's env and the files
 * the pod mounts) and checked to serve: the api answers over its socket with the MongoDB-wire test server as
 * its database; frontend-server renders its pages into the output volume.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { LOCAL_ENVIRONMENT, loadEnvironments } from '../../config';
import { SEARCH_SECRETS } from '../../constructs/search/opensearch-cluster';
import { socketGet } from '../../services/api/test/support/api-process';
import { startMongoWireServer } from '../../services/api/test/support/mongo-wire';
import { startManifestServer, startMetadataServer, viteManifest } from '../../services/frontend-server/test/support/manifest-server';
import { drainSecondsFor, imageBuildArgs, NODE_SERVICE_DOCKERFILE, POD_APP_PATHS, type WorkloadDefinition, type WorkloadPod } from '../../workloads';
import { api } from '../../workloads/api';
import { frontend, FRONTEND_SPA_FALLBACK } from '../../workloads/frontend';
import { ImageBuildError, ImageBuilder, type Image } from './build';
import { chown } from './privileged';
import { explainExit, inspectImage, runImage, type RunningImage } from './run';

export interface ImageCheckResult {
  readonly image: Image;
  /** What was verified, one line each, for the CLI's report. */
  readonly verified: string[];
  readonly buildMs: number;
  readonly runMs: number;
}

/** Each workload's pod check, by workload name (workloads/index.ts). */
export const POD_CHECKS: Record<string, (image: Image, podDir: string) => Promise<string[]>> = {
  [api.name]: checkApiPod,
  [frontend.name]: checkFrontendPod,
};

/** Node.js of the images: .tools/node<major>/bin from ci/install/node.sh, or this process's node when it is that release. */
export function imageNodeBinDir(repoRoot: string): string {
  const version = fs.readFileSync(path.join(repoRoot, '.node-version'), 'utf8').trim();
  const installed = path.join(repoRoot, `.tools/node${version.split('.')[0]}/bin`);
  if (fs.existsSync(path.join(installed, 'node'))) return installed;
  if (process.version === `v${version}`) return path.dirname(process.execPath);
  throw new ImageBuildError(`Node.js ${version} (.node-version) is not installed in ${installed}; run \`bash ci/install/node.sh\``);
}

/**
 * Builds the image of `workload` as CI does (NODE_SERVICE_DOCKERFILE with its build args) from
 * `contextDir` and runs its pod check. `repoRoot` provides the Node.js release; `contextDir`
 * defaults to it, `dockerfile` to NODE_SERVICE_DOCKERFILE (tests pass altered copies).
 */
export async function checkServiceImage(
  builder: ImageBuilder,
  options: { repoRoot: string; workload: WorkloadDefinition; contextDir?: string; dockerfile?: string },
): Promise<ImageCheckResult> {
  const contextDir = options.contextDir ?? options.repoRoot;
  const podCheck = POD_CHECKS[options.workload.name];
  if (!podCheck) throw new ImageBuildError(`workload "${options.workload.name}" has no pod check; add one to POD_CHECKS in tools/image-check/pods.ts`);
  const started = Date.now();
  const image = builder.build({
    contextDir,
    dockerfile: options.dockerfile ?? NODE_SERVICE_DOCKERFILE,
    nodeBinDir: imageNodeBinDir(options.repoRoot),
    buildArgs: imageBuildArgs(options.workload),
  });
  const lock = JSON.parse(fs.readFileSync(path.join(contextDir, 'package-lock.json'), 'utf8')).packages;
  inspectImage(image, lock);
  const built = Date.now();
  const podDir = fs.mkdtempSync(path.join(builder.dir, 'pod-'));
  fs.chmodSync(podDir, 0o755);
  const verified = await podCheck(image, podDir);
  return { image, verified, buildMs: built - started, runMs: Date.now() - built };
}

/** A pod volume: an emptyDir (root:fsGroup, group-writable) or a read-only file volume (Secret, ConfigMap). */
function volume(podDir: string, name: string, image: Image, files?: Record<string, { content: string; mode: number }>): string {
  const dir = path.join(podDir, name);
  fs.mkdirSync(dir, { recursive: true });
  // Contents first, ownership last: without root, chown goes through sudo and ends our access.
  for (const [file, { content, mode }] of Object.entries(files ?? {})) {
    fs.writeFileSync(path.join(dir, file), content, { mode });
    fs.chmodSync(path.join(dir, file), mode);
    chown(path.join(dir, file), 0, image.user.gid);
  }
  fs.chmodSync(dir, files ? 0o755 : 0o2775);
  chown(dir, 0, image.user.gid);
  return dir;
}

/** Waits for `ready` while the process runs; its exit first is the failure, explained. */
async function untilReady<T>(image: Image, proc: RunningImage, what: string, ready: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await ready().catch(() => undefined);
    if (value !== undefined) return value;
    if (!proc.running()) throw new ImageBuildError(explainExit(image, await proc.exited, proc.output()));
    if (Date.now() > deadline) throw new ImageBuildError(`${image.dockerfile}: ${what} within ${timeoutMs} ms; output:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopGracefully(image: Image, proc: RunningImage): Promise<string> {
  const code = await proc.stop();
  if (code !== 0) throw new ImageBuildError(`${image.dockerfile}: SIGTERM should stop the process with exit 0 (exec-form CMD, graceful shutdown); got ${code}:\n${proc.output()}`);
  return 'SIGTERM: exited 0';
}

/**
 * The pod of `definition` (workloads/<name>.ts) in the dev environment, its paths under `podDir`:
 * its shared directory as `sharedDir`, its Secret and ConfigMap files mounted where its environment
 * points (Secrets from `secrets`, by name).
 */
function podFor(definition: WorkloadDefinition, image: Image, podDir: string, options: { bundleManifestUrl?: string; secrets?: Record<string, string> } = {}): WorkloadPod {
  const shared = volume(podDir, 'shared', image);
  const [dev] = loadEnvironments([LOCAL_ENVIRONMENT]);
  const pod = definition.pod({
    env: dev,
    region: dev.primaryRegion,
    trustedProxies: [],
    paths: { socketPath: path.join(shared, 'app.sock'), htmlDir: shared, mountRoot: podDir, nodeBin: POD_APP_PATHS.nodeBin },
    bundleManifestUrl: options.bundleManifestUrl ?? 'http://127.0.0.1:9/.vite/manifest.json',
    drainSeconds: drainSecondsFor(dev),
  });
  for (const file of pod.files ?? []) {
    const { source } = file;
    const content = source.kind === 'configMap' ? source.content : options.secrets?.[source.secret];
    if (content === undefined) throw new ImageBuildError(`${definition.name}: the pod mounts the secret "${(source as { secret: string }).secret}"; pass a value for it`);
    volume(podDir, file.dir, image, { [file.key]: { content, mode: source.kind === 'secret' ? 0o440 : 0o444 } });
  }
  return pod;
}

async function checkApiPod(image: Image, podDir: string): Promise<string[]> {
  const mongo = await startMongoWireServer();
  let proc: RunningImage | undefined;
  try {
    // The search engine's files as the pod mounts them: a password and a real CA certificate (no engine
    // runs here, so search answers 503 and the documents API is what is checked).
    const secrets = { 'mongodb-uri': mongo.uri, [SEARCH_SECRETS.apiPassword]: 'image-check', [SEARCH_SECRETS.caCert]: selfSignedCaPem(podDir) };
    const pod = podFor(api, image, podDir, { secrets });
    const socketPath = pod.env.LISTEN_SOCKET;
    proc = runImage(image, { env: pod.env });
    const running = proc;
    const verified: string[] = [];
    await untilReady(image, running, 'GET /healthz did not answer 200 over the socket', async () => ((await socketGet(socketPath, '/healthz')).status === 200 ? true : undefined));
    verified.push('GET /healthz over the unix socket: 200');
    await untilReady(image, running, 'GET /readyz (MongoDB reachable) did not answer 200', async () => ((await socketGet(socketPath, '/readyz')).status === 200 ? true : undefined));
    verified.push('GET /readyz (MongoDB ping through the driver): 200');
    // A write and a read exercise the request path's lazily loaded code (validation, serialization, driver).
    const created = await socketRequest(socketPath, 'POST', '/api/v1/documents', { title: 'Image check', body: 'built and run as 65532', author: 'ci' });
    if (created.status !== 201) throw new ImageBuildError(`${image.dockerfile}: POST /api/v1/documents answered ${created.status}: ${created.body}\n${running.output()}`);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const read = await socketGet(socketPath, `/api/v1/documents/${id}`);
    if (read.status !== 200 || (JSON.parse(read.body) as { title: string }).title !== 'Image check') {
      throw new ImageBuildError(`${image.dockerfile}: GET /api/v1/documents/${id} answered ${read.status}: ${read.body}`);
    }
    verified.push('POST then GET /api/v1/documents: 201, 200 with the stored document');
    verified.push(await stopGracefully(image, running));
    return verified;
  } finally {
    await proc?.stop(1000);
    await mongo.stop();
  }
}

async function checkFrontendPod(image: Image, podDir: string): Promise<string[]> {
  const manifest = await startManifestServer(viteManifest('image0001'));
  // The GKE metadata server's stand-in: the pod reads the private bucket with its own identity's token.
  const metadata = await startMetadataServer('ya29.image-check-token');
  manifest.requireBearer('ya29.image-check-token');
  let proc: RunningImage | undefined;
  try {
    // With the frontend-pages ConfigMap of the dev environment, as the pod mounts it.
    const pod = podFor(frontend, image, podDir, { bundleManifestUrl: manifest.url });
    const outputDir = pod.env.OUTPUT_DIR;
    proc = runImage(image, { env: { ...pod.env, GCE_METADATA_HOST: metadata.host } });
    const running = proc;
    const fallback = path.join(outputDir, FRONTEND_SPA_FALLBACK);
    const index = path.join(outputDir, 'index.html');
    const rendered = () => running.output().split('\n').some((line) => line.includes('"event":"rendered"'));
    await untilReady(image, running, `${FRONTEND_SPA_FALLBACK} and index.html were not written to OUTPUT_DIR (no "rendered" log event)`, async () =>
      rendered() && fs.existsSync(fallback) && fs.existsSync(index) ? true : undefined,
    );
    const html = fs.readFileSync(index, 'utf8');
    if (!html.includes('/static/assets/index-image0001.js')) throw new ImageBuildError(`${image.dockerfile}: index.html does not link the manifest's bundle:\n${html}`);
    const owner = fs.statSync(index).uid;
    if (owner !== image.user.uid) throw new ImageBuildError(`${image.dockerfile}: index.html belongs to uid ${owner}, not the image's user ${image.user.uid}`);
    const checks = [`rendered ${FRONTEND_SPA_FALLBACK} and index.html into the output volume as uid ${owner}, linking the manifest's bundle read with a metadata-server token`];
    checks.push(await stopGracefully(image, running));
    return checks;
  } finally {
    await proc?.stop(1000);
    await manifest.close();
    await metadata.close();
  }
}

function socketRequest(socketPath: string, method: string, urlPath: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A throwaway self-signed CA certificate (PEM), made with openssl in `dir`. */
function selfSignedCaPem(dir: string): string {
  const key = path.join(dir, 'ca-key.pem');
  const cert = path.join(dir, 'ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=image-check CA'], { stdio: 'ignore' });
  const pem = fs.readFileSync(cert, 'utf8');
  fs.rmSync(key);
  fs.rmSync(cert);
  return pem;
}
