/**
 * Starts a reproduced image (build.ts) the way a container runtime would: ENTRYPOINT + CMD in
 * WORKDIR, the image's ENV overlaid by the pod's env, as the image's USER (setpriv drops to that
 * uid/gid with no supplementary groups), with nothing of the host's environment. Before starting
 * it checks what would make the image fail or differ from the pod: the command's files, symlinks
 * that would dangle in the image, devDependencies in node_modules, a writable WORKDIR.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageBuildError, type Image } from './build';
import { asRoot } from './privileged';
import { watchProcess, type WatchedProcess } from '../../services/api/test/support/api-process';

/** A running image: its process, output and exit; `stop` sends SIGTERM as the kubelet does. */
export type RunningImage = WatchedProcess;

/** Checks the image tree before anything runs; every problem names the Dockerfile and the fix. */
export function inspectImage(image: Image, lockfile: Record<string, { dev?: boolean }> | undefined): void {
  const [executable, ...args] = image.command;
  if (executable === undefined) throw new ImageBuildError(`${image.dockerfile}: the image has no ENTRYPOINT or CMD`);
  if (!path.posix.isAbsolute(executable) || !fs.existsSync(image.hostPath(executable))) {
    throw new ImageBuildError(`${image.dockerfile}: the image's command starts with "${executable}", which is not a file in the image`);
  }
  // A node entrypoint: its first non-option argument is the script, resolved against WORKDIR.
  if (path.posix.basename(executable) === 'node') {
    const script = args.find((arg) => !arg.startsWith('-'));
    if (script === undefined) throw new ImageBuildError(`${image.dockerfile}: CMD names no script for ${executable} to run`);
    const target = path.posix.resolve(image.workdir, script);
    let imagePath = target;
    let runs = `"${script}" (${target} in WORKDIR ${image.workdir})`;
    let fix = 'Fix the CMD or the COPY that should bring it.';
    // A directory is a package: node runs its package.json "main", else its index.js.
    if (fs.statSync(image.hostPath(target), { throwIfNoEntry: false })?.isDirectory()) {
      const manifest = path.posix.join(target, 'package.json');
      const main = fs.existsSync(image.hostPath(manifest)) ? (JSON.parse(fs.readFileSync(image.hostPath(manifest), 'utf8')) as { main?: unknown }).main : undefined;
      imagePath = path.posix.resolve(target, typeof main === 'string' ? main : 'index.js');
      runs = `"${script}" (${target} in WORKDIR ${image.workdir}), whose ${typeof main === 'string' ? `${manifest} "main" is ${imagePath}` : `${manifest} names no "main", so ${imagePath}`}`;
      fix = 'Fix "main" in the workspace\'s package.json or the COPY that should bring it.';
    }
    if (!fs.statSync(image.hostPath(imagePath), { throwIfNoEntry: false })?.isFile()) {
      const dir = path.posix.dirname(imagePath);
      const present = fs.existsSync(image.hostPath(dir)) ? fs.readdirSync(image.hostPath(dir)).sort().join(', ') : `nothing: the image has no ${dir}`;
      throw new ImageBuildError(`${image.dockerfile}: CMD runs ${runs}, which the image does not contain; ${dir} holds ${present}. ${fix}`);
    }
  }
  for (const link of symlinks(image.root)) {
    const imagePath = `/${path.relative(image.root, link)}`;
    if (image.baseFiles.includes(imagePath)) continue;
    const target = fs.readlinkSync(link);
    const resolved = path.posix.resolve(path.posix.dirname(imagePath), target);
    if (path.isAbsolute(target) || !fs.existsSync(image.hostPath(resolved))) {
      throw new ImageBuildError(`${image.dockerfile}: ${imagePath} is a symbolic link to ${target}, which does not exist in the image (a workspace link copied from the build stage?); remove it in the build stage`);
    }
  }
  if (lockfile) {
    for (const pkg of packagesIn(path.join(image.root, image.workdir), path.join(image.root, image.workdir))) {
      const entry = lockfile[pkg];
      if (entry === undefined) throw new ImageBuildError(`${image.dockerfile}: ${path.posix.join(image.workdir, pkg)} is not in package-lock.json; the image must hold exactly the locked runtime dependencies`);
      if (entry.dev) throw new ImageBuildError(`${image.dockerfile}: ${path.posix.join(image.workdir, pkg)} is a devDependency; the final stage must copy the node_modules of \`npm ci --omit=dev\``);
    }
  }
}

