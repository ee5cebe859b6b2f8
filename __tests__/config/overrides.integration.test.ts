import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, ENVIRONMENTS, loadEnvironments } from '../../config';
import { applyImageOverrides, imageOverrideVariables, NGINX_DIGEST_VARIABLE, RELEASE_VARIABLE, SEARCH_ENGINE_DIGEST_VARIABLE, SEARCH_OPERATOR_DIGEST_VARIABLE } from '../../config/overrides';
import { OPENSEARCH_OPERATOR_VERSION, OPENSEARCH_VERSION } from '../../config/defaults';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('image overrides from environment variables', () => {
  it('changes nothing when no variable is set', () => {
    expect(applyImageOverrides(ENVIRONMENTS, {})).toEqual(ENVIRONMENTS);
  });

  it('pins both workloads of every environment to the given tag and digest, leaving the inputs untouched', () => {
    const before = structuredClone(ENVIRONMENTS);
    const envs = loadEnvironments(applyImageOverrides(ENVIRONMENTS, {
      ISOSCRIBE_API_IMAGE_TAG: SHA,
      ISOSCRIBE_API_IMAGE_DIGEST: DIGEST,
      ISOSCRIBE_FRONTEND_IMAGE_TAG: SHA,
    }));
    for (const env of envs) {
      expect(env.workloads.api.image).toMatchObject({ tag: SHA, digest: DIGEST });
      expect(env.workloads.frontend.image.tag).toBe(SHA);
      // The configured digest belonged to the configured tag; a new tag without a digest drops it.
      expect(env.workloads.frontend.image.digest).toBeUndefined();
      // The repository stays where config/<env>.ts says the registry is.
      expect(env.workloads.api.image.repository).toBe(ENVIRONMENTS.find((e) => e.name === env.name)!.workloads.api.image.repository);
    }
    expect(ENVIRONMENTS).toEqual(before);
  });

  it('derives the variables from the workload name, for any workload the config has', () => {
    const [dev] = ENVIRONMENTS.filter((e) => e.name === 'dev');
    const withSearch = { ...structuredClone(dev), workloads: { ...structuredClone(dev.workloads), 'search-v2': structuredClone(dev.workloads.api) } };
    const [pinned] = applyImageOverrides([withSearch], { ISOSCRIBE_SEARCH_V2_IMAGE_TAG: SHA });
    expect(pinned.workloads['search-v2'].image.tag).toBe(SHA);
    expect(pinned.workloads.api.image.tag).toBe(dev.workloads.api.image.tag);
    expect(imageOverrideVariables('search-v2')).toEqual({ tag: 'ISOSCRIBE_SEARCH_V2_IMAGE_TAG', digest: 'ISOSCRIBE_SEARCH_V2_IMAGE_DIGEST' });
  });

  it('rejects malformed values with the variable name and the rule of the config schema', () => {
    let error: unknown;
    try {
      applyImageOverrides(ENVIRONMENTS, { ISOSCRIBE_API_IMAGE_TAG: 'latest', ISOSCRIBE_FRONTEND_IMAGE_DIGEST: 'sha256:xyz' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'ISOSCRIBE_API_IMAGE_TAG: must be pinned: "latest" moves; use a version or commit tag (got "latest")',
      'ISOSCRIBE_FRONTEND_IMAGE_DIGEST: must be "sha256:" followed by 64 lowercase hex digits (got "sha256:xyz")',
    ]);
  });

  it('pins NGINX\'s configured tag to the digest CI resolved, and marks a release', () => {
    const envs = loadEnvironments(applyImageOverrides(ENVIRONMENTS, { [NGINX_DIGEST_VARIABLE]: DIGEST, [RELEASE_VARIABLE]: '1' }));
    for (const env of envs) {
      const configured = ENVIRONMENTS.find((e) => e.name === env.name)!.nginxImage;
      expect(env.nginxImage).toEqual({ ...configured, digest: DIGEST });
      expect(env.release).toBe(true);
    }
    expect(NGINX_DIGEST_VARIABLE).toBe('ISOSCRIBE_NGINX_IMAGE_DIGEST');
    expect(loadEnvironments(ENVIRONMENTS).every((env) => env.release === false)).toBe(true);
    expect(() => applyImageOverrides(ENVIRONMENTS, { [RELEASE_VARIABLE]: 'true', [NGINX_DIGEST_VARIABLE]: 'sha256:1' })).toThrow(ConfigError);
    try {
      applyImageOverrides(ENVIRONMENTS, { [RELEASE_VARIABLE]: 'true', [NGINX_DIGEST_VARIABLE]: 'sha256:1' });
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'ISOSCRIBE_NGINX_IMAGE_DIGEST: must be "sha256:" followed by 64 lowercase hex digits (got "sha256:1")',
        'ISOSCRIBE_RELEASE: must be "1" (a release synth) or unset (got "true")',
      ]);
    }
  });

  it('a release synth of staging without NGINX\'s digest fails the policy pack (POD-020) through the real entry point; with it, every image is pinned', () => {
    const root = path.resolve(__dirname, '../..');
    const synth = (extra: Record<string, string>) => {
      const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isoscribe-release-')), 'out');
      const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
        cwd: root,
        env: {
          ...process.env, CDKTF_OUTDIR: outdir, ISOSCRIBE_ENVS: 'staging', [RELEASE_VARIABLE]: '1',
          ISOSCRIBE_API_IMAGE_TAG: SHA, ISOSCRIBE_API_IMAGE_DIGEST: DIGEST, ISOSCRIBE_FRONTEND_IMAGE_TAG: SHA, ISOSCRIBE_FRONTEND_IMAGE_DIGEST: DIGEST,
          [SEARCH_ENGINE_DIGEST_VARIABLE]: DIGEST, [SEARCH_OPERATOR_DIGEST_VARIABLE]: DIGEST, ...extra,
        },
        encoding: 'utf8',
      });
      return { run, outdir };
    };
    const unpinned = synth({});
    fs.rmSync(path.dirname(unpinned.outdir), { recursive: true, force: true });
    expect(unpinned.run.status).not.toBe(0);
    expect(unpinned.run.stdout + unpinned.run.stderr).toMatch(/\[POD-020\][^\n]*container "nginx": image "europe-docker\.pkg\.dev\/isoscribe-staging\/docker-hub\/nginxinc\/nginx-unprivileged:1\.28\.0-alpine" has no digest/);

    const pinned = synth({ [NGINX_DIGEST_VARIABLE]: DIGEST });
    try {
      if (pinned.run.status !== 0) throw new Error(`main.ts exited ${pinned.run.status}:\n${pinned.run.stderr}`);
      const manifest = JSON.parse(fs.readFileSync(path.join(pinned.outdir, 'manifest.json'), 'utf8'));
      const [name] = Object.keys(manifest.stacks).filter((n) => n.startsWith('isoscribe-staging-workloads-'));
      const text = fs.readFileSync(path.join(pinned.outdir, manifest.stacks[name].synthesizedStackPath), 'utf8');
      expect(text).toContain(`/nginxinc/nginx-unprivileged:1.28.0-alpine@${DIGEST}`);
      // The search engine (its CR and sync job) and the operator run the digests CI resolved.
      const stackText = (prefix: string) => {
        const [stack] = Object.keys(manifest.stacks).filter((n) => n.startsWith(prefix));
        return fs.readFileSync(path.join(pinned.outdir, manifest.stacks[stack].synthesizedStackPath), 'utf8');
      };
      expect(stackText('isoscribe-staging-search-operator-')).toContain(`/opensearchproject/opensearch-operator:${OPENSEARCH_OPERATOR_VERSION}@${DIGEST}`);
      expect(stackText('isoscribe-staging-search-europe')).toContain(`/opensearchproject/opensearch:${OPENSEARCH_VERSION}@${DIGEST}`);
    } finally {
      fs.rmSync(path.dirname(pinned.outdir), { recursive: true, force: true });
    }
  }, 120_000);

  it('reach the synthesized deployments through the real entry point (main.ts)', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isoscribe-override-')), 'out');
    const root = path.resolve(__dirname, '../..');
    try {
      const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
        cwd: root,
        env: { ...process.env, CDKTF_OUTDIR: outdir, ISOSCRIBE_ENVS: 'staging', ISOSCRIBE_API_IMAGE_TAG: SHA, ISOSCRIBE_API_IMAGE_DIGEST: DIGEST },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`main.ts exited ${run.status}:\n${run.stderr}`);
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
      const workloads = Object.keys(manifest.stacks).filter((name) => name.startsWith('isoscribe-staging-workloads-'));
      expect(workloads.length).toBeGreaterThan(0);
      for (const name of workloads) {
        const text = fs.readFileSync(path.join(outdir, manifest.stacks[name].synthesizedStackPath), 'utf8');
        expect(text).toContain(`/api:${SHA}@${DIGEST}`);
      }
    } finally {
      fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  }, 60_000);

  it('a bad override stops the real entry point before anything is written', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isoscribe-override-')), 'out');
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, CDKTF_OUTDIR: outdir, ISOSCRIBE_API_IMAGE_DIGEST: 'abc' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ISOSCRIBE_API_IMAGE_DIGEST: must be "sha256:" followed by 64 lowercase hex digits (got "abc")');
    expect(fs.existsSync(outdir)).toBe(false);
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  }, 30_000);
});
