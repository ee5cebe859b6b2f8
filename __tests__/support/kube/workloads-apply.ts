/**
 * Applies a synthesized `workloads-<region>` stack through the real Terraform kubernetes provider to
 * a test API server: the path `cdktf deploy` takes (terraform init, plan, apply), with the stack's
 * cdk.tf.json copied unchanged and exactly one override file beside it (`zz_test_override.tf.json`)
 * holding everything that differs from a real deploy:
 *
 * - the kubernetes provider's `host` is the test API server and `cluster_ca_certificate` its CA,
 *   in place of the cluster's DNS endpoint (publicly trusted); its `exec` block stays as synthesized
 *   (an override cannot remove a nested block) and really runs: the terraform process's PATH holds
 *   only a stand-in `gke-gcloud-auth-plugin` (credential-plugin.ts) that prints a token the test
 *   API server accepts, since Google's token service cannot run here;
 * - the Google provider sends Secret Manager and IAM calls to a closed loopback port (the stacks read
 *   no secret, so none is made) and authenticates with a stand-in token;
 * - every Deployment has `wait_for_rollout = false`: there is no kubelet, so no Pod ever becomes
 *   ready (real deploys keep waiting for the rollout);
 * - the stack's state and the upstream stacks' outputs it reads through `terraform_remote_state` are
 *   local files in the temp dir (whatever backend the stack names), the latter holding what a real
 *   apply of the upstream stack would give (appliedOutput in tools/terraform-verify/stand-ins.ts, whose
 *   stand-ins `npm run verify:terraform` uses too).
 *
 * Only kubernetes resources are applied (`-target`); Google resources are planned, not applied,
 * since nothing of Google's can run here.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareProviders, readPins, type ProviderInstall } from '../../../tools/terraform-verify/providers';
import { appliedOutput } from '../../../tools/terraform-verify/stand-ins';
import { writeCredentialPluginStandIn, type CredentialPluginStandIn } from './credential-plugin';

type Json = any;

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface PreparedStack {
  readonly name: string;
  readonly dir: string;
  /** Addresses of every kubernetes resource in the stack, e.g. `kubernetes_namespace_v1.namespace_67941C3A`. */
  readonly kubernetesAddresses: string[];
  /** Addresses of every other resource (Google), planned only. */
  readonly otherAddresses: string[];
  /** The Google project the stack's provider names. */
  readonly project: string;
  terraform(args: string[]): Promise<TerraformResult>;
  /** The stand-in credential plugin on the terraform process's PATH, and its runs. */
  readonly credentialPlugin: CredentialPluginStandIn;
  /** `-target=<address>` for every kubernetes resource. */
  readonly targets: string[];
  /** Deletes the temp dir (state, plans, override). */
  remove(): void;
}

let providers: ProviderInstall | undefined;

/**
 * The provider mirror for the synthesized stacks, installed once per process, with a plugin cache
 * per jest worker (kept between runs beside the shared one, as small as it: links into the mirror):
 * jest runs the kube test files in parallel workers, and concurrent `terraform init`s sharing one
 * cache race (Terraform does not make the cache safe for that; one init failed with "google 6.50.0
 * not cached").
 */
function providerEnv(synthDir: string): Record<string, string> {
  providers ??= prepareProviders({ pins: readPins(synthDir) });
  const pluginCache = path.join(path.dirname(providers.env.TF_CLI_CONFIG_FILE), `plugin-cache-worker-${process.env.JEST_WORKER_ID ?? process.pid}`);
  fs.mkdirSync(pluginCache, { recursive: true });
  return { ...providers.env, TF_PLUGIN_CACHE_DIR: pluginCache };
}

