import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The CLI runs as users run it: a child process through tsx, on fixture directories and on a real
// git repository (a temporary one whose "app" copies a fixture into cdktf.out).
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'tools/synth-diff/cli.ts');
const fixtures = path.join(__dirname, 'fixtures');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; asynchronous so a describe block can start all its runs at once. */
function run(args: string[], cwd = root): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('synth-diff CLI on directories', () => {
  let scratch: string;
  let out: string;
  const missing = path.join(fixtures, 'missing');
  const results: Record<string, Result> = {};

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-cli-'));
    out = path.join(scratch, 'comment.md');
    const runs: Record<string, string[]> = {
      changed: ['--base', path.join(fixtures, 'base'), '--head', path.join(fixtures, 'head')],
      same: ['--base', path.join(fixtures, 'base'), '--head', path.join(fixtures, 'same'), '--out', out],
      missing: ['--base', path.join(fixtures, 'base'), '--head', missing],
      broken: ['--base', path.join(fixtures, 'broken'), '--head', path.join(fixtures, 'head')],
      usage: ['--base', 'x', '--max-chars', 'lots'],
      identical: ['--identical', '--base', path.join(fixtures, 'base'), '--head', path.join(fixtures, 'base')],
      notIdentical: ['--identical', '--base', path.join(fixtures, 'base'), '--head', path.join(fixtures, 'head')],
    };
    await Promise.all(Object.entries(runs).map(async ([name, args]) => (results[name] = await run(args))));
  }, 60_000);

  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('exits 0 and prints Markdown when stacks changed', () => {
    expect(results.changed.status).toBe(0);
    expect(results.changed.stdout).toContain('### Synth diff: 3 stacks changed, 1 added, 1 removed');
  });

  test('exits 0 and writes "No changes" to --out when nothing changed', () => {
    expect(results.same.status).toBe(0);
    expect(results.same.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toContain('### Synth diff: No changes');
  });

  test('exits 1 naming a missing directory', () => {
    expect(results.missing.status).toBe(1);
    expect(results.missing.stderr).toContain(`synth-diff: ${missing}: no such directory, and not a git revision`);
    expect(results.missing.stdout).toBe('');
  });

  test('exits 1 naming a file with invalid JSON', () => {
    expect(results.broken.status).toBe(1);
    expect(results.broken.stderr).toContain('broken/stacks/isoscribe-dev-core/cdk.tf.json: the Terraform JSON of stack "isoscribe-dev-core" is not valid JSON');
  });

  test('--identical exits 0 when every synthesized file is byte-identical', () => {
    expect(results.identical.status).toBe(0);
    expect(results.identical.stdout).toContain('is byte-identical to');
  });

  test('--identical exits 3 and lists each file that differs, added or removed', () => {
    expect(results.notIdentical.status).toBe(3);
    expect(results.notIdentical.stdout).toContain('stacks/isoscribe-dev-cluster-us-east1/cdk.tf.json (only in head)');
    expect(results.notIdentical.stdout).toContain('stacks/isoscribe-dev-edge/cdk.tf.json (only in base)');
    expect(results.notIdentical.stdout).toContain('  stacks/isoscribe-dev-core/cdk.tf.json\n');
  });

  test('exits 2 with usage on bad arguments', () => {
    expect(results.usage.status).toBe(2);
    expect(results.usage.stderr).toContain('--max-chars must be a positive integer (got "lots")');
    expect(results.usage.stderr).toContain('usage: npm run synth-diff');
  });
});

describe('synth-diff CLI with a git revision as --base', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, encoding: 'utf8' });

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-repo-'));
    // The "app": copies the fixture named in variant.txt to cdktf.out, writing local backend paths
    // under its own directory as cdktf does, and needs a dependency from node_modules.
    fs.writeFileSync(
      path.join(repo, 'synth.js'),
      `const fs = require('fs'); const path = require('path');
require('fake-dep');
const from = path.join(${JSON.stringify(fixtures)}, fs.readFileSync('variant.txt', 'utf8').trim());
(function copy(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.isDirectory()) copy(path.join(src, e.name), path.join(dst, e.name));
    else fs.writeFileSync(path.join(dst, e.name), fs.readFileSync(path.join(src, e.name), 'utf8').split('/work/main/').join(process.cwd() + '/'));
  }
})(from, 'cdktf.out');
`,
    );
    fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { synth: 'node synth.js' } }));
    fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\ncdktf.out/\n');
    fs.mkdirSync(path.join(repo, 'node_modules/fake-dep'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'node_modules/fake-dep/index.js'), '');
    fs.writeFileSync(path.join(repo, 'variant.txt'), 'base\n');
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    fs.writeFileSync(path.join(repo, 'variant.txt'), 'head\n');
    git('commit', '-q', '-am', 'head');
    execFileSync('node', ['synth.js'], { cwd: repo });
  });

  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('synthesizes the revision in a worktree, diffs it against the working tree and cleans up', async () => {
    const result = await run(['--base', 'HEAD~1'], repo);
    expect(result.stderr).toContain('synth-diff: synthesizing HEAD~1 in a temporary worktree');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Base: `HEAD~1 \([0-9a-f]{7}\)` · Head: `cdktf.out`/);
    expect(result.stdout).toContain('!     node_config.shielded_instance_config.enable_secure_boot: false -> true');
    // Backend paths written under the worktree were mapped back: only the real backend change shows.
    expect(result.stdout).not.toContain('/tree/');
    expect(result.stdout.match(/backend\.local/g)).toHaveLength(1);
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  test('exits 1 naming the revision when it does not exist', async () => {
    const result = await run(['--base', 'no-such-branch'], repo);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('synth-diff: no-such-branch: no such directory, and not a git revision');
  });
});
