/**
 * The api's engine login as production renders it, tried against the real security plugin.
 *
 * The synthesized production search stack's OpensearchRole, OpensearchUser and
 * OpensearchUserRoleBinding are applied the way the OpenSearch Kubernetes Operator 2.8.0 applies them
 * (pkg/reconcilers/role.go, users.go, userrolebinding.go → opensearch-gateway/requests: PUT to the
 * security REST API as the admin), to an OpenSearch node running the released security plugin at the
 * engine's version, configured as the operator configures production's (support/opensearch-security.ts).
 * Then the api pod — workloads/api.ts's environment and files, production's SEARCH_INDEX — does
 * everything it does in production as that user: creates the index and alias at start, indexes,
 * searches, and `search:reindex` builds a new index, swaps the alias and deletes the old one.
 *
 * What cannot run here: the operator (a Go controller on Kubernetes) — its REST calls are made from
 * its source, cited per call — and GKE's DNS, so the api reaches the node on loopback (the node's
 * certificate carries IP:127.0.0.1 beside the operator's names).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { synthesized } from '../../support/topology';
import { startApiPod } from '../../../testing/pods';
import type { RunningPod } from '../../../testing/pod';
import { request, waitUntil } from '../../../testing/util';
import { SEARCH_K8S_SECRETS } from '../../../constructs/search/opensearch-cluster';
import { SEARCH_INDEX, SEARCH_USERNAME } from '../../../workloads/api';
import { firstIndexName, indexPattern } from '../../../services/api/src/search/index-definition';
import { startMongoWireServer, type MongoWireServer } from '../../../services/api/test/support/mongo-wire';
import { startOpenSearch, type OpenSearchCluster } from '../../../services/api/test/support/opensearch';

jest.setTimeout(180_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const OPERATOR = 'opensearch-k8s-operator v2.8.0';

const { manifest, read } = synthesized();
const searchStack = Object.keys(manifest.stacks).filter((s) => /^isoscribe-production-search-(?!operator)/.test(s)).sort()[0];
const manifests = Object.values<Json>(read(searchStack).resource.kubernetes_manifest ?? {}).map((m) => m.manifest);
const rendered = (kind: string): Json[] => manifests.filter((m) => m.kind === kind);

const apiPassword = `api-${Math.random().toString(36).slice(2)}-Z9!`;
let mongo: MongoWireServer;
let engine: OpenSearchCluster;
const pods: RunningPod[] = [];

/** A call to the engine's REST API over TLS: as the admin (the operator's login) unless `login` says otherwise. */
const call = (method: string, path: string, body?: unknown, login?: string | null) => engine.request<Json>(method, path, { body, login });

/** What the operator sends for each rendered resource, in its reconcilers' order (role, user, then binding). */
function operatorRequests(): Array<{ what: string; method: string; path: string; body: Json }> {
  const omitEmpty = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  const roles = rendered('OpensearchRole').map((r) => ({
    what: `${OPERATOR} role.go: OpensearchRole ${r.metadata.name} → requests.Role`,
    method: 'PUT',
    path: `/_plugins/_security/api/roles/${r.metadata.name}`,
    body: omitEmpty({
      cluster_permissions: r.spec.clusterPermissions,
      index_permissions: (r.spec.indexPermissions ?? []).map((p: Json) =>
        omitEmpty({ index_patterns: p.indexPatterns, dls: p.dls, fls: p.fls, allowed_actions: p.allowedActions, masked_fields: p.maskedFields }),
      ),
      tenant_permissions: (r.spec.tenantPermissions ?? []).map((p: Json) => omitEmpty({ tenant_patterns: p.tenantPatterns, allowed_actions: p.allowedActions })),
    }),
  }));
  const users = rendered('OpensearchUser').map((u) => {
    // users.go reads the password from the Secret the spec names; the sync job writes it from Secret Manager.
    expect([u.metadata.name, u.spec.passwordFrom]).toEqual([SEARCH_USERNAME, { name: SEARCH_K8S_SECRETS.apiCredentials, key: 'password' }]);
    return {
      what: `${OPERATOR} users.go: OpensearchUser ${u.metadata.name} → requests.User`,
      method: 'PUT',
      path: `/_plugins/_security/api/internalusers/${u.metadata.name}`,
      body: omitEmpty({ password: apiPassword, opendistro_security_roles: u.spec.opendistroSecurityRoles, backend_roles: u.spec.backendRoles, attributes: u.spec.attributes }),
    };
  });
  const bindings = rendered('OpensearchUserRoleBinding').flatMap((b) =>
    (b.spec.roles as string[]).map((role) => ({
      what: `${OPERATOR} userrolebinding.go: OpensearchUserRoleBinding ${b.metadata.name} → requests.RoleMapping for ${role}`,
      method: 'PUT',
      path: `/_plugins/_security/api/rolesmapping/${role}`,
      body: omitEmpty({ users: b.spec.users, backend_roles: b.spec.backendRoles }),
    })),
  );
  return [...roles, ...users, ...bindings];
}

