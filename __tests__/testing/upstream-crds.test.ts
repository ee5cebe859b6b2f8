/**
 * The custom resources the workloads stacks create are served by their projects' own CRDs, vendored
 * unchanged with their source beside them; no CRD or schema is written here; and every stand-in a
 * test uses is in the table of docs/stand-ins.md.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRET_PROVIDER_CLASS_API_VERSION } from '../../constructs/kubernetes';
import { readUpstreamCrd, SECRET_PROVIDER_CLASS_CRD_FILE, servedKinds, UPSTREAM_CRD_FILES } from '../support/kube/upstream-crds';
import { synthesized } from '../support/topology';

const REPO = path.join(__dirname, '..', '..');
const { manifest, read } = synthesized();
const workloadsStacks = Object.keys(manifest.stacks).filter((s) => /-workloads-/.test(s)).sort();

describe('vendored upstream CRDs', () => {
  it('every custom resource any workloads stack (dev, staging, production) creates is served, not deprecated, by a vendored CRD', () => {
    const served = UPSTREAM_CRD_FILES.flatMap((file) => servedKinds(readUpstreamCrd(file)));
    expect(workloadsStacks.length).toBeGreaterThanOrEqual(3);
    const created = workloadsStacks.flatMap((stack) =>
      Object.values(read(stack).resource?.kubernetes_manifest ?? {}).map((m: any) => ({ stack, apiVersion: m.manifest.apiVersion, kind: m.manifest.kind })),
    );
    expect(created.length).toBeGreaterThan(0);
    for (const { stack, apiVersion, kind } of created) {
      expect([stack, served.find((s) => s.apiVersion === apiVersion && s.kind === kind)]).toEqual([stack, { apiVersion, kind, deprecated: false }]);
    }
  });

  it('the SecretProviderClass is the Secrets Store CSI driver\'s group and version, which GKE\'s add-on serves', () => {
    expect(servedKinds(readUpstreamCrd(SECRET_PROVIDER_CLASS_CRD_FILE))).toContainEqual({
      apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
      kind: 'SecretProviderClass',
      deprecated: false,
    });
  });

  it.each(UPSTREAM_CRD_FILES.map((f) => path.relative(REPO, f)))('%s has its source, tag, commit, license and checksum beside it', (file) => {
    const dir = path.dirname(path.join(REPO, file));
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const tag = path.basename(dir);
    expect(readme).toContain(`https://github.com/`);
    expect(readme).toContain(`/blob/${tag}/`);
    expect(readme).toMatch(/commit `[0-9a-f]{40}`/);
    expect(readme).toContain('Apache-2.0');
    expect(fs.existsSync(path.join(dir, 'LICENSE'))).toBe(true);
    // Unchanged since it was taken: the README's checksum is the file's.
    const sha = createHash('sha256').update(fs.readFileSync(path.join(REPO, file))).digest('hex');
    expect(readme).toContain(sha);
  });

  it.each(vendoredFiles())('%s (every vendored file) has its source, version, license and checksum beside it', (file) => {
    const dir = path.dirname(path.join(REPO, file));
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const version = path.basename(dir);
    expect(readme).toContain(`/blob/${version}/`);
    // Pinned by its commit, or by the registry release it came from (whose checksum is noted).
    expect(readme).toMatch(new RegExp(`commit \`[0-9a-f]{40}\`|https://pypi\\.org/project/[\\w-]+/${version.replace(/^v/, '').replace(/\./g, '\\.')}/`));
    expect(readme).toContain('Apache-2.0');
    expect(fs.existsSync(path.join(dir, 'LICENSE'))).toBe(true);
    const sha = createHash('sha256').update(fs.readFileSync(path.join(REPO, file))).digest('hex');
    expect(readme).toContain(sha);
  });

  it('no TypeScript file defines a CRD in code (stand-ins come from upstream)', () => {
    const offenders = typeScriptFiles().filter((f) => /kind['"]?\s*:\s*['"`]CustomResourceDefinition['"`]/.test(fs.readFileSync(path.join(REPO, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

/** Files that mention stand-ins but define none (they use the ones in the table), each with why. */
const USES_STAND_INS_ONLY: Record<string, string> = {
  'tools/terraform-verify/stand-ins.test.ts': 'tests tools/terraform-verify/stand-ins.ts',
  '__tests__/stacks/deploy-checks.integration.test.ts': 'reads a DATA_SOURCE_STAND_INS reason',
  '__tests__/workloads/frontend.integration.test.ts': 'uses the metadata server through testing/',
  '__tests__/support/kube/workloads-apply.ts': 'runs the credential plugin and appliedOutput stand-ins',
  'tools/terraform-verify/verify.real.test.ts': 'tests verify:terraform and its stand-ins',
  'tools/terraform-verify/cli.ts': 'points at tools/terraform-verify/stand-ins.ts in its messages',
  'tools/terraform-verify/overrides.ts': 'writes the stand-ins of tools/terraform-verify/stand-ins.ts into the plan overrides',
  'tools/terraform-verify/report.ts': 'reports which stand-ins a plan used',
  'tools/terraform-verify/types.ts': 'types the stand-ins a plan used',
  'tools/terraform-verify/verify.ts': 'runs the plans with the stand-ins and credentials.ts',
  '__tests__/stacks/workloads-stack.kube-apiserver.real.test.ts': 'uses the kube session',
  '__tests__/support/kube/kube-session.ts': 'installs the vendored CRDs, runs the credential plugin',
  '__tests__/testing/upstream-crds.test.ts': 'this test',
  'constructs/cloudflare/zone.ts': 'names the local the cloudflare_zone stand-in reads',
  'constructs/kubernetes/pod-network-policy.ts': 'points at the unverified values listed in docs/stand-ins.md',
  'e2e/origin-lock.ts': 'uses e2e/front-door.ts',
  'tools/image-check/pods.ts': 'uses the metadata and manifest servers',
  'testing/index.ts': 'exports the pods that use the metadata and manifest servers',
  'testing/pod.ts': 'uses the metadata and manifest servers',
  'testing/pods.ts': 'uses the manifest server',
};

