/**
 * CI builds, pushes and pins every workload of workloads/index.ts. No container runtime runs here,
 * so `docker` is a recording stand-in on PATH (named so below); everything around it is real: the
 * push script, the repositories it reads from config, the deploy job's pin step run by bash, and the
 * pins applied by config/overrides.ts as synth applies them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENTS, loadEnvironments } from '../../config';
import { applyImageOverrides } from '../../config/overrides';
import { readDockerfile } from '../../tools/image-check/dockerfile';
import { gcrRemote } from '../../ci/image-repository';
import { imageBuildArgs, NODE_SERVICE_DOCKERFILE, WORKLOADS } from '../../workloads';

const root = path.resolve(__dirname, '../..');
const SHA = '0123456789abcdef0123456789abcdef01234567';
const digestOf = (repository: string) => `sha256:${Buffer.from(repository).toString('hex').padEnd(64, '0').slice(0, 64)}`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pins-'));
  // Stand-in for docker (no container runtime here): `pull` finds nothing, `tag`/`push` are logged,
  // `inspect` reports a digest derived from the repository, `buildx imagetools inspect` one derived from
// the reference (repository:tag) it resolves.
  fs.writeFileSync(path.join(dir, 'docker'), `#!/usr/bin/env bash
echo "$*" >> "${dir}/docker.log"
case "$1" in
  pull) exit 1 ;;
  inspect) ref="\${@: -1}"; repo="\${ref%:*}"; printf '%s@sha256:%s\\n' "$repo" "$(printf '%s' "$repo" | od -An -tx1 | tr -d ' \\n' | cut -c1-64 | sed -e :a -e 's/^.\\{1,63\\}$/&0/;ta')" ;;
  buildx) ref="\${@: -1}"; printf 'sha256:%s\\n' "$(printf '%s' "$ref" | od -An -tx1 | tr -d ' \\n' | cut -c1-64 | sed -e :a -e 's/^.\\{1,63\\}$/&0/;ta')" ;;
esac
`, { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function pushImages(environment: string) {
  return spawnSync('bash', ['ci/push-images.sh', environment, SHA], {
    cwd: root,
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    encoding: 'utf8',
  });
}

/** The deploy job's pin step, run by bash as the runner would, with a GITHUB_ENV file. */
function pinStep(imagePins: string): { status: number | null; githubEnv: string } {
  // The plan and the apply job of every wave synthesize with the same pins, through the same step.
  const workflow = parse(fs.readFileSync(path.join(root, '.github/workflows/deploy-stacks.yml'), 'utf8'));
  const [step, applyStep] = ['plan', 'apply'].map((job) =>
    workflow.jobs[job].steps.find((s: { name?: string }) => s.name === "Pin every workload's image"));
  expect(applyStep).toEqual(step);
  const githubEnv = path.join(dir, 'github-env');
  fs.writeFileSync(githubEnv, '');
  const run = spawnSync('bash', ['-e', '-c', step.run], { env: { PATH: process.env.PATH, IMAGE_PINS: imagePins, GITHUB_ENV: githubEnv }, encoding: 'utf8' });
  return { status: run.status, githubEnv: fs.readFileSync(githubEnv, 'utf8') };
}