export interface RunOptions {
  /** The pod's env (Kubernetes overrides the image's ENV with it). */
  readonly env: Record<string, string>;
}

export function runImage(image: Image, options: RunOptions): RunningImage {
  const { uid, gid } = image.user;
  if (uid === 0) throw new ImageBuildError(`${image.dockerfile}: the image runs as root; set USER 65532:65532`);
  const cwd = image.hostPath(image.workdir);
  assertNotWritable(image, cwd);
  const [executable, ...args] = image.command;
  // Absolute paths in the command are image paths.
  const hostArgs = args.map((arg) => (path.posix.isAbsolute(arg) ? image.hostPath(arg) : arg));
  const launch = asRoot(['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', image.hostPath(executable), ...hostArgs], {
    ...image.env,
    HOME: image.hostPath('/home/nonroot'),
    ...options.env,
  });
  return watchProcess(spawn(launch.command, launch.args, { cwd, env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] }), 10_000);
}

/**
 * Explains a process that exited before it was ready: a module the image lacks gets its own
 * message (the usual cause: a runtime dependency listed under devDependencies).
 */
export function explainExit(image: Image, code: number | string, output: string): string {
  const missing = /Cannot find module '([^']+)'/.exec(output)?.[1];
  const head = `${image.dockerfile}: the image's command (${image.command.join(' ')}, WORKDIR ${image.workdir}, uid ${image.user.uid}) exited with ${code} before it was ready`;
  if (missing !== undefined && !missing.startsWith('/') && !missing.startsWith('.')) {
    return `${head}: module "${missing}" is not in the image. A runtime dependency must be in the workspace's "dependencies" (not devDependencies), so that \`npm ci --omit=dev\` installs it.\n${output}`;
  }
  return `${head}:\n${output}`;
}

/** The pod mounts the root filesystem read-only; here the image's user must at least not own it. */
function assertNotWritable(image: Image, dir: string): void {
  const launch = asRoot(['setpriv', `--reuid=${image.user.uid}`, `--regid=${image.user.gid}`, '--clear-groups', '--', 'test', '-w', dir], { PATH: '/usr/bin:/bin' });
  const probe = spawnSync(launch.command, launch.args, { env: launch.env, encoding: 'utf8' });
  if (probe.error || (probe.status !== 0 && probe.status !== 1)) {
    throw new ImageBuildError(`cannot run setpriv (util-linux) as root or through passwordless sudo: ${probe.error?.message ?? probe.stderr}`);
  }
  if (probe.status === 0) throw new ImageBuildError(`${image.dockerfile}: uid ${image.user.uid} can write WORKDIR ${image.workdir}; the image's files must belong to root (no COPY --chown)`);
}

function symlinks(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) found.push(full);
    else if (entry.isDirectory()) found.push(...symlinks(full));
  }
  return found;
}

/** package-lock.json keys (`node_modules/a`, `node_modules/a/node_modules/@s/b`) of the packages under `dir`. */
function packagesIn(dir: string, lockRoot: string): string[] {
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // .bin, .package-lock.json
    const names = entry.name.startsWith('@') ? fs.readdirSync(path.join(modules, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
    for (const name of names) {
      const pkgDir = path.join(modules, name);
      found.push(path.relative(lockRoot, pkgDir).split(path.sep).join('/'), ...packagesIn(pkgDir, lockRoot));
    }
  }
  return found;
}