/** Every file vendored under testing/upstream/<project>/<version>/, but the READMEs and licenses beside them. */
function vendoredFiles(): string[] {
  const root = path.join(REPO, 'testing', 'upstream');
  return fs.readdirSync(root).flatMap((project) =>
    fs.readdirSync(path.join(root, project)).flatMap((version) =>
      fs.readdirSync(path.join(root, project, version))
        .filter((name) => name !== 'README.md' && name !== 'LICENSE')
        .map((name) => path.join('testing', 'upstream', project, version, name))));
}

function typeScriptFiles(): string[] {
  const files: string[] = [];
  const skip = new Set(['node_modules', '.gen', 'cdktf.out', '.tools', '.git', 'dist', 'coverage', '.venv', '.mongo-wire']);
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.[cm]?tsx?$/.test(entry.name)) files.push(path.relative(REPO, full));
    }
  };
  walk(REPO);
  return files.sort();
}

describe('docs/stand-ins.md', () => {
  const table = fs.readFileSync(path.join(REPO, 'docs', 'stand-ins.md'), 'utf8');

  it('lists every file that defines a stand-in (a file mentioning one is in the table or only uses them)', () => {
    const mentioning = typeScriptFiles().filter((f) => /stand-in/i.test(fs.readFileSync(path.join(REPO, f), 'utf8')));
    expect(mentioning.length).toBeGreaterThan(0);
    const missing = mentioning.filter((f) => !table.includes(`\`${f}\``) && !USES_STAND_INS_ONLY[f]);
    expect(missing).toEqual([]);
  });

  it('names only files that exist, and every data-source stand-in type of tools/terraform-verify/stand-ins.ts', async () => {
    for (const [, file] of table.matchAll(/`((?:__tests__|testing|tools|ci|e2e|services)\/[\w./-]+)`/g)) expect([file, fs.existsSync(path.join(REPO, file))]).toEqual([file, true]);
    const { DATA_SOURCE_STAND_INS } = await import('../../tools/terraform-verify/stand-ins');
    for (const type of Object.keys(DATA_SOURCE_STAND_INS)) expect([type, table.includes(`\`${type}\``)]).toEqual([type, true]);
  });
});
