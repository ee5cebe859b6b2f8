/**
 * Adding a workload is a config entry plus one file: the `search` fixture (fixtures/search.ts) with a
 * `workloads.search` entry in dev gains its Service and NEG, its identity, its backend service with
 * NEG backends in every zone, its URL-map route and its cache rule, with no other edit, and leaves
 * every existing resource as it was. The synth runs the hardening policy, so the new pod passes it too.
 */
import { ConfigError } from '../../config';
import { defineEnvironment } from '../../main';
import { negName } from '../../config/naming';
import { CoreAccess, EdgeCache, PathMatch, routeTable, WORKLOADS, type WorkloadDefinition } from '../../workloads';
import { loadDelivery } from '../../config/delivery';
import { bootstrapStack, dataSources, environment, resources, synthEnvironment, type TfJson } from '../support/topology';
import { search, withSearchEntry } from './fixtures/search';
import { named, workload } from './support';
import { Testing } from 'cdktf';


describe('a third workload: config entry + one definition file', () => {
  const env = withSearchEntry('dev');
  const { json } = synthEnvironment(env, [...WORKLOADS, search]);
  const before = synthEnvironment(environment('dev')).json;
  const region = env.regions[0].name;
  const stack = (layer: string) => json[`isoscribe-dev-${layer}`];
  const workloadsStack = stack(`workloads-${region}`);

  it('gets its Deployment, and a Service whose NEG annotation names the NEG ingress targets', () => {
    expect(workload(workloadsStack, 'search').app.image).toBe(`${env.workloads.search.image.repository}:0.1.0`);
    const service = named(workloadsStack, 'kubernetes_service_v1', 'search');
    expect(JSON.parse(service.metadata.annotations['cloud.google.com/neg'])).toEqual({ exposed_ports: { 8080: { name: 'isoscribe-dev-search' } } });
    expect(named(workloadsStack, 'kubernetes_network_policy_v1', 'search').spec.egress).toHaveLength(1);
  });

  it('gets its own Google identity from bootstrap when it calls Google itself (only the deployer may bind it, no actAs), read by core; none when it only mounts a secret', () => {
    const withBucket = { ...search, access: [...(search.access ?? []).filter((a) => a.kind !== 'secret'), CoreAccess.bundleBucketRead()] };
    const bootstrapOf = (definition: WorkloadDefinition) => JSON.parse(Testing.synth(bootstrapStack(Testing.app(), env, loadDelivery(), [...WORKLOADS, definition])));
    const bootstrap = bootstrapOf(withBucket);
    const account = resources(bootstrap, 'google_service_account').find((a) => a.account_id === 'isoscribe-dev-search')!;
    expect(account).toBeDefined();
    const grants = resources(bootstrap, 'google_service_account_iam_member').filter((g) => g.service_account_id === `\${google_service_account.${account.__id}.name}`);
    expect(grants.map((g) => g.role)).toEqual(['${google_project_iam_custom_role.service-account-iam.name}']);
    // The fixture as it is only mounts a secret: no Google account at all.
    expect(resources(bootstrapOf(search), 'google_service_account').map((a) => a.account_id)).not.toContain('isoscribe-dev-search');
    expect(dataSources(stack('core'), 'google_service_account').map((a) => a.account_id)).not.toContain('isoscribe-dev-search');
  });

  it('gets its own secret in core, readable by its Kubernetes service account\'s principal', () => {
    const core = stack('core');
    const secret = resources(core, 'google_secret_manager_secret').find((s) => s.secret_id === 'isoscribe-dev-search-api-key')!;
    const grants = resources(core, 'google_secret_manager_secret_iam_member').filter((g) => g.secret_id === `\${google_secret_manager_secret.${secret.__id}.id}`);
    expect(grants).toHaveLength(1);
    expect(grants[0].member).toBe(`principal://iam.googleapis.com/projects/${env.project.number}/locations/global/workloadIdentityPools/${env.project.id}.svc.id.goog/subject/ns/isoscribe/sa/search`);
    // Mounted by the CSI driver from a SecretProviderClass naming the secret's latest version; Terraform never reads it.
    const { pod } = workload(workloadsStack, 'search');
    const providerClass = resources(workloadsStack, 'kubernetes_manifest').find((m) => m.manifest.metadata.name === 'search-api-key')!;
    expect(providerClass.manifest.spec.parameters.secrets).toMatch(/search-api-keyid\}\/versions\/latest"\n  path: "api-key"\n$/);
    expect(pod.volume).toContainEqual(expect.objectContaining({ csi: expect.objectContaining({ volume_attributes: { secretProviderClass: 'search-api-key' } }) }));
    const bindings = resources(workloadsStack, 'google_service_account_iam_member').map((b) => b.member);
    expect(bindings).not.toContain(`serviceAccount:${env.project.id}.svc.id.goog[isoscribe/search]`);
    expect(named(workloadsStack, 'kubernetes_service_account_v1', 'search').metadata.annotations).toBeUndefined();
  });

  it('gets a backend service with a NEG backend in every zone, and its route in the URL map', () => {
    const ingress = stack('ingress');
    const service = resources(ingress, 'google_compute_backend_service').find((s) => s.name === 'isoscribe-dev-search')!;
    expect(service.backend.map((b: TfJson) => b.group).sort()).toEqual(
      env.regions.flatMap((r) => r.zones).map((zone) => `projects/${env.project.id}/zones/${zone}/networkEndpointGroups/${negName(env, 'search')}`).sort(),
    );
    const urlMap = resources(ingress, 'google_compute_url_map').find((m) => m.path_matcher)!;
    const rule = urlMap.path_matcher[0].path_rule.find((r: TfJson) => r.paths.includes('/search'));
    expect(rule).toEqual({ paths: ['/search', '/search/*'], service: `\${google_compute_backend_service.${service.__id}.id}` });
    expect(urlMap.path_matcher[0].path_rule).toHaveLength(3);
  });

  it('gets its cache rule and its rate limit at the edge, and the HTML rule leaves its paths alone', () => {
    const searchPaths = '(http.request.uri.path eq "/search" or starts_with(http.request.uri.path, "/search/"))';
    const rulesets = resources(stack('edge'), 'cloudflare_ruleset');
    const cache = rulesets.find((r) => r.phase === 'http_request_cache_settings')!.rules;
    expect(cache.find((r: TfJson) => r.expression === searchPaths).action_parameters).toMatchObject({ cache: true, edge_ttl: { default: 7200 } });
    expect(cache.find((r: TfJson) => r.expression.startsWith('not ')).expression).toContain(`not ${searchPaths}`);
    expect(rulesets.find((r) => r.phase === 'http_ratelimit')!.rules[0].expression).toContain(searchPaths);
  });

  it('leaves the api and frontend resources exactly as they were', () => {
    for (const name of ['api', 'frontend']) {
      expect(workload(workloadsStack, name).deployment).toEqual(workload(before[`isoscribe-dev-workloads-${region}`], name).deployment);
    }
    const backends = (json: Record<string, TfJson>) => resources(json['isoscribe-dev-ingress'], 'google_compute_backend_service').filter((s) => s.name !== 'isoscribe-dev-search');
    expect(backends(json)).toEqual(backends(before));
  });
});

