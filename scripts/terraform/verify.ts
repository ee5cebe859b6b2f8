/**
 * `npm run verify:terraform`: every synthesized stack through the real Terraform providers, offline.
 *
 * 1. The pinned providers are installed (scripts/terraform/providers.ts: the mirror from
 *    ../shared/terraform-providers when present, the registry otherwise) and `terraform init` runs
 *    once per distinct provider set; every stack shares that set's data dir (TF_DATA_DIR).
 * 2. Every stack, on a copy in a temporary directory (cdktf.out is never touched):
 *    `terraform validate`, then a plan of every resource (`terraform test` with one `command = plan`
 *    run, refresh off) in dependency order. `terraform test` is used for its `override_data` (and
 *    `override_resource` for the few resource types whose plan needs an API, stand-ins.ts): the
 *    cross-stack `terraform_remote_state` reads get the upstream stack's own planned outputs, and
 *    data sources that would call an API get the stand-ins of stand-ins.ts. Nothing else is replaced;
 *    no backend is initialized or read.
 * 3. Every HTTP(S) request the providers try goes to a loopback proxy that refuses it and records
 *    the host, so nothing leaves the machine even where a network exists (GitHub runners), and an
 *    attempt fails the run with the resource address that tried. Credentials are dummies, and the
 *    credential plugin a kubernetes provider's `exec` block names (gke-gcloud-auth-plugin) is a
 *    refusing stand-in first on PATH: an offline plan must never need a cluster's token, and a
 *    plugin installed on the machine must not answer instead.
 *
 * Prints a per-stack table and writes cdktf.out/terraform-verify.{json,md}. Exit code 1 on any error.
 */
import { spawn } from 'child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { prepareProviders, qualifySource, readPins } from './providers';
import { attributeKey, DATA_SOURCE_STAND_INS, OUTPUT_STAND_INS, outputReference, RESOURCE_STAND_INS } from './stand-ins';

export interface TerraformError {
  readonly stack: string;
  readonly phase: 'init' | 'validate' | 'plan';
  /** Resource or data source address (`google_container_cluster.gke`), when Terraform names one. */
  readonly address?: string;
  /** The attribute inside that block, when the error points at one. */
  readonly attribute?: string;
  /** Line in the stack's synthesized `cdk.tf.json`, when Terraform gives one. */
  readonly line?: number;
  readonly summary: string;
  readonly detail: string;
}

export interface StandInUse {
  /** What was replaced: `data.<type>.<name>` or `data.terraform_remote_state.<name>.outputs.<output>`. */
  readonly target: string;
  readonly value: unknown;
  readonly reason: string;
}

type Status = 'ok' | 'failed' | 'skipped';

export interface StackReport {
  readonly stack: string;
  readonly providers: string[];
  validate: Status;
  plan: Status;
  add: number;
  change: number;
  destroy: number;
  /** Wall time of this stack's validate + plan, and of each. */
  seconds: number;
  validateSeconds: number;
  planSeconds: number;
  standIns: StandInUse[];
  /** Data sources the real provider read offline (no stand-in needed). */
  offlineReads: string[];
  errors: TerraformError[];
  /** Hosts a provider of this stack tried to reach (refused by the loopback proxy: nothing was sent). */
  networkAttempts: string[];
  /** Why the plan did not run, when it did not. */
  skippedBecause?: string;
}

export interface VerifyReport {
  readonly mode: 'mirror' | 'registry';
  readonly terraformVersion: string;
  readonly parallel: number;
  readonly providerInstallSeconds: number;
  readonly initSeconds: number;
  readonly wallSeconds: number;
  readonly stacks: StackReport[];
  readonly ok: boolean;
}

export interface VerifyOptions {
  /** A `cdktf synth` output directory. */
  readonly synthDir: string;
  /** Stacks to verify (their upstream stacks are planned too); @default every stack in the manifest */
  readonly stacks?: readonly string[];
  /** Concurrent terraform processes. @default 2 */
  readonly parallel?: number;
  /** Passed to prepareProviders: `null` forces registry mode. */
  readonly providersDir?: string | null;
  readonly toolsDir?: string;
  /** Keep the temporary working copies (for debugging). @default false */
  readonly keep?: boolean;
  /** Per terraform command; a provider waiting on the network is killed and reported. @default 300 */
  readonly timeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

interface StackJson {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  data?: Record<string, Record<string, unknown>>;
  resource?: Record<string, Record<string, unknown>>;
  locals?: Record<string, unknown>;
  output?: Record<string, { value?: unknown }>;
  provider?: { kubernetes?: { exec?: { command?: unknown }[] }[] };
}

interface ResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  change: { actions: string[]; after?: unknown; after_unknown?: unknown };
}

