import * as fs from 'node:fs';
import * as path from 'node:path';
import { deployWaves, renderWaveTable } from '../../ci/deploy-waves';
import { stackWaves } from '../../tools/stack-order/stack-order';
import { planEnvironment } from '../../stacks/bootstrap-stack';
import { synthesized } from '../support/topology';

/* docs/deploy.md against the app it documents: the deploy order, the names and the commands. */

const root = path.resolve(__dirname, '../..');
const doc = fs.readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');

function block(name: string): string {
  const start = `<!-- ${name}:start -->\n`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(`\n<!-- ${name}:end -->`);
  if (from < 0 || to < from) throw new Error(`docs/deploy.md has no ${name} block`);
  return doc.slice(from + start.length, to);
}

describe('docs/deploy.md', () => {
  it.each(['staging', 'production'])('documents the %s deploy waves exactly as the manifest orders them', (env) => {
    const waves = deployWaves(stackWaves(synthesized().manifest, { environment: env }));
    // After changing stacks: npx tsx ci/deploy-waves.ts --env <env> --markdown
    expect(block(`deploy-waves:${env}`)).toBe(renderWaveTable(waves));
  });

  it('fails when the documented order is not the manifest\'s (the check above can fail)', () => {
    const waves = deployWaves(stackWaves(synthesized().manifest, { environment: 'production' }));
    const swapped = renderWaveTable([waves[1], waves[0], ...waves.slice(2)]);
    expect(block('deploy-waves:production')).not.toBe(swapped);
  });

  it('walks a new environment in order: bootstrap, GitHub settings, secret, first deploy', () => {
    const steps = ['npx cdktf deploy "$STACK"', 'gh variable set', 'gh api -X PUT', 'gcloud secrets versions add', 'ci/saved-plan.sh apply'];
    const positions = steps.map((s) => doc.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('names every GitHub environment and repository variable the workflows use', () => {
    const workflows = fs.readdirSync(path.join(root, '.github/workflows')).map((f) => fs.readFileSync(path.join(root, '.github/workflows', f), 'utf8')).join('\n');
    for (const env of ['staging', 'production']) {
      expect(doc).toContain(`Environment \`${env}\``);
      expect(doc).toContain(`Environment \`${planEnvironment(env)}\``);
    }
    const variables = [...new Set([...workflows.matchAll(/'\{0\}(_GCP_[A-Z_]+)'/g)].map((m) => m[1]))];
    expect(variables.length).toBeGreaterThan(0);
    for (const suffix of variables) expect(doc).toContain(`"\${P}${suffix}"`);
  });

  it('reads only outputs the bootstrap stack has', () => {
    const outputs = Object.keys(synthesized().read('isoscribe-staging-bootstrap').output);
    const read = [...doc.matchAll(/\$\(out ([a-z_]+)\)|output -raw ([a-z_]+)/g)].map((m) => m[1] ?? m[2]);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((o) => !outputs.includes(o))).toEqual([]);
  });
  describe("the Cloudflare tokens' permission table", () => {
    /** Every Cloudflare resource and data source type of every synthesized stack, and each zone ruleset's phase. */
    function cloudflareUses(): Map<string, Set<string>> {
      const out = synthesized();
      const uses = new Map<string, Set<string>>();
      const note = (what: string, stack: string) => uses.set(what, (uses.get(what) ?? new Set()).add(stack));
      for (const stack of Object.keys(out.manifest.stacks)) {
        const json = out.read(stack);
        for (const [mode, prefix] of [['resource', ''], ['data', 'data.']] as const) {
          for (const [type, byName] of Object.entries<Record<string, { phase?: string }>>(json[mode] ?? {})) {
            if (!type.startsWith('cloudflare_')) continue;
            note(`${prefix}${type}`, stack);
            if (type === 'cloudflare_ruleset') for (const r of Object.values(byName)) note(r.phase!, stack);
          }
        }
      }
      return uses;
    }
    const table = () => {
      const from = doc.indexOf("**The Cloudflare API tokens' permissions**");
      return doc.slice(from, doc.indexOf('\n\n', doc.indexOf('| permission |', from)));
    };

    it('has a row for every Cloudflare resource type, data source and ruleset phase the stacks use', () => {
      const uses = cloudflareUses();
      expect(uses.size).toBeGreaterThan(5);
      const missing = [...uses.keys()].filter((what) => what !== 'data.cloudflare_ip_ranges' && !table().includes(`\`${what}\``));
      // A new Cloudflare type needs its permission in docs/deploy.md, step 2, before anyone can deploy it.
      expect(missing).toEqual([]);
    });

    it('names a permission for both tokens in every row', () => {
      const rows = table().split('\n').filter((line) => line.startsWith('| Zone ›'));
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const row of rows) expect(row).toMatch(/^\| Zone › [^|]+ \| (Edit|Read) \| Read \| /);
    });
  });
});
