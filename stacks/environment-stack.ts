import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { GcsBackend, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';

/** Labels on every labelable resource of an environment. */
export function environmentLabels(env: EnvironmentConfig): Record<string, string> {
  // Underscore, not hyphen: cdktf snake-cases map keys in provider blocks (default_labels).
  return { ...env.labels, app: 'isoscribe', environment: env.name, managed_by: 'cdktf' };
}

/**
 * The environment's Google provider in `stack`: its project, `region` as the default location (the
 * primary region unless the stack is regional), and its labels on every labelable resource.
 */
export function googleProvider(stack: Construct, env: EnvironmentConfig, region: string = env.primaryRegion): GoogleProvider {
  return new GoogleProvider(stack, 'google', { project: env.project.id, region, defaultLabels: environmentLabels(env) });
}

/** Every stack of an environment is built from it, beside what it composes. */
export interface EnvironmentStackProps {
  readonly env: EnvironmentConfig;
}

/**
 * A stack of one environment. It names itself and picks the state backend: dev keeps local state
 * beside the project (outside cdktf.out, which synth rewrites); every other environment keeps it in
 * the environment's GCS bucket under one prefix per stack.
 */
export abstract class EnvironmentStack extends TerraformStack {
  readonly env: EnvironmentConfig;
  readonly stackName: string;
  /** Policy scope (policy/rule.ts StackPolicyScope): a release of a shared or production environment pins every image by digest. */
  readonly imageDigestsRequired: boolean;
  /** Policy scope: the environment is of the `disposable` tier. */
  readonly disposable: boolean;

  /** `id` is the stack's name too: `stackName(env, layer, region)`, which tools and other stacks rely on. */
  protected constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    const name = id;
    this.env = env;
    this.stackName = name;
    this.disposable = env.tier === 'disposable';
    this.imageDigestsRequired = env.release && !this.disposable;
    if (env.backend.type === 'gcs') {
      new GcsBackend(this, { bucket: env.backend.bucket, prefix: `stacks/${name}` });
    } else {
      // Terraform runs in cdktf.out/stacks/<name>; this path lands in <project>/.terraform-state/.
      new LocalBackend(this, { path: `../../../.terraform-state/${name}.tfstate` });
    }
  }
}
