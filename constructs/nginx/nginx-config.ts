import { Tokenization } from 'cdktf';
import { NGINX_PORT, POD_LAYOUT } from './pod-layout';
import * as check from './validation';

/** Liveness: answered by NGINX itself, so it fails only when NGINX cannot serve at all. */
export const NGINX_HEALTH_PATH = '/nginx-health';
/** Readiness: proxied to the app (socket backend) or 503 until the HTML exists (static backend). */
export const READINESS_PATH = '/readyz';
/**
 * An incoming `X-Request-ID` matching this is kept; anything else (missing, garbage, overlong) is
 * replaced by NGINX's own 32-hex-digit `$request_id`. The character set keeps IDs safe to embed
 * in JSON logs and headers.
 */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._-]{8,128}$';

export interface UnixSocketBackendProps {
  /**
   * Absolute path of the app's unix socket, e.g. `APP_SOCKET_PATH`. NGINX runs as another user
   * than the app may, so the app must create the socket connectable by others
   * (Node: `server.listen({ path, readableAll: true, writableAll: true })`).
   */
  readonly socketPath: string;
  /** Path on the app that answers readiness (200 when it can take traffic); `/readyz` is proxied to it. */
  readonly readinessPath: string;
  /** Idle keep-alive connections to the app cached per worker. @default 16 */
  readonly keepaliveConnections?: number;
  /**
   * Seconds an idle connection to the app stays cached. Must be shorter than the app's own
   * keep-alive idle timeout (Fastify: 72 s; plain Node http: 5 s), or NGINX may reuse a connection
   * the app is closing and answer 502 (requests are never retried, see `proxy_next_upstream off`).
   * @default 60
   */
  readonly keepaliveTimeoutSeconds?: number;
  /**
   * Seconds NGINX waits between two reads of the app's response. Shorter than the GCP backend
   * service's default 30 s timeout, so a slow app yields NGINX's JSON 504 with a request ID
   * instead of the load balancer's generic error.
   * @default 25
   */
  readonly readTimeoutSeconds?: number;
}

export interface StaticFilesBackendProps {
  /** Absolute directory holding the files, e.g. `POD_LAYOUT.htmlDir`. */
  readonly root: string;
  /** File (relative to `root`) whose existence makes `/readyz` answer 200; 503 before. @default 'index.html' */
  readonly readinessFile?: string;
  /** Page served (status 200) for any path that is not a file: the single-page-app shell. @default '/index.html' */
  readonly spaFallback?: string;
  /** URL prefix of content-hashed files, cached for `assetCacheSeconds` as immutable. @default '/assets/' */
  readonly assetsPrefix?: string;
  /** Browser/CDN cache lifetime of files under `assetsPrefix`. @default 31536000 (one year) */
  readonly assetCacheSeconds?: number;
}

type BackendSpec =
  | ({ readonly kind: 'unixSocket' } & Required<UnixSocketBackendProps>)
  | ({ readonly kind: 'staticFiles' } & Required<StaticFilesBackendProps>);

/** What NGINX fronts: an app on a unix socket, or a directory of static files. */
export class NginxBackend {
  /** Proxy every request (buffered) to an HTTP app listening on a unix socket. */
  static unixSocket(props: UnixSocketBackendProps): NginxBackend {
    check.checkSocketPath('backend.socketPath', props.socketPath);
    check.checkUrlPath('backend.readinessPath', props.readinessPath);
    const spec = {
      kind: 'unixSocket' as const,
      socketPath: props.socketPath,
      readinessPath: props.readinessPath,
      keepaliveConnections: props.keepaliveConnections ?? 16,
      keepaliveTimeoutSeconds: props.keepaliveTimeoutSeconds ?? 60,
      readTimeoutSeconds: props.readTimeoutSeconds ?? 25,
    };
    check.checkPositiveInteger('backend.keepaliveConnections', spec.keepaliveConnections, 'e.g. 16');
    check.checkPositiveInteger('backend.keepaliveTimeoutSeconds', spec.keepaliveTimeoutSeconds, "keep it below the app's keep-alive idle timeout");
    check.checkPositiveInteger('backend.readTimeoutSeconds', spec.readTimeoutSeconds, "keep it below the load balancer's backend timeout");
    return new NginxBackend(spec);
  }

