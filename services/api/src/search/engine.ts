// The search engine (OpenSearch) through its official client: every call has a deadline
// (SEARCH_TIMEOUT_MS) and fails with SearchUnavailableError when the engine is unreachable, slow or
// overloaded, which the API answers with 503 while everything else keeps serving.
import { Client, errors } from '@opensearch-project/opensearch';
import type { SearchConfig } from '../config';
import { buildingAlias, firstIndexName, indexBody, indexPattern } from './index-definition';

/** Deadline of index administration (create, alias swap): it waits for shards, unlike a search. */
export const adminTimeoutMs = 30_000;

/** What the client's calls return: a promise with `abort()`, which closes the request's connection and cancels its retries. */
export type AbortablePromise<T> = Promise<T> & { abort?: () => unknown };

export class SearchUnavailableError extends Error {
  override name = 'SearchUnavailableError';
}

/**
 * The engine is up but refuses this api: its credentials (401/403) or its certificate does not
 * verify against SEARCH_CA_FILE. Still a 503 to the visitor (it is not their request's fault), but
 * a deployment mistake to fix, not an outage to wait out: logged at error with what to change.
 */
export class SearchMisconfiguredError extends SearchUnavailableError {
  override name = 'SearchMisconfiguredError';
}

export class SearchEngine {
  readonly client: Client;
  readonly alias: string;

  constructor(readonly config: SearchConfig) {
    this.alias = config.alias;
    this.client = new Client({
      nodes: config.nodes,
      ...(config.auth ? { auth: config.auth } : {}),
      ...(config.caPem ? { ssl: { ca: config.caPem } } : {}),
      requestTimeout: config.timeoutMs,
      // One retry: a dead node refuses at once, and the retry goes to another node within the deadline.
      maxRetries: 1,
    });
  }

  /**
   * Runs one engine call under the deadline: rejects with SearchUnavailableError after
   * SEARCH_TIMEOUT_MS (a paused engine never answers; the client's own timeout is per attempt), or
   * when the engine is unreachable or answers 429/5xx. Other errors (4xx: a bad request) pass through.
   *
   * At the deadline the call is aborted, not left running: its connection closes (the engine
   * cancels a search whose client went away) and the client's retry never starts. Left running, an
   * overloaded engine got each late search twice more work — the abandoned attempt and then its
   * retry after the per-attempt timeout — so once answers passed the deadline, load grew and
   * almost every search answered 503 (bench/results.md, search).
   */
  async run<T>(call: (options: { requestTimeout: number }) => AbortablePromise<T>, timeoutMs = this.config.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let pending: AbortablePromise<T> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        pending?.abort?.();
        reject(new SearchUnavailableError(`search engine did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      pending = call({ requestTimeout: timeoutMs });
      return await Promise.race([pending, deadline]);
    } catch (err) {
      if (err instanceof SearchUnavailableError) throw err;
      const mistake = misconfiguration(err);
      if (mistake) throw new SearchMisconfiguredError(mistake);
      // Before the indexer's first round has created it: a wait, not the visitor's 404 (nor the engine's words).
      if (isIndexMissing(err)) throw this.aliasMissing();
      throw isEngineUnavailable(err) ? new SearchUnavailableError(`search engine unavailable: ${describeEngineError(err)}`) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Creates the first versioned index with the alias when the alias does not exist. The index and
   * alias come in one create request, and the index name is the same on every pod, so concurrent
   * starts make exactly one.
   */
  async ensureIndex(): Promise<void> {
    const exists = await this.run((options) => this.client.indices.existsAlias({ index: indexPattern(this.alias), name: this.alias }, { ...options, ignore: [404] }));
    if (exists.body === true) return;
    const body = indexBody();
    // Creating an index waits for its shards to start: seconds on a busy cluster, once.
    const created = await this.run(
      (options) => this.client.indices.create({ index: firstIndexName(this.alias), body: { ...body, aliases: { [this.alias]: {} } } as never }, { ...options, ignore: [400] }),
      adminTimeoutMs,
    );
    if (created.statusCode === 400 && !JSON.stringify(created.body).includes('resource_already_exists_exception')) {
      throw new Error(`creating the search index failed: ${JSON.stringify(created.body)}`);
    }
  }

  /** The concrete indices every write goes to: the alias's, plus a reindex's new index while it fills. */
  async writeTargets(): Promise<string[]> {
    const names = `${this.alias},${buildingAlias(this.alias)}`;
    const answer = await this.run((options) => this.client.indices.getAlias({ index: indexPattern(this.alias), name: names }, { ...options, ignore: [404] }));
    const indices = Object.keys((answer.body ?? {}) as Record<string, unknown>).filter((key) => key !== 'error' && key !== 'status');
    if (indices.length === 0) throw this.aliasMissing();
    return indices.sort();
  }

  private aliasMissing(): SearchUnavailableError {
    return new SearchUnavailableError(`search alias "${this.alias}" does not exist yet; the api's indexer creates it at start (or run search:reindex)`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Unreachable, timed out, overloaded (429) or failing (5xx): worth retrying later, never the caller's fault. */
export function isEngineUnavailable(err: unknown): boolean {
  if (err instanceof SearchUnavailableError) return true;
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ResponseError) {
    const status = err.meta.statusCode ?? 0;
    return status === 429 || status >= 500;
  }
  return false;
}

function isIndexMissing(err: unknown): boolean {
  return err instanceof errors.ResponseError && err.meta.statusCode === 404 && (err.meta.body as { error?: { type?: string } } | undefined)?.error?.type === 'index_not_found_exception';
}

/** Node's messages for a certificate that does not verify (the client keeps only the message). */
const certificateFailure = /certificate|altnames|self[- ]signed|unable to verify|unable to get (local )?issuer/i;

/** What to fix when the engine refuses this api (credentials, certificate); undefined for anything else. */
export function misconfiguration(err: unknown): string | undefined {
  if (err instanceof errors.ResponseError && err.meta.statusCode === 401) {
    return `the search engine refused the api's credentials (${describeEngineError(err)}): SEARCH_USERNAME and the password in SEARCH_PASSWORD_FILE must be the engine's api user (docs/search.md, "Operating it")`;
  }
  if (err instanceof errors.ResponseError && err.meta.statusCode === 403) {
    return `the search engine's api user may not do this (${describeEngineError(err)}): its role (OpensearchRole isoscribe-search, constructs/search/opensearch-cluster.ts) must allow the action on SEARCH_INDEX and the indices behind it`;
  }
  if (err instanceof errors.ConnectionError && certificateFailure.test(err.message)) {
    return `TLS to the search engine failed: its certificate did not verify (${err.message}); SEARCH_CA_FILE must hold the CA that signed it, and the certificate must name the host in SEARCH_NODES`;
  }
  return undefined;
}

export function describeEngineError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { type?: string; reason?: string } } | undefined;
    return `${err.meta.statusCode} ${body?.error?.type ?? ''} ${body?.error?.reason ?? ''}`.trim();
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
