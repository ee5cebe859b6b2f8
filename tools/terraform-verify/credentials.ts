import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { StackJson } from './types';
/**
 * A refusing stand-in, in `dir`, for every credential plugin the stack's kubernetes providers run
 * (`exec.command`), recording each run; `dir` goes first on the plan's PATH.
 */
export function refuseCredentialPlugins(json: StackJson, dir: string): { dir: string; ran(): string[] } {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'runs.log');
  for (const command of (json.provider?.kubernetes ?? []).flatMap((p) => (p.exec ?? []).map((e) => e.command))) {
    if (typeof command !== 'string' || !/^[\w.-]+$/.test(command)) continue; // a path or a reference is not looked up on PATH
    const file = join(dir, command);
    writeFileSync(file, `#!/bin/sh\necho '${command}' >> '${log}'\necho 'verify:terraform: ${command} refused: an offline plan must not need a cluster token' >&2\nexit 1\n`);
    chmodSync(file, 0o755);
  }
  return { dir, ran: () => (existsSync(log) ? [...new Set(readFileSync(log, 'utf8').trim().split('\n'))] : []) };
}
