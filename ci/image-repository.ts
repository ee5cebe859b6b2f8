// npx tsx ci/image-repository.ts --env staging --workload api   → the workload's image repository
// npx tsx ci/image-repository.ts --list [--env staging]         → `<workload> <service> <tag variable> <digest variable> [<repository>]` per line
// npx tsx ci/image-repository.ts --third-party --env staging     → `<digest variable> <repository>:<tag>` per third-party image (NGINX, OpenSearch, its operator)
// npx tsx ci/image-repository.ts --docker-hub-remote --env staging → `<host>/<project>/<repository>`: the Docker Hub remote repository
// npx tsx ci/image-repository.ts --gcr-remote --env staging       → `<host>/<project>/gcr-io`: the gcr.io remote repository
// CI builds (services/node-service.Dockerfile, SERVICE=<service>) and pushes every workload of workloads/index.ts, exactly
// where the workloads stack will pull from (config/<env>.ts is the one source of that fact).
import { parseArgs } from 'node:util';
import { ENVIRONMENTS, loadEnvironments, selectEnvironments } from '../config';
import { gcrRemoteRepository } from '../config/registry';
import { imageOverrideVariables, NGINX_DIGEST_VARIABLE, SEARCH_ENGINE_DIGEST_VARIABLE, SEARCH_OPERATOR_DIGEST_VARIABLE } from '../config/overrides';
import { WORKLOADS } from '../workloads';

export function imageRepository(environment: string, workload: string): string {
  const names = WORKLOADS.map((w) => w.name);
  if (!names.includes(workload)) throw new Error(`--workload must be one of ${names.join(', ')} (got "${workload}")`);
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), environment);
  return env.workloads[workload].image.repository;
}

/**
 * Every workload, the service (services/<service>) its image is built from, and the variables that
 * pin its image at deploy time (config/overrides.ts); with an environment, where it is pushed.
 */
export function workloadImages(environment?: string): string {
  return WORKLOADS.map((w) => {
    const pin = imageOverrideVariables(w.name);
    const fields = [w.name, w.service, pin.tag, pin.digest];
    if (environment !== undefined) fields.push(imageRepository(environment, w.name));
    return `${fields.join(' ')}\n`;
  }).join('');
}

/**
 * The third-party images of an environment, by the reviewed tag in config, with the variable that
 * pins their digest: CI resolves each tag through our registry's remote repository at release.
 */
export function thirdPartyImages(environment: string): string {
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), environment);
  return [
    [NGINX_DIGEST_VARIABLE, env.nginxImage],
    [SEARCH_ENGINE_DIGEST_VARIABLE, env.search.engineImage],
    [SEARCH_OPERATOR_DIGEST_VARIABLE, env.search.operatorImage],
  ].map(([variable, image]) => `${variable} ${(image as { repository: string }).repository}:${(image as { tag: string }).tag}\n`).join('');
}

/**
 * The environment's Docker Hub remote repository (`<location>-docker.pkg.dev/<project>/<repository>`),
 * the one NGINX is pulled through (bootstrap creates it from `nginxImage.repository`): CI resolves
 * and pulls the Dockerfile's Docker Hub base image through it too (ci/build-images.sh).
 */
export function dockerHubRemote(environment: string): string {
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), environment);
  const m = /^([a-z0-9-]+-docker\.pkg\.dev\/[^/]+\/[^/]+)\/./.exec(env.nginxImage.repository);
  if (!m) throw new Error(`config/${environment}.ts › nginxImage.repository "${env.nginxImage.repository}" is not in a Docker Hub remote repository of Artifact Registry (config/registry.ts: dockerHubImageRepository)`);
  return m[1];
}

/** The environment's gcr.io remote repository (bootstrap), which the Dockerfile's gcr.io base image is pulled through in CI. */
export function gcrRemote(environment: string): string {
  const [env] = selectEnvironments(loadEnvironments(ENVIRONMENTS), environment);
  return gcrRemoteRepository(env.project.id, env.primaryRegion);
}

if (require.main === module) {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { env: { type: 'string' }, workload: { type: 'string' }, list: { type: 'boolean' }, 'third-party': { type: 'boolean' }, 'docker-hub-remote': { type: 'boolean' }, 'gcr-remote': { type: 'boolean' } },
    });
    if (values['gcr-remote']) {
      if (values.env === undefined) throw new Error('usage: image-repository.ts --gcr-remote --env <environment>');
      process.stdout.write(`${gcrRemote(values.env)}\n`);
    } else if (values['docker-hub-remote']) {
      if (values.env === undefined) throw new Error('usage: image-repository.ts --docker-hub-remote --env <environment>');
      process.stdout.write(`${dockerHubRemote(values.env)}\n`);
    } else if (values['third-party']) {
      if (values.env === undefined) throw new Error('usage: image-repository.ts --third-party --env <environment>');
      process.stdout.write(thirdPartyImages(values.env));
    } else if (values.list) {
      process.stdout.write(workloadImages(values.env));
    } else {
      if (values.env === undefined || values.workload === undefined) throw new Error('usage: image-repository.ts --env <environment> --workload <name> | --list');
      process.stdout.write(`${imageRepository(values.env, values.workload)}\n`);
    }
  } catch (error) {
    process.stderr.write(`image-repository: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
