import type { EnvironmentInput } from './schema';

/** Values every environment shares unless it says otherwise. */

/** The unprivileged NGINX build listens on 8080 and runs as uid 101: it fits `runAsNonRoot`. */
export const NGINX_IMAGE = { repository: 'nginxinc/nginx-unprivileged', tag: '1.28.0-alpine' } as const;

/** Artifact Registry path of one of our images (services/<service>), in the registry's region. */
export function appImageRepository(projectId: string, region: string, service: string): string {
  return `${region}-docker.pkg.dev/${projectId}/isoscribe/${service}`;
}

/** Every environment's weekly maintenance window: weekend nights, UTC. */
export const WEEKEND_NIGHTS = {
  startTime: '2026-01-03T02:00:00Z',
  endTime: '2026-01-03T08:00:00Z',
  recurrence: 'FREQ=WEEKLY;BYDAY=SA,SU',
} as const;

export const DEFAULT_RESOURCES: EnvironmentInput['workloads'][string]['resources'] = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { memory: '512Mi' },
};
