import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS, loadEnvironments } from '../config';
import { END_MARKER, renderBlock, renderMermaid, START_MARKER } from '../tools/diagram/diagram';
import { stackOrder, type StackManifest } from '../tools/stack-order/stack-order';
import { DEPLOYER_ROLES, PLANNER_DENIED, PLANNER_ROLES, type RoleGrant } from '../stacks/bootstrap-stack';
import { NODE_PROJECT_ROLES } from '../stacks/core-stack';
import { synthesized, type TfJson } from './support/topology';

/*
 * The whole app, every environment, as the real `cdktf synth` of the test run wrote it: the delivery
 * pieces are checked against the real manifest and the real Terraform JSON of every stack.
 */

const root = path.resolve(__dirname, '..');
const envs = loadEnvironments(ENVIRONMENTS);
let manifest: StackManifest & { stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }> };
const stacks: Record<string, TfJson> = {};

beforeAll(() => {
  const shared = synthesized();
  manifest = shared.manifest;
  for (const name of Object.keys(manifest.stacks)) stacks[name] = shared.read(name);
});

const isBootstrap = (name: string) => name.endsWith('-bootstrap');

describe('bootstrap stacks in the synthesized app', () => {
  it('are one per environment, keep local state, and no stack depends on them', () => {
    expect(Object.keys(manifest.stacks).filter(isBootstrap).sort()).toEqual(envs.map((e) => `isoscribe-${e.name}-bootstrap`).sort());
    for (const [name, entry] of Object.entries(manifest.stacks)) {
      expect(entry.dependencies.filter(isBootstrap)).toEqual([]);
      if (isBootstrap(name)) expect(Object.keys(stacks[name].terraform.backend)).toEqual(['local']);
    }
  });

  it('the GCS backend of every other stack uses the bucket its environment bootstrap creates', () => {
    for (const env of envs.filter((e) => e.backend.type === 'gcs')) {
      const bucket = Object.values<TfJson>(stacks[`isoscribe-${env.name}-bootstrap`].resource.google_storage_bucket)[0].name;
      for (const name of stackOrder(manifest, { environment: env.name })) {
        expect(stacks[name].terraform.backend.gcs).toEqual({ bucket, prefix: `stacks/${name}` });
      }
    }
  });
});

describe('stack-order on the real manifest', () => {
  it.each(envs.map((e) => e.name))('puts every %s stack after the stacks it depends on, bootstrap excluded', (env) => {
    const order = stackOrder(manifest, { environment: env });
    const all = Object.keys(manifest.stacks).filter((n) => n.startsWith(`isoscribe-${env}-`) && !isBootstrap(n));
    expect([...order].sort()).toEqual(all.sort());
    for (const [index, stack] of order.entries()) {
      for (const dependency of manifest.stacks[stack].dependencies) expect(order.indexOf(dependency)).toBeLessThan(index);
    }
    expect(order[0]).toBe(`isoscribe-${env}-core`);
  });
});

function matches(pattern: string, type: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(type);
}

function covered(type: string, grants: readonly RoleGrant[]): boolean {
  return grants.some((g) => g.covers.some((p) => matches(p, type)) && !(g.except ?? []).some((p) => matches(p, type)));
}

describe('CI service accounts against the topology they act on', () => {
  const topologyTypes = () => {
    const types = new Map<string, string>();
    for (const [name, json] of Object.entries(stacks)) {
      if (isBootstrap(name)) continue;
      for (const type of Object.keys(json.resource ?? {})) if (!types.has(type)) types.set(type, name);
      for (const type of Object.keys(json.data ?? {})) if (!types.has(`data.${type}`)) types.set(`data.${type}`, name);
    }
    return types;
  };

  it('sees resources and data sources of every layer', () => {
    const types = [...topologyTypes().keys()];
    for (const expected of ['google_container_cluster', 'kubernetes_deployment_v1', 'cloudflare_ruleset', 'data.terraform_remote_state']) {
      expect(types).toContain(expected);
    }
    expect(covered('kubernetes_secret_v1', [PLANNER_ROLES.find((g) => g.role === 'roles/container.viewer')!])).toBe(false);
  });

  it('the deployer holds a role for every resource type of every stack', () => {
    const missing = [...topologyTypes()].filter(([type]) => !covered(type, DEPLOYER_ROLES)).map(([type, stack]) => `${type} (${stack})`);
    expect(missing).toEqual([]); // add the role that manages it to DEPLOYER_ROLES in stacks/bootstrap-stack.ts
  });

  it('the planner can read every resource type of every stack but secret values', () => {
    const denied = (type: string) => PLANNER_DENIED.some((p) => matches(p, type));
    const missing = [...topologyTypes()].filter(([type]) => !denied(type) && !covered(type, PLANNER_ROLES)).map(([type, stack]) => `${type} (${stack})`);
    expect(missing).toEqual([]); // add a read-only role for it to PLANNER_ROLES in stacks/bootstrap-stack.ts
  });

  it('no planner role covers a secret value (anyone who can open a pull request acts as the planner)', () => {
    const leaking = [...topologyTypes().keys()].filter((type) => PLANNER_DENIED.some((p) => matches(p, type)) && covered(type, PLANNER_ROLES));
    expect(leaking).toEqual([]);
    expect(covered('data.google_secret_manager_secret_version', PLANNER_ROLES)).toBe(false);
    expect(covered('kubernetes_secret_v1', PLANNER_ROLES)).toBe(false);
  });

  it('the deployer may grant every project role the topology grants (its IAM condition lists them)', () => {
    const granted = new Set<string>();
    for (const [name, json] of Object.entries(stacks)) {
      if (isBootstrap(name)) continue;
      for (const member of Object.values<TfJson>(json.resource?.google_project_iam_member ?? {})) granted.add(member.role);
    }
    expect(granted.size).toBeGreaterThan(0);
    expect([...granted].filter((role) => !NODE_PROJECT_ROLES.includes(role))).toEqual([]);
  });
});

describe('README topology diagram', () => {
  it('matches the app: run `npm run diagram` after changing stacks', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf(START_MARKER);
    const end = readme.indexOf(END_MARKER);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const committed = readme.slice(start, end + END_MARKER.length);
    expect(committed).toBe(renderBlock(renderMermaid(manifest, envs.map((e) => e.name))));
  });

  it('draws every stack once and every dependency as an arrow', () => {
    const mermaid = renderMermaid(manifest, envs.map((e) => e.name));
    for (const [name, entry] of Object.entries(manifest.stacks)) {
      const id = name.replace(/[^A-Za-z0-9]/g, '_');
      expect(mermaid.match(new RegExp(`^    ${id}\\[`, 'gm'))).toHaveLength(1);
      for (const dependency of entry.dependencies) expect(`${mermaid}\n`).toContain(`  ${dependency.replace(/[^A-Za-z0-9]/g, '_')} --> ${id}\n`);
    }
    expect(renderMermaid(manifest, envs.map((e) => e.name))).toBe(mermaid);
  });
});
