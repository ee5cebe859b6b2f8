// The search engine as production serves it to the api — HTTPS with a certificate from the cluster's
// own CA, and HTTP basic auth — in front of a test node. Production's engine does both in its
// security plugin (TLS on the HTTP layer, internal users); that plugin is not fetched here, so a real
// NGINX terminates TLS with a certificate signed by a throwaway CA and checks the user and password
// before proxying to the node. What the api does is the same either way: verify the certificate
// against SEARCH_CA_FILE, send SEARCH_USERNAME and the password in SEARCH_PASSWORD_FILE.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startNginx, type RunningNginx } from '../../../../testing/nginx';

export interface SecuredEngine {
  /** https://127.0.0.1:<port>: the engine over TLS, basic auth required. */
  readonly url: string;
  /** PEM of the CA that signed the engine's certificate: what SEARCH_CA_FILE holds. */
  readonly caPem: string;
  /** PEM of another CA, which did not sign it: a wrong SEARCH_CA_FILE. */
  readonly otherCaPem: string;
  readonly nginx: RunningNginx;
  stop(): Promise<void>;
}

/** The host names the certificate covers: the in-cluster Service the api's SEARCH_NODES names, and loopback here. */
const certificateNames = 'DNS:search.search.svc,IP:127.0.0.1';

export async function startSecuredEngine(engineUrl: string, user: { username: string; password: string }): Promise<SecuredEngine> {
  const tlsPort = await freePort();
  let files: { caPem: string; otherCaPem: string } | undefined;
  const nginx = await startNginx({
    config: (layout) => {
      files = writeCertificates(layout.dir);
      // RFC 2307 {SSHA}: salted SHA-1, one of the schemes auth_basic_user_file reads (nginx.org/en/docs/http/ngx_http_auth_basic_module.html).
      const salt = randomBytes(8);
      const digest = createHash('sha1').update(user.password).update(salt).digest();
      writeFileSync(join(layout.dir, 'htpasswd'), `${user.username}:{SSHA}${Buffer.concat([digest, salt]).toString('base64')}\n`, { mode: 0o644 });
      const tmp = layout.tmpDir;
      return `worker_processes 1;
pid ${layout.testProps.paths.pidFile};
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server {
    listen ${layout.listenAddress}:${layout.port};
    location = /nginx-health { return 200 "ok\\n"; }
  }
  server {
    listen ${layout.listenAddress}:${tlsPort} ssl;
    ssl_certificate ${layout.dir}/engine.pem;
    ssl_certificate_key ${layout.dir}/engine-key.pem;
    auth_basic "search";
    auth_basic_user_file ${layout.dir}/htpasswd;
    client_max_body_size 100m;
    location / {
      proxy_pass ${engineUrl};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
    },
  });
  return { url: `https://127.0.0.1:${tlsPort}`, caPem: files!.caPem, otherCaPem: files!.otherCaPem, nginx, stop: () => nginx.stop() };
}

/** A CA, the engine's certificate signed by it, and an unrelated CA; keys stay in `dir` (NGINX reads them). */
function writeCertificates(dir: string): { caPem: string; otherCaPem: string } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=search test CA');
  openssl('req', '-x509', ...ec, '-keyout', 'other-ca-key.pem', '-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=another CA');
  openssl('req', ...ec, '-keyout', 'engine-key.pem', '-out', 'engine.csr', '-subj', '/CN=search.search.svc');
  writeFileSync(join(dir, 'engine.ext'), `subjectAltName=${certificateNames}\n`);
  openssl('x509', '-req', '-in', 'engine.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'engine.pem', '-days', '1', '-extfile', 'engine.ext');
  chmodSync(join(dir, 'engine-key.pem'), 0o644); // read by NGINX's master, which may run as another user
  return { caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), otherCaPem: readFileSync(join(dir, 'other-ca.pem'), 'utf8') };
}