interface Diagnostic {
  severity: string;
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename?: string; start?: { line?: number } };
  snippet?: { context?: string | null; code?: string };
}

/** Outputs of a planned stack as its downstream stacks receive them. */
interface PlannedOutputs {
  readonly values: Record<string, unknown>;
  /** Per output that is (or carries) a stand-in: why. */
  readonly standIns: Record<string, string>;
}

const REMOTE_STATE_PREFIX = 'cross-stack-reference-input-';

/**
 * Requests that are refused without failing the run, with why they are harmless. Any other host a
 * provider tries fails the run (the data source that tried also fails with its address).
 */
export const EXPECTED_NETWORK_ATTEMPTS: Readonly<Record<string, string>> = {
  'openidconnect.googleapis.com:443':
    "the google provider looks up its token's identity when it is configured, only to log it; refused, so the dummy token never leaves the machine",
};

// Ambient credentials must never reach a provider here: the dummies below are the only ones.
const CREDENTIAL_ENV = /^(GOOGLE_|CLOUDSDK_|CLOUDFLARE_|KUBE_|KUBECONFIG$)/;

export async function verifyStacks(opts: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const parallel = opts.parallel ?? 2;
  const timeoutMs = (opts.timeoutSeconds ?? 300) * 1000;
  const synthDir = resolve(opts.synthDir);

  const manifest = readManifest(synthDir);
  const stacks = selectStacks(manifest, synthDir, opts.stacks);

  const installStart = Date.now();
  const install = prepareProviders({ pins: readPins(synthDir), providersDir: opts.providersDir, toolsDir: opts.toolsDir });
  const providerInstallSeconds = (Date.now() - installStart) / 1000;
  log(`providers: ${install.mode} mode${install.providersDir ? ` (${install.providersDir})` : ''}, ${providerInstallSeconds.toFixed(1)} s`);

  const work = mkdtempSync(join(tmpdir(), 'isoscribe-tf-verify-'));
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !CREDENTIAL_ENV.test(k)) baseEnv[k] = v;
  }
  Object.assign(baseEnv, install.env, { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' });
  // init may need the registry (registry mode); validate and plan must need nothing. The google
  // provider refuses to configure without some credential; cloudflare and kubernetes plan without one.
  const offlineEnv: Record<string, string> = { ...baseEnv, GOOGLE_OAUTH_ACCESS_TOKEN: 'dummy-offline-token' };

  const guards: NetworkGuard[] = [];
  const limit = semaphore(parallel);
  const run = (args: string[], cwd: string, env: Record<string, string>) =>
    limit(() => runTerraform(args, cwd, env, timeoutMs));

  try {
    const terraformVersion = await terraformVersionOf(baseEnv);

    // One init per provider set.
    const initStart = Date.now();
    const sets = new Map<string, { dir: string; stacks: string[]; error?: string }>();
    for (const stack of stacks) {
      const key = providerSetKey(readStackJson(synthDir, stack));
      if (!sets.has(key)) sets.set(key, { dir: join(work, 'init', String(sets.size)), stacks: [] });
      sets.get(key)!.stacks.push(stack);
    }
    // One after another: terraform's plugin cache is not safe for concurrent installs, and in
    // registry mode the first set downloads the providers the others then link from the cache.
    for (const set of sets.values()) {
      mkdirSync(set.dir, { recursive: true });
      const required = readStackJson(synthDir, set.stacks[0]).terraform?.required_providers ?? {};
      writeFileSync(join(set.dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: required } }));
      const r = await runTerraform(['init', '-backend=false', '-input=false', '-no-color'], set.dir, baseEnv, timeoutMs);
      if (r.code !== 0) {
        const hint =
          install.mode === 'registry'
            ? ' (registry mode: no provider mirror was found; set ISOSCRIBE_TF_PROVIDERS_DIR to a directory of provider binaries, see scripts/terraform/providers.ts)'
            : '';
        set.error = `terraform init failed${hint}:\n${(r.stderr || r.stdout).trim()}`;
      }
    }
    const initSeconds = (Date.now() - initStart) / 1000;
    log(`init: ${sets.size} provider sets in ${initSeconds.toFixed(1)} s`);

    const reports = new Map<string, StackReport>();
    const consumed = consumedOutputs(synthDir, stacks);
    const outputs = new Map<string, Promise<PlannedOutputs | undefined>>();

    const verifyOne = async (stack: string): Promise<PlannedOutputs | undefined> => {
      const json = readStackJson(synthDir, stack);
      const set = [...sets.values()].find((s) => s.stacks.includes(stack))!;
      const report: StackReport = {
        stack,
        providers: providerSetKey(json).split(' '),
        validate: 'skipped',
        plan: 'skipped',
        add: 0,
        change: 0,
        destroy: 0,
        seconds: 0,
        validateSeconds: 0,
        planSeconds: 0,
        standIns: [],
        offlineReads: [],
        errors: [],
        networkAttempts: [],
      };
      reports.set(stack, report);
      if (set.error) {
        report.errors.push({ stack, phase: 'init', summary: 'terraform init failed', detail: set.error });
        report.skippedBecause = 'init failed';
        return undefined;
      }
      const dir = join(work, 'stacks', stack);
      cpSync(join(synthDir, 'stacks', stack), dir, { recursive: true, filter: (src) => !src.includes('.terraform') });
      cpSync(join(set.dir, '.terraform.lock.hcl'), join(dir, '.terraform.lock.hcl'));
      const guard = await startNetworkGuard();
      guards.push(guard);
      const plugins = refuseCredentialPlugins(json, join(dir, '.refused-credential-plugins'));
      const env = { ...offlineEnv, ...guard.env, PATH: `${plugins.dir}:${offlineEnv.PATH ?? ''}`, TF_DATA_DIR: join(set.dir, '.terraform') };
      const settle = <T>(value: T): T => {
        report.networkAttempts = [...guard.attempts].sort();
        for (const command of plugins.ran()) {
          report.errors.push({
            stack,
            phase: 'plan',
            summary: `the kubernetes provider ran its credential plugin ${command} (refused): an offline plan must not need a cluster's token`,
            detail:
              'something in this stack calls the cluster at plan time (a kubernetes data source, or a resource whose plan reads the API, like kubernetes_manifest); ' +
              'give it a stand-in in scripts/terraform/stand-ins.ts',
          });
        }
        guard.server.close();
        return value;
      };

      let seconds = 0;
      const validate = await run(['validate', '-json', '-no-color'], dir, env);
      seconds += validate.seconds;
      report.validateSeconds = validate.seconds;
      const validateDiags = parseValidate(validate);
      report.validate = validate.code === 0 ? 'ok' : 'failed';
      report.errors.push(...validateDiags.map((d) => toError(stack, 'validate', d)));
      if (validate.timedOut) report.errors.push(timeoutError(stack, 'validate', timeoutMs));
      else if (report.validate === 'failed' && validateDiags.length === 0) {
        report.errors.push({ stack, phase: 'validate', summary: 'terraform validate failed', detail: (validate.stderr || validate.stdout).trim().slice(-2000) });
      }

      // Upstream values: the remote-state reads of this stack, each fed by its upstream's plan.
      const remoteStates = Object.keys(json.data?.terraform_remote_state ?? {});
      const upstream: Record<string, PlannedOutputs | undefined> = {};
      for (const name of remoteStates) {
        const from = upstreamStackOf(stack, name);
        if (!outputs.has(from)) throw new Error(`${stack}: reads the state of ${from}, which is not in cdktf.out/manifest.json`);
        upstream[name] = await outputs.get(from)!;
      }
      const failedUpstream = remoteStates.filter((n) => !upstream[n]).map((n) => upstreamStackOf(stack, n));
      if (report.validate !== 'ok' || failedUpstream.length > 0) {
        report.skippedBecause =
          report.validate !== 'ok' ? 'validate failed' : `upstream plan failed: ${failedUpstream.join(', ')}`;
        report.seconds = seconds;
        return settle(undefined);
      }

      const overrides = planOverrides(stack, json, upstream as Record<string, PlannedOutputs>);
      report.standIns = overrides.standIns;
      report.offlineReads = overrides.offlineReads;
      mkdirSync(join(dir, 'tests'), { recursive: true });
      writeFileSync(join(dir, 'tests', 'verify.tftest.hcl'), overrides.testFile);

      const plan = await run(['test', '-json', '-verbose', '-no-color'], dir, env);
      seconds += plan.seconds;
      report.planSeconds = plan.seconds;
      report.seconds = seconds;
      const parsed = parseTestRun(plan.stdout);
      report.errors.push(...parsed.diagnostics.map((d) => toError(stack, 'plan', d)));
      if (plan.timedOut) report.errors.push(timeoutError(stack, 'plan', timeoutMs));
      if (plan.code !== 0 || !parsed.resourceChanges) {
        if (report.errors.length === 0) {
          report.errors.push({ stack, phase: 'plan', summary: 'terraform test failed', detail: (plan.stderr || plan.stdout).trim().slice(-2000) });
        }
        report.plan = 'failed';
        return settle(undefined);
      }
      report.plan = 'ok';
      for (const rc of parsed.resourceChanges) {
        if (rc.mode !== 'managed') continue;
        const actions = rc.change.actions;
        if (actions.includes('create')) report.add++;
        if (actions.includes('delete')) report.destroy++;
        if (actions.length === 1 && actions[0] === 'update') report.change++;
      }
      try {
        return settle(plannedOutputs(stack, json, parsed.resourceChanges, overrides.standIns, consumed.get(stack) ?? new Set()));
      } catch (e) {
        report.plan = 'failed';
        report.errors.push({ stack, phase: 'plan', summary: 'cannot pass outputs downstream', detail: (e as Error).message });
        return settle(undefined);
      }
    };

    // Dependency order comes from the awaits inside verifyOne; promises are registered first so a
    // stack can wait for any upstream regardless of the manifest's listing order.
    const pending: Promise<unknown>[] = [];
    for (const stack of stacks) {
      let resolveOutputs!: (o: PlannedOutputs | undefined) => void;
      outputs.set(stack, new Promise((r) => (resolveOutputs = r)));
      pending.push(Promise.resolve().then(() => verifyOne(stack)).then(resolveOutputs, (e) => {
        resolveOutputs(undefined);
        throw e;
      }));
    }
    await Promise.all(pending);

    const ordered = stacks.map((s) => reports.get(s)!);
    const unexpected = (r: StackReport) => r.networkAttempts.filter((h) => !EXPECTED_NETWORK_ATTEMPTS[h]);
    return {
      mode: install.mode,
      terraformVersion,
      parallel,
      providerInstallSeconds,
      initSeconds,
      wallSeconds: (Date.now() - started) / 1000,
      stacks: ordered,
      ok: ordered.every((r) => r.validate === 'ok' && r.plan === 'ok' && r.errors.length === 0 && unexpected(r).length === 0),
    };
  } finally {
    for (const g of guards) g.server.close();
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    else log(`working copies kept in ${work}`);
  }
}

