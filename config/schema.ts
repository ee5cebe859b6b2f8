import { z } from 'zod';
import { authorizedNetworkProblem } from '../facts/control-plane-networks';
import { isNonPublicIpv4, overlaps, parseIpv4Cidr, prefixLength, type Ipv4Range } from '../facts/cidr';
import { GCP_REGIONS } from '../facts/gcp-regions';
import { checkEdge, edgeSchema, ingressSchema } from './schema-edge';
import { formatPath } from './path';
import { registryProblems } from './registry';
import { searchProblems, searchSchema } from './schema-search';

/*
 * The schema of one environment's configuration. Every message says what is wrong and how to fix it;
 * loadEnvironments() prefixes it with the environment and the field path.
 */

const ipv4Cidr = z.string().refine((v) => parseIpv4Cidr(v) !== undefined, {
  message: 'must be a canonical IPv4 CIDR such as "10.0.0.0/20" (network address, host bits zero)',
});

const labelKey = /^[a-z][a-z0-9_-]{0,62}$/;
const labelValue = /^[a-z0-9_-]{0,63}$/;

export const imageSchema = z.object({
  /** Registry and path, e.g. `us-docker.pkg.dev/isoscribe-prod/isoscribe/api`. */
  repository: z
    .string()
    .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z]{2,}(:\d+)?)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
      message: 'must be an image repository without tag or digest, e.g. "nginxinc/nginx-unprivileged"',
    }),
  /** A fixed tag; `latest` is rejected because it makes a deploy non-reproducible. */
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'must be a Docker tag such as "1.27.3-alpine"' })
    .refine((t) => t !== 'latest', { message: 'must be pinned: "latest" moves; use a version or commit tag' }),
  /** Content digest; when given, the image reference is `repository:tag@digest`. */
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be "sha256:" followed by 64 lowercase hex digits' })
    .optional(),
});

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Mi|Gi|Ki)?$/, {
  message: 'must be a Kubernetes quantity such as "250m", "0.5", "256Mi" or "1Gi"',
});

export const workloadSchema = z.object({
  image: imageSchema,
  /** Desired replicas per region before the HPA takes over. */
  replicas: z.number().int().min(1, { message: 'must be at least 1' }),
  autoscaling: z.object({
    minReplicas: z.number().int().min(1, { message: 'must be at least 1' }),
    maxReplicas: z.number().int().min(1, { message: 'must be at least 1' }),
    /** Average CPU utilisation (percent of requests) the HPA aims for. */
    targetCpuUtilization: z.number().int().min(10).max(95).default(70),
  }),
  resources: z.object({
    requests: z.object({ cpu: quantity, memory: quantity }),
    limits: z.object({ cpu: quantity.optional(), memory: quantity }),
  }),
});

const email = z.string().regex(/^[^\s@]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, { message: 'must be an email address such as "oncall@isoscribe.com"' });
const notificationChannelId = z.string().regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/notificationChannels\/\d+$/, {
  message: 'must be a notification channel\'s full name, "projects/<project>/notificationChannels/<number>" (created by hand, docs/operations.md)',
});
const objective = z.number().gt(0.9, { message: 'must be above 0.9 (an objective below 90% leaves a budget the burn-rate alerts cannot meaningfully page on)' })
  .lt(1, { message: 'must be below 1 (an objective of 100% leaves no error budget to burn)' });

/** Where one severity's alerts go. */
const routeSchema = z.object({
  /** Email channels this stack creates. */
  emails: z.array(email).default([]),
  /**
   * Channels created by hand (chat, paging) and referenced by name: their tokens stay in the channel,
   * never in config, state or plan (docs/operations.md, "Notification channels").
   */
  channelIds: z.array(notificationChannelId).default([]),
}).refine((r) => r.emails.length + r.channelIds.length > 0, { message: 'route alerts somewhere: list at least one of emails or channelIds' });

