/**
 * A stand-in for the Google front end of the global external Application Load Balancer, limited to
 * what the origin lock depends on, with every rule read from the synthesized ingress stack rather
 * than restated here:
 *
 * - certificates by SNI from the certificate map entries: a hostname without an entry (and no
 *   PRIMARY entry) gets no certificate, so the handshake fails;
 * - mutual TLS from the server TLS policy on the HTTPS proxy: with REJECT_INVALID, a client whose
 *   certificate is missing or does not chain to a trust anchor of the referenced trust config fails
 *   the handshake;
 * - the URL map: a Host in a host rule goes to its path matcher; any other Host takes the default
 *   route, whose fault-injection abort (at its percentage) answers without touching a backend.
 *
 * What cannot run here: Google's front end itself and its certificates (the server certificate is
 * made at run time for the certificate map's hostnames; only the client side is what is tested).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

type TfJson = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the front end does, as the ingress stack declares it. */
export interface FrontDoorRules {
  /** SNI hostnames the certificate map has an entry for. */
  readonly certificateHostnames: string[];
  /** Whether the map has a PRIMARY entry (served for any other SNI, or none). */
  readonly primaryCertificate: boolean;
  /** The server TLS policy's client validation mode, or undefined without one. */
  readonly clientValidationMode?: string;
  /** PEM trust anchors of the trust config the server TLS policy references. */
  readonly trustAnchors: string[];
  /** Host rules: hostnames → path matcher name. */
  readonly hostRules: { hosts: string[]; pathMatcher: string }[];
  /** The path matchers: default backend and path rules, backends by name. */
  readonly pathMatchers: Record<string, { defaultBackend: string; pathRules: { paths: string[]; backend: string }[] }>;
  /** The URL map's default: a backend, or an abort (status, percentage of requests). */
  readonly defaultRoute: { backend?: string; abort?: { status: number; percentage: number } };
}

/** The resource a `${type.name.attr}` reference in a stack points at. */
function referenced(stack: TfJson, ref: unknown): TfJson | undefined {
  const m = typeof ref === 'string' ? /\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}/.exec(ref) : null;
  return m ? stack.resource?.[m[1]]?.[m[2]] : undefined;
}

function only(stack: TfJson, type: string, what: string): TfJson {
  const all = Object.values(stack.resource?.[type] ?? {}) as TfJson[];
  if (all.length !== 1) throw new Error(`the ingress stack has ${all.length} ${type}; the front door emulates exactly one (${what})`);
  return all[0];
}

/** Reads the front end's rules from a synthesized ingress stack (cdk.tf.json, parsed). */
export function frontDoorRules(ingress: TfJson): FrontDoorRules {
  const proxy = only(ingress, 'google_compute_target_https_proxy', 'the HTTPS proxy');
  const urlMap = referenced(ingress, proxy.url_map);
  if (!urlMap) throw new Error('the HTTPS proxy\'s url_map is not a URL map of the ingress stack');
  const backendName = (ref: unknown) => {
    const target = referenced(ingress, ref);
    if (!target) throw new Error(`backend ${String(ref)} is not a resource of the ingress stack`);
    return String(target.name);
  };
  const tlsPolicy = referenced(ingress, proxy.server_tls_policy);
  const trust = tlsPolicy && referenced(ingress, tlsPolicy.mtls_policy?.client_validation_trust_config);
  const entries = Object.values(ingress.resource?.google_certificate_manager_certificate_map_entry ?? {}) as TfJson[];
  const abort = urlMap.default_route_action?.fault_injection_policy?.abort;
  return {
    certificateHostnames: entries.flatMap((e) => (e.hostname ? [String(e.hostname)] : [])),
    primaryCertificate: entries.some((e) => e.matcher === 'PRIMARY'),
    clientValidationMode: tlsPolicy?.mtls_policy?.client_validation_mode,
    trustAnchors: (trust?.trust_stores ?? []).flatMap((s: TfJson) => (s.trust_anchors ?? []).map((a: TfJson) => String(a.pem_certificate))),
    hostRules: (urlMap.host_rule ?? []).map((r: TfJson) => ({ hosts: r.hosts as string[], pathMatcher: String(r.path_matcher) })),
    pathMatchers: Object.fromEntries(
      (urlMap.path_matcher ?? []).map((m: TfJson) => [
        m.name,
        {
          defaultBackend: backendName(m.default_service),
          pathRules: (m.path_rule ?? []).map((r: TfJson) => ({ paths: r.paths as string[], backend: backendName(r.service) })),
        },
      ]),
    ),
    defaultRoute: {
      backend: urlMap.default_service ? backendName(urlMap.default_service) : urlMap.default_route_action?.weighted_backend_services?.[0] && backendName(urlMap.default_route_action.weighted_backend_services[0].backend_service),
      abort: abort && { status: Number(abort.http_status), percentage: Number(abort.percentage) },
    },
  };
}