  /** Serve files from a directory: GET/HEAD only, SPA fallback, no directory listings. */
  static staticFiles(props: StaticFilesBackendProps): NginxBackend {
    check.checkAbsolutePath('backend.root', props.root);
    const spec = {
      kind: 'staticFiles' as const,
      root: props.root.length > 1 ? props.root.replace(/\/+$/, '') : props.root,
      readinessFile: props.readinessFile ?? 'index.html',
      spaFallback: props.spaFallback ?? '/index.html',
      assetsPrefix: props.assetsPrefix ?? '/assets/',
      assetCacheSeconds: props.assetCacheSeconds ?? 31_536_000,
    };
    check.checkRelativeFile('backend.readinessFile', spec.readinessFile);
    check.checkUrlPath('backend.spaFallback', spec.spaFallback);
    check.checkUrlPrefix('backend.assetsPrefix', spec.assetsPrefix);
    check.checkNonNegativeInteger('backend.assetCacheSeconds', spec.assetCacheSeconds, 'e.g. 31536000 for one year');
    return new NginxBackend(spec);
  }

  private constructor(
    /** @internal resolved and validated settings, read by the renderer. */
    readonly spec: BackendSpec,
  ) {}
}

/** Files NGINX itself needs; in the pod they live in the `POD_LAYOUT.tmpDir` emptyDir. */
export interface NginxPaths {
  /** @default `${POD_LAYOUT.tmpDir}/nginx.pid` */
  readonly pidFile: string;
  /** Parent of the client_body/proxy/fastcgi/uwsgi/scgi temp directories. @default POD_LAYOUT.tmpDir */
  readonly tempDir: string;
  /** @default '/etc/nginx/mime.types' (Debian package and official images) */
  readonly mimeTypes: string;
}

export interface NginxConfigProps {
  readonly backend: NginxBackend;
  /**
   * Peers whose `X-Forwarded-For` is believed (real-IP module): Google front-end ranges, the load
   * balancer's address, Cloudflare's ranges. Addresses, CIDRs, or cdktf string tokens. Any other
   * peer's XFF is ignored, so clients cannot spoof their IP. An empty list trusts nobody and logs
   * the TCP peer.
   */
  readonly trustedProxies: string[];
  /** @default NGINX_PORT (8080) */
  readonly listenPort?: number;
  /** Address to bind, e.g. '127.0.0.1' in tests. @default - all IPv4 interfaces */
  readonly listenAddress?: string;
  /** Largest request body; larger ones get 413 before reaching the app. @default '1m' */
  readonly clientMaxBodySize?: string;
  /** @default - derived from POD_LAYOUT */
  readonly paths?: Partial<NginxPaths>;
  /**
   * Worker processes. Match the container's CPU limit: 'auto' counts the node's CPUs, not the
   * container's, and would start one worker per node core.
   * @default 1
   */
  readonly workerProcesses?: number | 'auto';
  /** Connections per worker (a proxied request uses two). @default 1024 */
  readonly workerConnections?: number;
  /** Seconds a client may take to send headers, send each body chunk, or read each response chunk. @default 10 */
  readonly clientTimeoutSeconds?: number;
  /**
   * Idle seconds before NGINX closes a client (load balancer) keep-alive connection. The GCP load
   * balancer keeps backend connections up to 600 s; this must be longer so NGINX never closes one
   * the LB is about to reuse.
   * @default 620
   */
  readonly keepaliveTimeoutSeconds?: number;
  /**
   * Upper bound on a graceful stop (`nginx -s quit`): in-flight requests get this long. Keep it
   * below the pod's terminationGracePeriodSeconds minus the preStop delay.
   * @default 20
   */
  readonly workerShutdownTimeoutSeconds?: number;
}

/**
 * Renders the complete nginx.conf for one NGINX-fronted pod. Pure and deterministic: the same
 * props give the same text, which is what the ConfigMap ships and what the tests run NGINX on.
 * Throws `NginxConfigError` naming the field and the fix for invalid props.
 */
