import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { App, TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { APP_SOCKET_PATH, NGINX_CONFIG_PATH, NGINX_HEALTH_PATH, NGINX_PORT, NginxBackend, POD_LAYOUT, READINESS_PATH, nginxArgs, nginxQuitArgs, renderNginxConfig, type NginxConfigProps } from '../../../constructs/nginx';
import { nginxTest } from '../../../testing/nginx';

// Renderer output with the pod defaults: what the ConfigMap ships.

const TRUSTED = ['130.211.0.0/22', '35.191.0.0/16', '173.245.48.0/20', '2400:cb00::/32', '34.111.22.33'];
const socketProps: NginxConfigProps = {
  backend: NginxBackend.unixSocket({ socketPath: APP_SOCKET_PATH, readinessPath: '/readyz' }),
  trustedProxies: TRUSTED,
};
const staticProps: NginxConfigProps = {
  backend: NginxBackend.staticFiles({ root: POD_LAYOUT.htmlDir }),
  trustedProxies: TRUSTED,
};

/** Config lines without comments, trimmed, so assertions are about directives only. */
function directives(config: string): string[] {
  return config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe.each([
  ['socket', socketProps],
  ['static', staticProps],
])('renderNginxConfig (%s backend) common settings', (_name, props) => {
  const config = renderNginxConfig(props);
  const lines = directives(config);

  it('is deterministic', () => {
    expect(renderNginxConfig(props)).toBe(config);
  });

  it('runs unprivileged: no user directive, no daemon directive, pid and temp paths in the pod tmp dir', () => {
    expect(lines.some((l) => /^user\s/.test(l))).toBe(false);
    expect(lines.some((l) => /^daemon\s/.test(l))).toBe(false);
    expect(lines).toContain(`pid ${POD_LAYOUT.tmpDir}/nginx.pid;`);
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      expect(lines).toContain(`${kind}_temp_path ${POD_LAYOUT.tmpDir}/${kind};`);
    }
  });

  it('logs errors to stderr and JSON access lines to stdout', () => {
    expect(lines).toContain('error_log stderr warn;');
    expect(lines).toContain('access_log /dev/stdout json;');
    const format = lines.find((l) => l.startsWith('log_format json escape=json'))!;
    for (const variable of ['$time_iso8601', '$req_id', '$remote_addr', '$realip_remote_addr', '$request_method', '$request_path', '$status', '$body_bytes_sent', '$request_time', '$upstream_response_time', '$http_referer', '$http_user_agent', '$host']) {
      expect(format).toContain(variable);
    }
    expect(format).not.toContain('$request_uri'); // query strings stay out of logs
  });

  it(`listens on ${NGINX_PORT} on all interfaces with one worker by default`, () => {
    expect(lines).toContain(`listen ${NGINX_PORT} default_server;`);
    expect(lines).toContain('worker_processes 1;');
  });

  it('trusts exactly the given proxies for X-Forwarded-For, recursively', () => {
    expect(lines.filter((l) => l.startsWith('set_real_ip_from'))).toEqual(TRUSTED.map((p) => `set_real_ip_from ${p};`));
    expect(lines).toContain('real_ip_header X-Forwarded-For;');
    expect(lines).toContain('real_ip_recursive on;');
  });

  it('outlives the load balancer\'s 600 s backend keep-alive and bounds slow clients', () => {
    expect(lines).toContain('keepalive_timeout 620s;');
    for (const d of ['client_header_timeout 10s;', 'client_body_timeout 10s;', 'send_timeout 10s;', 'large_client_header_buffers 4 8k;', 'client_max_body_size 1m;', 'server_tokens off;']) {
      expect(lines).toContain(d);
    }
  });

  it('sends the security headers on every response and leaves HSTS to Cloudflare', () => {
    for (const h of ['X-Request-ID $req_id', 'X-Content-Type-Options nosniff', 'X-Frame-Options DENY', 'Referrer-Policy strict-origin-when-cross-origin']) {
      expect(lines).toContain(`add_header ${h} always;`);
    }
    expect(config).not.toMatch(/^\s*add_header Strict-Transport-Security/m);
  });

  it('answers the liveness path itself, unlogged', () => {
    expect(config).toMatch(new RegExp(`location = ${NGINX_HEALTH_PATH} \\{\\n\\s+access_log off;\\n\\s+default_type text/plain;\\n\\s+return 200 "ok\\\\n";`));
  });

  it('passes nginx -t with the pod paths rebased to a temp dir', () => {
    const result = nginxTest((l) =>
      renderNginxConfig({
        ...props,
        paths: l.testProps.paths,
        backend:
          _name === 'socket'
            ? NginxBackend.unixSocket({ socketPath: l.socketPath, readinessPath: '/readyz' })
            : NginxBackend.staticFiles({ root: l.htmlDir }),
      }),
    );
    expect(result.output).toContain('test is successful');
    expect(result.ok).toBe(true);
  });
});

describe('renderNginxConfig socket backend', () => {
  const config = renderNginxConfig(socketProps);
  const lines = directives(config);

  it('proxies to a keep-alive upstream on the unix socket', () => {
    expect(config).toMatch(/upstream app \{\n\s+server unix:\/var\/run\/app\/app\.sock;\n\s+keepalive 16;\n\s+keepalive_timeout 60s;\n\s+\}/);
    expect(lines).toContain('proxy_pass http://app;');
    expect(lines).toContain('proxy_http_version 1.1;');
    expect(lines).toContain('proxy_set_header Connection "";');
  });

  it('forwards the resolved client, never the raw X-Forwarded-For chain', () => {
    expect(lines).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(lines).toContain('proxy_set_header X-Real-IP $remote_addr;');
    expect(lines).toContain('proxy_set_header X-Request-ID $req_id;');
    expect(lines).toContain('proxy_set_header X-Forwarded-Proto $forwarded_proto;');
    expect(lines.join('\n')).not.toContain('$proxy_add_x_forwarded_for');
  });

  it('buffers requests and responses and never replays a request', () => {
    for (const d of ['proxy_request_buffering on;', 'proxy_buffering on;', 'proxy_next_upstream off;', 'proxy_read_timeout 25s;']) {
      expect(lines).toContain(d);
    }
  });

  it(`proxies ${READINESS_PATH} to the app's readiness path`, () => {
    const custom = renderNginxConfig({ ...socketProps, backend: NginxBackend.unixSocket({ socketPath: APP_SOCKET_PATH, readinessPath: '/health/ready' }) });
    expect(custom).toMatch(/location = \/readyz \{\n\s+access_log off;\n\s+proxy_pass http:\/\/app\/health\/ready;/);
  });

  it('turns NGINX-made 413/502/503/504 into JSON bodies', () => {
    for (const status of [413, 502, 503, 504]) {
      expect(lines).toContain(`error_page ${status} @error_${status};`);
      expect(config).toMatch(new RegExp(`location @error_${status} \\{[^}]*return ${status} '\\{"error":"[a-z_]+","status":${status},"request_id":"\\$req_id"\\}`));
    }
  });

  it('matches the snapshot', () => {
    expect(config).toMatchSnapshot();
  });
});

describe('renderNginxConfig static backend', () => {
  const config = renderNginxConfig(staticProps);
  const lines = directives(config);

  it('serves the HTML dir read-only: no listings, no symlinks, GET and HEAD only', () => {
    expect(lines).toContain(`root ${POD_LAYOUT.htmlDir};`);
    expect(lines).toContain('autoindex off;');
    expect(lines).toContain('disable_symlinks on;');
    // Cached lookups keep the symlink check affordable; a renamed-in page shows within a second.
    expect(lines).toContain('open_file_cache max=1000 inactive=60s;');
    expect(lines).toContain('open_file_cache_valid 1s;');
    expect(config).toMatch(/if \(\$request_method !~ "\^\(GET\|HEAD\)\$"\) \{\n\s+return 405;/);
    expect(lines.some((l) => l.startsWith('proxy_pass'))).toBe(false);
  });

  it('falls back to the SPA shell and caches only hashed assets for long', () => {
    expect(lines).toContain('try_files $uri $uri/index.html /index.html;');
    expect(lines).toContain('add_header Cache-Control "public, max-age=31536000, immutable";');
    expect(lines).toContain('add_header Cache-Control no-cache;');
  });

  it('is ready only once the readiness file exists', () => {
    expect(config).toMatch(/location = \/readyz \{[^}]*if \(!-f \$document_root\/index\.html\) \{\n\s+return 503 /);
    const custom = renderNginxConfig({ ...staticProps, backend: NginxBackend.staticFiles({ root: '/srv/www/', readinessFile: 'ready/marker', spaFallback: '/app.html' }) });
    expect(custom).toContain('if (!-f $document_root/ready/marker)');
    expect(custom).toContain('root /srv/www;');
    expect(custom).toContain('try_files $uri $uri/index.html /app.html;');
  });

  it('matches the snapshot', () => {
    expect(config).toMatchSnapshot();
  });
});

describe('renderNginxConfig options', () => {
  it('binds a given IPv4 or IPv6 address', () => {
    expect(renderNginxConfig({ ...socketProps, listenAddress: '127.0.0.1', listenPort: 9000 })).toContain('listen 127.0.0.1:9000 default_server;');
    expect(renderNginxConfig({ ...socketProps, listenAddress: '::1' })).toContain('listen [::1]:8080 default_server;');
  });

  it('omits the real-IP module when no proxy is trusted', () => {
    const lines = directives(renderNginxConfig({ ...socketProps, trustedProxies: [] }));
    expect(lines.some((l) => l.startsWith('set_real_ip_from') || l.startsWith('real_ip_header'))).toBe(false);
  });

  it('takes the knobs it documents', () => {
    const lines = directives(
      renderNginxConfig({ ...socketProps, workerProcesses: 'auto', workerConnections: 4096, clientMaxBodySize: '8m', clientTimeoutSeconds: 5, keepaliveTimeoutSeconds: 700, workerShutdownTimeoutSeconds: 9 }),
    );
    for (const d of ['worker_processes auto;', 'worker_connections 4096;', 'client_max_body_size 8m;', 'client_header_timeout 5s;', 'keepalive_timeout 700s;', 'worker_shutdown_timeout 9s;']) {
      expect(lines).toContain(d);
    }
  });

  it('keeps a cdktf token for an address Terraform knows only at apply time, resolved at synth', () => {
    const app = new App();
    const stack = new TerraformStack(app, 'nginx-token');
    const lbAddress = new ComputeGlobalAddress(stack, 'lb', { name: 'lb' }).address; // each read is a new token
    const config = renderNginxConfig({ ...socketProps, trustedProxies: ['130.211.0.0/22', lbAddress] });
    expect(config).toContain(`set_real_ip_from ${lbAddress};`);
    new TerraformOutput(stack, 'config', { value: config });
    const synthesized = JSON.parse(Testing.synth(stack)) as { output: { config: { value: string } } };
    expect(synthesized.output.config.value).toContain('set_real_ip_from ${google_compute_global_address.lb.address};');
  });
});

describe('pod layout and command line', () => {
  it('names the paths the Deployment mounts', () => {
    expect(NGINX_CONFIG_PATH).toBe('/etc/isoscribe/nginx/nginx.conf');
    expect(APP_SOCKET_PATH).toBe('/var/run/app/app.sock');
  });

  it('starts NGINX in the foreground with errors on stderr, and quits gracefully', () => {
    expect(nginxArgs()).toEqual(['-c', NGINX_CONFIG_PATH, '-e', 'stderr', '-g', 'daemon off;']);
    expect(nginxQuitArgs()).toEqual(['-c', NGINX_CONFIG_PATH, '-e', 'stderr', '-s', 'quit']);
  });
});
