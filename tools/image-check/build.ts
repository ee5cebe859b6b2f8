/**
 * Reproduces a Dockerfile's build without a container runtime: each stage gets a directory as its
 * root filesystem, COPY copies from the build context (through the ignore file) or from an earlier
 * stage, RUN runs the same shell command in the stage's WORKDIR with the Node.js release the base
 * image carries, ENV/USER/CMD/ENTRYPOINT are recorded. The last stage is the image: a root-owned
 * tree, its environment, user and command, ready for run.ts to start as that user.
 *
 * What a base image contributes is declared in BASE_IMAGES; an unknown base is an error.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandStage, parseDockerfile, type Dockerfile, type Instruction, type Stage } from './dockerfile';
import { BuildContext } from './dockerignore';
import { removeTree } from './privileged';

export class ImageBuildError extends Error {}

/** What a base image brings, for the parts the reproduction needs. */
interface BaseImage {
  /** Node.js the image carries: an exact version (`node:24.21.0-...`) or a major (`nodejs24`). */
  readonly node: { exact?: string; major: number };
  /** Whether RUN can work (a shell and npm exist). */
  readonly shell: boolean;
  readonly env: Record<string, string>;
  readonly entrypoint: string[];
  readonly cmd: string[];
  readonly user: { uid: number; gid: number };
  /** Files the base provides, created in the stage root: image path -> how. */
  readonly nodeBinary?: string;
}

const BASE_IMAGES: Array<{ pattern: RegExp; describe: (m: RegExpExecArray) => BaseImage }> = [
  {
    // Docker's official node image: node, npm and a shell on PATH; runs as root.
    pattern: /^node:((\d+)\.\d+\.\d+)-[\w.-]+$/,
    describe: (m) => ({ node: { exact: m[1], major: Number(m[2]) }, shell: true, env: { NODE_VERSION: m[1] }, entrypoint: ['docker-entrypoint.sh'], cmd: ['node'], user: { uid: 0, gid: 0 } }),
  },
  {
    // Distroless Node.js: /nodejs/bin/node as the entrypoint, no shell; the :nonroot tag runs as 65532.
    pattern: /^gcr\.io\/distroless\/nodejs(\d+)-debian\d+:(nonroot|latest)$/,
    describe: (m) => ({
      node: { major: Number(m[1]) },
      shell: false,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' },
      entrypoint: ['/nodejs/bin/node'],
      cmd: [],
      user: m[2] === 'nonroot' ? { uid: 65532, gid: 65532 } : { uid: 0, gid: 0 },
      nodeBinary: '/nodejs/bin/node',
    }),
  },
];

/** The base image's description; throws naming the Dockerfile line when the check does not know it. */
export function baseImage(reference: string, where: string): BaseImage {
  // Pinned by digest (the Dockerfile's own, or one the build is given as a build arg): a tag can move.
  const digest = /@(sha256:[0-9a-f]{64}|\$\{\w+\})$/.exec(reference);
  if (!digest) {
    throw new ImageBuildError(
      `${where}: FROM ${reference} is not pinned by digest; write FROM \${<NAME>_IMAGE}@\${<NAME>_DIGEST} with "ARG <NAME>_IMAGE=<repository>:<tag>" and "ARG <NAME>_DIGEST" before the first FROM (ci/build-images.sh passes the digest)`,
    );
  }
  // The digest does not change what the image provides; the tag says it.
  const tag = reference.slice(0, digest.index);
  for (const known of BASE_IMAGES) {
    const match = known.pattern.exec(tag);
    if (match) return known.describe(match);
  }
  throw new ImageBuildError(
    `${where}: FROM ${reference} is not a base image the check knows (node:<x.y.z>-<variant>, gcr.io/distroless/nodejs<major>-debian<n>:nonroot); describe it in BASE_IMAGES in tools/image-check/build.ts`,
  );
}

export interface StageState {
  readonly name: string;
  readonly base: BaseImage;
  /** Directory standing in for the stage's root filesystem. */
  readonly root: string;
  workdir: string;
  env: Record<string, string>;
  user: { uid: number; gid: number };
  entrypoint: string[];
  cmd: string[];
  /** Image paths the base provides (not copied by the Dockerfile). */
  readonly baseFiles: string[];
}

export interface Image {
  /** The Dockerfile, relative to the context, and its build args, for messages. */
  readonly dockerfile: string;
  readonly root: string;
  readonly workdir: string;
  readonly env: Record<string, string>;
  readonly user: { uid: number; gid: number };
  /** ENTRYPOINT + CMD, in image paths. */
  readonly command: string[];
  readonly nodeMajor: number;
  readonly baseFiles: string[];
  /** Maps an absolute image path to the reproduction's directory. */
  hostPath(imagePath: string): string;
}

