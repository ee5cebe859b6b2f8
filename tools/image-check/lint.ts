/**
 * hadolint over the repository's Dockerfiles, with .hadolint.yaml, and the rule that every ignored
 * hadolint rule carries its reason. Dockerfiles are found, not listed, so a new image is linted too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Generated, installed or vendored trees: never the project's own Dockerfiles. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.tools', '.venv', 'cdktf.out', 'dist', '.terraform', '.gen', 'coverage']);

/** Every Dockerfile under `root` (`Dockerfile`, `Dockerfile.<x>`, `<x>.Dockerfile`), relative, sorted. */
export function findDockerfiles(root: string, dir = root): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...findDockerfiles(root, path.join(dir, entry.name)));
    } else if (/^(Dockerfile(\.[\w.-]+)?|[\w.-]+\.Dockerfile)$/.test(entry.name) && !entry.name.endsWith('.dockerignore')) {
      found.push(path.relative(root, path.join(dir, entry.name)));
    }
  }
  return found.sort();
}

/** hadolint from ci/install/hadolint.sh (.venv/hadolint), else from PATH. */
export function hadolintBinary(root: string): string {
  const local = path.join(root, '.venv/hadolint/bin/hadolint');
  if (fs.existsSync(local)) return local;
  const which = spawnSync('sh', ['-c', 'command -v hadolint'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('hadolint is not installed: run `bash ci/install/hadolint.sh`');
}

export interface HadolintResult {
  readonly status: number | null;
  /** One line per finding: `<file>:<line> <rule> <level>: <message>`. */
  readonly findings: string[];
}

export function runHadolint(root: string, files: string[], config = path.join(root, '.hadolint.yaml')): HadolintResult {
  const run = spawnSync(hadolintBinary(root), ['--config', config, '--no-color', '--format', 'json', ...files], { cwd: root, encoding: 'utf8' });
  if (run.error) throw run.error;
  let parsed: Array<{ file: string; line: number; code: string; level: string; message: string }>;
  try {
    parsed = JSON.parse(run.stdout || '[]');
  } catch {
    throw new Error(`hadolint printed no JSON (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return { status: run.status, findings: parsed.map((f) => `${f.file}:${f.line} ${f.code} ${f.level}: ${f.message}`) };
}

/** Ignored rules in .hadolint.yaml (`ignored:` list) that have no `# <rule>: <reason>` comment right above them. */
export function ignoredWithoutReason(configText: string): string[] {
  const lines = configText.split('\n');
  const start = lines.findIndex((line) => /^ignored:/.test(line));
  if (start < 0) return [];
  const inline = /^ignored:\s*\[(.*)\]/.exec(lines[start]);
  if (inline) return inline[1].split(',').map((rule) => rule.trim()).filter(Boolean);
  const missing: string[] = [];
  for (let i = start + 1; i < lines.length && /^(\s|$)/.test(lines[i]); i++) {
    const rule = /^\s*-\s*(\S+)/.exec(lines[i])?.[1];
    if (rule === undefined) continue;
    const reason = new RegExp(`^\\s*#\\s*${rule}:\\s*\\S.{9,}`).test(lines[i - 1] ?? '');
    if (!reason) missing.push(rule);
  }
  return missing;
}
