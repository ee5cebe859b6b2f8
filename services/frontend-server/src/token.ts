/**
 * Access tokens of the pod's Google service account from the metadata server (on GKE, the Workload
 * Identity metadata server answers for the Kubernetes service account's bound Google account). A
 * token is reused until a minute before it expires.
 */
export class MetadataTokens {
  private cached: { token: string; until: number } | undefined;

  constructor(
    /** host[:port] of the metadata server: `GCE_METADATA_HOST`, as Google's client libraries name it. */
    private readonly host: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(signal: AbortSignal): Promise<string> {
    if (this.cached && this.now() < this.cached.until) return this.cached.token;
    const url = `http://${this.host}/computeMetadata/v1/instance/service-accounts/default/token`;
    const response = await fetch(url, { headers: { 'metadata-flavor': 'Google' }, signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the metadata server answered HTTP ${response.status} for an access token (is Workload Identity bound to this pod's service account?)`);
    }
    const body = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new Error('the metadata server answered no access_token and expires_in');
    }
    this.cached = { token: body.access_token, until: this.now() + Math.max(0, body.expires_in - 60) * 1000 };
    return body.access_token;
  }
}
