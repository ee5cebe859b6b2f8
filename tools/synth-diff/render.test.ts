import * as path from 'node:path';
import { diffStack, diffSynthOutputs, loadSynthOutput, renderMarkdown, type StackDiff, type TerraformJson } from '.';

const fixtures = path.join(__dirname, 'fixtures');
const load = (name: string) => loadSynthOutput(path.join(fixtures, name));

describe('renderMarkdown on fixtures', () => {
  const diffs = diffSynthOutputs(load('base'), load('head'));
  const markdown = renderMarkdown(diffs, { baseLabel: 'main (abc1234)', headLabel: 'cdktf.out' });

  test('starts with the marker and a headline counting stacks', () => {
    expect(markdown.split('\n').slice(0, 3)).toEqual(['<!-- synth-diff -->', '', '### Synth diff: 3 stacks changed, 1 added, 1 removed']);
    expect(markdown).toContain('Base: `main (abc1234)` · Head: `cdktf.out`');
  });

  test('has a summary table row per touched stack', () => {
    expect(markdown).toContain('| `isoscribe-dev-core` | changed | 2 | 1 | 8 |');
    expect(markdown).toContain('| `isoscribe-dev-cluster-us-east1` | added | 4 | 0 | 0 |');
    expect(markdown).toContain('| `isoscribe-dev-edge` | removed | 0 | 3 | 0 |');
  });

  test('lists stacks added and removed', () => {
    expect(markdown).toContain('**Stacks added**\n\n- `isoscribe-dev-cluster-us-east1` (2 resources)');
    expect(markdown).toContain('**Stacks removed**\n\n- `isoscribe-dev-edge` (1 resource)');
  });

  test('shows old -> new for short scalars and a line diff for texts', () => {
    expect(markdown).toContain('!     release_channel.channel: "REGULAR" -> "STABLE"');
    expect(markdown).toContain('!     data["nginx.conf"]: (text changed)\n-         events { worker_connections 1024; }\n+         events { worker_connections 4096; }\n+           real_ip_header X-Forwarded-For;');
  });

  test('puts each stack in a collapsible section with a diff block', () => {
    expect(markdown.match(/<details( open)?><summary>/g)).toHaveLength(5);
    expect(markdown).toContain('<summary><code>isoscribe-dev-core</code> (stack changed): 2 added, 1 removed, 8 changed</summary>\n\n```diff\n# Resources\n');
  });

  test('is deterministic whatever the input key order', () => {
    const reversed = (output: ReturnType<typeof load>) => ({ dir: output.dir, stacks: Object.fromEntries(Object.entries(output.stacks).reverse()) });
    expect(renderMarkdown(diffSynthOutputs(reversed(load('base')), reversed(load('head'))), { baseLabel: 'main (abc1234)', headLabel: 'cdktf.out' })).toBe(markdown);
  });
});

test('no change says so', () => {
  const markdown = renderMarkdown(diffSynthOutputs(load('base'), load('same')));
  expect(markdown).toContain('### Synth diff: No changes');
  expect(markdown).toContain('All 4 stacks synthesize identically.');
  expect(markdown).not.toContain('<details');
});

/** A stack of `count` buckets whose label `rev` differs between base and head. */
function bucketStack(count: number, rev: string): TerraformJson {
  const buckets: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) buckets[`b${String(i).padStart(4, '0')}`] = { name: `bucket-${i}`, labels: { rev, a: rev, b: rev } };
  return { resource: { google_storage_bucket: buckets } };
}

describe('bounded output', () => {
  test('caps changes listed per stack and per block with "... N more"', () => {
    const diff = diffStack('big', bucketStack(40, 'one'), bucketStack(40, 'two'));
    const markdown = renderMarkdown([diff], { maxChangesPerStack: 20, maxAttributesPerBlock: 2 });
    expect(markdown).toContain('      ... 1 more attribute change\n');
    // 40 blocks x (1 + 3 attributes) = 160 changes; 5 blocks (20 changes) are listed.
    expect(markdown).toContain('... 140 more changes in this stack');
    expect(markdown.match(/^! google_storage_bucket\./gm)).toHaveLength(5);
  });

  test('truncates at maxChars at section boundaries and says what was left out', () => {
    const diffs: StackDiff[] = [];
    for (let s = 0; s < 30; s++) diffs.push(diffStack(`stack-${String(s).padStart(2, '0')}`, bucketStack(100, 'one'), bucketStack(100, 'two')));
    const full = renderMarkdown(diffs, { maxChars: 10_000_000 });
    expect(full.length).toBeGreaterThan(65_536);
    const markdown = renderMarkdown(diffs);
    expect(markdown.length).toBeLessThanOrEqual(65_000);
    expect(markdown).toContain('> Output truncated to fit a GitHub comment (65000 characters): left out stack stack-');
    expect(markdown).toContain('| `stack-29` | changed | 0 | 0 | 100 |');
    // Every <details> that was started is closed: truncation never cuts a section in half.
    expect(markdown.match(/<details/g)?.length).toBe(markdown.match(/<\/details>/g)?.length);
  });

  test('rejects a maxChars too small for the headline and note', () => {
    expect(() => renderMarkdown([], { maxChars: 100 })).toThrow('maxChars must be an integer of at least 2000 (got 100)');
  });
});
