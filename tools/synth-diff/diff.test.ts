import * as path from 'node:path';
import { diffStack, diffSynthOutputs, loadSynthOutput, SynthDiffError, type StackDiff } from '.';

const fixtures = path.join(__dirname, 'fixtures');
const load = (name: string) => loadSynthOutput(path.join(fixtures, name));

function stack(diffs: StackDiff[], name: string): StackDiff {
  const found = diffs.find((diff) => diff.stack === name);
  if (found === undefined) throw new Error(`no stack ${name} in ${diffs.map((diff) => diff.stack).join(', ')}`);
  return found;
}

function block(diff: StackDiff, address: string) {
  const found = diff.blocks.find((candidate) => candidate.address === address);
  if (found === undefined) throw new Error(`no block ${address} in ${diff.stack}`);
  return found;
}

describe('diffSynthOutputs on fixtures', () => {
  const diffs = diffSynthOutputs(load('base'), load('head'));

  test('reports every stack of either side once, sorted by name', () => {
    expect(diffs.map((diff) => [diff.stack, diff.status])).toEqual([
      ['isoscribe-dev-cluster-europe-west1', 'changed'],
      ['isoscribe-dev-cluster-us-east1', 'added'],
      ['isoscribe-dev-core', 'changed'],
      ['isoscribe-dev-edge', 'removed'],
      ['isoscribe-dev-workloads-europe-west1', 'changed'],
    ]);
  });

  test('lists the blocks of added and removed stacks', () => {
    expect(stack(diffs, 'isoscribe-dev-cluster-us-east1').blocks.map((b) => `${b.action} ${b.address}`)).toEqual([
      'added google_container_cluster.main',
      'added google_container_node_pool.primary',
      'added provider.google',
      'added terraform',
    ]);
    expect(stack(diffs, 'isoscribe-dev-edge').counts).toEqual({ added: 0, removed: 3, changed: 0 });
  });

  test('reports added, removed and changed resources, data sources, outputs and providers', () => {
    const core = stack(diffs, 'isoscribe-dev-core');
    const actions = Object.fromEntries(core.blocks.map((b) => [b.address, b.action]));
    expect(actions).toMatchObject({
      'google_compute_subnetwork.us-east1': 'added',
      'google_project_service.legacy': 'removed',
      'google_compute_subnetwork.europe-west1': 'changed',
      'data.google_project.this': 'changed',
      'output.bucket_name': 'added',
      'provider.google.us': 'changed',
      terraform: 'changed',
    });
    expect(block(core, 'data.google_project.this').attributes).toEqual([
      { path: 'project_id', action: 'changed', sensitive: false, before: 'isoscribe-dev', after: 'isoscribe-dev-2' },
    ]);
  });

  test('names nested attribute paths, with array indexes and quoted map keys', () => {
    const cluster = block(stack(diffs, 'isoscribe-dev-cluster-europe-west1'), 'google_container_cluster.main');
    expect(cluster.attributes.map((a) => [a.path, a.action, a.before, a.after])).toEqual([
      ['master_authorized_networks_config.cidr_blocks[1]', 'added', undefined, { cidr_block: '192.168.0.0/24', display_name: 'ci' }],
      ['node_config.shielded_instance_config.enable_secure_boot', 'changed', false, true],
      ['release_channel.channel', 'changed', 'REGULAR', 'STABLE'],
    ]);
    const subnet = block(stack(diffs, 'isoscribe-dev-core'), 'google_compute_subnetwork.europe-west1');
    expect(subnet.attributes.map((a) => a.path)).toEqual(['secondary_ip_range[0].ip_cidr_range']);
    const bucket = block(stack(diffs, 'isoscribe-dev-core'), 'google_storage_bucket.bundles');
    expect(bucket.attributes.map((a) => a.path)).toContain('labels["app.kubernetes.io/part-of"]');
  });

  test('shows backend changes', () => {
    const terraform = block(stack(diffs, 'isoscribe-dev-core'), 'terraform');
    expect(terraform.attributes.map((a) => `${a.action} ${a.path}`)).toEqual(['added backend.gcs', 'removed backend.local']);
  });

  test('ignores cdktf metadata: a resource whose construct path moved is not reported', () => {
    expect(stack(diffs, 'isoscribe-dev-core').blocks.map((b) => b.address)).not.toContain('google_compute_network.vpc');
  });
});

describe('no change', () => {
  test('reordered keys and different construct metadata compare equal', () => {
    const diffs = diffSynthOutputs(load('base'), load('same'));
    expect(diffs).toHaveLength(4);
    expect(diffs.every((diff) => diff.status === 'unchanged' && diff.blocks.length === 0)).toBe(true);
  });
});

describe('arrays', () => {
  const withRules = (rules: unknown[]) => ({ resource: { google_compute_security_policy: { edge: { rule: rules } } } });
  const attributes = (before: unknown[], after: unknown[]) =>
    diffStack('s', withRules(before), withRules(after)).blocks[0]?.attributes.map((a) => `${a.action} ${a.path}`) ?? [];

  test('an inserted element is one addition, not a change of every later element', () => {
    expect(attributes([{ p: 1 }, { p: 2 }, { p: 3 }], [{ p: 0 }, { p: 1 }, { p: 2 }, { p: 3 }])).toEqual(['added rule[0]']);
  });

  test('a removed element is one removal, named by its old index', () => {
    expect(attributes(['a', 'b', 'c'], ['a', 'c'])).toEqual(['removed rule[1]']);
  });

  test('an element edited while another is added is reported as a nested change', () => {
    expect(attributes([{ p: 1, a: 'allow' }, { p: 2 }], [{ p: 1, a: 'deny' }, { p: 2 }, { p: 3 }])).toEqual([
      'changed rule[0].a',
      'added rule[2]',
    ]);
  });

  test('same length compares index by index', () => {
    expect(attributes(['10.0.0.0/8', '172.16.0.0/12'], ['10.0.0.0/8', '192.168.0.0/16'])).toEqual(['changed rule[1]']);
  });
});

describe('blocks', () => {
  test('providers are addressed by alias; a type change of a value is a change at that path', () => {
    const diff = diffStack(
      's',
      { provider: { google: [{ project: 'a' }, { alias: 'eu', project: 'a' }] }, locals: { n: 1 } },
      { provider: { google: [{ project: 'a' }, { alias: 'eu', project: 'b' }] }, locals: { n: { x: 1 } } },
    );
    expect(diff.blocks.map((b) => `${b.action} ${b.address} ${b.attributes.map((a) => a.path).join(',')}`)).toEqual([
      'changed provider.google.eu project',
      'changed local.n ',
    ]);
  });
});

describe('loadSynthOutput errors name the path', () => {
  test('missing directory', () => {
    expect(() => load('does-not-exist')).toThrow(SynthDiffError);
    expect(() => load('does-not-exist')).toThrow(/fixtures\/does-not-exist: directory not found/);
  });

  test('directory without manifest', () => {
    expect(() => loadSynthOutput(path.join(fixtures, 'base', 'stacks'))).toThrow(/stacks\/manifest\.json: not found/);
  });

  test('invalid JSON in a stack file', () => {
    expect(() => load('broken')).toThrow(/broken\/stacks\/isoscribe-dev-core\/cdk\.tf\.json: the Terraform JSON of stack "isoscribe-dev-core" is not valid JSON/);
  });
});
