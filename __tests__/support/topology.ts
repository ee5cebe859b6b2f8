import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { App, Testing, TerraformStack } from 'cdktf';
import { ENVIRONMENTS, loadEnvironments, type EnvironmentConfig, type EnvironmentInput } from '../../config';
import { defineEnvironment } from '../../main';

/** A synthesized stack, parsed: the Terraform JSON that `cdktf synth` writes to cdk.tf.json. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

export function environment(name: string, override?: (input: EnvironmentInput) => EnvironmentInput): EnvironmentConfig {
  const input = ENVIRONMENTS.find((e) => e.name === name);
  if (!input) throw new Error(`no environment ${name}`);
  const [env] = loadEnvironments([override ? override(structuredClone(input)) : input]);
  return env;
}

export interface SynthesizedEnvironment {
  app: App;
  /** manifest.json of the synthesized app: stacks and their dependencies. */
  manifest: { stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }> };
  stacks: Record<string, TerraformStack>;
  json: Record<string, TfJson>;
}

const cache = new Map<string, SynthesizedEnvironment>();

/** Builds one environment in a test app and synthesizes every stack (cached per environment name). */
export function synthEnvironment(env: EnvironmentConfig, options: { cache?: boolean } = {}): SynthesizedEnvironment {
  const useCache = options.cache ?? true;
  if (useCache && cache.has(env.name)) return cache.get(env.name)!;
  // A full app synth, as `cdktf synth` does it: only that resolves cross-stack references.
  const app = Testing.app();
  defineEnvironment(app, env);
  app.synth();
  const manifest = JSON.parse(readFileSync(join(app.outdir, 'manifest.json'), 'utf8'));
  const stacks: Record<string, TerraformStack> = {};
  const json: Record<string, TfJson> = {};
  for (const child of app.node.children) {
    if (child instanceof TerraformStack) stacks[child.node.id] = child;
  }
  for (const [name, entry] of Object.entries<{ synthesizedStackPath: string }>(manifest.stacks)) {
    json[name] = JSON.parse(readFileSync(join(app.outdir, entry.synthesizedStackPath), 'utf8'));
  }
  rmSync(app.outdir, { recursive: true, force: true });
  const result = { app, manifest, stacks, json };
  if (useCache) cache.set(env.name, result);
  return result;
}

/** Every resource of a type in a stack, as an array of its attribute objects (with `__id`). */
export function resources(stack: TfJson, type: string): TfJson[] {
  return Object.entries(stack.resource?.[type] ?? {}).map(([id, body]) => ({ __id: id, ...(body as TfJson) }));
}

export function dataSources(stack: TfJson, type: string): TfJson[] {
  return Object.entries(stack.data?.[type] ?? {}).map(([id, body]) => ({ __id: id, ...(body as TfJson) }));
}

/** The one resource of a type; fails when there is not exactly one. */
export function onlyResource(stack: TfJson, type: string): TfJson {
  const all = resources(stack, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}
