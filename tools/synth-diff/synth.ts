import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SynthDiffError } from './load';

export interface SynthOptions {
  /**
   * Shell command that synthesizes the app, run in the project directory.
   * @default - `npm run synth` when package.json has that script, else cdktf.json's `app` command
   */
  readonly synthCommand?: string;
  /** Where the command writes, relative to the project directory. @default 'cdktf.out' */
  readonly synthOut?: string;
}

function git(repoDir: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd: repoDir, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new SynthDiffError(`git ${args.join(' ')} failed in ${repoDir}: ${(result.stderr || result.error?.message || '').trim()}`);
  }
  return result.stdout.trim();
}

/** The commit `ref` names in `repoDir`, or undefined when it names none. */
export function resolveGitRef(repoDir: string, ref: string): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoDir, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function defaultSynthCommand(projectDir: string): string {
  const packageFile = path.join(projectDir, 'package.json');
  const scripts = fs.existsSync(packageFile) ? (JSON.parse(fs.readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> }).scripts : undefined;
  if (scripts?.synth !== undefined) return 'npm run --silent synth';
  const cdktfFile = path.join(projectDir, 'cdktf.json');
  const app = fs.existsSync(cdktfFile) ? (JSON.parse(fs.readFileSync(cdktfFile, 'utf8')) as { app?: unknown }).app : undefined;
  if (typeof app === 'string' && app !== '') return app;
  throw new SynthDiffError(`${projectDir}: no "synth" script in package.json and no "app" in cdktf.json; pass --synth-cmd`);
}

/**
 * Runs the app's synth command in `projectDir` and returns the absolute path of its output.
 * The command's own output goes to stderr so stdout stays clean for the Markdown.
 */
export function synthesize(projectDir: string, opts: SynthOptions = {}): string {
  const command = opts.synthCommand ?? defaultSynthCommand(projectDir);
  const outDir = path.resolve(projectDir, opts.synthOut ?? 'cdktf.out');
  fs.rmSync(outDir, { recursive: true, force: true });
  const result = spawnSync(command, { cwd: projectDir, shell: true, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    throw new SynthDiffError(`synth command \`${command}\` failed in ${projectDir} (exit ${result.status ?? result.signal})`);
  }
  if (!fs.existsSync(path.join(outDir, 'manifest.json'))) {
    throw new SynthDiffError(`synth command \`${command}\` wrote no ${path.join(outDir, 'manifest.json')}; pass --synth-out if the app writes elsewhere`);
  }
  return outDir;
}

/** Copies a synth output, rewriting absolute paths under `fromRoot` (local backend state paths) to `toRoot`. */
function copyRewritingPaths(from: string, to: string, fromRoots: readonly string[], toRoot: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyRewritingPaths(source, target, fromRoots, toRoot);
    else if (entry.name.endsWith('.json')) {
      const text = fromRoots.reduce((content, root) => content.split(root).join(toRoot), fs.readFileSync(source, 'utf8'));
      fs.writeFileSync(target, text);
    }
    else if (entry.isFile()) fs.copyFileSync(source, target);
  }
}

/** Workspace package directories (`services/api`) from the root package.json's `dir/*` patterns. */
function workspaceDirs(repoDir: string): string[] {
  const { workspaces } = JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as { workspaces?: unknown };
  if (!Array.isArray(workspaces)) return [];
  return workspaces.flatMap((pattern: string) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    const dir = path.join(repoDir, parent);
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(parent, name)) : [];
  });
}

/**
 * Synthesizes the app as of git `ref` into `destDir`: checks the revision out in a temporary
 * `git worktree`, reuses this checkout's node_modules by symlink (no install), runs the synth
 * command there, copies the output and removes the worktree. Absolute paths the app wrote under
 * the worktree (local backend state files) are rewritten to `repoDir`, so they compare equal with a
 * synth of the working tree. Returns the commit synthesized.
 */
export function synthesizeGitRef(ref: string, destDir: string, opts: SynthOptions & { readonly repoDir?: string } = {}): string {
  const repoDir = git(opts.repoDir ?? process.cwd(), ['rev-parse', '--show-toplevel']);
  const commit = resolveGitRef(repoDir, ref);
  if (commit === undefined) throw new SynthDiffError(`${ref}: not a directory and not a git revision in ${repoDir} (in CI, fetch the base branch first)`);
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-'));
  const worktree = path.join(tempDir, 'tree');
  git(repoDir, ['worktree', 'add', '--detach', '--quiet', worktree, commit]);
  try {
    for (const dir of ['.', ...workspaceDirs(repoDir)]) {
      const modules = path.join(repoDir, dir, 'node_modules');
      if (fs.existsSync(modules) && fs.existsSync(path.join(worktree, dir))) {
        fs.symlinkSync(modules, path.join(worktree, dir, 'node_modules'), 'dir');
      }
    }
    const outDir = synthesize(worktree, opts);
    fs.rmSync(destDir, { recursive: true, force: true });
    // The app may see the worktree through its real path (macOS: /var is /private/var).
    copyRewritingPaths(outDir, destDir, [...new Set([fs.realpathSync(worktree), worktree])].sort((a, b) => b.length - a.length), repoDir);
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: repoDir });
    fs.rmSync(tempDir, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: repoDir });
  }
  return commit;
}
