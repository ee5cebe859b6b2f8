/*
 * npm run quota [-- --env production]
 *
 * What each environment needs of its project's regional Compute Engine quotas, from config: the
 * node pool's vCPUs and boot disks at the autoscaler's minimum, at its maximum, and at the maximum
 * during a surge upgrade; the NAT's reserved addresses; the zonal NEGs. A new project's defaults can
 * be lower (docs/deploy.md, "Quotas"): request the difference before the cluster wave of the first
 * deploy. Quota names as the Compute Engine API reports them (`gcloud compute regions describe
 * <region> --format="table(quotas.metric,quotas.limit,quotas.usage)"`).
 */
import { loadEnvironments, selectEnvironments, ENVIRONMENTS, type EnvironmentConfig } from '../config';
import { DEFAULT_NODE_DISK_SIZE_GB, DEFAULT_NODE_DISK_TYPE, SURGE_NODES } from '../constructs/gcp/gke-cluster';
import { WORKLOADS } from '../workloads';

/**
 * vCPUs per machine type, from Google's machine-series page
 * (https://cloud.google.com/compute/docs/general-purpose-machines#e2_machine_types): E2 VMs count
 * against the regional CPUS quota (https://cloud.google.com/compute/resource-usage#cpu_quota).
 * A type not listed fails with the fix, rather than guessing its series' quota.
 */
export const MACHINE_TYPES: Readonly<Record<string, { vcpus: number; quota: string }>> = {
  'e2-standard-2': { vcpus: 2, quota: 'CPUS' },
  'e2-standard-4': { vcpus: 4, quota: 'CPUS' },
  'e2-standard-8': { vcpus: 8, quota: 'CPUS' },
  'e2-standard-16': { vcpus: 16, quota: 'CPUS' },
  'e2-standard-32': { vcpus: 32, quota: 'CPUS' },
  'e2-highmem-2': { vcpus: 2, quota: 'CPUS' },
  'e2-highmem-4': { vcpus: 4, quota: 'CPUS' },
  'e2-highmem-8': { vcpus: 8, quota: 'CPUS' },
  'e2-highmem-16': { vcpus: 16, quota: 'CPUS' },
  'e2-highcpu-2': { vcpus: 2, quota: 'CPUS' },
  'e2-highcpu-4': { vcpus: 4, quota: 'CPUS' },
  'e2-highcpu-8': { vcpus: 8, quota: 'CPUS' },
  'e2-highcpu-16': { vcpus: 16, quota: 'CPUS' },
  'e2-highcpu-32': { vcpus: 32, quota: 'CPUS' },
};

/**
 * Which regional quota a persistent disk type counts against: standard disks against
 * DISKS_TOTAL_GB, balanced and SSD disks against SSD_TOTAL_GB
 * (https://cloud.google.com/compute/resource-usage#disk_quota).
 */
export const DISK_QUOTAS: Readonly<Record<string, string>> = {
  'pd-standard': 'DISKS_TOTAL_GB',
  'pd-balanced': 'SSD_TOTAL_GB',
  'pd-ssd': 'SSD_TOTAL_GB',
};

/** One quota of one region: what the environment uses at the pool's minimum, maximum and maximum plus a surge upgrade. */
export interface QuotaNeed {
  readonly environment: string;
  readonly project: string;
  readonly region: string;
  readonly quota: string;
  readonly atMin: number;
  readonly atMax: number;
  readonly duringUpgrade: number;
  readonly what: string;
}

/** Every regional quota need of an environment, region by region. */
export function quotaNeeds(env: EnvironmentConfig): QuotaNeed[] {
  return env.regions.flatMap((region) => {
    const pool = region.nodePool;
    const machine = MACHINE_TYPES[pool.machineType];
    if (!machine) {
      throw new Error(`config/${env.name}.ts › regions[${region.name}].nodePool.machineType "${pool.machineType}" has no vCPU count in ci/quota.ts MACHINE_TYPES; add it from Google's machine-types page with the quota its series counts against`);
    }
    const diskType = DEFAULT_NODE_DISK_TYPE;
    const diskQuota = DISK_QUOTAS[diskType];
    const diskGb = pool.diskSizeGb ?? DEFAULT_NODE_DISK_SIZE_GB;
    const zones = region.zones.length;
    const nodes = { min: pool.minNodesPerZone * zones, max: pool.maxNodesPerZone * zones, surge: (pool.maxNodesPerZone + SURGE_NODES) * zones };
    const row = (quota: string, per: number, what: string): QuotaNeed => ({
      environment: env.name, project: env.project.id, region: region.name, quota, what,
      atMin: nodes.min * per, atMax: nodes.max * per, duringUpgrade: nodes.surge * per,
    });
    const natAddresses = env.mongodb.reach.kind === 'publicTls' ? 1 : 0;
    const fixed = (quota: string, count: number, what: string): QuotaNeed => ({
      environment: env.name, project: env.project.id, region: region.name, quota, what, atMin: count, atMax: count, duringUpgrade: count,
    });
    return [
      row(machine.quota, machine.vcpus, `${pool.machineType} (${machine.vcpus} vCPU) × ${pool.minNodesPerZone}–${pool.maxNodesPerZone} nodes per zone (+${SURGE_NODES} surging) × ${zones} zones`),
      row(diskQuota, diskGb, `${diskGb} GB ${diskType} boot disk per node`),
      row('INSTANCES', 1, 'one VM per node'),
      fixed('NETWORK_ENDPOINT_GROUPS', WORKLOADS.length * zones, `a zonal NEG per workload (${WORKLOADS.length}) per zone`),
      ...(natAddresses ? [fixed('STATIC_ADDRESSES', natAddresses, 'the Cloud NAT\'s reserved address (MongoDB allowlist)')] : []),
    ];
  });
}

/** The Markdown table of an environment's needs, one row per region and quota. */
export function quotaTable(env: EnvironmentConfig): string {
  const rows = quotaNeeds(env).map((n) => `| ${n.region} | \`${n.quota}\` | ${n.atMin} | ${n.atMax} | ${n.duringUpgrade} | ${n.what} |`);
  return [
    `### ${env.name} (project \`${env.project.id}\`)`,
    '',
    '| region | quota | at min | at max | max + surge upgrade | from |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

function main(args: string[]): void {
  const i = args.indexOf('--env');
  const envs = selectEnvironments(loadEnvironments(ENVIRONMENTS), i >= 0 ? args[i + 1] : undefined);
  process.stdout.write(`${envs.map(quotaTable).join('\n\n')}\n\nRequest at least "max + surge upgrade" for each quota above its region's limit (docs/deploy.md, "Quotas").\n`);
}

if (require.main === module) main(process.argv.slice(2));
