import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { qualifySource } from './providers';
import type { StackJson } from './types';

export const REMOTE_STATE_PREFIX = 'cross-stack-reference-input-';

// Stacks, manifest, provider sets

export function readManifest(synthDir: string): Record<string, { dependencies?: string[] }> {
  const file = join(synthDir, 'manifest.json');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npm run synth\` first`);
  return JSON.parse(readFileSync(file, 'utf8')).stacks;
}

export function readStackJson(synthDir: string, stack: string): StackJson {
  return JSON.parse(readFileSync(join(synthDir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}

/** The requested stacks plus every stack whose state they read, in manifest order. */
export function selectStacks(manifest: Record<string, unknown>, synthDir: string, wanted?: readonly string[]): string[] {
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

export function upstreamStackOf(stack: string, remoteStateName: string): string {
  if (!remoteStateName.startsWith(REMOTE_STATE_PREFIX)) {
    throw new Error(
      `${stack}: data.terraform_remote_state.${remoteStateName} is not a cdktf cross-stack reference ` +
        `(${REMOTE_STATE_PREFIX}<stack>); the verifier cannot tell which stack's plan feeds it`,
    );
  }
  return remoteStateName.slice(REMOTE_STATE_PREFIX.length);
}

export function providerSetKey(json: StackJson): string {
  return Object.entries(json.terraform?.required_providers ?? {})
    .map(([name, req]) => `${qualifySource(req.source ?? name).split('/').slice(1).join('/')}@${req.version}`)
    .sort()
    .join(' ');
}
