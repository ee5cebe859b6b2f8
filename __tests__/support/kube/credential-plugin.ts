/**
 * A stand-in for GKE's exec credential plugin, `gke-gcloud-auth-plugin`, which the workloads stacks'
 * kubernetes provider runs for its token (the `exec` block of stacks/workloads-stack.ts). The real
 * plugin asks Google's token service for the caller's access token, which cannot run here; the
 * stand-in prints what the real one prints, an ExecCredential of
 * `client.authentication.k8s.io/v1beta1` with `status.token` and `status.expirationTimestamp`, but
 * with a token the test API server accepts. It records every run (the `KUBERNETES_EXEC_INFO` that
 * client-go passes), so a test can show the provider really ran it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The real plugin's executable name, as `gcloud components install` and the distribution packages install it. */
export const GKE_AUTH_PLUGIN_COMMAND = 'gke-gcloud-auth-plugin';
/** The ExecCredential version the real plugin prints; client-go refuses one the exec block did not ask for. */
export const GKE_AUTH_PLUGIN_API_VERSION = 'client.authentication.k8s.io/v1beta1';

const RUNS_LOG = 'plugin-runs.log';

export interface CredentialPluginStandIn {
  /** The directory that holds the stand-in (and nothing else): the whole PATH of the process that runs it. */
  readonly dir: string;
  /** The `KUBERNETES_EXEC_INFO` of every run so far, parsed. */
  runs(): { apiVersion: string; kind: string; spec: Record<string, unknown> }[];
}

/**
 * Writes the stand-in into `dir` (created if missing), printing `token`; with `token` null the
 * directory is left without it, as on a machine where the plugin is not installed.
 */
export function writeCredentialPluginStandIn(dir: string, token: string | null): CredentialPluginStandIn {
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, RUNS_LOG);
  if (token !== null) {
    if (!/^[\w.-]+$/.test(token)) throw new Error(`stand-in plugin token must be [A-Za-z0-9_.-]+ (it is written into a shell script), got ${JSON.stringify(token)}`);
    const credential = {
      apiVersion: GKE_AUTH_PLUGIN_API_VERSION,
      kind: 'ExecCredential',
      // The real plugin's tokens live an hour; client-go runs the plugin again once this passes.
      status: { token, expirationTimestamp: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z') },
    };
    // Shell builtins only: the process that runs it has nothing else on PATH.
    const script = [
      '#!/bin/sh',
      '# Stand-in for gke-gcloud-auth-plugin (tests only): see __tests__/support/kube/credential-plugin.ts.',
      `printf '%s\\n' "$KUBERNETES_EXEC_INFO" >> '${log}'`,
      `printf '%s\\n' '${JSON.stringify(credential)}'`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, GKE_AUTH_PLUGIN_COMMAND), script, { mode: 0o755 });
  }
  return {
    dir,
    runs: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line))
        : [],
  };
}