export const monitoringSchema = z.object({
  /** Objectives of every workload's SLOs over a rolling 28 days. */
  slo: z.object({
    /** Share of requests the load balancer's backend answers without a 5xx. */
    availability: objective,
    /** Share of requests answered within the workload's latency threshold (workloads/<name>.ts, slo). */
    latency: objective,
  }),
  /** `page`: someone acts now. `ticket`: someone acts within a working day. */
  notifications: z.object({ page: routeSchema, ticket: routeSchema }),
});

export const regionSchema = z.object({
  /** A Google Cloud region, e.g. `europe-west1`. */
  name: z.string().refine((r) => GCP_REGIONS.includes(r), {
    message: `must be a Google Cloud region with GKE, one of: ${GCP_REGIONS.join(', ')}`,
  }),
  /** Zones for nodes and NEGs; each must belong to the region (`<region>-<letter>`). */
  zones: z.array(z.string()).min(1, { message: 'list at least one zone, e.g. ["us-central1-a"]' }),
  /** Primary range of the region's subnet: the nodes. */
  nodeCidr: ipv4Cidr,
  /** Secondary range for pods (VPC-native alias IPs). */
  podCidr: ipv4Cidr,
  /** Secondary range for Kubernetes services. */
  serviceCidr: ipv4Cidr,
  /** The private control plane's /28. */
  masterCidr: ipv4Cidr,
  nodePool: z.object({
    machineType: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, { message: 'must be a machine type such as "e2-standard-4"' }),
    minNodesPerZone: z.number().int().min(0),
    maxNodesPerZone: z.number().int().min(1),
    diskSizeGb: z.number().int().min(20).default(50),
  }),
});

/** The prefix of every name an environment gives its stacks and resources: `isoscribe-<name>`. */
export function environmentPrefix(name: string): string {
  return `isoscribe-${name}`;
}

