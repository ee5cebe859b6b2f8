/**
 * One Node.js release everywhere: .node-version (exact, e.g. 24.21.0) is what CI installs
 * (ci/install/node.sh, actions/setup-node's node-version-file), the build stage's
 * node:<version> image, the distroless nodejs<major> runtime, the packages' `engines` floor and
 * the @types/node major. Each disagreement is one message naming the file and the fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readDockerfile } from './dockerfile';
import { findDockerfiles } from './lint';

export function nodeReleaseProblems(root: string): string[] {
  const version = fs.readFileSync(path.join(root, '.node-version'), 'utf8').trim();
  if (!/^\d+\.\d+\.\d+$/.test(version)) return [`.node-version must hold one exact release like 24.21.0 (got "${version}")`];
  const major = version.split('.')[0];
  const problems: string[] = [];

  for (const file of findDockerfiles(root)) {
    for (const stage of readDockerfile(path.join(root, file)).stages) {
      const where = `${file}:${stage.line}`;
      const official = /^node:([^-@]+)/.exec(stage.base);
      if (official && official[1] !== version) problems.push(`${where}: FROM ${stage.base} must use node:${version}-<variant> (.node-version)`);
      const distroless = /^gcr\.io\/distroless\/nodejs(\d+)-/.exec(stage.base);
      if (distroless && distroless[1] !== major) problems.push(`${where}: FROM ${stage.base} must use gcr.io/distroless/nodejs${major}-... (.node-version is ${version})`);
    }
  }

  const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces as string[]) ?? [];
  const packageFiles = ['package.json', ...workspaces.flatMap((pattern) => expandWorkspace(root, pattern))];
  for (const file of packageFiles) {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    if (pkg.engines?.node !== `>=${major}`) problems.push(`${file}: engines.node must be ">=${major}" (got ${JSON.stringify(pkg.engines?.node)}), the release CI and the images run`);
    const types = pkg.devDependencies?.['@types/node'] as string | undefined;
    if (types !== undefined && types.split('.')[0] !== major) problems.push(`${file}: @types/node ${types} describes Node.js ${types.split('.')[0]}; use @types/node ${major}.x`);
  }

  const workflowFiles = ['.github/workflows', '.github/actions']
    .filter((dir) => fs.existsSync(path.join(root, dir)))
    .flatMap((dir) => walk(path.join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.relative(root, f)));
  for (const file of workflowFiles) {
    const doc = parse(fs.readFileSync(path.join(root, file), 'utf8')) ?? {};
    const steps = [...Object.values<{ steps?: unknown[] }>(doc.jobs ?? {}).flatMap((job) => job.steps ?? []), ...(doc.runs?.steps ?? [])] as Array<{ uses?: string; with?: Record<string, unknown> }>;
    for (const step of steps) {
      if (!step.uses?.startsWith('actions/setup-node@')) continue;
      if (step.with?.['node-version-file'] !== '.node-version' || step.with?.['node-version'] !== undefined) {
        problems.push(`${file}: actions/setup-node must take node-version-file: .node-version and no node-version (got ${JSON.stringify(step.with ?? {})})`);
      }
    }
  }
  return problems;
}

function expandWorkspace(root: string, pattern: string): string[] {
  if (!pattern.endsWith('/*')) return [path.join(pattern, 'package.json')];
  const parent = pattern.slice(0, -2);
  return fs
    .readdirSync(path.join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, parent, entry.name, 'package.json')))
    .map((entry) => path.join(parent, entry.name, 'package.json'));
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}