const apiPod = async (name: string, files: { password: string; caPem: string }, appEnv: Record<string, string> = {}) => {
  const pod = await startApiPod(mongo.uri, {
    name,
    searchNodes: engine.urls,
    search: files,
    // Production's SEARCH_INDEX (workloads/api.ts) stays: the role's index pattern must cover it.
    appEnv: { LOG_LEVEL: 'warn', MONGODB_DB: `security_${name}`, SEARCH_INDEXER_POLL_MS: '100', ...appEnv },
  });
  pods.push(pod);
  return pod;
};

/** The hits' ids; undefined while search answers 503 (before the indexer's first round made the index). */
const hitIds = async (pod: RunningPod, q: string): Promise<string[] | undefined> => {
  const res = await request(pod.baseUrl, `/api/v1/search?q=${encodeURIComponent(q)}`);
  if (res.status === 503) return undefined;
  if (res.status !== 200) throw new Error(`search ${q}: ${res.status} ${res.body}`);
  return (JSON.parse(res.body) as { hits: Array<{ id: string }> }).hits.map((hit) => hit.id);
};

beforeAll(async () => {
  [mongo, engine] = await Promise.all([startMongoWireServer(), startOpenSearch({ security: true })]);
}, 150_000);

afterAll(async () => {
  await Promise.all(pods.map((pod) => pod.stop()));
  await Promise.all([mongo?.stop(), engine?.stop()]);
});

