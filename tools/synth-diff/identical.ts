import * as fs from 'node:fs';
import * as path from 'node:path';

function filesUnder(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? filesUnder(dir, relative) : [relative];
  });
}

/**
 * A file's contents as compared. The manifest's annotations carry the stack trace of the code that
 * added them (source paths and lines, and a build-cache hash that changes with any edit); those say
 * nothing about the output, so they are left out. Every other byte counts.
 */
function comparable(file: string, contents: Buffer): Buffer {
  if (path.basename(file) !== 'manifest.json') return contents;
  const manifest = JSON.parse(contents.toString('utf8')) as { stacks?: Record<string, { annotations?: { stacktrace?: unknown }[] }> };
  for (const stack of Object.values(manifest.stacks ?? {})) {
    for (const annotation of stack.annotations ?? []) delete annotation.stacktrace;
  }
  return Buffer.from(JSON.stringify(manifest, null, 2));
}

/**
 * Files that are not byte for byte the same (the manifest's stack traces aside) in two synth output directories: present in one only,
 * or with other contents. Empty when a refactoring changed nothing the providers would see.
 */
export function differingFiles(baseDir: string, headDir: string): string[] {
  const base = new Set(filesUnder(baseDir));
  const head = new Set(filesUnder(headDir));
  const differing: string[] = [];
  for (const file of [...new Set([...base, ...head])].sort()) {
    if (!base.has(file)) differing.push(`${file} (only in head)`);
    else if (!head.has(file)) differing.push(`${file} (only in base)`);
    else if (!comparable(file, fs.readFileSync(path.join(baseDir, file))).equals(comparable(file, fs.readFileSync(path.join(headDir, file))))) differing.push(file);
  }
  return differing;
}