/**
 * A refusing stand-in, in `dir`, for every credential plugin the stack's kubernetes providers run
 * (`exec.command`), recording each run; `dir` goes first on the plan's PATH.
 */
function refuseCredentialPlugins(json: StackJson, dir: string): { dir: string; ran(): string[] } {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'runs.log');
  for (const command of (json.provider?.kubernetes ?? []).flatMap((p) => (p.exec ?? []).map((e) => e.command))) {
    if (typeof command !== 'string' || !/^[\w.-]+$/.test(command)) continue; // a path or a reference is not looked up on PATH
    const file = join(dir, command);
    writeFileSync(file, `#!/bin/sh\necho '${command}' >> '${log}'\necho 'verify:terraform: ${command} refused: an offline plan must not need a cluster token' >&2\nexit 1\n`);
    chmodSync(file, 0o755);
  }
  return { dir, ran: () => (existsSync(log) ? [...new Set(readFileSync(log, 'utf8').trim().split('\n'))] : []) };
}

// ---------------------------------------------------------------------------------------------
// Stacks, manifest, provider sets

function readManifest(synthDir: string): Record<string, { dependencies?: string[] }> {
  const file = join(synthDir, 'manifest.json');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npm run synth\` first`);
  return JSON.parse(readFileSync(file, 'utf8')).stacks;
}

