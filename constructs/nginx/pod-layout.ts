/**
 * Paths inside an NGINX-fronted pod, named once. The Deployment mounts its volumes here, the
 * NGINX config refers to them, and the apps are told where their socket or HTML directory is.
 * The root filesystem is read-only, so everything NGINX writes lives in `tmpDir` (an emptyDir).
 */
export const POD_LAYOUT = {
  /** ConfigMap holding the rendered config is mounted here (read-only). */
  nginxConfigDir: '/etc/isoscribe/nginx',
  nginxConfigFile: 'nginx.conf',
  /** emptyDir: NGINX pid file and its client_body/proxy/fastcgi/uwsgi/scgi temp paths. */
  tmpDir: '/tmp/nginx',
  /** emptyDir shared by NGINX and the app (api): the app listens on a unix socket here. */
  socketDir: '/var/run/app',
  socketFile: 'app.sock',
  /** emptyDir shared by NGINX and the generator daemon (frontend): HTML files NGINX serves. */
  htmlDir: '/srv/www',
} as const;

/** The port NGINX listens on in every pod; the Service, NEG, health checks and probes target it. */
export const NGINX_PORT = 8080;

/** Full path of the rendered config inside the pod. */
export const NGINX_CONFIG_PATH = `${POD_LAYOUT.nginxConfigDir}/${POD_LAYOUT.nginxConfigFile}`;

/** Full path of the app's unix socket inside the pod. */
export const APP_SOCKET_PATH = `${POD_LAYOUT.socketDir}/${POD_LAYOUT.socketFile}`;

/**
 * Arguments for the NGINX container (command `nginx`). `daemon off` keeps the master in the
 * foreground as PID 1's child of the runtime; `-e stderr` stops NGINX from opening its compiled-in
 * error log path before it has read the config (that path is not writable on a read-only root).
 */
export function nginxArgs(configFile: string = NGINX_CONFIG_PATH): string[] {
  return ['-c', configFile, '-e', 'stderr', '-g', 'daemon off;'];
}

/**
 * Arguments for a graceful stop (`nginx -s quit`, e.g. in a preStop hook): workers finish their
 * in-flight requests and close idle keep-alive connections, bounded by `worker_shutdown_timeout`.
 */
export function nginxQuitArgs(configFile: string = NGINX_CONFIG_PATH): string[] {
  return ['-c', configFile, '-e', 'stderr', '-s', 'quit'];
}