describe('workload definitions and config must agree', () => {
  const synth = (definitions: readonly WorkloadDefinition[], env = environment('dev')) => () => defineEnvironment(Testing.app(), env, definitions);

  it('a definition without a config entry is a config error naming the entry to add', () => {
    expect(synth([...WORKLOADS, search])).toThrow(ConfigError);
    expect(synth([...WORKLOADS, search])).toThrow(/config\/dev\.ts › workloads\.search: missing; workloads\/search\.ts defines it/);
  });

  it('a pod that mounts a secret its access does not list fails synth with the line to add', () => {
    expect(synth([...WORKLOADS, { ...search, access: [] }], withSearchEntry('dev'))).toThrow(
      'Workload search: its pod mounts the secret "search-api-key"; add CoreAccess.secret(\'search-api-key\') to its access in workloads/search.ts',
    );
  });

  it('a config entry without a definition is a config error naming both fixes', () => {
    expect(synth(WORKLOADS, withSearchEntry('dev'))).toThrow(/workloads\.search: no workload is defined by that name .*add workloads\/search\.ts to WORKLOADS/);
  });
});

describe('route table', () => {
  it('puts workload routes first, then /static/, then the default route as "none of the others"', () => {
    const routes = routeTable([...WORKLOADS, search]);
    expect(routes.map((r) => r.match?.prefix ?? 'default')).toEqual(['/api', '/search', '/static/', 'default']);
    expect(routes[3].edgeExpression).toBe(routes.slice(0, 3).map((r) => `not ${r.edgeExpression}`).join(' and '));
  });

  it('rejects a route that overlaps another, naming both', () => {
    const nested = { ...search, routes: [{ match: PathMatch.subtree('/api/search'), edgeCache: EdgeCache.bypass('nested') }] };
    expect(() => routeTable([...WORKLOADS, nested])).toThrow('Route table: workload "search"\'s /api/search overlaps workload "api"\'s /api; give each route its own path');
  });

  it('rejects a second default route, and none at all', () => {
    const defaults = { ...search, routes: [{ edgeCache: EdgeCache.bypass('everything') }] };
    expect(() => routeTable([...WORKLOADS, defaults])).toThrow(/exactly one workload must take the default route .*found 2 \(workload "frontend", workload "search"\)/);
    expect(() => routeTable(WORKLOADS.filter((w) => w.name !== 'frontend'))).toThrow(/found 0/);
  });

  it('rejects malformed paths with the form to use', () => {
    expect(() => PathMatch.subtree('/api/')).toThrow('PathMatch.subtree: "/api/" must be a path such as "/api"');
    expect(() => PathMatch.under('/static')).toThrow('PathMatch.under: "/static" must be a directory path such as "/static/"');
  });
});