function readStackJson(synthDir: string, stack: string): StackJson {
  return JSON.parse(readFileSync(join(synthDir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}

/** The requested stacks plus every stack whose state they read, in manifest order. */
function selectStacks(manifest: Record<string, unknown>, synthDir: string, wanted?: readonly string[]): string[] {
  const all = Object.keys(manifest);
  if (!wanted || wanted.length === 0) return all;
  const chosen = new Set<string>();
  const visit = (stack: string) => {
    if (!all.includes(stack)) throw new Error(`unknown stack "${stack}"; stacks in ${synthDir}: ${all.join(', ')}`);
    if (chosen.has(stack)) return;
    chosen.add(stack);
    for (const name of Object.keys(readStackJson(synthDir, stack).data?.terraform_remote_state ?? {})) {
      visit(upstreamStackOf(stack, name));
    }
  };
  wanted.forEach(visit);
  return all.filter((s) => chosen.has(s));
}

function upstreamStackOf(stack: string, remoteStateName: string): string {
  if (!remoteStateName.startsWith(REMOTE_STATE_PREFIX)) {
    throw new Error(
      `${stack}: data.terraform_remote_state.${remoteStateName} is not a cdktf cross-stack reference ` +
        `(${REMOTE_STATE_PREFIX}<stack>); the verifier cannot tell which stack's plan feeds it`,
    );
  }
  return remoteStateName.slice(REMOTE_STATE_PREFIX.length);
}

function providerSetKey(json: StackJson): string {
  return Object.entries(json.terraform?.required_providers ?? {})
    .map(([name, req]) => `${qualifySource(req.source ?? name).split('/').slice(1).join('/')}@${req.version}`)
    .sort()
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// Stand-ins and upstream outputs

interface Overrides {
  testFile: string;
  standIns: StandInUse[];
  offlineReads: string[];
}

/** The `terraform test` file of one stack: its overrides and one plan-only run. */
function planOverrides(stack: string, json: StackJson, upstream: Record<string, PlannedOutputs>): Overrides {
  const blocks: string[] = [];
  const standIns: StandInUse[] = [];
  const offlineReads: string[] = [];
  const text = JSON.stringify(json);
  for (const [type, instances] of Object.entries(json.data ?? {})) {
    for (const name of Object.keys(instances)) {
      const address = `data.${type}.${name}`;
      let values: Record<string, unknown>;
      if (type === 'terraform_remote_state') {
        const from = upstream[name];
        values = { outputs: from.values };
        for (const [output, reason] of Object.entries(from.standIns)) {
          // Only the outputs this stack reads are worth listing.
          if (!text.includes(`${address}.outputs.${output}`)) continue;
          standIns.push({ target: `${address}.outputs.${output}`, value: from.values[output], reason: `${upstreamStackOf(stack, name)}: ${reason}` });
        }
      } else if (DATA_SOURCE_STAND_INS[type]) {
        const standIn = DATA_SOURCE_STAND_INS[type].values;
        values = typeof standIn === 'function' ? standIn((instances as Record<string, Record<string, unknown>>)[name], { locals: json.locals ?? {} }) : standIn;
        standIns.push({ target: address, value: values, reason: DATA_SOURCE_STAND_INS[type].reason });
      } else {
        offlineReads.push(address);
        continue;
      }
      // JSON is valid HCL expression syntax, quoted keys included.
      blocks.push(`override_data {\n  target = ${address}\n  values = ${JSON.stringify(values)}\n}\n`);
    }
  }
  for (const [type, instances] of Object.entries(json.resource ?? {})) {
    if (!RESOURCE_STAND_INS[type]) continue;
    for (const name of Object.keys(instances)) {
      standIns.push({ target: `${type}.${name}`, value: {}, reason: RESOURCE_STAND_INS[type].reason });
      blocks.push(`override_resource {\n  target = ${type}.${name}\n}\n`);
    }
  }
  blocks.push('run "plan" {\n  command = plan\n  plan_options {\n    refresh = false\n  }\n}\n');
  return { testFile: `# Written by scripts/terraform/verify.ts for ${stack}\n\n${blocks.join('\n')}`, standIns, offlineReads };
}

/**
 * The stack's outputs as its plan knows them. cdktf's cross-stack outputs are plain references to one
 * resource attribute (`${type.name.attr[0].sub}`), read from that resource's planned values; an
 * unknown one gets a stand-in. Anything else is an error rather than a guess.
 */
function plannedOutputs(
  stack: string,
  json: StackJson,
  changes: ResourceChange[],
  inputs: StandInUse[],
  consumed: Set<string>,
): PlannedOutputs {
  const values: Record<string, unknown> = {};
  const standIns: Record<string, string> = {};
  const inputStandInStrings = inputs.flatMap((s) => stringsIn(s.value)).filter((s) => s.length >= 8);
  for (const name of Object.keys(json.output ?? {})) {
    if (!consumed.has(name)) continue;
    const { reference, path } = outputReference(json, stack, name);
    if (path[0] === 'data') {
      // An output that passes on a data source's attribute: offline, that is its stand-in's value.
      const [, dataType, dataName, ...attr] = path;
      const standIn = inputs.find((s) => s.target === `data.${dataType}.${dataName}`);
      if (!standIn) throw new Error(`${stack}: output ${name} reads data.${dataType}.${dataName}, which has no stand-in value to pass on`);
      values[name] = walk(standIn.value, undefined, attr).value;
      standIns[name] = `${reference} comes from a data source's stand-in (${standIn.reason})`;
      continue;
    }
    const [type, resourceName, ...rest] = path;
    const index = typeof rest[0] === 'number' ? `[${rest.shift()}]` : '';
    const address = `${type}.${resourceName}${index}`;
    const rc = changes.find((c) => c.mode === 'managed' && c.address === address);
    if (!rc) throw new Error(`${stack}: output ${name} reads ${address}, which the plan does not contain`);
    const { value, unknown } = walk(rc.change.after, rc.change.after_unknown, rest);
    if (!unknown) {
      values[name] = value;
      const carried = inputStandInStrings.find((s) => stringsIn(value).some((v) => v.includes(s)));
      if (carried !== undefined) standIns[name] = `${address}.${attributeKey(rest)} carries an upstream stand-in (${carried})`;
      continue;
    }
    const key = `${type}.${attributeKey(rest)}`;
    const standIn = OUTPUT_STAND_INS[key];
    if (!standIn) {
      throw new Error(
        `${stack}: output ${name} (${reference}) is unknown until apply and has no stand-in; ` +
          `add "${key}" to OUTPUT_STAND_INS in scripts/terraform/stand-ins.ts`,
      );
    }
    values[name] = standIn.value((rc.change.after ?? {}) as Record<string, unknown>);
    standIns[name] = `${reference} is unknown until apply; ${standIn.reason}`;
  }
  return { values, standIns };
}

/** Per upstream stack, the outputs some selected stack reads through `terraform_remote_state`. */
function consumedOutputs(synthDir: string, stacks: string[]): Map<string, Set<string>> {
  const consumed = new Map<string, Set<string>>();
  for (const stack of stacks) {
    const text = readFileSync(join(synthDir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    for (const m of text.matchAll(/data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const upstream = upstreamStackOf(stack, m[1]);
      if (!consumed.has(upstream)) consumed.set(upstream, new Set());
      consumed.get(upstream)!.add(m[2]);
    }
  }
  return consumed;
}

function walk(after: unknown, afterUnknown: unknown, path: (string | number)[]): { value: unknown; unknown: boolean } {
  let value = after;
  let unknown = afterUnknown;
  for (const step of path) {
    if (unknown === true) return { value: undefined, unknown: true };
    value = value == null ? undefined : (value as Record<string | number, unknown>)[step];
    unknown = unknown == null ? undefined : (unknown as Record<string | number, unknown>)[step];
  }
  return { value, unknown: unknown === true };
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

// ---------------------------------------------------------------------------------------------
// Running terraform and reading what it says

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

function runTerraform(args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    // Own process group, so a timeout also ends the provider plugins terraform started.
    const child = spawn('terraform', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run terraform (${e.message}); install it with scripts/ci-install-terraform.sh`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, seconds: (Date.now() - started) / 1000, timedOut });
    });
  });
}

async function terraformVersionOf(env: Record<string, string>): Promise<string> {
  const r = await runTerraform(['version', '-json'], tmpdir(), env, 60_000);
  try {
    return JSON.parse(r.stdout).terraform_version;
  } catch {
    throw new Error(`cannot read \`terraform version -json\`: ${r.stderr.trim()}`);
  }
}

function parseValidate(r: RunResult): Diagnostic[] {
  try {
    return (JSON.parse(r.stdout).diagnostics ?? []).filter((d: Diagnostic) => d.severity === 'error');
  } catch {
    return r.code === 0 ? [] : [{ severity: 'error', summary: 'terraform validate failed', detail: (r.stderr || r.stdout).trim() }];
  }
}

function parseTestRun(stdout: string): { diagnostics: Diagnostic[]; resourceChanges?: ResourceChange[] } {
  const diagnostics: Diagnostic[] = [];
  let resourceChanges: ResourceChange[] | undefined;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.type === 'diagnostic' && msg.diagnostic.severity === 'error') diagnostics.push(msg.diagnostic);
    if (msg.type === 'test_plan') resourceChanges = msg.test_plan.resource_changes ?? [];
  }
  return { diagnostics, resourceChanges };
}

/**
 * Terraform names the block either as `address` or, for config errors, as the snippet's JSON path; in
 * a JSON config the snippet's line is `"attribute": value`, which completes the attribute path.
 */
function toError(stack: string, phase: TerraformError['phase'], d: Diagnostic): TerraformError {
  let address = d.address;
  const attribute: string[] = [];
  const context = d.snippet?.context ?? undefined;
  if (context) {
    const parts = context.split('.');
    const path = parts[0] === 'resource' ? parts.slice(1) : parts;
    const n = path[0] === 'data' ? 3 : 2;
    const ctxAddress = path.slice(0, n).join('.');
    address ??= ctxAddress;
    if (address === ctxAddress) {
      attribute.push(...path.slice(n));
      const key = /^\s*"([^"]+)"\s*:/.exec(d.snippet?.code ?? '')?.[1];
      if (key) attribute.push(key);
    }
  }
  const line = d.range?.filename === 'cdk.tf.json' ? d.range.start?.line : undefined;
  return {
    stack,
    phase,
    address,
    attribute: attribute.length > 0 ? attribute.join('.') : undefined,
    line,
    summary: d.summary,
    detail: (d.detail ?? '').trim(),
  };
}

function timeoutError(stack: string, phase: TerraformError['phase'], timeoutMs: number): TerraformError {
  return {
    stack,
    phase,
    summary: `timed out after ${timeoutMs / 1000} s`,
    detail: 'a provider or data source waited on something (the network?); rerun with --keep and read the working copy',
  };
}

/** One line per error: stack › address (attribute): summary — detail. */
export function formatError(e: TerraformError): string {
  const where = [e.address, e.attribute ? `(${e.attribute})` : '', e.line ? `[cdk.tf.json:${e.line}]` : ''].filter(Boolean).join(' ');
  const detail = e.detail ? ` — ${e.detail.replace(/\s+/g, ' ')}` : '';
  return `${e.stack}${where ? ` › ${where}` : ''}: ${e.phase}: ${e.summary}${detail}`;
}

// ---------------------------------------------------------------------------------------------
// The network guard

interface NetworkGuard {
  server: Server;
  env: Record<string, string>;
  attempts: Set<string>;
}

/** A loopback HTTP proxy that refuses every request and remembers the host asked for. */
function startNetworkGuard(): Promise<NetworkGuard> {
  const attempts = new Set<string>();
  const server = createServer((socket) => {
    socket.once('data', (chunk) => {
      const first = chunk.toString('latin1').split('\r\n')[0];
      const target = /^CONNECT (\S+)/.exec(first)?.[1] ?? /^\w+ (?:https?:\/\/)?([^/\s]+)/.exec(first)?.[1] ?? first;
      attempts.add(target);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const proxy = `http://127.0.0.1:${port}`;
      server.unref();
      resolvePromise({
        server,
        attempts,
        env: { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '' },
      });
    });
  });
}

function semaphore(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Report

export function renderMarkdown(report: VerifyReport): string {
  const lines: string[] = [];
  lines.push(`## Real providers: validate and offline plan of ${report.stacks.length} stacks`);
  lines.push('');
  lines.push(
    `Terraform ${report.terraformVersion}, providers from the ${report.mode}, ${report.parallel} in parallel: ` +
      `wall ${report.wallSeconds.toFixed(1)} s (provider install ${report.providerInstallSeconds.toFixed(1)} s, init ${report.initSeconds.toFixed(1)} s). ` +
      (report.ok ? 'All passed.' : '**Failed.**'),
  );
  lines.push('');
  lines.push('| stack | validate | plan | add | change | destroy | seconds (validate + plan) | stand-ins | errors |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of report.stacks) {
    const seconds = `${s.seconds.toFixed(1)} (${s.validateSeconds.toFixed(1)} + ${s.planSeconds.toFixed(1)})`;
    lines.push(`| ${s.stack} | ${s.validate} | ${s.plan}${s.skippedBecause ? ` (${s.skippedBecause})` : ''} | ${s.add} | ${s.change} | ${s.destroy} | ${seconds} | ${s.standIns.length} | ${s.errors.length} |`);
  }
  const sum = (f: (s: StackReport) => number) => report.stacks.reduce((n, s) => n + f(s), 0);
  lines.push(`| **total** | | | ${sum((s) => s.add)} | ${sum((s) => s.change)} | ${sum((s) => s.destroy)} | ${sum((s) => s.seconds).toFixed(1)} (${sum((s) => s.validateSeconds).toFixed(1)} + ${sum((s) => s.planSeconds).toFixed(1)}) | ${sum((s) => s.standIns.length)} | ${sum((s) => s.errors.length)} |`);
  const errors = report.stacks.flatMap((s) => s.errors);
  if (errors.length > 0) {
    lines.push('', '### Errors', '');
    for (const e of errors) lines.push(`- ${formatError(e)}`);
  }
  const attempts = report.stacks.flatMap((s) => s.networkAttempts.map((h) => ({ stack: s.stack, host: h })));
  if (attempts.length > 0) {
    lines.push('', '### Network attempts (refused by the loopback proxy: nothing was sent)', '');
    const hosts = [...new Set(attempts.map((a) => a.host))];
    for (const host of hosts) {
      const by = attempts.filter((a) => a.host === host).map((a) => a.stack);
      const why = EXPECTED_NETWORK_ATTEMPTS[host] ?? '**unexpected: fails the run**';
      lines.push(`- ${host} from ${by.length} stack(s) (${by.join(', ')}): ${why}`);
    }
  }
  lines.push('', '### Stand-ins (values the plan did not get from a real cloud)', '');
  for (const s of report.stacks) {
    for (const u of s.standIns) lines.push(`- ${s.stack} › \`${u.target}\` = \`${JSON.stringify(u.value)}\`: ${u.reason}`);
  }
  const reads = report.stacks.flatMap((s) => s.offlineReads.map((r) => `${s.stack} › \`${r}\``));
  if (reads.length > 0) {
    lines.push('', '### Data sources read by the real provider, offline', '');
    for (const r of reads) lines.push(`- ${r}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv: string[]): { synthDir: string; stacks?: string[]; parallel?: number; keep: boolean } {
  const out: { synthDir: string; stacks?: string[]; parallel?: number; keep: boolean } = { synthDir: 'cdktf.out', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--synth-dir') out.synthDir = value();
    else if (arg === '--stacks') out.stacks = value().split(',').filter(Boolean);
    else if (arg === '--parallel') {
      out.parallel = Number(value());
      if (!Number.isInteger(out.parallel) || out.parallel < 1) throw new Error('--parallel must be a whole number of at least 1');
    } else if (arg === '--keep') out.keep = true;
    else throw new Error(`unknown argument ${arg}; usage: verify [--synth-dir cdktf.out] [--stacks a,b] [--parallel 2] [--keep]`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = await verifyStacks({ ...args, log: (l) => console.log(l) });
  const markdown = renderMarkdown(report);
  writeFileSync(join(args.synthDir, 'terraform-verify.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(args.synthDir, 'terraform-verify.md'), markdown);
  console.log(markdown);
  console.log(`report: ${join(args.synthDir, 'terraform-verify.md')} and terraform-verify.json`);
  if (!report.ok) {
    console.error('verify:terraform FAILED:');
    for (const e of report.stacks.flatMap((s) => s.errors)) console.error(`  ${formatError(e)}`);
    for (const s of report.stacks) {
      for (const h of s.networkAttempts.filter((x) => !EXPECTED_NETWORK_ATTEMPTS[x])) {
        console.error(`  ${s.stack}: a provider tried to reach ${h} (refused); give the data source that did a stand-in in scripts/terraform/stand-ins.ts`);
      }
    }
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`verify:terraform: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
