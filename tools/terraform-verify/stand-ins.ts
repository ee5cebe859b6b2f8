/**
 * The values `npm run verify:terraform` puts where an offline plan has none. Every entry is listed in
 * the report next to the stack that used it, so nobody mistakes a stand-in for something the real
 * cloud returned.
 *
 * Two kinds:
 * - data sources that would call an API at plan time (found by running them offline: they fail with
 *   a network error naming their address). Their result is replaced through `override_data` in a
 *   `terraform test` plan; the provider never reads them.
 * - upstream outputs that are unknown until the upstream stack is applied (an id GCP assigns, a
 *   cluster's endpoint). Known upstream outputs are passed on exactly as the upstream plan computed
 *   them; only the unknown ones get a value from here, shaped like the real one (the provider
 *   validates what it receives: a bare placeholder string fails its checks).
 *
 * The kube-apiserver apply test (__tests__/support/kube/workloads-apply.ts) has no upstream plan; it
 * takes every upstream output from the same tables through appliedOutput() below.
 */
import { CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES } from '../../facts/cloudflare-ips';
import { EXPECTED_PLAN_LOCAL } from '../../constructs/cloudflare/zone';

/** A service account's email, as IAM derives it from the account id and the project. */
function serviceAccountEmail(accountId: unknown, project: unknown): string {
  return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** A service account's resource name, as IAM derives it from its email. */
function serviceAccountName(project: unknown, email: string): string {
  return `projects/${project}/serviceAccounts/${email}`;
}

// A zone id's shape (32 hex); spells "stand-in" in no way Cloudflare would ever assign.
const STAND_IN_ZONE_ID = '5a4d1a5a4d1a5a4d1a5a4d1a5a4d1a00';

export interface DataSourceStandIn {
  /**
   * Attribute values the data source is overridden with, fixed or shaped from its own arguments (and,
   * where config decides what the real read must return, the stack's locals).
   */
  readonly values: Record<string, unknown> | ((config: Record<string, unknown>, stack: { locals: Record<string, unknown> }) => Record<string, unknown>);
  /** What the real read does, and where the stand-in comes from. */
  readonly reason: string;
}

/**
 * Data source types that need the network at plan time, keyed by type. Types not listed here are read
 * by the real provider, offline (e.g. `google_client_config` returns the configured token); a type
 * that tries the network instead fails the run with its address.
 */
export const DATA_SOURCE_STAND_INS: Readonly<Record<string, DataSourceStandIn>> = {
  cloudflare_zone: {
    values: (config, { locals }) => {
      const name = (config.filter as { name?: string } | undefined)?.name;
      const plan = locals[EXPECTED_PLAN_LOCAL];
      if (!name || typeof plan !== 'string') throw new Error(`cloudflare_zone stand-in: needs filter.name and local.${EXPECTED_PLAN_LOCAL} (constructs/cloudflare/zone.ts)`);
      return { id: STAND_IN_ZONE_ID, zone_id: STAND_IN_ZONE_ID, name, status: 'active', plan: { legacy_id: plan } };
    },
    reason: 'looks the zone up by name in the Cloudflare API; stand-in: an active zone of that name on the plan config says, with a made-up id',
  },
  cloudflare_rulesets: {
    // Left to Terraform's mock: a literal set of objects cannot be given (terraform test rejects it for
    // nested-attribute sets: "expected object type, found tuple"), and generated elements carry random
    // kinds and phases, never a zone entry point of a managed phase, so the check passes as on a new zone.
    values: {},
    reason: "lists the zone's rulesets in the Cloudflare API; stand-in: Terraform's generated mock (no zone entry point, as in a new zone)",
  },
  google_certificate_manager_certificates: {
    // The filter names the certificate through a cross-stack reference, which override_data cannot hold.
    values: { certificates: [{ name: 'projects/stand-in/locations/global/certificates/stand-in', managed: [{ state: 'ACTIVE', authorization_attempt_info: [] }] }] },
    reason: 'reads the certificate from Certificate Manager; stand-in: one certificate, ACTIVE (as once issued after dns-authorization applied)',
  },
  google_service_account: {
    // The bootstrap stack creates the accounts (by hand, once per project); core only reads them.
    values: (config) => {
      const email = serviceAccountEmail(config.account_id, config.project);
      return { email, member: `serviceAccount:${email}`, name: serviceAccountName(config.project, email), unique_id: '100000000000000000000' };
    },
    reason: 'reads an account the bootstrap stack created from the IAM API; stand-in: its email, member and name in the documented formats',
  },
  cloudflare_authenticated_origin_pulls_certificate: {
    values: { status: 'active', enabled: true, issuer: 'CN=stand-in origin-pull CA', expires_on: '2029-01-01T00:00:00Z' },
    reason: "reads the uploaded origin-pull client certificate's status from the Cloudflare API; stand-in: an active certificate (the postcondition that it is active still runs)",
  },
  cloudflare_ip_ranges: {
    values: { ipv4_cidrs: CLOUDFLARE_IPV4_RANGES, ipv6_cidrs: CLOUDFLARE_IPV6_RANGES },
    reason: "reads Cloudflare's published ranges from the Cloudflare API; stand-in: the copy in facts/cloudflare-ips.ts",
  },
};

/**
 * Resource types whose plan itself needs the API, keyed by type; replaced through `override_resource`
 * (the provider never plans them) and listed in the report like the data sources above.
 */
export const RESOURCE_STAND_INS: Readonly<Record<string, { readonly reason: string }>> = {
  kubernetes_manifest: {
    reason:
      "the kubernetes provider plans a custom resource against its CRD's schema, read from the cluster's API server; " +
      'offline the manifest is not checked (the kube-apiserver workloads apply test applies it against the upstream CRD, vendored in testing/upstream/)',
  },
};

/** The planned (known) attributes of the upstream resource an unknown output points at. */
type Attributes = Record<string, unknown>;

export interface OutputStandIn {
  readonly value: (resource: Attributes) => unknown;
  readonly reason: string;
}

// 192.0.2.0/24 is TEST-NET-1 (RFC 5737): a real address shape that can never be a real origin.
const TEST_NET_ADDRESS = '192.0.2.10';

/**
 * Unknown-until-apply attributes, keyed by `<resource type>.<attribute path without indexes>`, computed
 * from the resource's planned attributes (its arguments, `project` included). Ids follow the format
 * each resource's provider documentation gives for its `id`/`name`. An entry for an attribute the plan
 * already knows (a service account's email) serves appliedOutput(), which has no plan.
 */
export const OUTPUT_STAND_INS: Readonly<Record<string, OutputStandIn>> = {
  'google_compute_global_address.address': {
    value: () => TEST_NET_ADDRESS,
    reason: 'GCP assigns the address on create; stand-in from 192.0.2.0/24 (documentation range)',
  },
  'google_compute_global_forwarding_rule.ip_address': {
    value: () => TEST_NET_ADDRESS,
    reason: 'GCP assigns the address on create; stand-in from 192.0.2.0/24 (documentation range)',
  },
  'google_container_cluster.control_plane_endpoints_config.dns_endpoint_config.endpoint': {
    value: (r) => `gke-0123456789abcdef0123456789abcdef0123-123456789012.${r.location}.gke.goog`,
    reason: "GKE assigns the control plane's DNS name on create; stand-in in its documented shape (gke-<id>-<project number>.<location>.gke.goog)",
  },
  'google_certificate_manager_certificate.id': {
    value: (r) => `projects/${r.project}/locations/${r.location ?? 'global'}/certificates/${r.name}`,
    reason: 'set on create; stand-in in the documented id format',
  },
  'google_compute_network.id': {
    value: (r) => `projects/${r.project}/global/networks/${r.name}`,
    reason: 'set on create; stand-in in the documented id format',
  },
  'google_compute_subnetwork.id': {
    value: (r) => `projects/${r.project}/regions/${r.region}/subnetworks/${r.name}`,
    reason: 'set on create; stand-in in the documented id format',
  },
  'google_secret_manager_secret.id': {
    value: (r) => `projects/${r.project}/secrets/${r.secret_id}`,
    reason: 'set on create; stand-in in the documented id format',
  },
  'google_service_account.email': {
    value: (r) => serviceAccountEmail(r.account_id, r.project),
    reason: 'known at plan: derived from account_id and project',
  },
  'google_service_account.name': {
    value: (r) => serviceAccountName(r.project, serviceAccountEmail(r.account_id, r.project)),
    reason: 'set on create; stand-in in the documented name format',
  },
  'google_certificate_manager_dns_authorization.dns_resource_record.name': {
    value: (r) => `_acme-challenge.${r.domain}.`,
    reason: 'Certificate Manager returns the record on create; stand-in in its documented shape',
  },
  'google_certificate_manager_dns_authorization.dns_resource_record.type': {
    value: () => 'CNAME',
    reason: 'Certificate Manager returns the record on create; stand-in in its documented shape',
  },
  'google_certificate_manager_dns_authorization.dns_resource_record.data': {
    value: (r) => `stand-in.${r.domain}.authorize.certificatemanager.goog.`,
    reason: 'Certificate Manager returns the record on create; stand-in in its documented shape',
  },
};

type StackJson = {
  provider?: { google?: { project?: string }[] };
  locals?: Record<string, unknown>;
  output?: Record<string, { value?: unknown }>;
  resource?: Record<string, Record<string, Attributes>>;
  data?: Record<string, Record<string, Attributes>>;
};

/**
 * The one attribute a cross-stack output passes on: cdktf writes `${type.name.attr[0].sub}` (`data.`
 * first for a data source's), read as `['type', 'name', 'attr', 0, 'sub']`. Anything else is an error
 * rather than a guess.
 */
export function outputReference(stack: Pick<StackJson, 'output'>, stackName: string, output: string): { reference: string; path: (string | number)[] } {
  const value = stack.output?.[output]?.value;
  const m = typeof value === 'string' ? /^\$\{([A-Za-z0-9_.\-[\]]+)\}$/.exec(value) : null;
  if (!m) throw new Error(`${stackName}: output ${output} is ${JSON.stringify(value)}, not a single resource attribute reference`);
  const path: (string | number)[] = [];
  for (const segment of m[1].split('.')) {
    const parts = /^([A-Za-z0-9_-]+)((?:\[\d+\])*)$/.exec(segment);
    if (!parts) throw new Error(`cannot read the reference ${m[1]}`);
    path.push(parts[1]);
    for (const index of parts[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return { reference: m[1], path };
}

/** `OUTPUT_STAND_INS`' key part of an attribute path: its names, without list indexes. */
export function attributeKey(path: readonly (string | number)[]): string {
  return path.filter((p) => typeof p === 'string').join('.');
}

/**
 * What output `output` of the synthesized `stack` holds after a real apply, read without a plan: an
 * argument passes on as given, a data source's attribute comes from its stand-in, anything else from
 * OUTPUT_STAND_INS (the resource's arguments standing in for its planned attributes). An output none
 * of these covers is an error, so a new cross-stack reference gets a deliberate value.
 */
export function appliedOutput(stack: StackJson, stackName: string, output: string): unknown {
  const { reference, path } = outputReference(stack, stackName, output);
  const data = path[0] === 'data';
  const [type, name, ...attribute] = (data ? path.slice(1) : path).map(String);
  const args = (data ? stack.data : stack.resource)?.[type]?.[name] ?? {};
  const attributes = { ...args, project: args.project ?? stack.provider?.google?.[0]?.project };
  const fix = 'tools/terraform-verify/stand-ins.ts';
  if (data) {
    const standIn = DATA_SOURCE_STAND_INS[type]?.values;
    if (!standIn) throw new Error(`${stackName}: output ${output} reads data.${type}, which has no stand-in; add it to DATA_SOURCE_STAND_INS in ${fix}`);
    const values = typeof standIn === 'function' ? standIn(attributes, { locals: stack.locals ?? {} }) : standIn;
    return attribute.reduce<unknown>((value, step) => (value as Record<string, unknown> | undefined)?.[step], values);
  }
  const argument = attribute.length === 1 ? args[attribute[0]] : undefined;
  // An argument given as a literal is what the plan, and the apply, pass on; an expression is not a value yet.
  if (typeof argument === 'string' && !argument.includes('${')) return argument;
  const key = `${type}.${attributeKey(path.slice(2))}`;
  const standIn = OUTPUT_STAND_INS[key];
  if (!standIn) throw new Error(`${stackName}: output ${output} (\${${reference}}) has no value without a plan; add "${key}" to OUTPUT_STAND_INS in ${fix}`);
  return standIn.value(attributes);
}
