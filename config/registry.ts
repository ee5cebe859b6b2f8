/** Where every environment's images come from: Artifact Registry's repositories and locations. */

/** The Docker Hub remote repository of every project (bootstrap creates it next to `isoscribe`). */
export const DOCKER_HUB_REMOTE_REPOSITORY = 'docker-hub';

/**
 * A Docker Hub image pulled through the project's Artifact Registry remote repository: Docker Hub's
 * tags move and its anonymous pulls are rate-limited per (shared Cloud NAT) address.
 */
export function dockerHubImageRepository(projectId: string, location: string, dockerHubPath: string): string {
  return `${location}-docker.pkg.dev/${projectId}/${DOCKER_HUB_REMOTE_REPOSITORY}/${dockerHubPath}`;
}

/** The gcr.io remote repository of every project (bootstrap): the services' distroless base image comes through it. */
export const GCR_REMOTE_REPOSITORY = 'gcr-io';

/** `<location>-docker.pkg.dev/<project>/gcr-io`: gcr.io's `<path>` is pulled as `<this>/<path>`. */
export function gcrRemoteRepository(projectId: string, region: string): string {
  return `${registryLocation(region)}-docker.pkg.dev/${projectId}/${GCR_REMOTE_REPOSITORY}`;
}

/**
 * The unprivileged NGINX build listens on 8080 and runs as uid 101: it fits `runAsNonRoot`. The tag is
 * the reviewed version; CI resolves it to a digest at release (ISOSCRIBE_NGINX_IMAGE_DIGEST).
 */
export function nginxImage(projectId: string, region: string) {
  return { repository: dockerHubImageRepository(projectId, registryLocation(region), 'nginxinc/nginx-unprivileged'), tag: '1.28.0-alpine' };
}

/** Artifact Registry's multi-regions: each stores images redundantly across several regions of its continent. */
export const REGISTRY_MULTI_REGIONS = ['us', 'europe', 'asia'] as const;

/**
 * The registry location of an environment whose primary region is `region`: the multi-region of its
 * continent, so image pulls (scale-up, rollouts, node repair) survive the loss of one region's
 * registry, which a regional repository would not.
 */
export function registryLocation(region: string): (typeof REGISTRY_MULTI_REGIONS)[number] {
  if (/^(us|northamerica|southamerica)-/.test(region)) return 'us';
  if (/^(europe|me|africa)-/.test(region)) return 'europe';
  if (/^(asia|australia)-/.test(region)) return 'asia';
  throw new Error(`no Artifact Registry multi-region for region "${region}"; extend registryLocation (config/registry.ts)`);
}

/** Artifact Registry path of one of our images (services/<service>), in the multi-region of `region`'s continent. */
export function appImageRepository(projectId: string, region: string, service: string): string {
  return `${registryLocation(region)}-docker.pkg.dev/${projectId}/isoscribe/${service}`;
}

/** An Artifact Registry Docker path: `<location>-docker.pkg.dev/<project>/<repository>/<image>`. */
const ARTIFACT_REGISTRY_PATH = /^([a-z0-9-]+)-docker\.pkg\.dev\/([a-z0-9-]+)\/([a-z0-9-]+)\/[a-z0-9._/-]+$/;

/** An Artifact Registry repository, as bootstrap creates it. */
export interface RegistryRepository {
  readonly location: string;
  readonly project: string;
  readonly repositoryId: string;
}

/** The repository an image path is in, or undefined when the path is not an Artifact Registry one. */
export function registryRepositoryOf(imagePath: string): RegistryRepository | undefined {
  const m = ARTIFACT_REGISTRY_PATH.exec(imagePath);
  return m ? { location: m[1], project: m[2], repositoryId: m[3] } : undefined;
}

/** What registryProblems reads of an environment. */
interface RegistryFields {
  readonly project: { readonly id: string };
  readonly workloads: Readonly<Record<string, { readonly image: { readonly repository: string } }>>;
  readonly nginxImage: { readonly repository: string };
}

/**
 * Where images may come from, for bootstrap to create each repository once: every workload's image
 * in one Artifact Registry repository (CI pushes there), NGINX through the project's own Docker Hub
 * remote repository (never Docker Hub directly: mutable tags, anonymous rate limits on the NAT's
 * addresses; never our repository, whose tags are CI's), and each in a multi-region, since one
 * region's registry outage would stop every pull of every region.
 */
export function registryProblems(env: RegistryFields): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const multiRegion = (path: (string | number)[], location: string) => {
    if (!(REGISTRY_MULTI_REGIONS as readonly string[]).includes(location)) {
      problems.push({ path, message: `the registry location "${location}" is one region, and its outage stops every image pull; use a multi-region (${REGISTRY_MULTI_REGIONS.join(', ')}): registryLocation(region) in config/registry.ts` });
    }
  };
  const found = Object.entries(env.workloads).flatMap(([name, w]) => {
    const path = ['workloads', name, 'image', 'repository'];
    const repository = registryRepositoryOf(w.image.repository);
    if (!repository) {
      problems.push({ path, message: `"${w.image.repository}" is not an Artifact Registry path (<location>-docker.pkg.dev/<project>/<repository>/<image>); CI pushes images there, so use one: appImageRepository(project, region, service) in config/registry.ts` });
      return [];
    }
    return [{ name, path, ...repository }];
  });
  const [first] = found;
  if (first) {
    for (const other of found.filter((f) => f.location !== first.location || f.repositoryId !== first.repositoryId)) {
      problems.push({ path: other.path, message: `in ${other.location}/${other.repositoryId}, but workloads.${first.name} is in ${first.location}/${first.repositoryId}; bootstrap creates one repository, so put every workload's image in it` });
    }
    multiRegion(first.path, first.location);
  }
  const nginxPath = ['nginxImage', 'repository'];
  const nginx = registryRepositoryOf(env.nginxImage.repository);
  if (!nginx || nginx.project !== env.project.id) {
    problems.push({ path: nginxPath, message: `"${env.nginxImage.repository}" is not in this project's Artifact Registry; pull it through the Docker Hub remote repository: nginxImage(project, region) in config/registry.ts` });
  } else {
    if (first && nginx.repositoryId === first.repositoryId && nginx.location === first.location) {
      problems.push({ path: nginxPath, message: `"${env.nginxImage.repository}" is in the workloads' repository ${first.repositoryId}; Docker Hub images come through their own remote repository: nginxImage(project, region) in config/registry.ts` });
    }
    multiRegion(nginxPath, nginx.location);
  }
  return problems;
}

/** The one repository every workload's image is in (registryProblems holds it to that). */
export function workloadsRepository(env: RegistryFields): RegistryRepository {
  const [first] = Object.values(env.workloads);
  const repository = first && registryRepositoryOf(first.image.repository);
  if (!repository) throw new Error('workloadsRepository: the environment has no workload in Artifact Registry; load it with loadEnvironments, which checks that');
  return repository;
}

/** The Docker Hub remote repository NGINX is pulled through (registryProblems holds it to that). */
export function dockerHubRepository(env: RegistryFields): RegistryRepository {
  const repository = registryRepositoryOf(env.nginxImage.repository);
  if (!repository) throw new Error('dockerHubRepository: nginxImage is not in Artifact Registry; load the environment with loadEnvironments, which checks that');
  return repository;
}
