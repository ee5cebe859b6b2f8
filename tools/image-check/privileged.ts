/**
 * Switching to the image's uid and handing pod volumes to it need root. CI here runs as root;
 * GitHub's runners run as a user with passwordless sudo, so there the same commands go through
 * `sudo -n` (env passed explicitly: sudo resets the environment).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const isRoot = () => process.getuid?.() === 0;

/** The command line that runs `argv` as root with exactly `env`. */
export function asRoot(argv: string[], env: Record<string, string>): { command: string; args: string[]; env: Record<string, string> } {
  if (isRoot()) return { command: argv[0], args: argv.slice(1), env };
  return { command: 'sudo', args: ['-n', 'env', '-i', ...Object.entries(env).map(([key, value]) => `${key}=${value}`), ...argv], env: { PATH: process.env.PATH ?? '' } };
}

export function runAsRoot(argv: string[]): void {
  const { command, args, env } = asRoot(argv, { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} failed${isRoot() ? '' : ' (the image check needs root or passwordless sudo)'}: ${result.error?.message ?? result.stderr}`);
  }
}

export function chown(file: string, uid: number, gid: number): void {
  if (isRoot()) fs.chownSync(file, uid, gid);
  else runAsRoot(['chown', `${uid}:${gid}`, file]);
}

/** Removes a tree that may hold files of other uids. */
export function removeTree(dir: string): void {
  if (isRoot()) fs.rmSync(dir, { recursive: true, force: true });
  else runAsRoot(['rm', '-rf', '--', dir]);
}