describe(`the api's search login on the security plugin ${'(real plugin; the operator cannot run here: its REST calls are made from its source)'}`, () => {
  test('the engine answers only over TLS with a login: anonymous 401, the admin of our internal_users.yml 200, the plugin\'s demo users gone', async () => {
    expect((await call('GET', '/', undefined, null))[0]).toBe(401);
    expect((await call('GET', '/'))[0]).toBe(200);
    // The image's default internal_users.yml has demo users with published passwords; ours replaces it.
    expect((await call('GET', '/', undefined, 'kibanaserver:kibanaserver'))[0]).toBe(401);
  });

  test('every permission the rendered role names is an action group the plugin defines or an action pattern (an unknown name is stored, and grants nothing)', async () => {
    const [, groups] = await call('GET', '/_plugins/_security/api/actiongroups');
    const known = (permission: string) => permission in groups || /^(cluster|indices):[a-z_]+(\/[a-z_*]+)*\*?$/.test(permission);
    const roles = rendered('OpensearchRole');
    // The role covers what the api names: its alias and the indices named after it.
    expect(roles.flatMap((role) => role.spec.indexPermissions.flatMap((p: Json) => p.indexPatterns))).toEqual([indexPattern(SEARCH_INDEX)]);
    for (const role of roles) {
      const named = [...(role.spec.clusterPermissions ?? []), ...(role.spec.indexPermissions ?? []).flatMap((p: Json) => p.allowedActions)];
      expect([role.metadata.name, named.filter((p: string) => !known(p))]).toEqual([role.metadata.name, []]);
    }
  });

  test('the operator\'s requests for the rendered role, user and binding are accepted', async () => {
    for (const step of operatorRequests()) {
      const [status, body] = await call(step.method, step.path, step.body);
      expect([step.what, status, body.status]).toEqual([step.what, expect.any(Number), expect.stringMatching(/^(CREATED|OK)$/)]);
    }
    const [, roles] = await call('GET', `/_plugins/_security/api/account`, undefined, `${SEARCH_USERNAME}:${apiPassword}`);
    expect(roles.roles).toEqual(expect.arrayContaining(rendered('OpensearchUserRoleBinding').flatMap((b) => b.spec.roles)));
  });

  test('the api pod, as that user over TLS: creates index and alias at start, and a document created, updated and deleted is found, changed and gone', async () => {
    const pod = await apiPod('lifecycle', { password: apiPassword, caPem: engine.security!.caPem });
    expect(pod.env).toMatchObject({ SEARCH_USERNAME, SEARCH_INDEX: 'documents' });
    const created = await request(pod.baseUrl, '/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Encrypted narwhal', body: 'tusks', author: 'ada' }) });
    expect([created.status, created.body]).toEqual([201, expect.any(String)]);
    const { id, version } = JSON.parse(created.body) as { id: string; version: number };
    await waitUntil('the document to be found', 30_000, async () => (await hitIds(pod, 'narwhal'))?.includes(id) ?? false, 100);
    // Made by the api at start, as its own user: the first versioned index behind the alias.
    expect(Object.keys((await call('GET', `/${SEARCH_INDEX}/_alias`))[1])).toEqual([firstIndexName(SEARCH_INDEX)]);
    const updated = await request(pod.baseUrl, `/api/v1/documents/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version, title: 'Encrypted walrus' }) });
    expect(updated.status).toBe(200);
    await waitUntil('the update to be found', 30_000, async () => (await hitIds(pod, 'walrus'))?.includes(id) ?? false, 100);
    expect((await request(pod.baseUrl, `/api/v1/documents/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitUntil('the deletion to leave search', 30_000, async () => (await hitIds(pod, 'walrus'))?.includes(id) === false, 100);
    expect(pod.appLogs().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  test('search:reindex with the pod\'s settings, as that user: a new index, the alias swapped to it, the old one deleted', async () => {
    const pod = pods.find((p) => p.name === 'lifecycle') ?? (await apiPod('lifecycle', { password: apiPassword, caPem: engine.security!.caPem }));
    const [, before] = await call('GET', '/documents/_alias');
    const previous = Object.keys(before);
    expect(previous).toHaveLength(1);
    const run = await runReindex(pod.env);
    expect([run.code, run.output]).toEqual([0, expect.stringContaining(`deleted ${firstIndexName(SEARCH_INDEX)}`)]);
    const [, after] = await call('GET', '/documents/_alias');
    expect(Object.keys(after)).toEqual([expect.not.stringMatching(previous[0])]);
    const [gone] = await call('GET', `/${previous[0]}`);
    expect(gone).toBe(404);
  });

  test('a wrong password, a CA that did not sign the engine certificate, or an index the role does not cover: search answers 503 and the api logs what to fix', async () => {
    const [wrongPassword, wrongCa, otherIndex] = await Promise.all([
      apiPod('badpass', { password: 'not-the-password', caPem: engine.security!.caPem }),
      apiPod('badca', { password: apiPassword, caPem: engine.security!.otherCaPem }),
      apiPod('otherindex', { password: apiPassword, caPem: engine.security!.caPem }, { SEARCH_INDEX: 'articles' }),
    ]);
    for (const pod of [wrongPassword, wrongCa, otherIndex]) {
      const res = await request(pod.baseUrl, '/api/v1/search?q=narwhal');
      expect([pod.name, res.status, JSON.parse(res.body).error]).toEqual([pod.name, 503, 'unavailable']);
      // The rest of the API still answers.
      expect((await request(pod.baseUrl, '/api/v1/documents?limit=1')).status).toBe(200);
    }
    const reasons = (pod: RunningPod) => pod.appLogs().filter((line) => line.level === 50).map((line) => String(line.reason));
    await waitUntil('the refusals to be logged', 30_000, () => [wrongPassword, wrongCa, otherIndex].every((pod) => reasons(pod).length > 0));
    expect(reasons(wrongPassword)[0]).toMatch(/refused the api's credentials \(401.*SEARCH_USERNAME and the password in SEARCH_PASSWORD_FILE/);
    expect(reasons(wrongCa)[0]).toMatch(/TLS to the search engine failed: its certificate did not verify \(.*\); SEARCH_CA_FILE must hold the CA that signed it/);
    expect(reasons(otherIndex)[0]).toMatch(/the search engine's api user may not do this \(403 security_exception no permissions for \[indices:admin\/create.*\): its role \(OpensearchRole isoscribe-search/);
  });
});

/** `search:reindex` as an operator runs it in an api pod: the pod's own environment and mounted files. */
function runReindex(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const root = join(__dirname, '..', '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'services', 'api', 'src', 'search', 'reindex-cli.ts')], { env: { ...env, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}
