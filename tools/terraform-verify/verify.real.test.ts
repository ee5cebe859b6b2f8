import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { formatError, StackReport, verifyStacks, VerifyReport } from './verify';
import { synthesized } from '../../__tests__/support/topology';
import { needsGoogleServiceAccount, WORKLOADS as WORKLOAD_DEFINITIONS } from '../../workloads';

/*
 * The real providers (google 6.50.0, kubernetes 2.38.0, cloudflare 5.14.0) on copies of a few dev
 * stacks; `npm run verify:terraform` runs all 22. GCP and Cloudflare cannot be reached from here, so
 * these are offline plans: what the providers validate and plan without calling an API.
 */
jest.setTimeout(180_000);

type Json = Record<string, any>;

/** A synth directory holding copies of the given stacks, each optionally edited. */
function synthCopy(stacks: Record<string, ((json: Json) => void) | null>): string {
  const source = synthesized().dir;
  const dir = mkdtempSync(join(tmpdir(), 'isoscribe-verify-test-'));
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8'));
  const kept: Json = {};
  for (const [stack, edit] of Object.entries(stacks)) {
    kept[stack] = manifest.stacks[stack];
    const stackDir = join(dir, 'stacks', stack);
    mkdirSync(stackDir, { recursive: true });
    const json = JSON.parse(readFileSync(join(source, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    edit?.(json);
    writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, stacks: kept }));
  return dir;
}

const stackOf = (report: VerifyReport, name: string): StackReport => report.stacks.find((s) => s.stack === name)!;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('verify:terraform with the real providers, offline (no GCP or Cloudflare API here)', () => {
  let broken: VerifyReport;
  let intact: VerifyReport;
  let readsCluster: VerifyReport;
  const WORKLOADS = 'isoscribe-dev-workloads-us-central1';

  beforeAll(async () => {
    const brokenDir = synthCopy({
      // An enum value the google provider does not accept (it takes AUTO_ONLY or MANUAL_ONLY).
      'isoscribe-dev-core': (json) => {
        json.resource.google_compute_router_nat['network-us-central1_nat_1CC72BBC'].nat_ip_allocate_option = 'AUTO';
      },
      'isoscribe-dev-cluster-us-central1': null,
      // A data source that reads the GCP API at plan time and has no stand-in.
      'isoscribe-dev-bootstrap': (json) => {
        json.data = { google_project: { current: { project_id: 'isoscribe-dev' } } };
      },
    });
    const intactDir = synthCopy({ 'isoscribe-dev-core': null, 'isoscribe-dev-cluster-us-central1': null, [WORKLOADS]: null });
    // A kubernetes data source is read at plan time: the provider needs the cluster, and its token.
    const readsClusterDir = synthCopy({
      'isoscribe-dev-core': null,
      'isoscribe-dev-cluster-us-central1': null,
      [WORKLOADS]: (json) => {
        json.data.kubernetes_namespace_v1 = { probe: { metadata: { name: 'default' } } };
      },
    });
    dirs.push(brokenDir, intactDir, readsClusterDir);
    // One terraform process at a time: the other jest worker runs timing-sensitive suites beside this.
    broken = await verifyStacks({ synthDir: brokenDir, parallel: 1 });
    intact = await verifyStacks({ synthDir: intactDir, parallel: 1 });
    readsCluster = await verifyStacks({ synthDir: readsClusterDir, parallel: 1 });
  });

  test('a value the provider rejects fails the run, naming stack, resource address, attribute and value', () => {
    expect(broken.ok).toBe(false);
    const core = stackOf(broken, 'isoscribe-dev-core');
    expect(core.validate).toBe('failed');
    expect(core.errors).toHaveLength(1);
    const [error] = core.errors;
    expect(error).toMatchObject({
      stack: 'isoscribe-dev-core',
      phase: 'validate',
      address: 'google_compute_router_nat.network-us-central1_nat_1CC72BBC',
      attribute: 'nat_ip_allocate_option',
    });
    const message = formatError(error);
    expect(message).toContain('isoscribe-dev-core › google_compute_router_nat.network-us-central1_nat_1CC72BBC (nat_ip_allocate_option)');
    expect(message).toMatch(/validate: expected nat_ip_allocate_option to be one of \[.*"AUTO_ONLY".*\], got AUTO$/);
  });

  test('a stack whose upstream failed is not planned, and says why', () => {
    const cluster = stackOf(broken, 'isoscribe-dev-cluster-us-central1');
    expect(cluster.validate).toBe('ok');
    expect(cluster.plan).toBe('skipped');
    expect(cluster.skippedBecause).toBe('upstream plan failed: isoscribe-dev-core');
  });

  test('a data source that calls an API without a stand-in fails with its address; its request never leaves the machine', () => {
    const bootstrap = stackOf(broken, 'isoscribe-dev-bootstrap');
    expect(bootstrap.plan).toBe('failed');
    expect(bootstrap.errors.map((e) => e.address)).toContain('data.google_project.current');
    expect(bootstrap.networkAttempts).toContain('cloudresourcemanager.googleapis.com:443');
  });

  test("a stack whose plan needs the cluster fails, saying the kubernetes provider ran its credential plugin (refused, whatever is installed)", () => {
    expect(readsCluster.ok).toBe(false);
    const workloads = stackOf(readsCluster, WORKLOADS);
    expect(workloads.plan).toBe('failed');
    expect(workloads.errors.map((e) => e.summary)).toContain(
      "the kubernetes provider ran its credential plugin gke-gcloud-auth-plugin (refused): an offline plan must not need a cluster's token",
    );
    expect(workloads.errors.map((e) => e.address)).toContain('data.kubernetes_namespace_v1.probe');
  });

  test('the unbroken stacks plan, and every value the cloud would supply is listed as a stand-in', () => {
    // On failure, say which stack failed and why (a bare false says nothing).
    const failures = intact.stacks
      .filter((stack) => stack.validate !== 'ok' || stack.plan !== 'ok')
      .map((stack) => `${stack.stack}: validate ${stack.validate}, plan ${stack.plan}${stack.skippedBecause ? ` (${stack.skippedBecause})` : ''}; ${stack.errors.map(formatError).join(' | ')}`);
    expect(failures).toEqual([]);
    expect(intact.ok).toBe(true);
    const core = stackOf(intact, 'isoscribe-dev-core');
    const cluster = stackOf(intact, 'isoscribe-dev-cluster-us-central1');
    // 42: one of them the NAT's reserved egress address (dev reaches MongoDB over public TLS); the search
    // engine's secrets, snapshot bucket and their grants among the rest.
    expect([core.plan, core.add, core.errors]).toEqual(['ok', 42, []]);
    // 3: the cluster, its workloads' node pool and the search engine's node pool.
    expect([cluster.plan, cluster.add, cluster.errors]).toEqual(['ok', 3, []]);
    // Core reads the accounts bootstrap created (stand-ins for the IAM API): the node account and one
    // per workload whose pods call Google themselves, and the search engine's (snapshots). The cluster
    // reads three core outputs: the node account's email, passed on from that data source's stand-in;
    // the network and subnetwork ids, which exist only after apply.
    expect(core.standIns.map((s) => s.target).filter((t) => t.startsWith('data.google_service_account.'))).toHaveLength(1 + WORKLOAD_DEFINITIONS.filter(needsGoogleServiceAccount).length + 1);
    const remote = 'data.terraform_remote_state.cross-stack-reference-input-isoscribe-dev-core.outputs';
    expect(cluster.standIns.map((s) => [s.target, s.value]).sort()).toEqual([
      [`${remote}.cross-stack-output-datagoogle_service_accountnode-sa_account_3DF40D53email`, 'isoscribe-dev-gke-node@isoscribe-dev.iam.gserviceaccount.com'],
      [`${remote}.cross-stack-output-google_compute_networkvpcid`, 'projects/isoscribe-dev/global/networks/isoscribe-dev'],
      [
        `${remote}.cross-stack-output-google_compute_subnetworknetwork-us-central1_subnet_BB8176ACid`,
        'projects/isoscribe-dev/regions/us-central1/subnetworks/isoscribe-dev-us-central1-nodes',
      ],
    ]);
    // The workloads stack plans without its kubernetes provider's credential plugin (refused here if run).
    const workloads = stackOf(intact, WORKLOADS);
    expect([workloads.plan, workloads.errors]).toEqual(['ok', []]);
    expect(workloads.add).toBeGreaterThan(10);
    const network = cluster.standIns.find((s) => s.target.endsWith('google_compute_networkvpcid'))!;
    expect(network.reason).toMatch(/^isoscribe-dev-core: google_compute_network\.vpc\.id is unknown until apply/);
  });
});

describe('verify:terraform provider installation', () => {
  test('a pin with no binary in the mirror fails and names the binary it needs', async () => {
    const synthDir = synthCopy({
      'isoscribe-dev-core': (json) => {
        json.terraform.required_providers.google.version = '6.99.0';
      },
    });
    const providersDir = mkdtempSync(join(tmpdir(), 'isoscribe-providers-'));
    dirs.push(synthDir, providersDir);
    writeFileSync(join(providersDir, 'SHA256SUMS'), '');
    await expect(verifyStacks({ synthDir, providersDir, toolsDir: join(providersDir, 'tools') })).rejects.toThrow(
      `no terraform-provider-google_v6.99.0.xz in ${providersDir}`,
    );
  });
});