const environmentFields = z
  .object({
    /** Short environment name; stacks are named `isoscribe-<name>-<layer>[-<region>]` (environmentPrefix). */
    name: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, { message: 'must be 2-10 lowercase letters/digits, e.g. "staging" (it prefixes names with length limits)' }),
    /**
     * What the environment is for, which decides its safety margins: `disposable` (a sandbox: local
     * state allowed), `shared` (others depend on it: state in GCS, short HSTS while hostnames settle),
     * `production` (visitors: every long-lived pin on).
     */
    tier: z.enum(['disposable', 'shared', 'production'], { message: 'must be "disposable", "shared" or "production"' }),
    /**
     * The region that owns the environment's single-location things: the static-bundle bucket, the
     * provider default of the global stacks and the Workload Identity bindings. Must be one of `regions`.
     */
    primaryRegion: z.string(),
    project: z.object({
      id: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
        message: 'must be a GCP project id: 6-30 chars, lowercase letters, digits and hyphens, starting with a letter',
      }),
      /**
       * The project's number, which Google assigns: the pods' Kubernetes service accounts are IAM
       * principals of the form `principal://iam.googleapis.com/projects/<number>/…` (secret access,
       * stacks/core-stack.ts). A config value rather than a `google_project` read, so every plan
       * stays offline-checkable and the planner needs no project read.
       */
      number: z.string().regex(/^[1-9][0-9]{5,18}$/, {
        message: "must be the project's number (digits only): gcloud projects describe <project id> --format='value(projectNumber)'",
      }),
    }),
    /** Apex domain served through Cloudflare, e.g. `isoscribe.com`. */
    domain: z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, {
      message: 'must be a lowercase DNS name such as "isoscribe.com"',
    }),
    /** Where Terraform state lives: `local` (dev only) or a GCS bucket with one prefix per stack. */
    backend: z.discriminatedUnion('type', [
      z.object({ type: z.literal('local') }),
      z.object({
        type: z.literal('gcs'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { message: 'must be a GCS bucket name' }),
      }),
    ]),
    /** Labels put on every labelable resource (plus `environment` and `managed-by`). */
    labels: z
      .record(
        z.string().regex(labelKey, { message: 'label keys are lowercase letters, digits, "_" or "-", starting with a letter' }),
        z.string().regex(labelValue, { message: 'label values are lowercase letters, digits, "_" or "-", up to 63 chars' }),
      )
      .default({}),
    regions: z.array(regionSchema).min(1, { message: 'configure at least one region' }),
    cluster: z.object({
      releaseChannel: z.enum(['RAPID', 'REGULAR', 'STABLE']),
      /**
       * Networks (VPN, bastion) that may reach the control plane's private IP endpoint; usually none:
       * CI and people use the IAM-checked DNS endpoint (constructs/gcp/gke-cluster.ts).
       */
      masterAuthorizedNetworks: z.array(z.object({ cidr: ipv4Cidr, displayName: z.string().min(1) })).default([]),
      /** Recurring maintenance window (RFC 5545 RRULE); GKE needs at least 48h of availability in 32 days. */
      maintenanceWindow: z.object({
        startTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, { message: 'must be RFC 3339 UTC, e.g. "2026-01-01T02:00:00Z"' }),
        endTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, { message: 'must be RFC 3339 UTC, e.g. "2026-01-01T06:00:00Z"' }),
        recurrence: z.string().regex(/^FREQ=(DAILY|WEEKLY)(;.*)?$/, { message: 'must be an RRULE such as "FREQ=WEEKLY;BYDAY=SA,SU"' }),
      }),
      /** Refuse `terraform destroy` of the cluster. @default true */
      deletionProtection: z.boolean().default(true),
    }),
    /**
     * What the clusters admit (Binary Authorization, stacks/bootstrap-stack.ts): with
     * `requireAttestation`, our workloads' images must carry an attestation that CI signed with the
     * environment's KMS key after it built and pushed them; without, any image under their repository
     * paths is admitted. Required in tier production.
     */
    admission: z.object({ requireAttestation: z.boolean() }),
    /** The unprivileged NGINX image in front of every app container (listens on 8080). */
    nginxImage: imageSchema,
    /**
     * A release synth (CI's deploy jobs: ISOSCRIBE_RELEASE=1, config/overrides.ts), not a review: in
     * tiers shared and production every image must then carry a digest (policy POD-020).
     * @default false
     */
    release: z.boolean().default(false),
    /** Image pin and sizing of each workload, by its name (workloads/<name>.ts defines the rest). */
    workloads: z.record(z.string(), workloadSchema),
    /**
     * How the api's pods reach the external MongoDB (docs/deploy.md, "MongoDB reachability"); the api's
     * network policy egress is derived from it (workloads/api.ts). Private nodes have no route to a
     * private range outside the VPC, so there are two ways in:
     * - `publicTls`: a public TLS endpoint (e.g. MongoDB Atlas) that allowlists the Cloud NAT's static
     *   egress addresses, which core reserves per region and outputs (`mongodb_allowlist_ips`);
     * - `privateServiceConnect`: a Private Service Connect endpoint in this VPC, created out of band
     *   (the provider's side must accept it), reached at its internal address.
     */
    mongodb: z.object({
      reach: z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('publicTls'),
          /** The endpoint's public DNS name, e.g. `cluster0.abcde.mongodb.net` (TLS needs the name). */
          host: z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, {
            message: 'must be the public DNS name of the MongoDB endpoint, e.g. "cluster0.abcde.mongodb.net", not an IP (TLS verifies the name); a server in a private range needs kind "privateServiceConnect"',
          }),
          port: z.number().int().min(1).max(65535).default(27017),
        }),
        z.object({
          kind: z.literal('privateServiceConnect'),
          /** The PSC endpoint's internal address in this VPC, e.g. `10.10.255.10`. */
          endpointIp: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: 'must be an IPv4 address such as "10.10.255.10"' }),
          port: z.number().int().min(1).max(65535).default(27017),
        }),
      ], { error: 'must be "publicTls" (a public TLS endpoint allowlisting the NAT addresses) or "privateServiceConnect" (the address of a PSC endpoint); see docs/deploy.md, "MongoDB reachability"' }),
    }),
    /** SLOs, alert routing and uptime checks (monitoring/, stacks/monitoring-stack.ts; docs/operations.md). */
    monitoring: monitoringSchema,
    /** The global load balancer and the Cloudflare zone in front of it (config/schema-edge.ts). */
    ingress: ingressSchema,
    edge: edgeSchema,
    /** The search engine: OpenSearch through its Kubernetes operator in every region (config/schema-search.ts, docs/search.md). */
    search: searchSchema,
  });