export function renderNginxConfig(props: NginxConfigProps): string {
  const c = resolve(props);
  const spec = c.backend.spec;
  const out = new Writer();

  out.line('# Rendered by renderNginxConfig (constructs/nginx/nginx-config.ts); change its props, not this file.');
  out.line('# Run unprivileged as `nginx -c <this file> -e stderr -g "daemon off;"`: no `user` directive,');
  out.line(`# and everything NGINX writes is under ${c.paths.tempDir}.`);
  out.line(`worker_processes ${c.workerProcesses};`);
  out.line(`worker_shutdown_timeout ${c.workerShutdownTimeoutSeconds}s;`);
  out.line(`pid ${c.paths.pidFile};`);
  out.line('error_log stderr warn;');
  out.blank();
  out.block('events', () => out.line(`worker_connections ${c.workerConnections};`));
  out.blank();
  out.block('http', () => {
    out.line(`include ${c.paths.mimeTypes};`);
    out.line('default_type application/octet-stream;');
    out.line('types_hash_max_size 2048;');
    out.line('server_tokens off;');
    out.blank();
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      out.line(`${kind}_temp_path ${c.paths.tempDir}/${kind};`);
    }
    out.blank();
    out.comment('Keep a well-formed incoming X-Request-ID (end-to-end tracing); replace a missing or garbage one.');
    out.block('map $http_x_request_id $req_id', () => {
      out.line('default $request_id;');
      out.line(`"~${REQUEST_ID_PATTERN}" $http_x_request_id;`);
    });
    out.comment('TLS ends at Cloudflare and the load balancer redirects plain HTTP, so anything but "http" is https.');
    out.block('map $http_x_forwarded_proto $forwarded_proto', () => {
      out.line('default https;');
      out.line('http http;');
    });
    out.comment('Logs keep the path but not the query string, which may carry tokens or personal data.');
    out.block('map $request_uri $request_path', () => {
      out.line('"~^(?<path_only>[^?]*)" $path_only;');
    });
    out.comment('One JSON object per request on stdout. client_ip is the real-IP result; peer_ip the TCP peer.');
    out.line(`log_format json escape=json '${ACCESS_LOG_FIELDS}';`);
    out.line('access_log /dev/stdout json;');
    out.blank();
    out.comment('Slow or abusive clients get bounded waits and bounded header sizes.');
    out.line(`client_header_timeout ${c.clientTimeoutSeconds}s;`);
    out.line(`client_body_timeout ${c.clientTimeoutSeconds}s;`);
    out.line(`send_timeout ${c.clientTimeoutSeconds}s;`);
    out.line('reset_timedout_connection on;');
    out.comment('The GCP load balancer reuses a backend connection for up to 600 s. NGINX must keep it open');
    out.comment('longer, or it may close one just as the LB sends a request on it (a 502 at the LB).');
    out.line(`keepalive_timeout ${c.keepaliveTimeoutSeconds}s;`);
    out.line('keepalive_requests 10000;');
    out.comment('A request line over 8k gets 414, a header line over 8k gets 400.');
    out.line('client_header_buffer_size 1k;');
    out.line('large_client_header_buffers 4 8k;');
    out.comment('Bodies are read completely (memory, then the temp dir) before the app sees them.');
    out.line(`client_max_body_size ${c.clientMaxBodySize};`);
    out.line('client_body_buffer_size 64k;');
    out.blank();
    out.line('sendfile on;');
    out.line('tcp_nopush on;');
    out.comment('Redirects stay relative: NGINX does not know the public host or port.');
    out.line('absolute_redirect off;');
    out.blank();
    out.comment('gzip_proxied any: every request arrives via the load balancer (it sends Via).');
    out.line('gzip on;');
    out.line('gzip_comp_level 5;');
    out.line('gzip_min_length 1024;');
    out.line('gzip_proxied any;');
    out.line('gzip_vary on;');
    out.line(`gzip_types ${GZIP_TYPES.join(' ')};`);
    out.blank();
    if (spec.kind === 'unixSocket') {
      out.block('upstream app', () => {
        out.line(`server unix:${spec.socketPath};`);
        out.line(`keepalive ${spec.keepaliveConnections};`);
        out.line(`keepalive_timeout ${spec.keepaliveTimeoutSeconds}s;`);
      });
    } else {
      out.comment('Allow is sent with 405 only (an empty value adds no header).');
      out.block('map $request_method $allowed_methods', () => {
        out.line('GET "";');
        out.line('HEAD "";');
        out.line('default "GET, HEAD";');
      });
    }
    out.blank();
    out.block('server', () => {
      out.line(`listen ${c.listen} default_server;`);
      out.line('server_name _;');
      out.blank();
      renderRealIp(out, c.trustedProxies);
      out.blank();
      const headers = spec.kind === 'staticFiles' ? [...SECURITY_HEADERS, 'add_header Allow $allowed_methods always;'] : SECURITY_HEADERS;
      out.comment('No HSTS here: Cloudflare sets it at the edge for every response, and one place owns that policy.');
      out.comment("A location with its own add_header drops these, so such locations repeat the full set.");
      headers.forEach((h) => out.line(h));
      out.blank();
      if (spec.kind === 'unixSocket') renderSocketServer(out, spec, headers);
      else renderStaticServer(out, spec, headers);
    });
  });
  return out.toString();
}

