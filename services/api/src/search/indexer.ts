// Keeps the search index in step with MongoDB. Runs in every api pod (see README "Search"): each
// round reads its region's backlog — documents whose searchPending lists the pod's region, and
// deletions whose regions list it — and sends it to the region's engine in bulk. Every region has
// its own engine and its own marks: a write is marked for every region (SEARCH_REGIONS), and each
// region's indexer pulls only its own (SEARCH_REGION), so the first region to index a write never
// hides it from the others. Nothing is lost while an engine is away: the marks are in MongoDB,
// written with the document, and a round pulls its region only after its engine acknowledged.
// Nothing goes back in time: documents are indexed with `version_type: external` at their own
// `version`, so a write older than what the index holds is refused by the engine, and a region is
// pulled only while the document is still at the version that was indexed. Several pods of a region
// may index the same backlog; the versions make that harmless.
import type { Db, ObjectId } from 'mongodb';
import type { FastifyBaseLogger } from 'fastify';
import { DocumentRecord, documentsCollection, SearchDeletion, searchDeletionsCollection } from '../documents/store';
import { describeEngineError, SearchEngine, SearchMisconfiguredError } from './engine';
import type { IndexedDocument } from './index-definition';

/**
 * The version a deletion is indexed at: above any document version, so the engine refuses a late
 * write of the deleted document (for `gc_deletes`, index-definition.ts). Document ids are never reused.
 */
export const DELETED_VERSION = Number.MAX_SAFE_INTEGER;
/** A recorded deletion whose document still exists after this long was a delete that failed (409, MongoDB away): it is dropped. */
export const staleDeletionMs = 60_000;
/** Largest bulk request body sent at once; a bigger document goes alone. An engine with a lower limit answers 413 and the chunk is halved. */
const maxBulkBytes = 5 * 1024 * 1024;
/**
 * Deadline of one bulk request: longer than a search's, since nobody waits on it and a bulk of
 * hundreds of documents replicated across nodes takes longer than a query; a stalled engine still
 * fails the round within it, and the backlog stays marked.
 */
const bulkTimeoutMs = 10_000;

export interface IndexerStats {
  indexed: number;
  deleted: number;
  /** Documents the engine refused for good (mapping conflict, too large): logged, left for search:reindex. */
  rejected: number;
  rounds: number;
  failedRounds: number;
}

type Operation =
  | { kind: 'index'; id: ObjectId; version: number; line: string }
  | { kind: 'delete'; id: ObjectId; line: '' };

