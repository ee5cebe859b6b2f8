import { LOG_LEVELS, LogLevel } from './settings';

/** One JSON object per line on stdout, so the cluster's log agent can parse every field. */
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export function createLogger(minLevel: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line + '\n')): Logger {
  const min = LOG_LEVELS.indexOf(minLevel);
  return (level, event, fields = {}) => {
    if (LOG_LEVELS.indexOf(level) >= min) write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  };
}

/** An error's message plus its cause's (fetch hides ECONNREFUSED and friends in `cause`). */
export function reason(error: unknown): string {
  const message = (e: unknown): string => (e as Error | undefined)?.message ?? String(e);
  const cause = (error as Error | undefined)?.cause;
  return cause === undefined ? message(error) : `${message(error)}: ${message(cause)}`;
}