export interface BuildOptions {
  /** The build context (the repository root for both services). */
  readonly contextDir: string;
  /** The Dockerfile, absolute or relative to the context. */
  readonly dockerfile: string;
  /** Directory whose `node` is the Node.js of the base images (checked against their tags). */
  readonly nodeBinDir: string;
  /** `--build-arg` values, e.g. `{ SERVICE: 'api' }`. @default {} */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * Builds Dockerfiles into a temporary directory. Stages with the same base, instructions and input
 * files are built once per builder (like BuildKit's cache), so variants of a Dockerfile that only
 * change the final stage cost little.
 */
export class ImageBuilder {
  readonly dir: string;
  private readonly stageCache = new Map<string, StageState>();
  /** Wall time of every RUN reproduced, for the CLI's report. */
  readonly runTimes: Array<{ where: string; ms: number }> = [];
  private count = 0;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-check-'));
    // The image's user must be able to reach its files, as in a real root filesystem.
    fs.chmodSync(this.dir, 0o755);
    const shadowing = ancestors(this.dir).find((dir) => fs.existsSync(path.join(dir, 'node_modules')));
    if (shadowing) {
      throw new ImageBuildError(`${shadowing}/node_modules exists above the image reproductions in ${this.dir}; Node would resolve modules from it that the image does not have. Set TMPDIR elsewhere.`);
    }
  }

  build(options: BuildOptions): Image {
    const dockerfilePath = path.resolve(options.contextDir, options.dockerfile);
    const buildArgs = options.buildArgs ?? {};
    const file = path.relative(options.contextDir, dockerfilePath);
    const dockerfile = parseDockerfile(fs.readFileSync(dockerfilePath, 'utf8'), file, buildArgs);
    // Messages name the build args too: one Dockerfile builds every service.
    const given = Object.entries(buildArgs).map(([name, value]) => `${name}=${value}`).join(' ');
    const at = (line: number) => `${file}:${line}${given === '' ? '' : ` (${given})`}`;
    const context = BuildContext.forDockerfile(options.contextDir, dockerfilePath);
    const nodeVersion = nodeVersionOf(options.nodeBinDir);
    const stages = new Map<string, StageState & { key: string }>();
    let last: (StageState & { key: string }) | undefined;
    for (const stage of dockerfile.stages) {
      last = this.buildStage(dockerfile, stage, at, context, stages, options.nodeBinDir, nodeVersion);
      stages.set(stage.name, last);
    }
    const final = last!;
    return {
      dockerfile: `${file}${given === '' ? '' : ` (${given})`}`,
      root: final.root,
      workdir: final.workdir,
      env: { ...final.env },
      user: final.user,
      command: [...final.entrypoint, ...final.cmd],
      nodeMajor: final.base.node.major,
      baseFiles: final.baseFiles,
      hostPath: (imagePath) => path.join(final.root, imagePath),
    };
  }

  cleanup(): void {
    removeTree(this.dir);
  }

  private buildStage(
    dockerfile: Dockerfile,
    stage: Stage,
    at: (line: number) => string,
    context: BuildContext,
    earlier: Map<string, StageState & { key: string }>,
    nodeBinDir: string,
    nodeVersion: string,
  ): StageState & { key: string } {
    const where = at(stage.line);
    const base = baseImage(stage.base, where);
    if (base.node.major !== Number(nodeVersion.split('.')[0]) || (base.node.exact !== undefined && base.node.exact !== nodeVersion)) {
      throw new ImageBuildError(
        `${where}: FROM ${stage.base} carries Node.js ${base.node.exact ?? `${base.node.major}.x`}, but the check's node (${nodeBinDir}/node) is v${nodeVersion}; keep .node-version and the Dockerfiles on one release and run ci/install/node.sh`,
      );
    }
    const instructions = expandStage(dockerfile, stage, base.env);
    const key = stageKey(stage, instructions, context, earlier);
    const cached = this.stageCache.get(key);
    if (cached) return { ...cached, key };

    const root = path.join(this.dir, `stage-${++this.count}-${stage.name.replace(/[^\w.-]/g, '_')}`);
    fs.mkdirSync(root, { mode: 0o755 });
    const state: StageState = { name: stage.name, base, root, workdir: '/', env: { ...base.env }, user: base.user, entrypoint: base.entrypoint, cmd: base.cmd, baseFiles: [] };
    if (base.nodeBinary) {
      fs.mkdirSync(path.join(root, path.dirname(base.nodeBinary)), { recursive: true, mode: 0o755 });
      fs.symlinkSync(fs.realpathSync(path.join(nodeBinDir, 'node')), path.join(root, base.nodeBinary));
      state.baseFiles.push(base.nodeBinary);
    }
    for (const instruction of instructions) {
      this.apply(instruction, state, at(instruction.line), context, earlier, nodeBinDir);
    }
    this.stageCache.set(key, state);
    return { ...state, key };
  }

  private apply(instruction: Instruction, state: StageState, where: string, context: BuildContext, earlier: Map<string, StageState>, nodeBinDir: string): void {
    const { keyword, args, flags } = instruction;
    const unknownFlags = Object.keys(flags).filter((flag) => !(keyword === 'COPY' && flag === 'from'));
    if (unknownFlags.length > 0) {
      throw new ImageBuildError(`${where}: ${keyword} --${unknownFlags[0]} is not reproduced by the image check; extend tools/image-check/build.ts or drop the flag`);
    }
    switch (keyword) {
      case 'WORKDIR': {
        state.workdir = path.posix.resolve(state.workdir, args.join(' '));
        fs.mkdirSync(path.join(state.root, state.workdir), { recursive: true, mode: 0o755 });
        return;
      }
      case 'ENV':
        Object.assign(state.env, instruction.env);
        return;
      case 'USER': {
        const match = /^(\d+)(?::(\d+))?$/.exec(args.join(''));
        if (!match) throw new ImageBuildError(`${where}: USER must be numeric uid[:gid] (got "${args.join(' ')}"), so Kubernetes can verify runAsNonRoot and the check can run as it`);
        state.user = { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
        return;
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        if (!instruction.execForm) {
          throw new ImageBuildError(`${where}: ${keyword} must use the exec form (["dist/main.js"]): the shell form needs a shell and keeps SIGTERM from the process`);
        }
        if (keyword === 'ENTRYPOINT') {
          state.entrypoint = args;
          state.cmd = [];
        } else state.cmd = args;
        return;
      }
      case 'COPY':
        return this.copy(instruction, state, where, context, earlier);
      case 'RUN':
        return this.run(instruction, state, where, nodeBinDir);
      default:
        return; // LABEL, EXPOSE: metadata only
    }
  }

  private copy(instruction: Instruction, state: StageState, where: string, context: BuildContext, earlier: Map<string, StageState>): void {
    if (instruction.execForm || instruction.args.length < 2) throw new ImageBuildError(`${where}: COPY needs "<src>... <dest>"`);
    const sources = instruction.args.slice(0, -1);
    const destArg = instruction.args.at(-1)!;
    const dest = path.posix.resolve(state.workdir, destArg);
    const intoDirectory = destArg.endsWith('/') || sources.length > 1 || fs.statSync(path.join(state.root, dest), { throwIfNoEntry: false })?.isDirectory() === true;
    for (const source of sources) {
      if (/[*?[]/.test(source)) throw new ImageBuildError(`${where}: COPY source "${source}" has a wildcard, which the image check does not reproduce; name the files`);
      const from = instruction.flags.from;
      if (from !== undefined) {
        const stage = earlier.get(from);
        if (!stage) throw new ImageBuildError(`${where}: COPY --from=${from} names no earlier stage (have: ${[...earlier.keys()].join(', ') || 'none'})`);
        const hostSource = path.join(stage.root, path.posix.resolve('/', source));
        const stat = fs.lstatSync(hostSource, { throwIfNoEntry: false });
        if (!stat) throw new ImageBuildError(`${where}: COPY --from=${from} ${source}: stage "${from}" has no ${path.posix.resolve('/', source)}`);
        const target = stat.isDirectory() ? dest : intoDirectory ? path.posix.join(dest, path.posix.basename(source)) : dest;
        copyTree(hostSource, path.join(state.root, target));
        continue;
      }
      const clean = path.posix.normalize(source).replace(/^\/+/, '');
      if (clean.startsWith('..')) throw new ImageBuildError(`${where}: COPY source "${source}" is outside the build context`);
      const files = context.files(clean === '' ? '.' : clean);
      if (!fs.existsSync(path.join(context.dir, clean))) throw new ImageBuildError(`${where}: COPY ${source}: not in the build context (it does not exist)`);
      if (files.length === 0 && !context.includes(clean)) {
        const ignoreFile = context.ignoreFile ? path.relative(context.dir, context.ignoreFile) : 'the ignore file';
        throw new ImageBuildError(`${where}: COPY ${source}: not in the build context (excluded by ${ignoreFile}; allow it there)`);
      }
      const isDirectory = fs.statSync(path.join(context.dir, clean)).isDirectory();
      if (isDirectory) fs.mkdirSync(path.join(state.root, dest), { recursive: true, mode: 0o755 });
      for (const file of files) {
        const target = isDirectory
          ? path.posix.join(dest, path.posix.relative(clean, file))
          : intoDirectory
            ? path.posix.join(dest, path.posix.basename(file))
            : dest;
        copyTree(path.join(context.dir, file), path.join(state.root, target));
      }
    }
  }

  private run(instruction: Instruction, state: StageState, where: string, nodeBinDir: string): void {
    if (!state.base.shell) throw new ImageBuildError(`${where}: RUN in a stage FROM ${state.name}'s base, which has no shell`);
    if (instruction.execForm) throw new ImageBuildError(`${where}: RUN's exec form is not reproduced; use the shell form`);
    // The stage root is a directory here, not /: an absolute path would reach the host instead.
    const absolute = instruction.args.find((word) => /^\/[^/]/.test(word) || /=\/[^/]/.test(word));
    if (absolute) throw new ImageBuildError(`${where}: RUN uses the absolute path "${absolute}", which the image check cannot map into the stage; use a path relative to WORKDIR`);
    const cwd = path.join(state.root, state.workdir);
    const started = Date.now();
    // Niced: in `npm test` the builds run beside timing-sensitive tests (e2e, shutdown), which come first.
    const result = spawnSync('nice', ['-n', '15', '/bin/sh', '-c', instruction.text], {
      cwd,
      env: {
        // Build args in scope reach RUN's environment, below the stage's ENV (ENV wins).
        ...instruction.buildArgs,
        ...state.env,
        PATH: `${nodeBinDir}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? os.homedir(),
        // Same commands as the Dockerfile; packages come from npm's cache that setup filled.
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    this.runTimes.push({ where, ms: Date.now() - started });
    if (result.status !== 0) {
      const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
      throw new ImageBuildError(`${where}: RUN failed (exit ${result.status ?? result.signal}): ${instruction.text}\n${output}`);
    }
  }
}

/**
 * Every context file a build of `dockerfile` (relative to the context) with `buildArgs` copies:
 * what its ignore file must let through, and all it needs to let through.
 */
export function contextFilesCopied(context: BuildContext, dockerfile: string, buildArgs: Record<string, string>): string[] {
  const file = parseDockerfile(fs.readFileSync(path.resolve(context.dir, dockerfile), 'utf8'), dockerfile, buildArgs);
  const copied = new Set<string>();
  for (const stage of file.stages) {
    for (const instruction of expandStage(file, stage, baseImage(stage.base, `${dockerfile}:${stage.line}`).env)) {
      if (instruction.keyword !== 'COPY' || instruction.flags.from !== undefined) continue;
      for (const source of instruction.args.slice(0, -1)) for (const found of context.files(contextPath(source))) copied.add(found);
    }
  }
  return [...copied].sort();
}

/** A COPY source as a context-relative path. */
function contextPath(source: string): string {
  return path.posix.normalize(source).replace(/^\/+/, '') || '.';
}

/** Copies a file, symlink or directory tree; symlinks stay symlinks (COPY does not follow them). */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  // cpSync cannot copy a lone dangling symlink; inside a tree it copies them verbatim.
  if (fs.lstatSync(from).isSymbolicLink()) {
    fs.rmSync(to, { force: true });
    fs.symlinkSync(fs.readlinkSync(from), to);
  } else fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, force: true });
}

/**
 * A stage's cache key: base, instructions (substituted), the build args RUN sees, the context files
 * it copies, and the stages it copies from.
 */
function stageKey(stage: Stage, instructions: Instruction[], context: BuildContext, earlier: Map<string, { key: string }>): string {
  const hash = createHash('sha256').update(stage.base);
  for (const instruction of instructions) {
    hash.update(`\0${instruction.keyword} ${JSON.stringify(instruction.flags)} ${instruction.text} ${JSON.stringify(instruction.buildArgs ?? {})}`);
    if (instruction.keyword !== 'COPY') continue;
    if (instruction.flags.from !== undefined) {
      hash.update(earlier.get(instruction.flags.from)?.key ?? '');
      continue;
    }
    for (const source of instruction.args.slice(0, -1)) {
      for (const file of context.files(contextPath(source))) {
        hash.update(`\0${file}\0`);
        const absolute = path.join(context.dir, file);
        hash.update(fs.lstatSync(absolute).isSymbolicLink() ? fs.readlinkSync(absolute) : fs.readFileSync(absolute));
      }
    }
  }
  return hash.digest('hex');
}

function nodeVersionOf(nodeBinDir: string): string {
  const node = path.join(nodeBinDir, 'node');
  const result = spawnSync(node, ['-v'], { encoding: 'utf8' });
  if (result.status !== 0) throw new ImageBuildError(`cannot run ${node}: ${result.error?.message ?? result.stderr}; run ci/install/node.sh`);
  return result.stdout.trim().replace(/^v/, '');
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d)) return out;
  }
}
