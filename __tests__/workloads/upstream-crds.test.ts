/**
 * The custom resources the workloads stacks create are served by their projects' own CRDs, vendored
 * unchanged with their source beside them; no CRD or schema is written here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRET_PROVIDER_CLASS_API_VERSION } from '../../stacks/workloads-stack';
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

  it('no TypeScript file defines a CRD in code (stand-ins come from upstream)', () => {
    const offenders: string[] = [];
    const skip = new Set(['node_modules', '.gen', 'cdktf.out', '.tools', '.git', 'dist', 'coverage']);
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.[cm]?tsx?$/.test(entry.name) && /kind['"]?\s*:\s*['"`]CustomResourceDefinition['"`]/.test(fs.readFileSync(full, 'utf8'))) offenders.push(path.relative(REPO, full));
      }
    };
    walk(REPO);
    expect(offenders).toEqual([]);
  });
});
