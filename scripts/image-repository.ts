// npx tsx scripts/image-repository.ts --env staging --workload api
// Prints the configured image repository of a workload in an environment, so CI pushes exactly
// where the workloads stack will pull from (config/<env>.ts is the one source of that fact).
import { parseArgs } from 'node:util';
import { ENVIRONMENTS, loadEnvironments, selectEnvironments } from '../config';

const WORKLOADS = ['api', 'frontend'] as const;

export function imageRepository(environment: string, workload: string): string {
  if (!(WORKLOADS as readonly string[]).includes(workload)) {
    throw new Error(`--workload must be one of ${WORKLOADS.join(', ')} (got "${workload}")`);
  }
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), environment);
  return env.workloads[workload as (typeof WORKLOADS)[number]].image.repository;
}

if (require.main === module) {
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { env: { type: 'string' }, workload: { type: 'string' } } });
    if (values.env === undefined || values.workload === undefined) throw new Error('usage: image-repository.ts --env <environment> --workload api|frontend');
    process.stdout.write(`${imageRepository(values.env, values.workload)}\n`);
  } catch (error) {
    process.stderr.write(`image-repository: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
