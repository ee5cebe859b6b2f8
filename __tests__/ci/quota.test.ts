import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DISK_QUOTAS, MACHINE_TYPES, quotaNeeds } from '../../ci/quota';
import { environment, synthesized, type TfJson } from '../support/topology';

/*
 * `npm run quota`: each environment's regional quota needs from config. The node pools it counts are
 * read back from the synthesized cluster stacks, so the table cannot drift from what is deployed.
 */

const need = (env: string, region: string, quota: string) => quotaNeeds(environment(env)).find((n) => n.region === region && n.quota === quota)!;

describe('quota needs', () => {
  it('production: 12 vCPU and 300 GB of balanced disk per region at the minimum (36 vCPU in all), five times that at the maximum', () => {
    const env = environment('production');
    const cpus = quotaNeeds(env).filter((n) => n.quota === 'CPUS');
    expect(cpus.map((n) => [n.region, n.atMin, n.atMax])).toEqual(env.regions.map((r) => [r.name, 12, 60]));
    expect(cpus.reduce((sum, n) => sum + n.atMin, 0)).toBe(36);
    expect(need('production', 'us-central1', 'SSD_TOTAL_GB')).toMatchObject({ atMin: 300, atMax: 1500 });
    // A surge upgrade adds a node per zone on top of the maximum.
    expect(need('production', 'us-central1', 'CPUS').duringUpgrade).toBe(72);
  });

  it.each(['dev', 'staging', 'production'])('%s: the counted node pools are the synthesized ones (machine type, disk, zones, autoscaling)', (envName) => {
    const out = synthesized();
    for (const region of environment(envName).regions) {
      const stack: TfJson = out.read(`isoscribe-${envName}-cluster-${region.name}`);
      const [pool] = Object.values<TfJson>(stack.resource.google_container_node_pool);
      const machine = MACHINE_TYPES[pool.node_config.machine_type];
      const zones = pool.node_locations.length;
      expect(need(envName, region.name, machine.quota)).toMatchObject({
        atMin: pool.autoscaling.min_node_count * zones * machine.vcpus,
        atMax: pool.autoscaling.max_node_count * zones * machine.vcpus,
        duringUpgrade: (pool.autoscaling.max_node_count + pool.upgrade_settings.max_surge) * zones * machine.vcpus,
      });
      expect(need(envName, region.name, DISK_QUOTAS[pool.node_config.disk_type])).toMatchObject({
        atMin: pool.autoscaling.min_node_count * zones * pool.node_config.disk_size_gb,
        atMax: pool.autoscaling.max_node_count * zones * pool.node_config.disk_size_gb,
      });
      // The NAT's reserved addresses, as core reserves them.
      const core: TfJson = out.read(`isoscribe-${envName}-core`);
      const reserved = Object.values<TfJson>(core.resource.google_compute_address ?? {}).filter((a) => a.region === region.name).length;
      expect(quotaNeeds(environment(envName)).find((n) => n.region === region.name && n.quota === 'STATIC_ADDRESSES')?.atMin ?? 0).toBe(reserved);
    }
  });

  it('refuses a machine type it has no vCPU count for, naming the field and the fix', () => {
    const env = structuredClone(environment('staging'));
    (env.regions[0].nodePool as { machineType: string }).machineType = 'n2-standard-8';
    expect(() => quotaNeeds(env)).toThrow('config/staging.ts › regions[europe-west1].nodePool.machineType "n2-standard-8" has no vCPU count in ci/quota.ts MACHINE_TYPES; add it');
  });

  it('npm run quota prints a table per environment', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../ci/quota.ts'), '--env', 'production'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('### production (project `isoscribe-prod`)');
    expect(run.stdout).toContain('| asia-northeast1 | `CPUS` | 12 | 60 | 72 | e2-standard-4 (4 vCPU)');
    expect(run.stdout).not.toContain('### staging');
  });
});