describe('image pins from push to synth (docker is a stand-in: no container runtime here)', () => {
  let output: string;
  beforeAll(() => {
    const run = pushImages('staging');
    if (run.status !== 0) throw new Error(`ci-push-images.sh exited ${run.status}:\n${run.stderr}`);
    output = run.stdout;
  }, 60_000);

  it('pushes every workload to the repository config/staging.ts names, tagged with the commit', () => {
    const [staging] = loadEnvironments(ENVIRONMENTS.filter((e) => e.name === 'staging'));
    const pushes = fs.readFileSync(path.join(dir, 'docker.log'), 'utf8').split('\n').filter((l) => l.startsWith('push '));
    expect(pushes).toEqual(WORKLOADS.map((w) => `push --quiet ${staging.workloads[w.name].image.repository}:${SHA}`));
  });

  it('prints one multi-line image_pins output with a tag and a digest variable per workload', () => {
    const [staging] = loadEnvironments(ENVIRONMENTS.filter((e) => e.name === 'staging'));
    const lines = WORKLOADS.flatMap((w) => {
      const stem = `ISOSCRIBE_${w.name.toUpperCase()}_IMAGE`;
      return [`${stem}_TAG=${SHA}`, `${stem}_DIGEST=${digestOf(staging.workloads[w.name].image.repository)}`];
    });
    // NGINX: the reviewed tag, resolved through the Docker Hub remote repository.
    lines.push(`ISOSCRIBE_NGINX_IMAGE_DIGEST=${digestOf(`${staging.nginxImage.repository}:${staging.nginxImage.tag}`)}`);
    // The search engine and its operator, the same way (docs/search.md).
    lines.push(`ISOSCRIBE_SEARCH_ENGINE_IMAGE_DIGEST=${digestOf(`${staging.search.engineImage.repository}:${staging.search.engineImage.tag}`)}`);
    lines.push(`ISOSCRIBE_SEARCH_OPERATOR_IMAGE_DIGEST=${digestOf(`${staging.search.operatorImage.repository}:${staging.search.operatorImage.tag}`)}`);
    expect(output).toBe(`image_pins<<IMAGE_PINS_END\n${lines.join('\n')}\nIMAGE_PINS_END\n`);
  });

  it('the deploy job exports exactly those lines, and synth pins every workload with them', () => {
    const pins = output.split('\n').slice(1, -2).join('\n');
    const { status, githubEnv } = pinStep(pins);
    expect(status).toBe(0);
    expect(githubEnv).toBe(`${pins}\n`);
    const vars = Object.fromEntries(githubEnv.trim().split('\n').map((l) => l.split('=') as [string, string]));
    const [staging] = loadEnvironments(applyImageOverrides(ENVIRONMENTS.filter((e) => e.name === 'staging'), vars));
    for (const w of WORKLOADS) {
      expect(staging.workloads[w.name].image).toMatchObject({ tag: SHA, digest: digestOf(staging.workloads[w.name].image.repository) });
    }
    expect(staging.nginxImage.digest).toBe(digestOf(`${staging.nginxImage.repository}:${staging.nginxImage.tag}`));
    expect(staging.search.engineImage.digest).toBe(digestOf(`${staging.search.engineImage.repository}:${staging.search.engineImage.tag}`));
    expect(staging.search.operatorImage.digest).toBe(digestOf(`${staging.search.operatorImage.repository}:${staging.search.operatorImage.tag}`));
  });

  it('resolves NGINX through the Docker Hub remote repository, never Docker Hub itself, without pulling it', () => {
    const [staging] = loadEnvironments(ENVIRONMENTS.filter((e) => e.name === 'staging'));
    const calls = fs.readFileSync(path.join(dir, 'docker.log'), 'utf8').split('\n').filter((l) => l.includes('nginx'));
    expect(calls).toEqual([`buildx imagetools inspect --format {{.Manifest.Digest}} ${staging.nginxImage.repository}:${staging.nginxImage.tag}`]);
    expect(staging.nginxImage.repository).toMatch(/^europe-docker\.pkg\.dev\/isoscribe-staging\/docker-hub\//);
  });

  it('fails, naming the image and where to look, when a third-party tag does not resolve to a digest', () => {
    const broken = path.join(dir, 'broken');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'docker'), `#!/usr/bin/env bash
[[ "$1" == buildx ]] && { echo "ERROR: not found" ; exit 0; }
exec "${dir}/docker" "$@"
`, { mode: 0o755 });
    const run = spawnSync('bash', ['ci/push-images.sh', 'staging', SHA], { cwd: root, env: { ...process.env, PATH: `${broken}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ci-push-images: could not resolve europe-docker\.pkg\.dev\/isoscribe-staging\/docker-hub\/nginxinc\/nginx-unprivileged:1\.28\.0-alpine to a digest \(got "ERROR: not found"\); is the Docker Hub remote repository there \(bootstrap\)/);
    expect(run.stdout).not.toContain('image_pins');
  }, 60_000);

  it('the deploy job refuses any other variable in image_pins, exporting nothing', () => {
    const { status, githubEnv } = pinStep(`ISOSCRIBE_API_IMAGE_TAG=${SHA}\nLD_PRELOAD=/tmp/x.so`);
    expect(status).not.toBe(0);
    expect(githubEnv).toBe('');
  });
});

describe('base images pinned by digest at build (docker is a stand-in: no container runtime here)', () => {
  function buildImages(dockerDir: string, ...more: string[]) {
    fs.writeFileSync(path.join(dir, 'docker.log'), '');
    return spawnSync('bash', ['ci/build-images.sh', SHA, ...more], { cwd: root, env: { ...process.env, PATH: `${dockerDir}:${process.env.PATH}` }, encoding: 'utf8' });
  }
  const dockerCalls = () => fs.readFileSync(path.join(dir, 'docker.log'), 'utf8').trim().split('\n');
  const STAGING_REMOTE = 'europe-docker.pkg.dev/isoscribe-staging/docker-hub';
  const STAGING_GCR_REMOTE = 'europe-docker.pkg.dev/isoscribe-staging/gcr-io';

  it('with a Docker Hub remote repository only, resolves and builds Docker Hub bases through it, and gcr.io bases where they are', () => {
    const run = buildImages(dir, STAGING_REMOTE);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = dockerCalls();
    const inspected = calls.filter((c) => c.startsWith('buildx ')).map((c) => c.split(' ').at(-1));
    expect(inspected).toEqual([
      expect.stringMatching(new RegExp(`^${STAGING_REMOTE}/library/node:\\d+\\.\\d+\\.\\d+-bookworm-slim$`)),
      expect.stringMatching(/^gcr\.io\/distroless\/nodejs\d+-debian\d+:nonroot$/),
    ]);
    const [node, distroless] = inspected as string[];
    for (const w of WORKLOADS) {
      expect(calls).toContain(
        `build --pull --build-arg NODE_IMAGE=${node} --build-arg NODE_DIGEST=${digestOf(node)} --build-arg DISTROLESS_DIGEST=${digestOf(distroless)} ` +
          `--build-arg SERVICE=${w.service} -f ${NODE_SERVICE_DOCKERFILE} -t isoscribe/${w.name}:${SHA} .`,
      );
    }
    // Never Docker Hub itself.
    expect(calls.filter((c) => / node:|docker\.io/.test(c))).toEqual([]);
  }, 60_000);

  it('with the gcr.io remote repository too, no base image comes from a public registry: distroless through it', () => {
    const run = buildImages(dir, STAGING_REMOTE, STAGING_GCR_REMOTE);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = dockerCalls();
    const inspected = calls.filter((c) => c.startsWith('buildx ')).map((c) => c.split(' ').at(-1)) as string[];
    expect(inspected).toEqual([
      expect.stringMatching(new RegExp(`^${STAGING_REMOTE}/library/node:\\d+\\.\\d+\\.\\d+-bookworm-slim$`)),
      expect.stringMatching(new RegExp(`^${STAGING_GCR_REMOTE}/distroless/nodejs\\d+-debian\\d+:nonroot$`)),
    ]);
    const [, distroless] = inspected;
    for (const w of WORKLOADS) {
      expect(calls).toContainEqual(expect.stringContaining(`--build-arg DISTROLESS_IMAGE=${distroless} --build-arg DISTROLESS_DIGEST=${digestOf(distroless)} --build-arg SERVICE=${w.service}`));
    }
    expect(calls.filter((c) => / (node:|gcr\.io\/)|docker\.io/.test(c))).toEqual([]);
    // The remote repository's path is the upstream's: bootstrap's gcr-io remote repository, in the registry's location.
    expect(STAGING_GCR_REMOTE).toBe(gcrRemote('staging'));
  }, 60_000);

  it('refuses a gcr.io remote repository that is not an Artifact Registry path, before any docker call', () => {
    const run = buildImages(dir, STAGING_REMOTE, 'gcr.io');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ci-build-images: the gcr.io remote repository must be <location>-docker.pkg.dev/<project>/<repository> (got "gcr.io")');
    expect(fs.readFileSync(path.join(dir, 'docker.log'), 'utf8')).toBe('');
  });

  it('refuses a Docker Hub remote repository that is not an Artifact Registry path, before any docker call', () => {
    const run = buildImages(dir, 'docker.io');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'ci-build-images: the Docker Hub remote repository must be <location>-docker.pkg.dev/<project>/<repository> (got "docker.io"); print it with: npx tsx ci/image-repository.ts --docker-hub-remote --env <environment>\n',
    );
    expect(fs.readFileSync(path.join(dir, 'docker.log'), 'utf8')).toBe('');
  });

  it("the images job signs in to staging's registry, then builds through staging's Docker Hub remote repository (its own steps, run by bash)", () => {
    const { steps } = parse(fs.readFileSync(path.join(root, '.github/workflows/deploy.yml'), 'utf8')).jobs.images;
    const at = (match: (st: Record<string, string>) => boolean) => steps.findIndex(match);
    const auth = at((st) => st.id === 'staging-auth');
    const signIn = at((st) => st.name === "Sign in to staging's registry");
    const build = at((st) => st.name === 'Build');
    expect([auth < signIn, signIn < build]).toEqual([true, true]);
    expect(steps[auth].with.service_account).toContain('STAGING_GCP_IMAGE_PUSHER_SA');

    fs.writeFileSync(path.join(dir, 'docker.log'), '');
    const githubEnv = path.join(dir, 'images-github-env');
    fs.writeFileSync(githubEnv, '');
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, GITHUB_ENV: githubEnv, GITHUB_SHA: SHA };
    const signedIn = spawnSync('bash', ['-e', '-c', steps[signIn].run], { cwd: root, env: { ...env, ACCESS_TOKEN: 'stand-in-token' }, encoding: 'utf8' });
    expect([signedIn.status, signedIn.stderr]).toEqual([0, '']);
    expect(dockerCalls()).toEqual(['login -u oauth2accesstoken --password-stdin https://europe-docker.pkg.dev']);
    const exported = Object.fromEntries(fs.readFileSync(githubEnv, 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
    expect(exported.DOCKER_HUB_REMOTE).toBe(STAGING_REMOTE);
    expect(exported.GCR_REMOTE).toBe(STAGING_GCR_REMOTE);

    fs.writeFileSync(path.join(dir, 'docker.log'), '');
    const built = spawnSync('bash', ['-e', '-c', steps[build].run], { cwd: root, env: { ...env, ...exported }, encoding: 'utf8' });
    expect([built.status, built.stderr]).toEqual([0, '']);
    expect(dockerCalls().filter((c) => c.startsWith('build '))).toEqual(WORKLOADS.map(() => expect.stringContaining(`--build-arg NODE_IMAGE=${STAGING_REMOTE}/library/node:`)));
    expect(dockerCalls().filter((c) => c.startsWith('build '))).toEqual(WORKLOADS.map(() => expect.stringContaining(`--build-arg DISTROLESS_IMAGE=${STAGING_GCR_REMOTE}/distroless/`)));
  }, 60_000);

  it('resolves every base image of each Dockerfile to a digest and builds with it as a build arg', () => {
    const run = buildImages(dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = fs.readFileSync(path.join(dir, 'docker.log'), 'utf8').trim().split('\n');
    const expected: string[] = [];
    const resolved = new Set<string>();
    for (const w of WORKLOADS) {
      const dockerfile = NODE_SERVICE_DOCKERFILE;
      // The Dockerfile's own FROM lines, as the image check reads them: `<repository>:<tag>@${<NAME>_DIGEST}`.
      const pins = readDockerfile(path.join(root, dockerfile)).stages.map((s) => /^(.+)@\$\{(\w+_DIGEST)\}$/.exec(s.base)!);
      expect(pins.every(Boolean)).toBe(true);
      for (const [, reference] of pins) {
        if (!resolved.has(reference)) expected.push(`buildx imagetools inspect --format {{.Manifest.Digest}} ${reference}`);
        resolved.add(reference);
      }
      const args = pins.map(([, reference, variable]) => `--build-arg ${variable}=${digestOf(reference)}`);
      expect(args.every((a) => /=sha256:[0-9a-f]{64}$/.test(a))).toBe(true);
      const serviceArgs = Object.entries(imageBuildArgs(w)).map(([name, value]) => `--build-arg ${name}=${value}`);
      expected.push(`build --pull ${[...args, ...serviceArgs].join(' ')} -f ${dockerfile} -t isoscribe/${w.name}:${SHA} .`);
    }
    expect(calls).toEqual(expected);
    // Both base images of both services: node for the build stage, distroless for the runtime.
    expect([...resolved].sort()).toEqual([expect.stringMatching(/^gcr\.io\/distroless\/nodejs\d+-debian\d+:nonroot$/), expect.stringMatching(/^node:\d+\.\d+\.\d+-bookworm-slim$/)]);
  }, 60_000);

  it('fails before any build, naming the base image, when its tag does not resolve to a digest', () => {
    const broken = path.join(dir, 'broken-build');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'docker'), `#!/usr/bin/env bash
[[ "$1" == buildx ]] && { echo "ERROR: not found" ; exit 0; }
exec "${dir}/docker" "$@"
`, { mode: 0o755 });
    const run = buildImages(broken);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ci-build-images: could not resolve the base image node:\S+ to a digest \(got "ERROR: not found"\); check the tag in its Dockerfile's ARG/);
    expect(fs.readFileSync(path.join(dir, 'docker.log'), 'utf8')).not.toMatch(/^build /m);
  }, 60_000);
});
