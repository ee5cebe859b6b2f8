import { dev } from './dev';
import { production } from './production';
import { staging } from './staging';
import type { EnvironmentInput } from './schema';

export { ConfigError, loadEnvironments, selectEnvironments } from './load';
export type { EnvironmentConfig, EnvironmentInput, RegionConfig, WorkloadConfig, ImageConfig } from './schema';

/** Every environment, in deploy-promotion order. */
export const ENVIRONMENTS: readonly EnvironmentInput[] = [dev, staging, production];
