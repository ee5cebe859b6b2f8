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
