import { formatPath } from './path';
import { environmentSchema, type EnvironmentConfig, type EnvironmentInput } from './schema';

/** Thrown when configuration is invalid; `problems` holds one line per problem, each with its fix. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Isoscribe configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Validates every given environment and returns them all, or throws one ConfigError listing every
 * problem of every environment. Nothing is synthesized from a configuration that failed here.
 */
export function loadEnvironments(inputs: readonly EnvironmentInput[]): EnvironmentConfig[] {
  const problems: string[] = [];
  const envs: EnvironmentConfig[] = [];
  const names = new Set<string>();
  for (const input of inputs) {
    const label = typeof input?.name === 'string' ? input.name : '(unnamed)';
    const result = environmentSchema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push(`config/${label}.ts › ${formatPath(issue.path)}: ${issue.message}`);
      }
      continue;
    }
    if (names.has(result.data.name)) {
      problems.push(`config/${label}.ts › name: environment "${label}" is defined twice; give each environment its own name`);
    }
    names.add(result.data.name);
    envs.push(result.data);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return envs;
}

/**
 * Narrows the environments to a comma-separated selection (the ISOSCRIBE_ENVS variable). An unknown
 * name is an error rather than silently synthesizing nothing.
 */
export function selectEnvironments(envs: EnvironmentConfig[], selection: string | undefined): EnvironmentConfig[] {
  if (selection === undefined || selection.trim() === '') return envs;
  const wanted = selection.split(',').map((s) => s.trim()).filter(Boolean);
  const known = envs.map((e) => e.name);
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length > 0) {
    throw new ConfigError([`ISOSCRIBE_ENVS: unknown environment ${unknown.map((u) => `"${u}"`).join(', ')}; choose from ${known.join(', ')}`]);
  }
  return envs.filter((e) => wanted.includes(e.name));
}