export const environmentSchema = environmentFields
  .superRefine((env, ctx) => {
    checkBackend(env, ctx);
    checkRegions(env, ctx);
    checkMasterAuthorizedNetworks(env, ctx);
    checkEdge(env, ctx);
    checkMongodbReach(env, ctx);
    const zones = env.regions.map((r, index) => ({ region: r.name, count: r.zones.length, index }));
    for (const p of searchProblems(env.search, zones, env.tier)) issue(ctx, p.path, p.message);
    for (const p of registryProblems(env)) issue(ctx, p.path, p.message);
    if (env.tier !== 'disposable' && !env.ingress.originPull) {
      issue(ctx, ['ingress', 'originPull'], `is required in the "${env.tier}" tier: without it any Cloudflare zone can reach the origin; run docs/deploy/origin-pull-cert.ts issue --env ${env.name} (docs/deploy.md)`);
    }
    if (!env.regions.some((r) => r.name === env.primaryRegion)) {
      issue(ctx, ['primaryRegion'], `"${env.primaryRegion}" is not one of this environment's regions (${env.regions.map((r) => r.name).join(', ')}); name one of them`);
    }
    for (const [name, workload] of Object.entries(env.workloads)) {
      // The name becomes Kubernetes, service-account, NEG and backend-service names (isoscribe-<env>-<name>).
      if (!/^[a-z][a-z0-9-]{0,19}$/.test(name)) {
        issue(ctx, ['workloads', name], 'workload names are 1-20 lowercase letters, digits or "-", starting with a letter (they become resource names)');
      }
      checkWorkload(workload, ['workloads', name], ctx);
    }
  })
  // Facts derived from the configuration, stated here once so no stack derives them again.
  .transform((env) => ({
    ...env,
    /** `isoscribe-<name>`: the prefix of every stack and resource name of the environment. */
    prefix: environmentPrefix(env.name),
    edge: {
      ...env.edge,
      /** The Cloudflare zone that holds `domain`: as configured, else `domain` itself. */
      zoneName: env.edge.zoneName ?? env.domain,
    },
  }));

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
/** An environment as written and checked, before its derived facts are added. */
type CheckedEnvironment = z.output<typeof environmentFields>;
export type RegionConfig = z.output<typeof regionSchema>;
export type WorkloadConfig = z.output<typeof workloadSchema>;
export type ImageConfig = z.output<typeof imageSchema>;
export type MonitoringConfig = z.output<typeof monitoringSchema>;

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function checkMongodbReach(env: CheckedEnvironment, ctx: Ctx): void {
  const { reach } = env.mongodb;
  if (reach.kind === 'publicTls') {
    if (/\.(internal|local|localdomain)$/.test(reach.host)) {
      issue(ctx, ['mongodb', 'reach', 'host'], `"${reach.host}" is a private name the pods cannot reach through Cloud NAT; expose MongoDB through Private Service Connect and use kind "privateServiceConnect"`);
    }
    return;
  }
  const path: Path = ['mongodb', 'reach', 'endpointIp'];
  if (!parseIpv4Cidr(`${reach.endpointIp}/32`)) {
    issue(ctx, path, `"${reach.endpointIp}" is not an IPv4 address; use the PSC endpoint's internal address, e.g. "10.10.255.10"`);
  } else if (!isNonPublicIpv4(reach.endpointIp)) {
    issue(ctx, path, `"${reach.endpointIp}" is a public address, not a Private Service Connect endpoint; use kind "publicTls" with the endpoint's host name`);
  }
}