export class SearchIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private stopped = true;
  private indexEnsured = false;
  private backoffMs = 0;
  /** When marks from before regions were last adopted (adoptUnregionedMarks); 0: not yet. */
  private adoptedAt = 0;
  private readonly counters: IndexerStats = { indexed: 0, deleted: 0, rejected: 0, rounds: 0, failedRounds: 0 };

  constructor(
    private readonly db: () => Db,
    private readonly engine: SearchEngine,
    private readonly options: {
      pollMs: number;
      batchSize: number;
      /** The region whose engine this indexer feeds (SEARCH_REGION). */
      region: string;
      /** Every region with an engine (SEARCH_REGIONS): what a mark written before regions existed stands for. */
      regions: readonly string[];
      log: FastifyBaseLogger;
      mongoReady: () => boolean;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** A local write happened: run a round soon instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.wakeRequested = true;
    else if (this.backoffMs === 0) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  stats(): IndexerStats {
    return { ...this.counters };
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.running) return;
      this.running = this.loop().finally(() => (this.running = undefined));
    }, delayMs);
  }

  private async loop(): Promise<void> {
    let more = false;
    try {
      this.wakeRequested = false;
      if (!this.indexEnsured) {
        await this.engine.ensureIndex();
        this.indexEnsured = true;
      }
      if (this.options.mongoReady()) more = await this.round();
      this.backoffMs = 0;
    } catch (err) {
      this.counters.failedRounds++;
      // Engine or MongoDB away: the backlog stays marked in MongoDB; try again, backing off to 5 s.
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, this.options.pollMs), 5000);
      if (err instanceof SearchMisconfiguredError) this.options.log.error({ reason: err.message, retryInMs: this.backoffMs }, 'search engine refused the indexer; backlog kept');
      else this.options.log.warn({ err: describeEngineError(err), retryInMs: this.backoffMs }, 'search indexing round failed; backlog kept');
    }
    if (this.stopped) return;
    const busy = more || this.wakeRequested;
    this.schedule(this.backoffMs || (busy ? 0 : this.options.pollMs));
  }

  /** One round over up to batchSize pending documents and deletions; true when more may be waiting. */
  async round(): Promise<boolean> {
    this.counters.rounds++;
    const db = this.db();
    const documents = db.collection<DocumentRecord>(documentsCollection);
    const deletions = db.collection<SearchDeletion>(searchDeletionsCollection);
    const { batchSize: batch, region } = this.options;
    if (Date.now() - this.adoptedAt > adoptEveryMs) {
      await adoptUnregionedMarks(db, this.options.regions);
      this.adoptedAt = Date.now();
    }
    const [pending, deleted] = await Promise.all([
      documents.find({ searchPending: region }, { limit: batch }).toArray(),
      deletions.find({ regions: region }, { limit: batch }).toArray(),
    ]);
    if (pending.length === 0 && deleted.length === 0) return false;

    // A recorded deletion whose document still exists: the delete has not landed yet (or failed).
    const stillThere = new Set(
      deleted.length === 0
        ? []
        : (await documents.find({ _id: { $in: deleted.map((d) => d._id) } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id.toHexString()),
    );
    const now = Date.now();
    const staleDeletions = deleted.filter((d) => stillThere.has(d._id.toHexString()) && now - d.at.getTime() > staleDeletionMs).map((d) => d._id);
    const operations: Operation[] = [
      ...pending.map((doc) => ({ kind: 'index' as const, id: doc._id, version: doc.version, line: JSON.stringify(toIndexed(doc)) })),
      ...deleted.filter((d) => !stillThere.has(d._id.toHexString())).map((d) => ({ kind: 'delete' as const, id: d._id, line: '' as const })),
    ];

    const targets = await this.engine.writeTargets();
    const outcome = await this.send(operations, targets);

    const indexedNow = operations.filter((op): op is Extract<Operation, { kind: 'index' }> => op.kind === 'index' && outcome.done.has(op.id.toHexString()));
    if (indexedNow.length > 0) await clearPending(db, region, indexedNow, this.options.regions.length === 1);
    const deletionsDone = [
      ...operations.filter((op) => op.kind === 'delete' && outcome.done.has(op.id.toHexString())).map((op) => op.id),
      ...staleDeletions,
    ];
    if (deletionsDone.length > 0) await clearDeletions(db, region, deletionsDone);
    this.counters.indexed += indexedNow.length;
    this.counters.deleted += deletionsDone.length - staleDeletions.length;
    return pending.length === batch || deleted.length === batch || outcome.retry > 0;
  }

  /**
   * Sends the operations to every target index in bulk requests of at most maxBulkBytes. Returns the
   * ids done on every target (indexed, deleted, or already newer there), and how many to retry.
   * A document the engine refuses for good is logged, counted and marked done: retrying cannot fix
   * it, and it must not hold back the backlog behind it (search:reindex retries every document).
   */
  private async send(operations: Operation[], targets: string[]): Promise<{ done: Set<string>; retry: number }> {
    const failed = new Set<string>();
    const pendingChunks = [...chunks(operations, targets.length)];
    while (pendingChunks.length > 0) {
      const chunk = pendingChunks.shift()!;
      const lines: string[] = [];
      for (const target of targets) {
        for (const op of chunk) {
          const _id = op.id.toHexString();
          if (op.kind === 'index') {
            lines.push(JSON.stringify({ index: { _index: target, _id, version: op.version, version_type: 'external' } }), op.line);
          } else {
            lines.push(JSON.stringify({ delete: { _index: target, _id, version: DELETED_VERSION, version_type: 'external' } }));
          }
        }
      }
      const answer = await this.engine.run(
        (options) => this.engine.client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: lines }, { ...options, ignore: [413] }),
        Math.max(bulkTimeoutMs, this.engine.config.timeoutMs),
      );
      if (answer.statusCode === 413) {
        // Over the engine's http.max_content_length: halve until the document too large alone is found.
        if (chunk.length === 1) this.reject(chunk[0], 'the engine refused it as too large (413: over its http.max_content_length)');
        else pendingChunks.unshift(chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1));
        continue;
      }
      const items = (answer.body as { items: Array<Record<string, { _id: string; status: number; error?: { type: string; reason: string } }>> }).items;
      items.forEach((item, i) => {
        const result = Object.values(item)[0];
        const op = chunk[i % chunk.length];
        const status = result.status;
        // 409: the index already holds this version or a newer one (another pod, or a later write).
        // 404 on delete: it was never indexed or is gone already.
        if (status < 300 || status === 409 || (op.kind === 'delete' && status === 404)) return;
        if (status === 429 || status >= 500) failed.add(op.id.toHexString());
        else this.reject(op, `${status} ${result.error?.type}: ${result.error?.reason}`);
      });
    }
    const done = new Set(operations.map((op) => op.id.toHexString()).filter((id) => !failed.has(id)));
    if (failed.size > 0) this.options.log.warn({ retry: failed.size }, 'search engine could not take some documents now; they stay pending');
    return { done, retry: failed.size };
  }

  private reject(op: Operation, reason: string): void {
    this.counters.rejected++;
    this.options.log.error({ documentId: op.id.toHexString(), reason }, 'search engine refused a document; it stays out of search until fixed and reindexed (npm run search:reindex)');
  }
}

