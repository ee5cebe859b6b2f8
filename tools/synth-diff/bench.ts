// Benchmark: npx tsx tools/synth-diff/bench.ts [stacks] [resources per stack]
// Writes two synth outputs of a few MB to a temp dir (head changes 10% of resources, adds and
// removes a few), then times loading, diffing and rendering, and the CLI end to end.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffSynthOutputs, loadSynthOutput, renderMarkdown } from './index';

const stacks = Number(process.argv[2] ?? 3);
const perStack = Number(process.argv[3] ?? 1_000);

function resource(stack: number, index: number, head: boolean): Record<string, unknown> {
  const changed = head && index % 10 === 0;
  return {
    '//': { metadata: { path: `stack-${stack}/r${index}`, uniqueId: `r${index}` } },
    name: `isoscribe-bench-${stack}-${index}`,
    location: 'europe-west1',
    labels: { env: 'bench', team: 'web', index: String(index) },
    node_config: {
      machine_type: changed ? 'e2-standard-8' : 'e2-standard-4',
      oauth_scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: !changed },
      metadata: { 'disable-legacy-endpoints': 'true' },
    },
    rule: Array.from({ length: 4 }, (_, k) => ({ priority: 1000 + k, action: 'allow', match: { src_ip_ranges: [`10.${k}.0.0/16`, `10.${k + 1}.0.0/16`] } })),
    password: changed ? `head-secret-${index}` : `base-secret-${index}`,
  };
}

function write(dir: string, head: boolean): void {
  const manifest: Record<string, unknown> = {};
  for (let s = 0; s < stacks; s++) {
    const name = `isoscribe-bench-${s}`;
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < perStack; i++) {
      if (head && i % 97 === 1) continue; // removed
      resources[`r${i}`] = resource(s, i, head);
    }
    if (head) for (let i = perStack; i < perStack + 5; i++) resources[`r${i}`] = resource(s, i, head);
    const json = { resource: { google_container_cluster: resources }, terraform: { backend: { local: { path: `terraform.${name}.tfstate` } } } };
    fs.mkdirSync(path.join(dir, 'stacks', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    manifest[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ stacks: manifest, version: '0.21.0' }));
}

function sizeOf(dir: string): number {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).reduce((sum, entry) => (entry.isFile() ? sum + fs.statSync(path.join(entry.parentPath, entry.name)).size : sum), 0);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-bench-'));
try {
  const [baseDir, headDir] = [path.join(scratch, 'base'), path.join(scratch, 'head')];
  write(baseDir, false);
  write(headDir, true);
  const ms = (since: number): string => `${(performance.now() - since).toFixed(0)} ms`;

  let t = performance.now();
  const base = loadSynthOutput(baseDir);
  const head = loadSynthOutput(headDir);
  const load = ms(t);
  t = performance.now();
  const diffs = diffSynthOutputs(base, head);
  const diff = ms(t);
  t = performance.now();
  const markdown = renderMarkdown(diffs);
  const render = ms(t);
  if (/(base|head)-secret-/.test(markdown)) throw new Error('a password reached the Markdown');
  const changes = diffs.reduce((sum, d) => sum + d.blocks.reduce((n, b) => n + 1 + b.attributes.length, 0), 0);

  t = performance.now();
  const cli = spawnSync(process.execPath, ['--import', require.resolve('tsx'), path.join(__dirname, 'cli.ts'), '--base', baseDir, '--head', headDir, '--out', path.join(scratch, 'out.md')]);
  if (cli.status !== 0) throw new Error(`CLI failed: ${cli.stderr}`);
  const endToEnd = ms(t);

  console.log(`input: ${stacks} stacks x ${perStack} resources, base ${(sizeOf(baseDir) / 1e6).toFixed(1)} MB + head ${(sizeOf(headDir) / 1e6).toFixed(1)} MB`);
  console.log(`found: ${changes} block and attribute changes; Markdown ${markdown.length} chars`);
  console.log(`load ${load} | diff ${diff} | render ${render} | CLI end to end (tsx startup included) ${endToEnd}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
