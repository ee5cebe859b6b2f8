// The image check's own rules, each shown failing on a small Dockerfile built from a scratch
// context (no npm install, so these run in well under a second each), and its Dockerfile and
// ignore-file reading.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageBuilder } from './build';
import { envOf, expandStage, parseDockerfile } from './dockerfile';
import { BuildContext } from './dockerignore';
import { imageNodeBinDir } from './pods';
import { chown } from './privileged';
import { explainExit, inspectImage, runImage } from './run';
import { repoRoot } from '../../__tests__/images/support/variant';

const version = fs.readFileSync(path.join(repoRoot, '.node-version'), 'utf8').trim();
const major = version.split('.')[0];
// A well-formed digest for the fixtures (no registry here, so none is a real one).
const PIN = `@sha256:${'ab'.repeat(32)}`;
const RUNTIME = `FROM gcr.io/distroless/nodejs${major}-debian12:nonroot${PIN}`;
const builder = new ImageBuilder();
let context: string;

beforeEach(() => {
  context = fs.mkdtempSync(path.join(os.tmpdir(), 'image-context-'));
  fs.mkdirSync(path.join(context, 'dist'));
  fs.writeFileSync(path.join(context, 'dist/main.js'), "require('left-pad'); console.log('up');\n");
  fs.mkdirSync(path.join(context, 'node_modules/left-pad'), { recursive: true });
  fs.writeFileSync(path.join(context, 'node_modules/left-pad/package.json'), '{"name":"left-pad","version":"1.3.0"}');
  fs.writeFileSync(path.join(context, 'node_modules/left-pad/index.js'), 'module.exports = () => {};\n');
});
afterEach(() => fs.rmSync(context, { recursive: true, force: true }));
afterAll(() => builder.cleanup());

function build(dockerfile: string, ignore?: string, buildArgs?: Record<string, string>) {
  fs.writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
  if (ignore !== undefined) fs.writeFileSync(path.join(context, 'Dockerfile.dockerignore'), ignore);
  return builder.build({ contextDir: context, dockerfile: 'Dockerfile', nodeBinDir: imageNodeBinDir(repoRoot), buildArgs });
}

const lock = (dev: boolean) => ({ '': {}, 'node_modules/left-pad': { version: '1.3.0', dev } });