/** URL-map path matching: `/x/*` matches the prefix, anything else the exact path. */
function pathMatches(pattern: string, urlPath: string): boolean {
  return pattern.endsWith('/*') ? urlPath.startsWith(pattern.slice(0, -1)) : urlPath === pattern;
}

export interface FrontDoorOptions {
  readonly rules: FrontDoorRules;
  /** Address the front door listens on and connects to backends from. */
  readonly address: string;
  /** Backend name (e.g. `isoscribe-staging-frontend`) → base URL of what serves it here. */
  readonly backends: Record<string, string>;
}

export interface FrontDoorStats {
  /** Handshakes the front door refused (no certificate for the SNI, or client certificate rejected). */
  tlsRefused: number;
  /** Requests answered by a default-route abort. */
  aborted: number;
  /** Requests forwarded to a backend. */
  forwarded: number;
}

export class FrontDoor {
  readonly stats: FrontDoorStats = { tlsRefused: 0, aborted: 0, forwarded: 0 };
  private constructor(
    private readonly server: https.Server,
    private readonly options: FrontDoorOptions,
    readonly port: number,
  ) {}

  static async start(options: FrontDoorOptions): Promise<FrontDoor> {
    const { rules } = options;
    const serverCertificate = selfSignedServerCertificate(rules.certificateHostnames);
    const verify = rules.clientValidationMode === 'REJECT_INVALID';
    if (rules.clientValidationMode !== undefined && !verify) {
      throw new Error(`client_validation_mode ${rules.clientValidationMode} is not emulated; only REJECT_INVALID is`);
    }
    const context = tls.createSecureContext({ ...serverCertificate, ...(verify && { ca: rules.trustAnchors }) });
    const server = https.createServer({
      ...serverCertificate,
      requestCert: verify,
      rejectUnauthorized: verify,
      ...(verify && { ca: rules.trustAnchors }),
      SNICallback: (servername, callback) => {
        if (rules.certificateHostnames.includes(servername) || rules.primaryCertificate) callback(null, context);
        else callback(new Error(`no certificate map entry for ${servername}`));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, options.address, resolve));
    const door = new FrontDoor(server, options, (server.address() as AddressInfo).port);
    server.on('tlsClientError', () => door.stats.tlsRefused++);
    server.on('request', (req, res) => door.route(req, res));
    return door;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const { rules } = this.options;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const urlPath = new URL(req.url ?? '/', 'https://front.door').pathname;
    const hostRule = rules.hostRules.find((r) => r.hosts.includes(host) || r.hosts.includes('*'));
    let backend: string | undefined;
    if (hostRule) {
      const matcher = rules.pathMatchers[hostRule.pathMatcher];
      backend = matcher.pathRules.find((r) => r.paths.some((p) => pathMatches(p, urlPath)))?.backend ?? matcher.defaultBackend;
    } else {
      const { abort } = rules.defaultRoute;
      if (abort && Math.random() * 100 < abort.percentage) {
        this.stats.aborted++;
        req.resume();
        res.writeHead(abort.status, { 'content-type': 'text/plain' }).end('fault filter abort');
        return;
      }
      backend = rules.defaultRoute.backend;
    }
    const target = backend && this.options.backends[backend];
    if (!target) {
      req.resume();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`no emulated backend for ${String(backend)}\n`);
      return;
    }
    this.stats.forwarded++;
    const { hostname, port } = new URL(target);
    const headers = { ...req.headers, 'x-forwarded-for': [req.headers['x-forwarded-for'], req.socket.remoteAddress, this.options.address].filter(Boolean).join(', '), 'x-forwarded-proto': 'https', via: '1.1 google' };
    const upstream = http.request({ host: hostname, port: Number(port), localAddress: this.options.address, method: req.method, path: req.url, headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode!, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream connection failed\n');
    });
    req.pipe(upstream);
  }
}

/** A throwaway self-signed server certificate for `hostnames`, made at run time; its key stays in memory. */
function selfSignedServerCertificate(hostnames: string[]): { cert: string; key: string } {
  if (hostnames.length === 0) throw new Error('the certificate map lists no hostname: nothing to serve');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'front-door-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${hostnames[0]}`, '-addext', `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')}`,
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
