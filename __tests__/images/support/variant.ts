/**
 * Altered copies of the repository for the image check's failure tests: the files an image build
 * reads (root package files, every workspace's sources and Dockerfiles), changed by the test, with
 * the lockfile brought in line the way a developer's `npm install` would.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');
const NOT_SOURCES = new Set(['node_modules', 'dist', '.mongo-wire', 'test']);

export function workspaceVariant(change: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-variant-'));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
  fs.cpSync(path.join(repoRoot, 'services'), path.join(dir, 'services'), { recursive: true, filter: (source) => !NOT_SOURCES.has(path.basename(source)) });
  change(dir);
  const lock = spawnSync('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
  if (lock.status !== 0) throw new Error(`npm install --package-lock-only in ${dir} failed:\n${lock.stdout}${lock.stderr}`);
  return dir;
}

/** Moves `name` from dependencies to devDependencies in a workspace's package.json. */
export function moveToDevDependencies(packageJson: string, name: string): void {
  const pkg = JSON.parse(fs.readFileSync(packageJson, 'utf8'));
  if (pkg.dependencies?.[name] === undefined) throw new Error(`${packageJson} has no dependency ${name}`);
  pkg.devDependencies = { ...pkg.devDependencies, [name]: pkg.dependencies[name] };
  delete pkg.dependencies[name];
  fs.writeFileSync(packageJson, JSON.stringify(pkg));
}

/** A copy of a Dockerfile (with its ignore file beside it) in a temp directory, with `replace` applied; fails if it changes nothing. */
export function dockerfileVariant(dockerfile: string, from: string | RegExp, to: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-variant-'));
  const text = fs.readFileSync(path.join(repoRoot, dockerfile), 'utf8');
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${dockerfile} has no ${from}; update the test`);
  const copy = path.join(dir, 'Dockerfile');
  fs.writeFileSync(copy, changed);
  fs.copyFileSync(path.join(repoRoot, `${dockerfile}.dockerignore`), `${copy}.dockerignore`);
  return copy;
}
