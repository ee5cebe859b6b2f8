/**
 * The real Terraform providers the synthesized stacks pin, made available to `terraform init` without
 * the registry.
 *
 * Two modes, chosen by whether a directory of provider binaries is given:
 * - mirror: `ISOSCRIBE_TF_PROVIDERS_DIR` (default: `../shared/terraform-providers` beside the checkout,
 *   as in CI, else `../../shared/terraform-providers`, for git worktrees kept one level deeper) holds
 *   `terraform-provider-<type>_v<version>.xz` and a `SHA256SUMS` of the uncompressed binaries. Every
 *   pin is unpacked (checked against its sum) into a filesystem mirror under `.tools/terraform/mirror`,
 *   and a CLI config naming only that mirror is written beside it, to be passed to terraform through
 *   `TF_CLI_CONFIG_FILE` (never the user's `~/.terraformrc`). A pin with no binary is an error that
 *   names the file it looked for.
 * - registry: no such directory; terraform's own registry installation, unchanged (GitHub runners).
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

export interface ProviderPin {
  /** Fully qualified source address, e.g. `registry.terraform.io/hashicorp/google`. */
  readonly source: string;
  /** Provider type (the last part of the source), e.g. `google`. */
  readonly type: string;
  readonly version: string;
}

export interface ProviderInstall {
  readonly mode: 'mirror' | 'registry';
  /** Environment for every terraform command: TF_CLI_CONFIG_FILE and a shared plugin cache. */
  readonly env: Record<string, string>;
  readonly pins: readonly ProviderPin[];
  /** Where the binaries came from (mirror mode). */
  readonly providersDir?: string;
}

const ROOT = resolve(__dirname, '../..');
// Beside the checkout (CI's layout), then one level up (worktrees under a common directory).
const WORKPLACE_PROVIDERS_DIRS = ['../shared/terraform-providers', '../../shared/terraform-providers'].map((d) => resolve(ROOT, d));

/** Expands a `required_providers` source the way terraform does (`google` → `registry.terraform.io/hashicorp/google`). */
export function qualifySource(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return source;
}

/** Every provider pin of every stack in a `cdktf synth` output directory, deduplicated and sorted. */
export function readPins(synthDir: string): ProviderPin[] {
  const stacksDir = join(synthDir, 'stacks');
  if (!existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run \`npm run synth\` first`);
  const pins = new Map<string, ProviderPin>();
  for (const stack of readdirSync(stacksDir)) {
    const file = join(stacksDir, stack, 'cdk.tf.json');
    if (!existsSync(file)) continue;
    const required = JSON.parse(readFileSync(file, 'utf8')).terraform?.required_providers ?? {};
    for (const [name, req] of Object.entries<{ source?: string; version?: string }>(required)) {
      const source = qualifySource(req.source ?? name);
      const version = req.version ?? '';
      if (!/^\d+\.\d+\.\d+$/.test(version)) {
        throw new Error(`${stack}: provider ${source} is pinned to "${version}"; pin an exact version (x.y.z)`);
      }
      pins.set(`${source}@${version}`, { source, type: source.split('/').pop()!, version });
    }
  }
  return [...pins.values()].sort((a, b) => a.source.localeCompare(b.source));
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function readSums(providersDir: string): Map<string, string> {
  const sums = new Map<string, string>();
  const file = join(providersDir, 'SHA256SUMS');
  if (!existsSync(file)) throw new Error(`${file} is missing: the provider binaries cannot be verified`);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

export interface PrepareOptions {
  readonly pins: readonly ProviderPin[];
  /** Directory of `.xz` binaries; `undefined` → `ISOSCRIBE_TF_PROVIDERS_DIR` → the workplace default, if present. */
  readonly providersDir?: string | null;
  /** Where the mirror, CLI config and plugin cache live. @default `.tools/terraform` in the checkout */
  readonly toolsDir?: string;
}

/** Resolves the providers directory: explicit, then the environment, then the workplace default. */
export function defaultProvidersDir(): string | undefined {
  const fromEnv = process.env.ISOSCRIBE_TF_PROVIDERS_DIR;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`ISOSCRIBE_TF_PROVIDERS_DIR=${fromEnv} does not exist`);
    return resolve(fromEnv);
  }
  return WORKPLACE_PROVIDERS_DIRS.find((dir) => existsSync(dir));
}

/**
 * Makes every pin installable by `terraform init`. Idempotent and cheap when warm: a binary already in
 * the mirror with the right sum is not unpacked again.
 */
export function prepareProviders(opts: PrepareOptions): ProviderInstall {
  const toolsDir = opts.toolsDir ?? join(ROOT, '.tools/terraform');
  const pluginCache = join(toolsDir, 'plugin-cache');
  mkdirSync(pluginCache, { recursive: true });
  const providersDir = opts.providersDir === undefined ? defaultProvidersDir() : opts.providersDir ?? undefined;

  if (!providersDir) {
    // Registry mode: only a plugin cache so the stacks share one download per provider.
    const cliConfig = join(toolsDir, 'registry.tfrc');
    writeFileSync(cliConfig, `plugin_cache_dir = ${JSON.stringify(pluginCache)}\n`);
    return { mode: 'registry', env: { TF_CLI_CONFIG_FILE: cliConfig }, pins: opts.pins };
  }

  const sums = readSums(providersDir);
  const mirror = join(toolsDir, 'mirror');
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const problems: string[] = [];
  for (const pin of opts.pins) {
    const binary = `terraform-provider-${pin.type}_v${pin.version}`;
    const xz = join(providersDir, `${binary}.xz`);
    const want = sums.get(binary);
    if (!existsSync(xz)) {
      problems.push(`${pin.source} ${pin.version}: no ${binary}.xz in ${providersDir} (the stacks pin this version; add its binary or change the pin)`);
      continue;
    }
    if (!want) {
      problems.push(`${pin.source} ${pin.version}: ${binary} has no line in ${join(providersDir, 'SHA256SUMS')}`);
      continue;
    }
    const dir = join(mirror, pin.source, pin.version, platform);
    const target = join(dir, binary);
    if (existsSync(target) && sha256File(target) === want) continue;
    mkdirSync(dir, { recursive: true });
    // Unpacked outside the mirror, never inside a package directory: Terraform hashes every file of a
    // package's directory, so a partial file there (another test worker installing at the same
    // time) made init fail with "does not match any of the checksums recorded in the dependency
    // lock file". Per process, so two installs at once never write the same file; the rename into
    // place is atomic (same filesystem).
    const staging = join(toolsDir, 'mirror-partial');
    mkdirSync(staging, { recursive: true });
    const partial = join(staging, `${binary}.${process.pid}`);
    execFileSync('sh', ['-c', 'xz -dc "$1" > "$2" && chmod 0755 "$2"', 'sh', xz, partial]);
    const got = sha256File(partial);
    if (got !== want) {
      rmSync(partial, { force: true });
      problems.push(`${xz}: unpacked sha256 ${got} does not match SHA256SUMS (${want})`);
      continue;
    }
    renameSync(partial, target);
  }
  if (problems.length > 0) {
    throw new Error(`terraform providers: cannot install from the mirror\n  ${problems.join('\n  ')}`);
  }

  const cliConfig = join(toolsDir, 'mirror.tfrc');
  writeFileSync(
    cliConfig,
    [
      `plugin_cache_dir = ${JSON.stringify(pluginCache)}`,
      'provider_installation {',
      '  filesystem_mirror {',
      `    path = ${JSON.stringify(mirror)}`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return { mode: 'mirror', env: { TF_CLI_CONFIG_FILE: cliConfig }, pins: opts.pins, providersDir };
}
