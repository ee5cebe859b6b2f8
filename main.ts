import { App } from 'cdktf';
import { ConfigError, ENVIRONMENTS, loadEnvironments, selectEnvironments, type EnvironmentConfig, type RegionConfig } from './config';
import { stackName } from './config/naming';
import { HardeningPolicy } from './policy';
import { loadDelivery, type DeliveryConfig } from './config/delivery';
import { applyImageOverrides } from './config/overrides';
import { BOOTSTRAP_LAYER, BootstrapStack } from './stacks/bootstrap-stack';
import { ClusterStack } from './stacks/cluster-stack';
import { DnsAuthorizationStack } from './stacks/dns-authorization-stack';
import { CoreStack } from './stacks/core-stack';
import { EdgeStack } from './stacks/edge-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { IngressStack } from './stacks/ingress-stack';
import { SearchOperatorStack } from './stacks/search-operator-stack';
import { SearchStack } from './stacks/search-stack';
import { WorkloadsStack } from './stacks/workloads-stack';
import { checkWorkloadsConfigured, routeTable, WORKLOADS, type WorkloadDefinition } from './workloads';

/**
 * The whole Isoscribe topology of one environment. Deploy order follows the references:
 *
 *   core ─► cluster-<region> (one per region) ─► workloads-<region> ─► ingress ─► dns-authorization ─► edge ─► monitoring
 *                     └─► search-operator-<region> (CRDs, operator) ─► search-<region> (OpenSearchCluster)
 */
export function defineEnvironment(app: App, env: EnvironmentConfig, definitions: readonly WorkloadDefinition[] = WORKLOADS, delivery: DeliveryConfig = loadDelivery()) {
  checkWorkloadsConfigured([env], definitions);
  // The paths each workload (and the bundle bucket) serves: URL map, cache rules and rate limit follow it
  const routes = routeTable(definitions);
  // Each stack's id is its name: isoscribe-<env>-<layer>[-<region>]
  const id = (layer: string, region?: RegionConfig) => stackName(env, layer, region?.name);
  // VPC + per-region subnet/router/NAT, Artifact Registry, service accounts, bundle bucket, workload secrets, global IP
  const core = new CoreStack(app, id('core'), { env, definitions });
  // Private, hardened regional GKE cluster + node pool per region
  const clusters = env.regions.map((region) => new ClusterStack(app, id('cluster', region), { env, region, core }));
  // Per region: the OpenSearch operator and its CRDs, which must be applied before any custom resource can plan
  const searchOperators = clusters.map((cluster) => new SearchOperatorStack(app, id('search-operator', cluster.region), { env, cluster }));
  // Per region: the search engine (OpenSearchCluster on the tainted search pool), queried by that region's api
  const search = clusters.map((cluster, i) => new SearchStack(app, id('search', cluster.region), { env, core, cluster, operator: searchOperators[i] }));
  // Per region: namespace, every workload as an NGINX-fronted pod with its NEG service and network policy
  const workloadsStacks = clusters.map((cluster) => new WorkloadsStack(app, id('workloads', cluster.region), { env, core, cluster, definitions }));
  // Global LB: certificate, URL map, NEG backend services in every zone, Cloud Armor (Cloudflare only)
  const ingress = new IngressStack(app, id('ingress'), { env, core, after: workloadsStacks, definitions, routes });
  // The certificate's DNS-authorization records in the Cloudflare zone: issuance starts here
  const dnsAuthorization = new DnsAuthorizationStack(app, id('dns-authorization'), { env, ingress });
  // Cloudflare zone: TLS settings, proxied DNS to the LB, cache rules, rate limit, managed WAF; plans
  // only once the certificate is ACTIVE, so no visitor meets Full (strict) without it (no 526)
  const edge = new EdgeStack(app, id('edge'), { env, ingress, routes, dnsAuthorization });
  // SLO burn-rate and other PromQL alerts, uptime checks through Cloudflare, notification channels and
  // the dashboard, all derived from the workload definitions and regions (docs/operations.md)
  const monitoring = new MonitoringStack(app, id('monitoring'), { env, edge, definitions, delivery });
  // Every resource of every stack against the hardening rules (docs/policy.md); a violation fails synth
  HardeningPolicy.applyTo(app);
  return { core, clusters, searchOperators, search, workloadsStacks, ingress, dnsAuthorization, edge, monitoring };
}

/** Every environment: its bootstrap stack and its topology. */
export function defineApp(app: App, envs: readonly EnvironmentConfig[], delivery: DeliveryConfig): void {
  for (const env of envs) {
    // Run by hand once per GCP project, before the rest (docs/deploy.md): the state bucket the other
    // stacks' GCS backend uses and GitHub's keyless access. Local state; nothing depends on it.
    new BootstrapStack(app, stackName(env, BOOTSTRAP_LAYER), { env, delivery });
    defineEnvironment(app, env, WORKLOADS, delivery);
  }
}

/** Validates every environment first, so an invalid config writes nothing; then synthesizes. */
export function main(): void {
  let envs: EnvironmentConfig[];
  let delivery: DeliveryConfig;
  try {
    delivery = loadDelivery();
    // CI pins the commit's images with ISOSCRIBE_<WORKLOAD>_IMAGE_{TAG,DIGEST} (config/overrides.ts).
    envs = selectEnvironments(loadEnvironments(applyImageOverrides(ENVIRONMENTS)), process.env.ISOSCRIBE_ENVS);
    checkWorkloadsConfigured(envs);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const app = new App();
  defineApp(app, envs, delivery);
  app.synth();
}

if (require.main === module) main();
