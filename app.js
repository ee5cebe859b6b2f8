#!/usr/bin/env node
/*
 * The app entry point of cdktf.json: transpiles the program's TypeScript with swc into
 * node_modules/.cache/isoscribe-app (only files whose content changed; ~50 ms for all of them) and
 * runs main().
 *
 * Why not tsx: its resolver hooks and source-map support cost ~40% of a synth (cdktf captures a stack
 * trace for every token, and source maps make each one expensive). Type-checking is `npm run
 * typecheck`'s job, not synth's. Run `node --enable-source-maps app.js` to map an error's
 * stack back to the .ts lines (the transpiled files carry inline source maps).
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');

const root = __dirname;
/** What main.ts imports, transitively. A directory missing here fails synth with "Cannot find module". */
const APP_SOURCES = ['main.ts', 'facts', 'config', 'stacks', 'constructs', 'policy', 'workloads', 'monitoring'];
// One cache per checkout: a git worktree (synth-diff's base) shares node_modules through a symlink.
const sha1 = (text) => crypto.createHash('sha1').update(text).digest('hex');
const outRoot = path.join(root, 'node_modules/.cache/isoscribe-app', sha1(root).slice(0, 12));

function sourcesUnder(rel) {
  const abs = path.join(root, rel);
  if (fs.statSync(abs).isFile()) return [rel];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const child = path.join(rel, e.name);
    if (e.isDirectory()) return sourcesUnder(child);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [child] : [];
  });
}

function transpile() {
  const expected = new Set();
  for (const src of APP_SOURCES.flatMap(sourcesUnder)) {
    const out = path.join(outRoot, src.replace(/\.ts$/, '.js'));
    expected.add(out);
    const source = fs.readFileSync(path.join(root, src), 'utf8');
    // The last line records the source's hash: content decides, not mtimes (checkouts rewrite those).
    const stamp = `\n// isoscribe-app ${sha1(source)}\n`;
    if (fs.existsSync(out) && fs.readFileSync(out, 'utf8').endsWith(stamp)) continue;
    const { code } = swc.transformSync(source, {
      filename: src,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
      swcrc: false,
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, code + stamp);
  }
  // A deleted or renamed source must not live on as a stale module.
  for (const file of fs.existsSync(outRoot) ? sourcesUnderAbs(outRoot) : []) {
    if (!expected.has(file)) fs.rmSync(file);
  }
}

function sourcesUnderAbs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourcesUnderAbs(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

transpile();
require(path.join(outRoot, 'main.js')).main();
