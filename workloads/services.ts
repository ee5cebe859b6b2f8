/**
 * The services/<dir> each workload's image is built from, by workload name. The definitions read it
 * (`service`), and so does config's default image repository (config/defaults.ts), which may not import
 * the definitions themselves: they build constructs, and config stays below them.
 */
export const WORKLOAD_SERVICES = { api: 'api', frontend: 'frontend-server' } as const;