describe('image check: the image tree', () => {
  const good = `${RUNTIME}\nWORKDIR /app\nCOPY node_modules ./node_modules\nCOPY dist ./dist\nUSER 65532:65532\nCMD ["dist/main.js"]\n`;

  it('accepts a runtime tree of locked production packages', () => {
    const image = build(good);
    expect(image.command).toEqual(['/nodejs/bin/node', 'dist/main.js']);
    expect(() => inspectImage(image, lock(false))).not.toThrow();
  });

  it('rejects a devDependency in node_modules', () => {
    expect(() => inspectImage(build(good), lock(true))).toThrow('Dockerfile: /app/node_modules/left-pad is a devDependency; the final stage must copy the node_modules of `npm ci --omit=dev`');
  });

  it('rejects a package the lockfile does not list', () => {
    expect(() => inspectImage(build(good), { '': {} })).toThrow('/app/node_modules/left-pad is not in package-lock.json');
  });

  it('rejects a symbolic link that dangles in the image (a workspace link copied from the build stage)', () => {
    fs.mkdirSync(path.join(context, 'node_modules/@isoscribe'));
    fs.symlinkSync('../../services/api', path.join(context, 'node_modules/@isoscribe/api'));
    expect(() => inspectImage(build(good), undefined)).toThrow('Dockerfile: /app/node_modules/@isoscribe/api is a symbolic link to ../../services/api, which does not exist in the image');
  });

  it('rejects an entrypoint script that is not in the image, listing what is there', () => {
    expect(() => inspectImage(build(good.replace('dist/main.js', 'dist/index.js')), undefined)).toThrow(
      'Dockerfile: CMD runs "dist/index.js" (/app/dist/index.js in WORKDIR /app), which the image does not contain; /app/dist holds main.js.',
    );
  });

  it('runs a package directory\'s package.json "main" (CMD ["."]), and names a "main" the image lacks', () => {
    fs.writeFileSync(path.join(context, 'package.json'), '{"main":"dist/main.js"}');
    const runsMain = `${RUNTIME}\nWORKDIR /app\nCOPY node_modules ./node_modules\nCOPY package.json ./\nCOPY dist ./dist\nUSER 65532:65532\nCMD ["."]\n`;
    expect(() => inspectImage(build(runsMain), lock(false))).not.toThrow();
    fs.writeFileSync(path.join(context, 'package.json'), '{"main":"dist/server.js"}');
    expect(() => inspectImage(build(runsMain), undefined)).toThrow(
      'Dockerfile: CMD runs "." (/app in WORKDIR /app), whose /app/package.json "main" is /app/dist/server.js, which the image does not contain; /app/dist holds main.js. Fix "main" in the workspace\'s package.json or the COPY that should bring it.',
    );
    // Without package.json, node falls back to index.js.
    expect(() => inspectImage(build(runsMain.replace('COPY package.json ./\n', '')), undefined)).toThrow(
      'Dockerfile: CMD runs "." (/app in WORKDIR /app), whose /app/package.json names no "main", so /app/index.js, which the image does not contain; /app holds dist, node_modules.',
    );
  });

  it('refuses to run an image whose user can write its WORKDIR', () => {
    // Its own Dockerfile: the builder caches stages by content, and this one gets altered.
    const image = build(good.replace('WORKDIR /app', 'LABEL case=writable\nWORKDIR /app'));
    chown(image.hostPath('/app'), 65532, 65532);
    expect(() => runImage(image, { env: {} })).toThrow('Dockerfile: uid 65532 can write WORKDIR /app; the image\'s files must belong to root (no COPY --chown)');
  });

  it('explains a module the image lacks as a dependency in the wrong list', async () => {
    fs.rmSync(path.join(context, 'node_modules'), { recursive: true });
    fs.mkdirSync(path.join(context, 'node_modules'));
    const image = build(good);
    const run = runImage(image, { env: {} });
    const code = await run.exited;
    expect(code).toBe(1);
    expect(explainExit(image, code, run.output())).toMatch(/^Dockerfile: the image's command \(\/nodejs\/bin\/node dist\/main\.js, WORKDIR \/app, uid 65532\) exited with 1 before it was ready: module "left-pad" is not in the image\./);
  });

  it('runs as the USER, in WORKDIR, with the image ENV overlaid by the pod env and nothing from the host', async () => {
    fs.writeFileSync(path.join(context, 'dist/main.js'), 'console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), cwd: process.cwd(), env: process.env }));\n');
    const image = build(good.replace('USER', 'ENV A=image B="two words"\nUSER'));
    const run = runImage(image, { env: { B: 'pod' } });
    expect(await run.exited).toBe(0);
    const seen = JSON.parse(run.output());
    expect(seen).toMatchObject({ uid: 65532, gid: 65532, groups: [65532], cwd: image.hostPath('/app') });
    expect(seen.env).toMatchObject({ A: 'image', B: 'pod' });
    expect(Object.keys(seen.env).sort()).toEqual(['A', 'B', 'HOME', 'PATH', 'SSL_CERT_FILE']);
  });
});

describe('image check: Dockerfile instructions', () => {
  it('names a COPY source the ignore file excludes, and the ignore file', () => {
    expect(() => build(`${RUNTIME}\nWORKDIR /app\nCOPY dist ./dist\n`, '*\n!node_modules/**\n')).toThrow('Dockerfile:3: COPY dist: not in the build context (excluded by Dockerfile.dockerignore; allow it there)');
  });

  it('names a COPY source that does not exist', () => {
    expect(() => build(`${RUNTIME}\nCOPY build ./build\n`)).toThrow('Dockerfile:2: COPY build: not in the build context (it does not exist)');
  });

  it('names a COPY --from stage that does not exist', () => {
    expect(() => build(`${RUNTIME}\nCOPY --from=bulid /repo/dist ./dist\n`)).toThrow('Dockerfile:2: COPY --from=bulid names no earlier stage (have: none)');
  });

  it('refuses a base image it does not know', () => {
    expect(() => build(`FROM node:latest${PIN}\n`)).toThrow(`Dockerfile:1: FROM node:latest${PIN} is not a base image the check knows`);
  });

  it('refuses a base image not pinned by digest, naming the line and the fix', () => {
    expect(() => build(`# base\n${RUNTIME.replace(PIN, '')}\n`)).toThrow(
      `Dockerfile:2: FROM gcr.io/distroless/nodejs${major}-debian12:nonroot is not pinned by digest; write FROM \${<NAME>_IMAGE}@\${<NAME>_DIGEST} with "ARG <NAME>_IMAGE=<repository>:<tag>" and "ARG <NAME>_DIGEST" before the first FROM (ci/build-images.sh passes the digest)`,
    );
    // The same through build args: an image ARG whose default is a bare tag, with no digest after it.
    expect(() => build(`ARG BASE=gcr.io/distroless/nodejs${major}-debian12:nonroot\nFROM \${BASE}\n`)).toThrow('Dockerfile:2: FROM gcr.io/distroless/nodejs');
  });

  it('accepts a base image whose digest the build is given as a build arg', () => {
    const image = build(`ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs${major}-debian12:nonroot\nARG RUNTIME_DIGEST\nFROM \${RUNTIME_IMAGE}@\${RUNTIME_DIGEST}\nCMD ["dist/main.js"]\n`);
    expect(image.command).toEqual(['/nodejs/bin/node', 'dist/main.js']);
  });

  it('refuses a base image on another Node.js release than .node-version', () => {
    expect(() => build(`FROM gcr.io/distroless/nodejs20-debian12:nonroot${PIN}\n`)).toThrow(`FROM gcr.io/distroless/nodejs20-debian12:nonroot${PIN} carries Node.js 20.x, but the check's node`);
  });

  it('refuses a named USER, a shell-form CMD, an absolute path in RUN and flags it cannot reproduce', () => {
    expect(() => build(`${RUNTIME}\nUSER nonroot\n`)).toThrow('Dockerfile:2: USER must be numeric uid[:gid] (got "nonroot")');
    expect(() => build(`${RUNTIME}\nCMD node dist/main.js\n`)).toThrow('Dockerfile:2: CMD must use the exec form');
    expect(() => build(`FROM node:${version}-bookworm-slim${PIN}\nRUN rm -rf /usr/local/lib\n`)).toThrow('Dockerfile:2: RUN uses the absolute path "/usr/local/lib"');
    expect(() => build(`${RUNTIME}\nCOPY --chown=65532 dist ./dist\n`)).toThrow('Dockerfile:2: COPY --chown is not reproduced by the image check');
    expect(() => build(`${RUNTIME}\nHEALTHCHECK NONE\n`)).toThrow('Dockerfile:2: HEALTHCHECK is not reproduced by the image check');
  });

  it('reports a failing RUN with its line, command and output', () => {
    expect(() => build(`FROM node:${version}-bookworm-slim${PIN}\nWORKDIR /repo\nRUN node -e "process.exit(3)"\n`)).toThrow('Dockerfile:3: RUN failed (exit 3): node -e "process.exit(3)"');
  });
});

describe('Dockerfile reader', () => {
  it('joins continuations (skipping comment lines inside them), reads exec and shell forms and stage names', () => {
    const file = parseDockerfile(
      ['# syntax=docker/dockerfile:1.7', 'FROM node:1.2.3-slim AS build', 'RUN a \\', '# note', ' && b', 'FROM x', 'ENV K=v \\', '    L="x y"', 'CMD ["a.js", "--flag"]'].join('\n'),
      'Dockerfile',
    );
    expect(file.stages.map((s) => [s.name, s.base, s.line])).toEqual([
      ['build', 'node:1.2.3-slim', 2],
      ['1', 'x', 6],
    ]);
    expect(file.stages[0].instructions[0]).toMatchObject({ keyword: 'RUN', text: 'a   && b', line: 3 });
    expect(envOf(file.stages[1].instructions[0], 'Dockerfile')).toEqual({ K: 'v', L: 'x y' });
    expect(file.stages[1].instructions[1]).toMatchObject({ keyword: 'CMD', args: ['a.js', '--flag'], execForm: true });
  });

  it('substitutes the ARGs before the first FROM: defaults, overridden by build args; a digest without a value stays a build arg', () => {
    const text = ['ARG NODE_IMAGE=node:1.2.3-slim', 'ARG NODE_DIGEST', 'FROM ${NODE_IMAGE}@${NODE_DIGEST} AS build', 'FROM $NODE_IMAGE'].join('\n');
    expect(parseDockerfile(text, 'D').stages.map((s) => s.base)).toEqual(['node:1.2.3-slim@${NODE_DIGEST}', 'node:1.2.3-slim']);
    const given = { NODE_IMAGE: 'node:4.5.6-slim', NODE_DIGEST: `sha256:${'0'.repeat(64)}` };
    expect(parseDockerfile(text, 'D', given).stages.map((s) => s.base)).toEqual([`node:4.5.6-slim@sha256:${'0'.repeat(64)}`, 'node:4.5.6-slim']);
  });

  it('rejects ARGs it cannot substitute, naming the line and the fix', () => {
    expect(() => parseDockerfile('ARG D\nFROM ${IMAGE}@${D}\n', 'D')).toThrow('D:2: FROM ${IMAGE}@${D} uses IMAGE, which no ARG before the first FROM declares');
    expect(() => parseDockerfile('ARG IMAGE\nARG D\nFROM ${IMAGE}@${D}\n', 'D')).toThrow('D:3: FROM ${IMAGE}@${D}: IMAGE has no value; give the ARG a default or pass --build-arg IMAGE=...');
    expect(() => parseDockerfile('ARG X=a\nFROM ${X:?b}\n', 'D')).toThrow('D:2: FROM ${X:?b}: only ${NAME}, ${NAME:-word} and ${NAME:+word} are substituted by the image check');
    expect(() => parseDockerfile('ARG X=a b\nFROM x\n', 'D')).toThrow('D:1: ARG must be "ARG <NAME>[=<default>]" (got "ARG X=a b")');
  });

  it('reads a comment line ending in a backslash as a comment, not a continuation (BuildKit strips comments first)', () => {
    const file = parseDockerfile(['# docker build \\', 'ARG IMAGE=node:1.2.3-slim', 'FROM ${IMAGE}'].join('\n'), 'D');
    expect(file.stages.map((s) => s.base)).toEqual(['node:1.2.3-slim']);
  });

  it('rejects malformed input with the line', () => {
    expect(() => parseDockerfile('RUN x\n', 'D')).toThrow('D:1: RUN before the first FROM');
    expect(() => parseDockerfile('FROM a AS\n', 'D')).toThrow('D:1: FROM must be "FROM <image> [AS <name>]"');
    expect(() => parseDockerfile('FROM a\nCMD ["a", 1]\n', 'D')).toThrow("D:2: CMD's exec form must be a JSON array of strings");
  });
});

describe('ignore file', () => {
  it('follows Docker: last matching pattern wins, a pattern covers everything under a directory, ** spans directories', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerignore-'));
    try {
      fs.writeFileSync(path.join(dir, '.dockerignore'), '# allow-list\n*\n!package.json\n!services/api/src/**\nservices/api/src/**/*.test.ts\n');
      const ctx = BuildContext.forDockerfile(dir, path.join(dir, 'Dockerfile'));
      expect(['package.json', 'services/api/src/app.ts', 'services/api/src/deep/x.ts', 'services/api/src/deep/x.test.ts', 'services/api/Dockerfile', 'README.md'].filter((p) => ctx.includes(p))).toEqual([
        'package.json',
        'services/api/src/app.ts',
        'services/api/src/deep/x.ts',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('build args and variables, by Docker\'s rules', () => {
  /** The stage `n`'s instructions as BuildKit runs them. */
  const stage = (text: string, buildArgs: Record<string, string> = {}, n = 0, baseEnv: Record<string, string> = {}) => {
    const file = parseDockerfile(text, 'D', buildArgs);
    return expandStage(file, file.stages[n], baseEnv);
  };
  const copied = (text: string, buildArgs?: Record<string, string>, n?: number, baseEnv?: Record<string, string>) =>
    stage(text, buildArgs, n, baseEnv).filter((i) => i.keyword === 'COPY').map((i) => i.args);

  it('an ARG before the first FROM reaches only FROM lines: using it in a stage without redeclaring it is an error naming the fix', () => {
    expect(() => stage('ARG SERVICE=api\nFROM x\nCOPY services/${SERVICE}/src ./src\n')).toThrow(
      'D:3: COPY services/${SERVICE}/src ./src uses SERVICE, an ARG declared before the first FROM, which only FROM lines see; declare "ARG SERVICE" in this stage (without a value it takes the global one)',
    );
    // RUN's shell would see it unset: the same slip, the same message.
    expect(() => stage('ARG SERVICE=api\nFROM x\nRUN npm ci --workspace services/$SERVICE\n')).toThrow('D:3: RUN uses SERVICE, an ARG declared before the first FROM');
  });

  it('an ARG redeclared in a stage without a value takes the global one; a --build-arg overrides every default', () => {
    const text = 'ARG SERVICE=api\nFROM x\nARG SERVICE\nCOPY services/${SERVICE}/src ./src\n';
    expect(copied(text)).toEqual([['services/api/src', './src']]);
    expect(copied(text, { SERVICE: 'frontend-server' })).toEqual([['services/frontend-server/src', './src']]);
    // A stage's own default beats the global default, but not a --build-arg.
    expect(copied('ARG S=global\nFROM x\nARG S=stage\nCOPY $S ./\n')).toEqual([['stage', './']]);
    expect(copied('ARG S=global\nFROM x\nARG S=stage\nCOPY $S ./\n', { S: 'given' })).toEqual([['given', './']]);
  });

  it('an ARG is in scope from its line to the end of its stage only', () => {
    expect(() => stage('FROM x\nCOPY $S ./\nARG S=a\n')).toThrow('D:2: COPY $S ./ uses S, which no ARG or ENV of this stage declares before it (nor its base image)');
    const text = 'FROM x AS build\nARG S=a\nCOPY $S ./\nFROM y\nCOPY $S ./\n';
    expect(copied(text)).toEqual([['a', './']]);
    expect(() => stage(text, {}, 1)).toThrow('D:5: COPY $S ./ uses S, an ARG of an earlier stage, whose scope ended with it; declare "ARG S" in this stage too');
  });

  it('an ARG with no value is an error where it is substituted (Docker would put an empty string), naming the --build-arg', () => {
    expect(() => stage('FROM x\nARG SERVICE\nCOPY services/${SERVICE}/src ./src\n')).toThrow(
      'D:3: COPY services/${SERVICE}/src ./src: SERVICE has no value; give the ARG a default or pass --build-arg SERVICE=...',
    );
  });

  it('RUN gets the build args in scope in its environment, its text as written; the builder runs it so', () => {
    // O is global only, NONE has no value: neither is in RUN's environment.
    const [run] = stage('ARG G=global\nARG O=global-only\nFROM x\nARG S=stage\nARG G\nARG NONE\nRUN echo "$S $G"\n');
    expect(run).toMatchObject({ keyword: 'RUN', text: 'echo "$S $G"' });
    expect(run.buildArgs).toEqual({ S: 'stage', G: 'global' });
    const check = `ARG SERVICE\nFROM node:${version}-bookworm-slim${PIN}\nARG SERVICE\nWORKDIR /repo\nRUN test "$SERVICE" = api\n`;
    expect(() => build(check, undefined, { SERVICE: 'api' })).not.toThrow();
    expect(() => build(check, undefined, { SERVICE: 'web' })).toThrow('Dockerfile:5 (SERVICE=web): RUN failed (exit 1): test "$SERVICE" = api');
  });

  it('ENV wins over an ARG of the same name, sees the base image\'s environment, and one ENV\'s values see the variables as they were before it', () => {
    expect(copied('FROM x\nARG A=arg\nENV A=env\nCOPY $A ./\n')).toEqual([['env', './']]);
    expect(copied('FROM x\nCOPY node-$NODE_VERSION ./\n', {}, 0, { NODE_VERSION: '24.21.0' })).toEqual([['node-24.21.0', './']]);
    const [, env] = stage('FROM x\nENV A=1\nENV A=2 B=$A C="${A} x" D=\'$A\'\n');
    expect(env.env).toEqual({ A: '2', B: '1', C: '1 x', D: '$A' });
  });

  it('substitutes ${NAME:-word} and ${NAME:+word}, and \\$ is a literal dollar', () => {
    expect(copied('FROM x\nARG E=\nARG S=s\nCOPY ${E:-dflt} ${S:-no} ${S:+yes} x${E:+no} \\$S ./\n')).toEqual([['dflt', 's', 'yes', 'x', '$S', './']]);
  });

  it('an exec-form CMD substitutes nothing, so a variable in it is an error', () => {
    expect(() => stage('FROM x\nARG ENTRY=main\nCMD ["dist/${ENTRY}.js"]\n')).toThrow(
      'D:3: CMD ["dist/${ENTRY}.js"]: the exec form substitutes no variables, so the process would get "$ENTRY" as written; name the file (or take it from package.json "main" with ".")',
    );
  });

  it('names the build args in every message of a build given them', () => {
    expect(() => build(`${RUNTIME}\nARG SERVICE\nCOPY services/\${SERVICE}/dist ./dist\n`, undefined, { SERVICE: 'api' })).toThrow(
      'Dockerfile:3 (SERVICE=api): COPY services/api/dist: not in the build context (it does not exist)',
    );
  });
});
