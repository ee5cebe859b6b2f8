/**
 * The origin lock on loopback (e2e/origin-lock.ts): the real frontend pod behind a front door that
 * applies the synthesized ingress stack's TLS, mTLS and URL-map rules. Google's front end and
 * Cloudflare cannot run here; the client certificates are made at run time like the real ones.
 */
import { originLock } from '../../e2e/origin-lock';
import { startFrontendPod, type FrontendPod } from '../../testing/pods';

let frontend: FrontendPod;

beforeAll(async () => {
  frontend = await startFrontendPod();
}, 60_000);

afterAll(async () => {
  await frontend?.stop();
});

const failed = (result: Awaited<ReturnType<typeof originLock>>) => result.checks.filter((c) => !c.ok).map((c) => c.name);

describe('origin lock (front door emulated from the synthesized staging ingress stack; real NGINX pod)', () => {
  it('lets our zone through and refuses no certificate, another CA, a foreign Host (404, no pod request) and a foreign SNI', async () => {
    const result = await originLock(frontend);
    console.log([result.title, ...result.figures, ...result.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`)].join('\n'));
    expect(failed(result)).toEqual([]);
  }, 60_000);

  it('fails on the ingress stack as it was before the lock: wildcard host and default service, no server TLS policy, a PRIMARY certificate', async () => {
    const result = await originLock(frontend, 'staging', (ingress) => {
      for (const proxy of Object.values<Record<string, unknown>>(ingress.resource.google_compute_target_https_proxy)) delete proxy.server_tls_policy;
      for (const map of Object.values<Record<string, any>>(ingress.resource.google_compute_url_map)) { // eslint-disable-line @typescript-eslint/no-explicit-any
        if (!map.host_rule) continue;
        map.host_rule = [{ hosts: ['*'], path_matcher: map.host_rule[0].path_matcher }];
        map.default_service = map.default_route_action.weighted_backend_services[0].backend_service;
        delete map.default_route_action;
      }
      ingress.resource.google_certificate_manager_certificate_map_entry.primary = { matcher: 'PRIMARY' };
    });
    expect(failed(result)).toEqual([
      'no client certificate: refused in the TLS handshake',
      "a certificate from another CA (another zone's): refused in the TLS handshake",
      'a foreign Host with our certificate: 404 from the LB, no pod request',
      'a foreign SNI: no certificate, refused in the TLS handshake',
    ]);
  }, 60_000);
});
