/**
 * Scenario: only our Cloudflare zone reaches the origin. The staging ingress stack is synthesized
 * with a CA made for this run as its trust anchor (the committed CA's key does not exist anywhere),
 * and the front door (e2e/front-door.ts) applies what that stack declares in front of the real
 * frontend pod (NGINX + generator). Certificates are issued at run time by the same function
 * docs/deploy/origin-pull-cert.ts uses; no private key is written to the repository.
 */
import { App } from 'cdktf';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS, loadEnvironments, type EnvironmentConfig } from '../config';
import { defineEnvironment } from '../main';
import { issueOriginPullCertificates, type OriginPullCertificates } from '../docs/deploy/origin-pull-cert';
import { servedHostnames } from '../stacks/ingress-stack';
import { CLIENT_ADDRESS, LB_ADDRESS, type FrontendPod } from '../testing/pods';
import { FrontDoor, frontDoorRules } from './front-door';
import type { Check, ScenarioResult } from './scenarios';

type TfJson = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The environment's ingress stack as `cdktf synth` writes it, synthesized in process. */
export function synthesizeIngress(env: EnvironmentConfig): TfJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'origin-lock-synth-'));
  try {
    const app = new App({ outdir });
    const { ingress } = defineEnvironment(app, env);
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    return JSON.parse(fs.readFileSync(path.join(outdir, manifest.stacks[ingress.node.id].synthesizedStackPath), 'utf8'));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** An environment whose origin pull trusts `ca` instead of the committed CA certificates. */
export function environmentTrusting(name: string, caCertificatePem: string): EnvironmentConfig {
  const input = structuredClone(ENVIRONMENTS.find((e) => e.name === name)!);
  if (!input.ingress.originPull) throw new Error(`config/${name}.ts has no ingress.originPull to exercise`);
  input.ingress.originPull.trustedCaCertificates = [caCertificatePem];
  return loadEnvironments([input])[0];
}

interface Outcome {
  /** HTTP status, or `tls: <reason>` when the handshake (or the connection) failed. */
  result: string;
  status?: number;
}

function request(port: number, sni: string, host: string, client?: OriginPullCertificates): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: LB_ADDRESS,
        port,
        localAddress: CLIENT_ADDRESS,
        servername: sni,
        path: '/',
        headers: { host },
        // Cloudflare's side of the handshake; the server certificate is a run-time stand-in.
        rejectUnauthorized: false,
        agent: false,
        ...(client && { cert: client.clientCertificatePem, key: client.clientKeyPem }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ result: String(res.statusCode), status: res.statusCode }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ result: `tls: ${error.code ?? error.message}` }));
    req.end();
  });
}

/**
 * @param alter changes the synthesized stack before the front door reads it: the tests use it to show
 *   that the checks fail on the configuration before the origin lock (wildcard host, no mTLS, PRIMARY).
 */
export async function originLock(frontend: FrontendPod, environment = 'staging', alter: (ingress: TfJson) => void = () => {}): Promise<ScenarioResult> {
  const started = Date.now();
  const ours = issueOriginPullCertificates('our-zone.test', 1);
  const theirs = issueOriginPullCertificates('another-zone.test', 1);
  const env = environmentTrusting(environment, ours.caCertificatePem);
  const ingress = synthesizeIngress(env);
  alter(ingress);
  const rules = frontDoorRules(ingress);
  const synthMs = Date.now() - started;
  const [hostname] = servedHostnames(env);
  const door = await FrontDoor.start({ rules, address: LB_ADDRESS, backends: { [`${env.prefix}-frontend`]: frontend.baseUrl } });
  try {
    const podRequests = () => frontend.nginx.accessLog().length;
    const attempt = async (sni: string, host: string, client?: OriginPullCertificates) => {
      const before = podRequests();
      const outcome = await request(door.port, sni, host, client);
      return { ...outcome, reachedPod: podRequests() - before };
    };
    const ourRequest = await attempt(hostname, hostname, ours);
    const noCertificate = await attempt(hostname, hostname);
    const otherCa = await attempt(hostname, hostname, theirs);
    const foreignHost = await attempt(hostname, 'attacker.example', ours);
    const foreignSni = await attempt('attacker.example', 'attacker.example', ours);
    const refusedAtTls = (o: Outcome) => o.result.startsWith('tls:');
    const checks: Check[] = [
      { name: 'our zone (our client certificate, our Host) reaches the pod', ok: ourRequest.status === 200 && ourRequest.reachedPod === 1, detail: `${ourRequest.result}, ${ourRequest.reachedPod} pod request(s)` },
      { name: 'no client certificate: refused in the TLS handshake', ok: refusedAtTls(noCertificate) && noCertificate.reachedPod === 0, detail: noCertificate.result },
      { name: 'a certificate from another CA (another zone\'s): refused in the TLS handshake', ok: refusedAtTls(otherCa) && otherCa.reachedPod === 0, detail: otherCa.result },
      { name: 'a foreign Host with our certificate: 404 from the LB, no pod request', ok: foreignHost.status === 404 && foreignHost.reachedPod === 0, detail: `${foreignHost.result}, ${foreignHost.reachedPod} pod request(s)` },
      { name: 'a foreign SNI: no certificate, refused in the TLS handshake', ok: refusedAtTls(foreignSni) && foreignSni.reachedPod === 0, detail: foreignSni.result },
    ];
    return {
      title: `Origin lock: only our Cloudflare zone gets through (rules from the synthesized ${env.prefix}-ingress)`,
      figures: [
        `rules: ${rules.trustAnchors.length} trust anchor(s), client validation ${rules.clientValidationMode}, hosts ${rules.hostRules.flatMap((r) => r.hosts).join(', ')}, other Hosts → ${rules.defaultRoute.abort ? `abort ${rules.defaultRoute.abort.status} at ${rules.defaultRoute.abort.percentage}%` : 'a backend'}; synthesized in ${synthMs} ms`,
        `front door: ${door.stats.tlsRefused} handshakes refused, ${door.stats.aborted} aborted, ${door.stats.forwarded} forwarded`,
      ],
      checks,
    };
  } finally {
    await door.close();
  }
}
