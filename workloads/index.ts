import { ConfigError, type EnvironmentConfig } from '../config';
import { SEARCH_ENGINE_ACCOUNT_SUFFIX } from '../config/service-accounts';
import { api } from './api';
import { frontend } from './frontend';
import type { WorkloadDefinition } from './workload';

export * from './workload';
export * from './routes';

/** Every workload the program deploys. Adding one: workloads/<name>.ts, a line here, `workloads.<name>` in config. */
export const WORKLOADS: readonly WorkloadDefinition[] = [api, frontend];

/**
 * Every workload definition has a `workloads.<name>` entry in every environment, and every entry a
 * definition, and no definition takes a name reserved for the environment's own accounts; throws
 * one ConfigError listing each problem with its fix.
 */
export function checkWorkloadsConfigured(envs: readonly EnvironmentConfig[], workloads: readonly WorkloadDefinition[] = WORKLOADS): void {
  const defined = workloads.map((w) => w.name);
  const problems = [
    ...defined.filter((name) => name === SEARCH_ENGINE_ACCOUNT_SUFFIX).map((name) =>
      `workloads/${name}.ts › name: "${name}" would give the workload the search engine's service account (isoscribe-<env>-${SEARCH_ENGINE_ACCOUNT_SUFFIX}); name it otherwise`),
    ...envs.flatMap((env) => [
      ...defined.filter((name) => !(name in env.workloads)).map((name) =>
        `config/${env.name}.ts › workloads.${name}: missing; workloads/${name}.ts defines it, so give it an image and sizing here`),
      ...Object.keys(env.workloads).filter((name) => !defined.includes(name)).map((name) =>
        `config/${env.name}.ts › workloads.${name}: no workload is defined by that name (defined: ${defined.join(', ')}); add workloads/${name}.ts to WORKLOADS in workloads/index.ts, or remove the entry`),
    ]),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
}
