// Data access for the documents collection. Pagination walks _id downwards (ObjectIds grow with
// time, so newest first), which keeps every page an index range scan however deep the cursor.
import { BSON, Collection, Db, Filter, ObjectId } from 'mongodb';

export const documentsCollection = 'documents';

export interface DocumentRecord {
  _id: ObjectId;
  title: string;
  body: string;
  author: string;
  tags: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
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

export function decodeDocument(raw: RawDocument): DocumentRecord {
  return BSON.deserialize(raw) as DocumentRecord;
}

/** Why a conditional write did not happen. */
export type Miss = { status: 'not_found' } | { status: 'conflict'; currentVersion: number };

export async function ensureDocumentIndexes(db: Db): Promise<void> {
  await db.collection(documentsCollection).createIndexes([
    { key: { author: 1, _id: -1 }, name: 'author_id' },
    { key: { tags: 1, _id: -1 }, name: 'tags_id' },
  ]);
}

/** Runs one MongoDB operation under the connection's deadline (MongoConnection.run). */
export type RunWithDeadline = <T>(operation: () => Promise<T>) => Promise<T>;

export class DocumentStore {
  private cached: Collection<DocumentRecord> | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly run: RunWithDeadline,
  ) {}

  // Built once: db.collection() resolves options into a new object on every call.
  private get collection(): Collection<DocumentRecord> {
    this.cached ??= this.db().collection<DocumentRecord>(documentsCollection);
    return this.cached;
  }

  async create(input: NewDocument): Promise<DocumentRecord> {
    const now = new Date();
    const document: DocumentRecord = { _id: new ObjectId(), ...input, tags: input.tags ?? [], version: 1, createdAt: now, updatedAt: now };
    await this.run(() => this.collection.insertOne(document));
    return document;
  }

  /** The stored document as MongoDB sent it (BSON bytes): the reads answer from the bytes (document-json.ts). */
  async get(id: ObjectId): Promise<RawDocument | null> {
    return (await this.run(() => this.collection.findOne({ _id: id }, RAW))) as unknown as RawDocument | null;
  }

  /** One page, newest first, as BSON bytes, plus one extra to tell whether another page follows. */
  async list(query: ListQuery): Promise<{ items: RawDocument[]; more: boolean }> {
    const filter: Filter<DocumentRecord> = {};
    if (query.after) filter._id = { $lt: query.after };
    if (query.tag !== undefined) filter.tags = query.tag;
    if (query.author !== undefined) filter.author = query.author;
    const found = (await this.run(() => this.collection.find(filter, RAW).sort({ _id: -1 }).limit(query.limit + 1).toArray())) as unknown as RawDocument[];
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  /** Applies `changes` only if the stored version is still `expectedVersion`. */
  async update(id: ObjectId, expectedVersion: number, changes: DocumentChanges): Promise<{ status: 'updated'; document: DocumentRecord } | Miss> {
    const updated = await this.run(() =>
      this.collection.findOneAndUpdate(
        { _id: id, version: expectedVersion },
        { $set: { ...changes, updatedAt: new Date() }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      ),
    );
    if (updated) return { status: 'updated', document: updated };
    return this.missOutcome(id);
  }

  /** Deletes; with `expectedVersion`, only if the stored version still matches. */
  async delete(id: ObjectId, expectedVersion?: number): Promise<{ status: 'deleted' } | Miss> {
    const filter: Filter<DocumentRecord> = expectedVersion === undefined ? { _id: id } : { _id: id, version: expectedVersion };
    const { deletedCount } = await this.run(() => this.collection.deleteOne(filter));
    if (deletedCount === 1) return { status: 'deleted' };
    return this.missOutcome(id);
  }

  private async missOutcome(id: ObjectId): Promise<Miss> {
    const current = await this.run(() => this.collection.findOne({ _id: id }, { projection: { version: 1 } }));
    return current ? { status: 'conflict', currentVersion: current.version } : { status: 'not_found' };
  }
}
