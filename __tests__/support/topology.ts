import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdktf';
import { ENVIRONMENTS, loadEnvironments, type EnvironmentConfig, type EnvironmentInput } from '../../config';
import type { Construct } from 'constructs';
import type { DeliveryConfig } from '../../config/delivery';
import { stackName } from '../../config/naming';
import { defineEnvironment } from '../../main';
import { BOOTSTRAP_LAYER, BootstrapStack } from '../../stacks/bootstrap-stack';
import { WORKLOADS, type WorkloadDefinition } from '../../workloads';

/** A synthesized stack, parsed: the Terraform JSON that `cdktf synth` writes to cdk.tf.json. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

export function environment(name: string, override?: (input: EnvironmentInput) => EnvironmentInput): EnvironmentConfig {
  const input = ENVIRONMENTS.find((e) => e.name === name);
  if (!input) throw new Error(`no environment ${name}`);
  const [env] = loadEnvironments([override ? override(structuredClone(input)) : input]);
  return env;
}

export interface StackManifest {
  stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }>;
}

export interface SynthesizedEnvironment {
  /** manifest.json of the synthesized app, narrowed to this environment's stacks. */
  manifest: StackManifest;
  /** cdk.tf.json of every stack of the environment (bootstrap excluded), parsed. */
  json: Record<string, TfJson>;
}

/**
 * The output of the real `cdktf synth` that the jest global setup ran once for the whole test run:
 * exactly what users deploy. Fails loudly when the suite runs without that setup.
 */
export function synthesized(): { dir: string; manifest: StackManifest; read(stack: string): TfJson } {
  const dir = process.env.ISOSCRIBE_SYNTH_DIR;
  if (!dir) throw new Error('ISOSCRIBE_SYNTH_DIR is not set: run the tests through jest (jest.iac.config.js globalSetup)');
  const manifest: StackManifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return { dir, manifest, read: (stack) => JSON.parse(readFileSync(join(dir, manifest.stacks[stack].synthesizedStackPath), 'utf8')) };
}

const cache = new Map<string, SynthesizedEnvironment>();
const committed = new Map(loadEnvironments(ENVIRONMENTS).map((e) => [e.name, JSON.stringify(e)]));

/**
 * One environment's synthesized stacks. A committed environment comes from the shared real-CLI synth;
 * a modified one (a test's override, or other workload definitions) is built and synthesized
 * in-process, as `cdktf synth` would.
 */
export function synthEnvironment(env: EnvironmentConfig, workloads: readonly WorkloadDefinition[] = WORKLOADS): SynthesizedEnvironment {
  const key = JSON.stringify(env) + workloads.map((w) => w.name).join();
  if (cache.has(key)) return cache.get(key)!;
  const result = committed.get(env.name) === JSON.stringify(env) && workloads === WORKLOADS ? fromSharedSynth(env.name) : synthInProcess(env, workloads);
  cache.set(key, result);
  return result;
}

function fromSharedSynth(envName: string): SynthesizedEnvironment {
  const out = synthesized();
  const names = Object.keys(out.manifest.stacks).filter((n) => n.startsWith(`isoscribe-${envName}-`) && !n.endsWith('-bootstrap'));
  return {
    manifest: { stacks: Object.fromEntries(names.map((n) => [n, out.manifest.stacks[n]])) },
    json: Object.fromEntries(names.map((n) => [n, out.read(n)])),
  };
}

function synthInProcess(env: EnvironmentConfig, workloads: readonly WorkloadDefinition[]): SynthesizedEnvironment {
  const app = Testing.app();
  defineEnvironment(app, env, workloads);
  app.synth();
  const manifest: StackManifest = JSON.parse(readFileSync(join(app.outdir, 'manifest.json'), 'utf8'));
  const json = Object.fromEntries(
    Object.entries(manifest.stacks).map(([name, entry]) => [name, JSON.parse(readFileSync(join(app.outdir, entry.synthesizedStackPath), 'utf8'))]),
  );
  rmSync(app.outdir, { recursive: true, force: true });
  return { manifest, json };
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

/** An environment's bootstrap stack, under the name main.ts gives it. */
export function bootstrapStack(scope: Construct, env: EnvironmentConfig, delivery: DeliveryConfig, workloads?: readonly WorkloadDefinition[]): BootstrapStack {
  return new BootstrapStack(scope, stackName(env, BOOTSTRAP_LAYER), { env, delivery, definitions: workloads });
}
