import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { ENVIRONMENTS, loadEnvironments, type EnvironmentInput } from '../../config';
import { loadDelivery } from '../../config/delivery';
import { applyImageOverrides } from '../../config/overrides';
import { defineApp } from '../../main';
import { diffSynthOutputs, loadSynthOutput, renderMarkdown, type SynthOutput } from '.';

/*
 * synth-diff against real synth outputs of this app: staging synthesized as configured (base) and
 * with a change applied (head), written to disk as `cdktf synth` writes them, then compared.
 */

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const DIGEST = `sha256:${'5e'.repeat(32)}`;
/** A label value shaped like a key (48 hex digits): it must be masked wherever it lands. */
const KEY_LIKE = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-app-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function synth(name: string, inputs: readonly EnvironmentInput[]): SynthOutput {
  const outdir = path.join(scratch, name);
  const app = new App({ outdir });
  defineApp(app, loadEnvironments(inputs.filter((e) => e.name === 'staging')), loadDelivery());
  app.synth();
  return loadSynthOutput(outdir);
}

let base: SynthOutput;
beforeAll(() => {
  base = synth('base', ENVIRONMENTS);
}, 60_000);

describe('synth-diff on two real synth outputs of the app', () => {
  it('a new image pin changes exactly the workloads stacks, at the container image path', () => {
    const head = synth('image', applyImageOverrides(ENVIRONMENTS, { ISOSCRIBE_API_IMAGE_TAG: SHA, ISOSCRIBE_API_IMAGE_DIGEST: DIGEST }));
    const diffs = diffSynthOutputs(base, head);
    const changed = diffs.filter((d) => d.status !== 'unchanged');
    expect(changed.map((d) => d.stack)).toEqual(['isoscribe-staging-workloads-europe-west1']);
    expect(diffs.filter((d) => d.status === 'unchanged').length).toBe(Object.keys(base.stacks).length - 1);

    const [workloads] = changed;
    const deployments = workloads.blocks.filter((b) => b.address.startsWith('kubernetes_deployment_v1.'));
    expect(deployments.map((b) => b.action)).toEqual(['changed']);
    const image = deployments[0].attributes.find((a) => /^spec\.template\.spec\.container\[\d+\]\.image$/.test(a.path));
    expect(image).toMatchObject({ action: 'changed', sensitive: false });
    expect(String(image!.after)).toMatch(new RegExp(`/api:${SHA}@${DIGEST}$`));

    const markdown = renderMarkdown(diffs);
    expect(markdown).toContain('isoscribe-staging-workloads-europe-west1');
    // The old reference is printed in full; the new one, longer, is elided by the renderer.
    expect(markdown).toContain(`${image!.path}: ${JSON.stringify(image!.before)} ->`);
  }, 60_000);

  it('a secret-looking value is reported by path in every stack it changes, and never printed', () => {
    const inputs = ENVIRONMENTS.map((e) => (e.name === 'staging' ? { ...e, labels: { ...e.labels, team: KEY_LIKE } } : e));
    const head = synth('label', inputs);
    const diffs = diffSynthOutputs(base, head);
    // The label is a default label of the google provider: every stack with that provider changes.
    const withGoogle = Object.keys(base.stacks).filter((name) => (base.stacks[name].provider as Record<string, unknown> | undefined)?.google !== undefined);
    expect(withGoogle.length).toBeGreaterThanOrEqual(5);
    expect(diffs.filter((d) => d.status === 'changed').map((d) => d.stack)).toEqual(withGoogle.sort());
    for (const diff of diffs.filter((d) => d.status === 'changed')) {
      const labelChanges = diff.blocks.flatMap((b) => b.attributes).filter((a) => a.path.endsWith('labels.team'));
      expect(labelChanges.length).toBeGreaterThan(0);
      for (const change of labelChanges) expect(change).toEqual({ path: change.path, action: 'changed', sensitive: true });
    }
    const markdown = renderMarkdown(diffs);
    expect(markdown).toContain('labels.team');
    expect(markdown).not.toContain(KEY_LIKE);
    expect(markdown).not.toContain(KEY_LIKE.slice(0, 16));
  }, 60_000);
});
