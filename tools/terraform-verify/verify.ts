/** The orchestration of verify:terraform (cli.ts describes the whole run). */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { refuseCredentialPlugins } from './credentials';
import { semaphore, startNetworkGuard, type NetworkGuard } from './network-guard';
import { consumedOutputs, plannedOutputs, planOverrides } from './overrides';
import { prepareProviders, readPins } from './providers';
import { providerSetKey, readManifest, readStackJson, selectStacks, upstreamStackOf } from './stacks';
import { parseTestRun, parseValidate, runTerraform, terraformVersionOf, timeoutError, toError } from './terraform';
import type { PlannedOutputs, StackReport, VerifyOptions, VerifyReport } from './types';

export type { StackReport, TerraformError, VerifyReport } from './types';
export { formatError } from './terraform';


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
            ? ' (registry mode: no provider mirror was found; set ISOSCRIBE_TF_PROVIDERS_DIR to a directory of provider binaries, see tools/terraform-verify/providers.ts)'
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
              'give it a stand-in in tools/terraform-verify/stand-ins.ts',
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
