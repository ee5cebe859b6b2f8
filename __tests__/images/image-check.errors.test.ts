// The image check's own rules, each shown failing on a small Dockerfile built from a scratch
// context (no npm install, so these run in well under a second each), and its Dockerfile and
// ignore-file reading.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageBuilder } from '../../scripts/images/build';
import { parseDockerfile, envOf } from '../../scripts/images/dockerfile';
import { BuildContext } from '../../scripts/images/dockerignore';
import { imageNodeBinDir } from '../../scripts/images/pods';
import { chown } from '../../scripts/images/privileged';
import { explainExit, inspectImage, runImage } from '../../scripts/images/run';
import { repoRoot } from './support/variant';

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

function build(dockerfile: string, ignore?: string) {
  fs.writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
  if (ignore !== undefined) fs.writeFileSync(path.join(context, 'Dockerfile.dockerignore'), ignore);
  return builder.build({ contextDir: context, dockerfile: 'Dockerfile', nodeBinDir: imageNodeBinDir(repoRoot) });
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
      `Dockerfile:2: FROM gcr.io/distroless/nodejs${major}-debian12:nonroot is not pinned by digest; write FROM \${<NAME>_IMAGE}@\${<NAME>_DIGEST} with "ARG <NAME>_IMAGE=<repository>:<tag>" and "ARG <NAME>_DIGEST" before the first FROM (scripts/ci-build-images.sh passes the digest)`,
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
    expect(() => parseDockerfile('FROM a\nARG X\n', 'D')).toThrow('D:2: ARG after FROM is not reproduced by the image check; declare it before the first FROM');
    expect(() => parseDockerfile('ARG X=a\nFROM ${X:-b}\n', 'D')).toThrow('D:2: FROM ${X:-b}: ${NAME:-...} forms are not reproduced');
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
