import { dev } from './dev';
import { production } from './production';
import { staging } from './staging';
import type { EnvironmentInput } from './schema';

export { ConfigError, loadEnvironments, selectEnvironments } from './load';
export { environmentPrefix } from './schema';
export type { EnvironmentConfig, EnvironmentInput, RegionConfig, WorkloadConfig, ImageConfig } from './schema';

/** Every environment, in deploy-promotion order. */
export const ENVIRONMENTS: readonly EnvironmentInput[] = [dev, staging, production];

/**
 * The environment local tools, tests and the image check render pods for when they name none: one of
 * the `disposable` tier, which synthesizes with no account, certificate or digest.
 */
export const LOCAL_ENVIRONMENT: EnvironmentInput = dev;