const ACCESS_LOG_FIELDS = [
  '"time":"$time_iso8601"',
  '"request_id":"$req_id"',
  '"client_ip":"$remote_addr"',
  '"peer_ip":"$realip_remote_addr"',
  '"method":"$request_method"',
  '"path":"$request_path"',
  '"status":$status',
  '"bytes":$body_bytes_sent',
  '"request_time":$request_time',
  '"upstream_response_time":"$upstream_response_time"',
  '"referer":"$http_referer"',
  '"user_agent":"$http_user_agent"',
  '"host":"$host"',
].join(',').replace(/^/, '{').concat('}');

const GZIP_TYPES = [
  'text/plain',
  'text/css',
  'text/javascript',
  'application/javascript',
  'application/json',
  'application/xml',
  'application/manifest+json',
  'image/svg+xml',
];

/** Sent on every response, errors included (`always`). */
const SECURITY_HEADERS = [
  'add_header X-Request-ID $req_id always;',
  'add_header X-Content-Type-Options nosniff always;',
  'add_header X-Frame-Options DENY always;',
  'add_header Referrer-Policy strict-origin-when-cross-origin always;',
];

function renderRealIp(out: Writer, trustedProxies: string[]): void {
  if (trustedProxies.length === 0) {
    out.comment('No trusted proxies: the TCP peer is the client; X-Forwarded-For is ignored.');
    return;
  }
  out.comment('True client IP: walk X-Forwarded-For from the right past trusted proxies only, so an entry a');
  out.comment('client prepends is never reached, and an untrusted peer cannot set the header at all.');
  for (const proxy of trustedProxies) out.line(`set_real_ip_from ${proxy};`);
  out.line('real_ip_header X-Forwarded-For;');
  out.line('real_ip_recursive on;');
}

function renderHealth(out: Writer): void {
  out.comment('Liveness: NGINX itself, independent of the app.');
  out.block(`location = ${NGINX_HEALTH_PATH}`, () => {
    out.line('access_log off;');
    out.line('default_type text/plain;');
    out.line('return 200 "ok\\n";');
  });
  out.blank();
}

const UPSTREAM_ERRORS: Array<[number, string]> = [
  [413, 'payload_too_large'],
  [502, 'bad_gateway'],
  [503, 'service_unavailable'],
  [504, 'gateway_timeout'],
];

