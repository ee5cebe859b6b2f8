import * as fs from 'node:fs';
import * as path from 'node:path';

/** One stack's Terraform JSON (`cdk.tf.json`): top-level keys resource, data, output, provider, terraform, ... */
export type TerraformJson = Record<string, unknown>;

/** A cdktf synth output directory (`cdktf.out`), loaded. */
export interface SynthOutput {
  /** The directory it was read from. */
  readonly dir: string;
  /** Stack name (the manifest's key) to that stack's Terraform JSON. */
  readonly stacks: Readonly<Record<string, TerraformJson>>;
}

/** A failure the user can fix (missing directory, malformed file); the CLI prints its message and exits 1. */
export class SynthDiffError extends Error {
  override name = 'SynthDiffError';
}

function readJsonObject(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SynthDiffError(`${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SynthDiffError(`${file}: the ${what} is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SynthDiffError(`${file}: the ${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a cdktf synth output: `manifest.json` names each stack and its `synthesizedStackPath`
 * (relative to `dir`), which is read as Terraform JSON.
 */
export function loadSynthOutput(dir: string): SynthOutput {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new SynthDiffError(`${dir}: directory not found (expected a cdktf synth output such as cdktf.out; run \`npm run synth\` first)`);
  }
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new SynthDiffError(`${manifestFile}: not found; ${dir} is not a cdktf synth output (it has no manifest.json)`);
  }
  const manifest = readJsonObject(manifestFile, 'cdktf manifest');
  const entries = manifest.stacks;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new SynthDiffError(`${manifestFile}: field "stacks" must be an object of stack name to stack entry`);
  }
  const stacks: Record<string, TerraformJson> = {};
  for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
    const stackPath = (entry as { synthesizedStackPath?: unknown } | null)?.synthesizedStackPath;
    if (typeof stackPath !== 'string' || stackPath === '') {
      throw new SynthDiffError(`${manifestFile}: field "stacks.${name}.synthesizedStackPath" must be a path such as "stacks/${name}/cdk.tf.json"`);
    }
    stacks[name] = readJsonObject(path.resolve(dir, stackPath), `Terraform JSON of stack "${name}"`);
  }
  return { dir, stacks };
}
