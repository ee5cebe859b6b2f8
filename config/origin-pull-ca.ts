import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The CA certificates (public, PEM) an environment's load balancer trusts for client certificates:
 * every `.pem` in `config/origin-pull-ca/<environment>/`, as docs/deploy/origin-pull-cert.ts writes them.
 * Two files while a rotation is under way; none means the directory has not been created yet.
 */
export function trustedOriginPullCas(environment: string): string[] {
  const dir = path.join(repositoryRoot(), 'config', 'origin-pull-ca', environment);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/** The checkout this module belongs to; it also runs transpiled from node_modules/.cache (app.js). */
export function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cdktf.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no cdktf.json above ${__dirname}: cannot find the repository's data files`);
  }
}