function renderSocketServer(out: Writer, spec: Extract<BackendSpec, { kind: 'unixSocket' }>, headers: string[]): void {
  out.line('proxy_http_version 1.1;');
  out.comment('Empty Connection lets upstream keep-alive work; forwarding headers carry the resolved client.');
  out.line('proxy_set_header Connection "";');
  out.line('proxy_set_header Host $host;');
  out.line('proxy_set_header X-Request-ID $req_id;');
  out.line('proxy_set_header X-Real-IP $remote_addr;');
  out.comment('Not $proxy_add_x_forwarded_for: after real-IP that would pass the client-controlled chain on.');
  out.line('proxy_set_header X-Forwarded-For $remote_addr;');
  out.line('proxy_set_header X-Forwarded-Proto $forwarded_proto;');
  out.line('proxy_set_header X-Forwarded-Host $host;');
  out.line('proxy_set_header Forwarded "";');
  out.comment('Buffer both ways: the app never waits on a slow client.');
  out.line('proxy_request_buffering on;');
  out.line('proxy_buffering on;');
  out.line('proxy_buffer_size 16k;');
  out.line('proxy_buffers 16 16k;');
  out.line('proxy_connect_timeout 5s;');
  out.line(`proxy_send_timeout ${spec.readTimeoutSeconds}s;`);
  out.line(`proxy_read_timeout ${spec.readTimeoutSeconds}s;`);
  out.comment('Never replay a request: a POST the app may have half-processed must not run twice.');
  out.line('proxy_next_upstream off;');
  out.comment('NGINX owns these response headers; drop the app\'s copies so none is sent twice.');
  for (const h of ['X-Request-ID', 'X-Content-Type-Options', 'X-Frame-Options', 'Referrer-Policy', 'X-Powered-By']) {
    out.line(`proxy_hide_header ${h};`);
  }
  out.blank();
  out.comment("Errors NGINX itself produces get a JSON body; the app's own error responses pass through.");
  for (const [status] of UPSTREAM_ERRORS) out.line(`error_page ${status} @error_${status};`);
  out.blank();
  renderHealth(out);
  out.block(`location = ${READINESS_PATH}`, () => {
    out.line('access_log off;');
    out.line(`proxy_pass http://app${spec.readinessPath};`);
  });
  out.blank();
  out.block('location /', () => out.line('proxy_pass http://app;'));
  for (const [status, error] of UPSTREAM_ERRORS) {
    out.blank();
    out.block(`location @error_${status}`, () => {
      out.line('default_type application/json;');
      headers.forEach((h) => out.line(h));
      out.line('add_header Cache-Control no-store always;');
      out.line(`return ${status} '{"error":"${error}","status":${status},"request_id":"$req_id"}\\n';`);
    });
  }
}

function renderStaticServer(out: Writer, spec: Extract<BackendSpec, { kind: 'staticFiles' }>, headers: string[]): void {
  out.line(`root ${spec.root};`);
  out.line('charset utf-8;');
  out.line('autoindex off;');
  out.comment('Never follow a symlink, so nothing in the root can point outside it.');
  out.line('disable_symlinks on;');
  out.comment('Cache open files and their symlink checks (per-path-component openat calls, the costliest part');
  out.comment('of serving a page: ~45% of throughput). The generator replaces pages by rename, so a new page is');
  out.comment('served at most open_file_cache_valid (1 s, the smallest NGINX allows) after it is written.');
  out.line('open_file_cache max=1000 inactive=60s;');
  out.line('open_file_cache_valid 1s;');
  out.blank();
  out.comment('Read-only content: anything but GET and HEAD is 405.');
  out.block('if ($request_method !~ "^(GET|HEAD)$")', () => out.line('return 405;'));
  out.blank();
  renderHealth(out);
  out.comment(`Ready once the generator has written ${spec.readinessFile}.`);
  out.block(`location = ${READINESS_PATH}`, () => {
    out.line('access_log off;');
    out.line('default_type application/json;');
    out.block(`if (!-f $document_root/${spec.readinessFile})`, () => {
      out.line(`return 503 '{"status":"not_ready","missing":"${spec.readinessFile}"}\\n';`);
    });
    out.line(`return 200 '{"status":"ready"}\\n';`);
  });
  out.blank();
  out.comment('Dotfiles (e.g. the generator\'s files before their atomic rename) are never served.');
  out.block('location ~ /\\.', () => out.line('return 404;'));
  out.blank();
  out.comment('Content-hashed names change with their content, so they may be cached for good. A missing');
  out.comment('asset is 404, never the SPA page, which a cache would otherwise keep as the asset.');
  out.block(`location ${spec.assetsPrefix}`, () => {
    headers.forEach((h) => out.line(h));
    out.line(`add_header Cache-Control "public, max-age=${spec.assetCacheSeconds}, immutable";`);
    out.line('try_files $uri =404;');
  });
  out.blank();
  out.comment('The SPA shell; 503 (not a redirect loop) until the generator has written it.');
  out.block(`location = ${spec.spaFallback}`, () => {
    headers.forEach((h) => out.line(h));
    out.line('add_header Cache-Control no-cache;');
    out.line('try_files $uri =503;');
  });
  out.blank();
  out.comment('Everything else: the file, the directory\'s index.html, or the SPA shell with 200.');
  out.comment('no-cache: names are not content-hashed, so clients revalidate (ETag) on every use.');
  out.block('location /', () => {
    headers.forEach((h) => out.line(h));
    out.line('add_header Cache-Control no-cache;');
    out.line(`try_files $uri $uri/index.html ${spec.spaFallback};`);
  });
}