/** Every `data.terraform_remote_state.<name>.outputs.<output>` the stack reads, grouped by state. */
function remoteStateReads(stack: Json): Map<string, Set<string>> {
  const reads = new Map<string, Set<string>>();
  const text = JSON.stringify(stack);
  for (const m of text.matchAll(/data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    if (!reads.has(m[1])) reads.set(m[1], new Set());
    reads.get(m[1])!.add(m[2]);
  }
  return reads;
}

/** The stack a `terraform_remote_state` reads: by its local path or its gcs prefix (cdktf names both after the stack). */
function upstreamStackOf(name: string, remote: Json): string {
  if (remote.backend === 'local') return path.basename(remote.config.path, '.tfstate');
  if (remote.backend === 'gcs') return path.basename(remote.config.prefix);
  throw new Error(`remote state ${name} uses backend ${remote.backend}; add how to find its stack to upstreamStackOf`);
}

export interface PrepareStackOptions {
  readonly synthDir: string;
  readonly stack: string;
  /** The API server the kubernetes provider reaches in place of the cluster's DNS endpoint. */
  readonly apiServer: { readonly server: string; readonly caCertificate: string };
  /**
   * The token the stand-in gke-gcloud-auth-plugin prints; null: no plugin on the terraform
   * process's PATH, as on a machine where it is not installed.
   */
  readonly pluginToken: string | null;
  /** Changes the copied cdk.tf.json before it is written (the negative tests break one value). */
  readonly edit?: (stack: Json) => void;
  /** @default a fresh temp dir */
  readonly workDir?: string;
}

/** Writes the stack, its override file and its upstream state files into a temp dir. */
export function prepareStack(opts: PrepareStackOptions): PreparedStack {
  const manifest = JSON.parse(fs.readFileSync(path.join(opts.synthDir, 'manifest.json'), 'utf8'));
  const entry = manifest.stacks[opts.stack];
  if (!entry) throw new Error(`stack ${opts.stack} is not in ${opts.synthDir}/manifest.json`);
  const stack: Json = JSON.parse(fs.readFileSync(path.join(opts.synthDir, entry.synthesizedStackPath), 'utf8'));
  opts.edit?.(stack);

  const root = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'isoscribe-workloads-apply-'));
  const dir = path.join(root, 'cdktf.out', 'stacks', opts.stack);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(stack, null, 2));

  const project: string = stack.provider?.google?.[0]?.project;
  if (!project) throw new Error(`${opts.stack}: no google provider project in cdk.tf.json`);

  // Upstream state files, read through the local backend whatever backend the stack names (gcs in
  // staging and production).
  const stateDir = path.join(root, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  const remoteStateOverrides: Record<string, Json> = {};
  for (const [name, outputs] of remoteStateReads(stack)) {
    const upstreamName = upstreamStackOf(name, stack.data.terraform_remote_state[name]);
    const upstreamEntry = manifest.stacks[upstreamName];
    if (!upstreamEntry) throw new Error(`${opts.stack}: remote state ${name} reads ${upstreamName}, which is not in the synthesized manifest`);
    const upstream = JSON.parse(fs.readFileSync(path.join(opts.synthDir, upstreamEntry.synthesizedStackPath), 'utf8'));
    const file = path.join(stateDir, `${upstreamName}.tfstate`);
    const state = {
      version: 4,
      terraform_version: '1.11.4',
      serial: 1,
      lineage: `stand-in-${upstreamName}`,
      outputs: Object.fromEntries([...outputs].map((o) => [o, { value: appliedOutput(upstream, upstreamName, o), type: 'string' }])),
      resources: [],
    };
    fs.writeFileSync(file, JSON.stringify(state, null, 2));
    remoteStateOverrides[name] = { backend: 'local', config: { path: file } };
  }

  const kubernetesAddresses: string[] = [];
  const otherAddresses: string[] = [];
  for (const [type, byName] of Object.entries<Record<string, Json>>(stack.resource ?? {})) {
    for (const name of Object.keys(byName)) (type.startsWith('kubernetes_') ? kubernetesAddresses : otherAddresses).push(`${type}.${name}`);
  }

  const override = {
    // The stack's own state, local in the temp dir (an override's backend replaces the original's).
    terraform: { backend: { local: { path: path.join(stateDir, `${opts.stack}.tfstate`) } } },
    data: { terraform_remote_state: remoteStateOverrides },
    provider: {
      kubernetes: [{ host: opts.apiServer.server, cluster_ca_certificate: opts.apiServer.caCertificate, config_path: null }],
      google: [
        {
          access_token: 'stand-in-access-token',
          // Nothing may be called: every Google API fails on a closed loopback port.
          secret_manager_custom_endpoint: 'http://127.0.0.1:9/v1/',
          iam_custom_endpoint: 'http://127.0.0.1:9/v1/',
          resource_manager_custom_endpoint: 'http://127.0.0.1:9/v1/',
        },
      ],
    },
  };
  // An override block with no resource in it is invalid HCL (a stack without Deployments, like search-<region>).
  const deployments = Object.keys(stack.resource?.kubernetes_deployment_v1 ?? {});
  if (deployments.length > 0) {
    (override as Json).resource = { kubernetes_deployment_v1: Object.fromEntries(deployments.map((n) => [n, { wait_for_rollout: false }])) };
  }
  fs.writeFileSync(path.join(dir, 'zz_test_override.tf.json'), JSON.stringify(override, null, 2));

  const credentialPlugin = writeCredentialPluginStandIn(path.join(root, 'bin'), opts.pluginToken);
  const env = {
    ...process.env,
    ...providerEnv(opts.synthDir),
    // Only the stand-in plugin is found: never one installed on this machine (terraform itself is run by its absolute path).
    PATH: credentialPlugin.dir,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // No ambient Google credentials may leak into the test.
    GOOGLE_APPLICATION_CREDENTIALS: '',
    GOOGLE_OAUTH_ACCESS_TOKEN: '',
    GOOGLE_CREDENTIALS: '',
    KUBECONFIG: '',
    KUBE_CONFIG_PATH: '',
    KUBE_CONFIG_PATHS: '',
    KUBE_TOKEN: '',
  };
  const terraformBinary = onPath('terraform');
  const terraform = (args: string[]): Promise<TerraformResult> =>
    new Promise((resolve) => {
      const started = Date.now();
      execFile(terraformBinary, args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
      });
    });
  return {
    name: opts.stack,
    dir,
    kubernetesAddresses,
    otherAddresses,
    project,
    terraform,
    credentialPlugin,
    targets: kubernetesAddresses.map((a) => `-target=${a}`),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** The absolute path of `command` on this process's PATH. */
function onPath(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${command} is not on PATH (${process.env.PATH})`);
}

/** Fails with terraform's own output when a command did not exit with `want`. */
export function expectExit(what: string, result: TerraformResult, want = 0): TerraformResult {
  if (result.code !== want) {
    throw new Error(`${what}: terraform exited ${result.code}, expected ${want}\n${result.stderr}\n${result.stdout.slice(-6000)}`);
  }
  return result;
}
