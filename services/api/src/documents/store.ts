// Data access for the documents collection. Pagination walks _id downwards (ObjectIds grow with
// time, so newest first), which keeps every page an index range scan however deep the cursor.
import { BSON, Collection, Db, Filter, Long, MongoError, ObjectId } from 'mongodb';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver's own retryable-read rule (see isRetryableRead)
const { isRetryableReadError } = require('mongodb/lib/error') as { isRetryableReadError: (error: MongoError) => boolean };

export const documentsCollection = 'documents';
/**
 * A deletion some region's search index has not seen yet, written before the document is deleted
 * (so it survives the engine being away): `{ _id: <document id>, at, regions }`. Each region's
 * indexer pulls its own region from `regions` once its engine has dropped the document, and the
 * record goes when no region is left (search/indexer.ts).
 */
export const searchDeletionsCollection = 'search_deletions';

export interface SearchDeletion {
  _id: ObjectId;
  at: Date;
  /** Regions whose engine still holds the document. Absent on records written before regions existed: every region. */
  regions?: string[];
}

export interface DocumentRecord {
  _id: ObjectId;
  title: string;
  body: string;
  author: string;
  tags: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The regions whose search engine has not indexed this version yet: set to every region by each
   * create and update, in the same single-document write, while search indexing is on. Each
   * region's indexer indexes the document at its `version` and pulls only its own region, and only
   * if the version is unchanged; the field goes once empty (the sparse index then holds only the
   * backlog). `true` on documents written before regions existed: pending everywhere.
   */
  searchPending?: string[] | true;
}

export type NewDocument = Pick<DocumentRecord, 'title' | 'body' | 'author'> & { tags?: string[] };
export type DocumentChanges = Partial<Pick<DocumentRecord, 'title' | 'body' | 'author' | 'tags'>>;
export interface ListQuery {
  limit: number;
  after?: ObjectId;
  tag?: string;
  author?: string;
}

/**
 * A stored document as the BSON bytes MongoDB sent (the driver's `raw` option): a view into the
 * reply, valid until the next read. `decodeDocument` turns it into a DocumentRecord.
 */
export type RawDocument = Buffer;
const RAW = { raw: true } as const;
/** The `find` reply's documents as raw BSON (the rest of the reply is decoded). */
const FIRST_BATCH_RAW = { fieldsAsRaw: { firstBatch: true }, promoteLongs: false } as const;
interface FindReply {
  cursor: { id: Long | number; firstBatch: RawDocument[] };
}

/**
 * Whether the driver would retry a read that failed with `error` (its own rule, the retryable-reads
 * specification's: network errors and the "not primary / shutting down" codes). Not in the
 * driver's public exports, so test/store-retry.test.ts pins its behaviour for the version we ship.
 */
export function isRetryableRead(error: unknown): boolean {
  return error instanceof MongoError && isRetryableReadError(error);
}

export function decodeDocument(raw: RawDocument): DocumentRecord {
  return BSON.deserialize(raw) as DocumentRecord;
}

/** Why a conditional write did not happen. */
export type Miss = { status: 'not_found' } | { status: 'conflict'; currentVersion: number };

export async function ensureDocumentIndexes(db: Db): Promise<void> {
  await db.collection(documentsCollection).createIndexes([
    { key: { author: 1, _id: -1 }, name: 'author_id' },
    { key: { tags: 1, _id: -1 }, name: 'tags_id' },
    // Only documents waiting for a region's search index are in it: the indexers' backlog, usually
    // empty. Multikey: each region's indexer finds its own region's entries.
    { key: { searchPending: 1 }, name: 'search_pending', sparse: true },
  ]);
  await db.collection(searchDeletionsCollection).createIndexes([{ key: { regions: 1 }, name: 'regions' }]);
}

/** Runs one MongoDB operation under the connection's deadline (MongoConnection.run). */
export type RunWithDeadline = <T>(operation: () => Promise<T>) => Promise<T>;

