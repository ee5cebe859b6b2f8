// The one-time (and rotation) step of the origin lock: Cloudflare presents OUR client certificate to
// the load balancer, which accepts only certificates issued by the CA committed for the environment.
//
//   npx tsx docs/deploy/origin-pull-cert.ts issue --env staging     (needs CLOUDFLARE_API_TOKEN: Zone SSL and Certificates Edit)
//   npx tsx docs/deploy/origin-pull-cert.ts remove --env staging --id <certificate id>
//
// `issue` makes a fresh CA and one client certificate signed by it, uploads the client certificate
// and its key to the zone's Authenticated Origin Pulls (zone-level, custom certificate), writes the CA
// certificate to config/origin-pull-ca/<env>/<date>.pem, prints the certificate id for config, and
// deletes both private keys from disk. The CA key is used exactly once, so nobody has to keep it;
// the client key exists only in Cloudflare. Nothing secret ever reaches git or Terraform state.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

export interface OriginPullCertificates {
  /** The CA certificate the load balancer's trust config holds (public). */
  readonly caCertificatePem: string;
  /** The client certificate Cloudflare presents (public). */
  readonly clientCertificatePem: string;
  /** The client certificate's key: goes to Cloudflare and nowhere else. */
  readonly clientKeyPem: string;
}

/** Where each environment's trusted CA certificates live: every `.pem` in the directory is trusted. */
export function caDirectory(environment: string): string {
  return path.join(__dirname, '..', '..', 'config', 'origin-pull-ca', environment);
}

/**
 * A new CA (ECDSA P-256, self-signed, pathlen 0) and a client certificate it signs for `commonName`
 * (clientAuth only). The CA key is deleted before this returns.
 */
export function issueOriginPullCertificates(commonName: string, days = 825): OriginPullCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'origin-pull-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    fs.writeFileSync(file('ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
    fs.writeFileSync(file('client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n');
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl('req', '-new', '-key', file('ca.key'), '-subj', `/CN=${commonName} origin-pull CA`, '-out', file('ca.csr'));
    openssl('x509', '-req', '-in', file('ca.csr'), '-signkey', file('ca.key'), '-days', String(days + 30), '-extfile', file('ca.ext'), '-out', file('ca.pem'));
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('client.key'));
    openssl('req', '-new', '-key', file('client.key'), '-subj', `/CN=${commonName}`, '-out', file('client.csr'));
    openssl('x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-set_serial', `0x${Date.now().toString(16)}`, '-days', String(days), '-extfile', file('client.ext'), '-out', file('client.pem'));
    return {
      caCertificatePem: fs.readFileSync(file('ca.pem'), 'utf8'),
      clientCertificatePem: fs.readFileSync(file('client.pem'), 'utf8'),
      clientKeyPem: fs.readFileSync(file('client.key'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function cloudflare(method: string, urlPath: string, body?: unknown): Promise<Record<string, unknown>> {
  const token = process.env.CLOUDFLARE_API_TOKEN;
  if (!token) throw new Error('CLOUDFLARE_API_TOKEN is not set; create a token with "Zone: SSL and Certificates: Edit" for the zone');
  const response = await fetch(`https://api.cloudflare.com/client/v4${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as { success: boolean; errors?: unknown; result?: Record<string, unknown> };
  if (!json.success) throw new Error(`Cloudflare ${method} ${urlPath}: ${JSON.stringify(json.errors)}`);
  return json.result ?? {};
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { env: { type: 'string' }, id: { type: 'string' } } });
  const [command] = positionals;
  if (!values.env) throw new Error('usage: origin-pull-cert.ts issue --env <environment> | remove --env <environment> --id <certificate id>');
  // Loaded lazily: config reads the CA files this script writes.
  const { ENVIRONMENTS, loadEnvironments } = await import('../../config');
  const env = loadEnvironments(ENVIRONMENTS).find((e) => e.name === values.env);
  if (!env) throw new Error(`no environment "${values.env}" in config/`);
  // No zone id in config: look the zone up by name, as the stacks do.
  const zoneName = env.edge.zoneName;
  const zones = (await cloudflare('GET', `/zones?name=${encodeURIComponent(zoneName)}`)) as unknown as { id: string }[];
  if (!Array.isArray(zones) || zones.length !== 1) {
    throw new Error(`the token sees ${Array.isArray(zones) ? zones.length : 0} Cloudflare zones named ${zoneName}, not one; add the zone (docs/deploy.md, "The Cloudflare zone") or scope the token to it`);
  }
  const zone = zones[0].id;
  if (command === 'issue') {
    const issued = issueOriginPullCertificates(env.domain);
    const result = await cloudflare('POST', `/zones/${zone}/origin_tls_client_auth`, {
      certificate: issued.clientCertificatePem,
      private_key: issued.clientKeyPem,
    });
    const dir = caDirectory(env.name);
    fs.mkdirSync(dir, { recursive: true });
    const caFile = path.join(dir, `${new Date().toISOString().slice(0, 10)}.pem`);
    fs.writeFileSync(caFile, issued.caCertificatePem);
    process.stdout.write(
      `uploaded client certificate ${String(result.id)} (status ${String(result.status)}) to zone ${zone}\n` +
        `wrote the CA certificate to ${path.relative(process.cwd(), caFile)}\n` +
        `next: set ingress.originPull.cloudflareCertificateId to "${String(result.id)}" in config/${env.name}.ts, commit both, deploy ingress (docs/deploy.md)\n`,
    );
  } else if (command === 'remove') {
    if (!values.id) throw new Error('remove needs --id <certificate id> (the old certificate, no longer in config)');
    if (values.id === env.ingress.originPull?.cloudflareCertificateId) {
      throw new Error(`${values.id} is the certificate config/${env.name}.ts uses; switch ingress.originPull.cloudflareCertificateId to the new one and deploy first`);
    }
    await cloudflare('DELETE', `/zones/${zone}/origin_tls_client_auth/${values.id}`);
    process.stdout.write(`removed certificate ${values.id} from zone ${zone}\n`);
  } else {
    throw new Error(`unknown command ${String(command)}; use issue or remove`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`origin-pull-cert: ${error.message}\n`);
    process.exitCode = 1;
  });
}