interface ResolvedConfig {
  backend: NginxBackend;
  trustedProxies: string[];
  listen: string;
  clientMaxBodySize: string;
  paths: NginxPaths;
  workerProcesses: number | 'auto';
  workerConnections: number;
  clientTimeoutSeconds: number;
  keepaliveTimeoutSeconds: number;
  workerShutdownTimeoutSeconds: number;
}

/** Defaults in one place, then validation of every value that reaches the config text. */
function resolve(props: NginxConfigProps): ResolvedConfig {
  if (!(props.backend instanceof NginxBackend)) {
    throw new check.NginxConfigError('nginx: `backend` must be NginxBackend.unixSocket({...}) or NginxBackend.staticFiles({...})');
  }
  if (!Array.isArray(props.trustedProxies)) {
    throw new check.NginxConfigError('nginx: `trustedProxies` must be an array of addresses/CIDRs (use [] to trust no proxy)');
  }
  if (Tokenization.reverseList(props.trustedProxies) !== undefined) {
    throw new check.NginxConfigError(
      'nginx: `trustedProxies` is a cdktf list token; NGINX needs one set_real_ip_from per entry, so pass each address as its own string (e.g. [lbAddress.address, ...ranges])',
    );
  }
  props.trustedProxies.forEach((p, i) => check.checkTrustedProxy(`trustedProxies[${i}]`, p));

  const listenPort = props.listenPort ?? NGINX_PORT;
  check.checkPort('listenPort', listenPort);
  let listen = String(listenPort);
  if (props.listenAddress !== undefined) {
    check.checkListenAddress('listenAddress', props.listenAddress);
    listen = props.listenAddress.includes(':') ? `[${props.listenAddress}]:${listenPort}` : `${props.listenAddress}:${listenPort}`;
  }

  const paths: NginxPaths = {
    pidFile: props.paths?.pidFile ?? `${POD_LAYOUT.tmpDir}/nginx.pid`,
    tempDir: props.paths?.tempDir ?? POD_LAYOUT.tmpDir,
    mimeTypes: props.paths?.mimeTypes ?? '/etc/nginx/mime.types',
  };
  check.checkAbsolutePath('paths.pidFile', paths.pidFile);
  check.checkAbsolutePath('paths.tempDir', paths.tempDir);
  check.checkAbsolutePath('paths.mimeTypes', paths.mimeTypes);

  const resolved: ResolvedConfig = {
    backend: props.backend,
    trustedProxies: [...props.trustedProxies],
    listen,
    clientMaxBodySize: props.clientMaxBodySize ?? '1m',
    paths: { ...paths, tempDir: paths.tempDir.length > 1 ? paths.tempDir.replace(/\/+$/, '') : paths.tempDir },
    workerProcesses: props.workerProcesses ?? 1,
    workerConnections: props.workerConnections ?? 1024,
    clientTimeoutSeconds: props.clientTimeoutSeconds ?? 10,
    keepaliveTimeoutSeconds: props.keepaliveTimeoutSeconds ?? 620,
    workerShutdownTimeoutSeconds: props.workerShutdownTimeoutSeconds ?? 20,
  };
  check.checkSize('clientMaxBodySize', resolved.clientMaxBodySize);
  if (resolved.workerProcesses !== 'auto') {
    check.checkPositiveInteger('workerProcesses', resolved.workerProcesses, "match the container's CPU limit (or 'auto')");
  }
  check.checkPositiveInteger('workerConnections', resolved.workerConnections, 'e.g. 1024');
  check.checkPositiveInteger('clientTimeoutSeconds', resolved.clientTimeoutSeconds, 'e.g. 10');
  check.checkPositiveInteger('keepaliveTimeoutSeconds', resolved.keepaliveTimeoutSeconds, "keep it above the load balancer's 600 s, e.g. 620");
  check.checkPositiveInteger('workerShutdownTimeoutSeconds', resolved.workerShutdownTimeoutSeconds, 'keep it below the pod termination grace period');
  return resolved;
}

/** Indented config text. */
class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): void {
    this.lines.push('  '.repeat(this.depth) + text);
  }

  comment(text: string): void {
    this.line(`# ${text}`);
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  block(header: string, body: () => void): void {
    this.line(`${header} {`);
    this.depth++;
    body();
    if (this.lines[this.lines.length - 1] === '') this.lines.pop();
    this.depth--;
    this.line('}');
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