export class DocumentStore {
  private cached: Collection<DocumentRecord> | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly run: RunWithDeadline,
    /** Documents the find command asks for in its first batch; the server's default (101, or 16 MiB) unless a test needs several batches. */
    private readonly firstBatchSize?: number,
    /** Every region with a search engine: each write is marked pending for all of them. Empty: search is off, nothing is marked. */
    private readonly searchRegions: readonly string[] = [],
    /** Called after a write this process made, so the indexer picks it up without waiting for its poll. */
    private readonly onSearchChange: () => void = () => {},
  ) {}

  private get searchMark(): { searchPending: string[] } | Record<string, never> {
    return this.searchRegions.length > 0 ? { searchPending: [...this.searchRegions] } : {};
  }

  // Built once: db.collection() resolves options into a new object on every call.
  private get collection(): Collection<DocumentRecord> {
    this.cached ??= this.db().collection<DocumentRecord>(documentsCollection);
    return this.cached;
  }

  async create(input: NewDocument): Promise<DocumentRecord> {
    const now = new Date();
    const document: DocumentRecord = { _id: new ObjectId(), ...input, tags: input.tags ?? [], version: 1, createdAt: now, updatedAt: now, ...this.searchMark };
    await this.run(() => this.collection.insertOne(document));
    this.onSearchChange();
    return document;
  }

  /** The stored document as MongoDB sent it (BSON bytes): the reads answer from the bytes (document-json.ts). */
  async get(id: ObjectId): Promise<RawDocument | null> {
    const [document] = await this.findRaw({ _id: id }, 1);
    return document ?? null;
  }

  /** One page, newest first, as BSON bytes, plus one extra to tell whether another page follows. */
  async list(query: ListQuery): Promise<{ items: RawDocument[]; more: boolean }> {
    const filter: Filter<DocumentRecord> = {};
    if (query.after) filter._id = { $lt: query.after };
    if (query.tag !== undefined) filter.tags = query.tag;
    if (query.author !== undefined) filter.author = query.author;
    const found = await this.findRaw(filter, query.limit + 1, { _id: -1 });
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  /**
   * Up to `limit` documents as raw BSON, through one `find` command rather than a driver cursor.
   * Why: the cursor's set-up, async iteration and a parsed view of every document cost about a
   * fifth of a GET's and a list's CPU (bench/README: "find command"), and these reads never need
   * more than the first batch. What the cursor gave is kept: one retry of a read that failed the
   * way the driver retries reads (a dropped connection, a primary stepping down), within the same
   * deadline; and an answer too large for one batch (16 MiB) goes through the cursor.
   */
  private async findRaw(filter: Filter<DocumentRecord>, limit: number, sort?: Record<string, 1 | -1>): Promise<RawDocument[]> {
    const command = { find: documentsCollection, filter, ...(sort ? { sort } : {}), limit, ...(this.firstBatchSize ? { batchSize: this.firstBatchSize } : {}) };
    const once = () => this.db().command(command, FIRST_BATCH_RAW) as Promise<FindReply>;
    const reply = await this.run(() => once().catch((error: unknown) => (isRetryableRead(error) ? once() : Promise.reject(error))));
    const { id, firstBatch } = reply.cursor;
    if (typeof id === 'number' ? id === 0 : id.isZero()) return firstBatch;
    // More than one batch holds: close the server's cursor and let the driver's cursor page through.
    void this.db().command({ killCursors: documentsCollection, cursors: [id] }).catch(() => undefined);
    const cursor = this.collection.find(filter, RAW).limit(limit);
    if (sort) cursor.sort(sort);
    return (await this.run(() => cursor.toArray())) as unknown as RawDocument[];
  }

  /** Applies `changes` only if the stored version is still `expectedVersion`. */
  async update(id: ObjectId, expectedVersion: number, changes: DocumentChanges): Promise<{ status: 'updated'; document: DocumentRecord } | Miss> {
    const updated = await this.run(() =>
      this.collection.findOneAndUpdate(
        { _id: id, version: expectedVersion },
        { $set: { ...changes, updatedAt: new Date(), ...this.searchMark }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      ),
    );
    if (updated) {
      this.onSearchChange();
      return { status: 'updated', document: updated };
    }
    return this.missOutcome(id);
  }

  /** Deletes; with `expectedVersion`, only if the stored version still matches. */
  async delete(id: ObjectId, expectedVersion?: number): Promise<{ status: 'deleted' } | Miss> {
    const filter: Filter<DocumentRecord> = expectedVersion === undefined ? { _id: id } : { _id: id, version: expectedVersion };
    // The deletion is recorded for the index first: if the delete then fails, the indexer finds the
    // document still there and leaves it indexed; the other order could lose the deletion.
    if (this.searchRegions.length > 0) {
      const regions = [...this.searchRegions];
      await this.run(() => this.db().collection<SearchDeletion>(searchDeletionsCollection).replaceOne({ _id: id }, { at: new Date(), regions }, { upsert: true }));
    }
    const { deletedCount } = await this.run(() => this.collection.deleteOne(filter));
    if (deletedCount === 1) {
      this.onSearchChange();
      return { status: 'deleted' };
    }
    return this.missOutcome(id);
  }

  private async missOutcome(id: ObjectId): Promise<Miss> {
    const current = await this.run(() => this.collection.findOne({ _id: id }, { projection: { version: 1 } }));
    return current ? { status: 'conflict', currentVersion: current.version } : { status: 'not_found' };
  }
}