function checkBackend(env: CheckedEnvironment, ctx: Ctx): void {
  if (env.tier === 'production' && !env.admission.requireAttestation) {
    issue(ctx, ['admission', 'requireAttestation'], 'must be true in the "production" tier: otherwise anyone who can push to the registry can run an image CI never built (docs/deploy.md, "Only what CI built runs")');
  }
  if (env.backend.type === 'local' && env.tier !== 'disposable') {
    issue(ctx, ['backend'], `a ${env.tier} environment must keep state in GCS: set { type: "gcs", bucket: "<state bucket>" } (local state is for tier "disposable" only)`);
  }
}

function checkRegions(env: CheckedEnvironment, ctx: Ctx): void {
  const seenRegions = new Set<string>();
  const ranges: { path: Path; range: Ipv4Range }[] = [];

  env.regions.forEach((region, i) => {
    if (seenRegions.has(region.name)) {
      issue(ctx, ['regions', i, 'name'], `region "${region.name}" is listed twice; list each region once`);
    }
    seenRegions.add(region.name);

    const seenZones = new Set<string>();
    region.zones.forEach((zone, j) => {
      if (!new RegExp(`^${region.name}-[a-z]$`).test(zone)) {
        issue(ctx, ['regions', i, 'zones', j], `"${zone}" is not a zone of ${region.name}; use "${region.name}-<letter>", e.g. "${region.name}-b"`);
      } else if (seenZones.has(zone)) {
        issue(ctx, ['regions', i, 'zones', j], `zone "${zone}" is listed twice; list each zone once`);
      }
      seenZones.add(zone);
    });

    if (region.nodePool.minNodesPerZone > region.nodePool.maxNodesPerZone) {
      issue(ctx, ['regions', i, 'nodePool', 'minNodesPerZone'],
        `minNodesPerZone (${region.nodePool.minNodesPerZone}) exceeds maxNodesPerZone (${region.nodePool.maxNodesPerZone}); lower min or raise max`);
    }

    const masterBits = prefixLength(region.masterCidr);
    if (parseIpv4Cidr(region.masterCidr) && masterBits !== 28) {
      issue(ctx, ['regions', i, 'masterCidr'], `the GKE control plane needs exactly a /28 (got /${masterBits}), e.g. "172.16.0.0/28"`);
    }

    for (const field of ['nodeCidr', 'podCidr', 'serviceCidr', 'masterCidr'] as const) {
      const range = parseIpv4Cidr(region[field]);
      if (range) ranges.push({ path: ['regions', i, field], range });
    }
  });

  // Every node, pod, service and control-plane range shares one VPC: none may overlap another.
  for (let a = 0; a < ranges.length; a++) {
    for (let b = a + 1; b < ranges.length; b++) {
      if (overlaps(ranges[a].range, ranges[b].range)) {
        issue(ctx, ranges[b].path,
          `${ranges[b].range.cidr} overlaps ${formatPath(ranges[a].path)} (${ranges[a].range.cidr}); give every range in the VPC its own address space`);
      }
    }
  }
}

function checkMasterAuthorizedNetworks(env: CheckedEnvironment, ctx: Ctx): void {
  env.cluster.masterAuthorizedNetworks.forEach((net, i) => {
    const problem = parseIpv4Cidr(net.cidr) ? authorizedNetworkProblem(net.cidr) : undefined;
    if (problem) issue(ctx, ['cluster', 'masterAuthorizedNetworks', i, 'cidr'], problem);
  });
}

function checkWorkload(w: WorkloadConfig, path: Path, ctx: Ctx): void {
  const { minReplicas, maxReplicas } = w.autoscaling;
  if (minReplicas > maxReplicas) {
    issue(ctx, [...path, 'autoscaling', 'minReplicas'], `minReplicas (${minReplicas}) exceeds maxReplicas (${maxReplicas}); lower min or raise max`);
  }
  if (w.replicas < minReplicas || w.replicas > maxReplicas) {
    issue(ctx, [...path, 'replicas'], `replicas (${w.replicas}) must lie within autoscaling bounds [${minReplicas}, ${maxReplicas}]`);
  }
}