/**
 * Pulls `region` from the pending marks of documents its engine acknowledged, each only while the
 * document is still at the version that was indexed: a write that landed meanwhile keeps the mark
 * (for every region) and is indexed next round. A mark left empty is then removed, so the sparse
 * backlog index holds only documents some region still waits for.
 */
export async function clearPending(db: Db, region: string, indexed: ReadonlyArray<{ id: ObjectId; version: number }>, onlyRegion: boolean): Promise<void> {
  // Seen as their marks alone: after adoptUnregionedMarks a mark is a list of regions.
  const documents = db.collection<{ _id: ObjectId; version: number; searchPending?: string[] }>(documentsCollection);
  // By _id and version only: with the mark in the filter too, a planner may walk the backlog's
  // sparse index for every update (mongo-java-server does: a 10,000-document backlog crawled).
  // The only region (dev, staging): the whole mark goes in the same conditional update, with no second pass.
  const update = onlyRegion ? { $unset: { searchPending: '' as const } } : { $pull: { searchPending: region } };
  await documents.bulkWrite(
    indexed.map((op) => ({ updateOne: { filter: { _id: op.id, version: op.version }, update } })),
    { ordered: false },
  );
  if (onlyRegion) return;
  await documents.updateMany({ _id: { $in: indexed.map((op) => op.id) }, searchPending: { $size: 0 } }, { $unset: { searchPending: '' } });
}

/** Pulls `region` from the recorded deletions its engine has done; a record no region waits for any more goes. */
export async function clearDeletions(db: Db, region: string, ids: readonly ObjectId[]): Promise<void> {
  const deletions = db.collection<SearchDeletion>(searchDeletionsCollection);
  await deletions.updateMany({ _id: { $in: [...ids] } }, { $pull: { regions: region } });
  await deletions.deleteMany({ _id: { $in: [...ids] }, regions: { $size: 0 } });
}

/**
 * How often an indexer rewrites marks from before regions: at its first round, then this often,
 * since pods of the previous release may still write them while a rollout runs.
 */
const adoptEveryMs = 60_000;

/**
 * Marks and deletion records written before marks named regions (`searchPending: true`, a record
 * without `regions`) meant "not indexed yet" for the one engine there was: they become pending in
 * every region. Each is rewritten at most once, and the filters use the backlog's indexes, so a
 * pass with none costs two index look-ups.
 */
export async function adoptUnregionedMarks(db: Db, regions: readonly string[]): Promise<void> {
  await db.collection<DocumentRecord>(documentsCollection).updateMany({ searchPending: true }, { $set: { searchPending: [...regions] } });
  await db.collection<SearchDeletion>(searchDeletionsCollection).updateMany({ regions: { $exists: false } }, { $set: { regions: [...regions] } });
}

export function toIndexed(doc: DocumentRecord): IndexedDocument {
  return {
    id: doc._id.toHexString(),
    title: doc.title,
    body: doc.body,
    author: doc.author,
    tags: doc.tags,
    version: doc.version,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

function* chunks(operations: Operation[], copies: number): Generator<Operation[]> {
  let chunk: Operation[] = [];
  let bytes = 0;
  for (const op of operations) {
    const size = (op.line.length * 3 + 200) * copies; // UTF-8 at most 3 bytes per UTF-16 unit, plus the action line
    if (chunk.length > 0 && bytes + size > maxBulkBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(op);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
