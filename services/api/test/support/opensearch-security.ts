// The security plugin on a test node, set up the way the OpenSearch Kubernetes Operator 2.8.0 sets up
// production's engine (constructs/search/opensearch-cluster.ts: `security.tls` with `transport.generate,
// perNode` and `http.generate` with our CA, `security.config` with our internal_users.yml):
// - the plugin itself is the released one (org.opensearch.plugin:opensearch-security, the engine's
//   version), its default security config from the same zip, as the image ships it;
// - internal_users.yml is what docs/search.md ("Operating it", step 1) tells the operator of the
//   project to store in Secret Manager: the admin user alone, hashed with the plugin's own hasher;
// - the node settings are the ones the operator writes into opensearch.yml, source cited per line.
// Differences, each because something cannot run here: certificates from openssl instead of the
// operator's Go PKI (same subjects and names, plus IP:127.0.0.1, since the api reaches the node on
// loopback instead of search.search.svc), and the plugin's `allow_default_init_securityindex` loads
// the security config on first start instead of the operator's securityadmin job (same files).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The operator's generated transport and admin certificates name the cluster; ours is "search" (workloads). */
const CLUSTER = 'search';
const OPERATOR = 'https://github.com/opensearch-project/opensearch-k8s-operator/blob/v2.8.0/opensearch-operator/pkg/reconcilers';

export interface EngineSecurity {
  /** PEM of the CA that signed the node's certificates: what SEARCH_CA_FILE holds. */
  readonly caPem: string;
  /** PEM of another CA, which did not sign them: a wrong SEARCH_CA_FILE. */
  readonly otherCaPem: string;
  /** The operator's own login (adminCredentialsSecret): the internal user `admin`. */
  readonly admin: { readonly username: string; readonly password: string };
}

/** The security plugin's release: its jars (classpath) and its default config directory. */
export function securityPluginDir(home: string): string {
  return join(home, 'security');
}

export const SECURITY_PLUGIN_CLASS = 'org.opensearch.security.OpenSearchSecurityPlugin';

/**
 * Writes certificates and the security config under `<nodeHome>/config` and returns the node
 * settings that use them, plus what a client needs.
 */
export function prepareSecurity(classpath: string, pluginDir: string, nodeHome: string, nodeName: string): { settings: Record<string, string>; security: EngineSecurity } {
  const config = join(nodeHome, 'config');
  mkdirSync(join(config, 'tls-http'), { recursive: true });
  mkdirSync(join(config, 'tls-transport'), { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: config, stdio: ['ignore', 'ignore', 'pipe'] });
  const rsa = ['-newkey', 'rsa:2048', '-nodes'];
  openssl('req', '-x509', ...rsa, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=isoscribe search test CA');
  openssl('req', '-x509', ...rsa, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '1', '-subj', '/CN=another CA');
  // The operator's names (tls.go): HTTP `CN=<cluster>,OU=<cluster>` for the Services; transport per
  // node `CN=<pod>,OU=<cluster>`, which plugins.security.nodes_dn below matches.
  const sign = (dir: string, subject: string, names: string[]) => {
    openssl('req', '-new', ...rsa, '-keyout', `${dir}/tls.key`, '-out', `${dir}/tls.csr`, '-subj', subject);
    writeFileSync(join(config, dir, 'ext'), `subjectAltName=${[...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl('x509', '-req', '-in', `${dir}/tls.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${dir}/tls.crt`, '-days', '1', '-extfile', `${dir}/ext`);
    cpSync(join(config, 'ca.crt'), join(config, dir, 'ca.crt'));
  };
  sign('tls-http', `/OU=${CLUSTER}/CN=${CLUSTER}`, [CLUSTER, `${CLUSTER}-discovery`, `${CLUSTER}.${CLUSTER}`, `${CLUSTER}.${CLUSTER}.svc`, `${CLUSTER}.${CLUSTER}.svc.cluster.local`]);
  sign('tls-transport', `/OU=${CLUSTER}/CN=${CLUSTER}-${nodeName}`, [`${CLUSTER}-${nodeName}`]);

  // The image's security config is the plugin's default; the operator mounts our internal_users.yml over it.
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}-A1!`;
  cpSync(join(pluginDir, 'config'), join(config, 'opensearch-security'), { recursive: true });
  writeFileSync(join(config, 'opensearch-security', 'internal_users.yml'), internalUsersYml(bcrypt(classpath, adminPassword)));

  const settings: Record<string, string> = {
    // configuration.go, the defaults the operator adds for the security plugin:
    'plugins.security.audit.type': 'internal_opensearch',
    'plugins.security.enable_snapshot_restore_privilege': 'true',
    'plugins.security.check_snapshot_restore_write_privileges': 'true',
    'plugins.security.restapi.roles_enabled': 'all_access,security_rest_api_access',
    // tls.go, transport with generate + perNode:
    'plugins.security.nodes_dn': `CN=${CLUSTER}-*,OU=${CLUSTER}`,
    'plugins.security.ssl.transport.pemcert_filepath': 'tls-transport/tls.crt',
    'plugins.security.ssl.transport.pemkey_filepath': 'tls-transport/tls.key',
    'plugins.security.ssl.transport.pemtrustedcas_filepath': 'tls-transport/ca.crt',
    'plugins.security.ssl.transport.enforce_hostname_verification': 'true',
    // tls.go, the admin certificate's DN (securityadmin's login; unused here, kept for parity):
    'plugins.security.authcz.admin_dn': `CN=admin,OU=${CLUSTER}`,
    // tls.go, http with generate and our CA (caSecret):
    'plugins.security.ssl.http.enabled': 'true',
    'plugins.security.ssl.http.pemcert_filepath': 'tls-http/tls.crt',
    'plugins.security.ssl.http.pemkey_filepath': 'tls-http/tls.key',
    'plugins.security.ssl.http.pemtrustedcas_filepath': 'tls-http/ca.crt',
    // Here only: load opensearch-security/ into the security index at first start (securityadmin's job).
    'plugins.security.allow_default_init_securityindex': 'true',
  };
  return {
    settings,
    security: {
      caPem: readFileSync(join(config, 'ca.crt'), 'utf8'),
      otherCaPem: readFileSync(join(config, 'other-ca.crt'), 'utf8'),
      admin: { username: 'admin', password: adminPassword },
    },
  };
}

/** Where each setting above comes from, for a failing test's message. */
export const OPERATOR_SOURCES = [`${OPERATOR}/configuration.go`, `${OPERATOR}/tls.go`];

/**
 * The internal_users.yml docs/search.md tells the operator of the project to store: `admin` alone
 * (reserved, backend role `admin`, which the default roles_mapping.yml maps to all_access). The
 * plugin's default file also holds demo users with published passwords; replacing the file drops them.
 */
export function internalUsersYml(adminHash: string): string {
  return [
    '_meta:',
    '  type: "internalusers"',
    '  config_version: 2',
    'admin:',
    `  hash: "${adminHash}"`,
    '  reserved: true',
    '  backend_roles:',
    '  - "admin"',
    '  description: "The operator\'s login (adminCredentialsSecret)"',
    '',
  ].join('\n');
}

/** The plugin's own hasher (tools/hash.sh runs this class on the server's and the plugin's jars): a bcrypt hash of `password`. */
function bcrypt(classpath: string, password: string): string {
  const out = execFileSync('java', ['-cp', classpath, 'org.opensearch.security.tools.Hasher', '-p', password], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const hash = out.trim().split('\n').pop()!;
  if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw new Error(`the security plugin's hasher printed no bcrypt hash: ${out}`);
  return hash;
}
