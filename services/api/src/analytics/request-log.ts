// The request_log collection: what one API request leaves behind for analytics. Exactly the
// fields the article lists (client IP, method, URL without sensitive values, time, request id,
// status, referer, host) plus the duration; never bodies, never other headers.
import { Db, MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { redactUrl } from './redact';

export const requestLogCollection = 'request_log';
export const requestLogTtlIndex = 'time_ttl';

export interface RequestRecord {
  _id: ObjectId;
  time: Date;
  ip: string | null;
  method: string;
  url: string;
  status: number;
  requestId: string;
  referer: string | null;
  host: string | null;
  durationMs: number;
}

export interface RequestFacts {
  startedAt: number;
  ip: string | null;
  method: string;
  url: string;
  status: number;
  requestId: string;
  referer: string | undefined;
  host: string | undefined;
  durationMs: number;
}

export function toRecord(facts: RequestFacts, redactedKeys: readonly string[]): RequestRecord {
  return {
    // Assigned here so a retried batch is idempotent: already-written records fail as duplicates.
    _id: new ObjectId(),
    time: new Date(facts.startedAt),
    ip: facts.ip,
    method: facts.method,
    url: redactUrl(facts.url, redactedKeys),
    status: facts.status,
    requestId: facts.requestId,
    // Referers are URLs too (often the page with its query), so the same redaction applies.
    referer: facts.referer === undefined ? null : redactUrl(facts.referer, redactedKeys),
    host: facts.host === undefined ? null : facts.host.slice(0, 255),
    durationMs: Math.round(facts.durationMs * 1000) / 1000,
  };
}

export async function writeRequestLog(db: Db, batch: RequestRecord[]): Promise<void> {
  try {
    await db.collection<RequestRecord>(requestLogCollection).insertMany(batch, { ordered: false });
  } catch (err) {
    // A batch retried after a lost acknowledgement: records already stored are duplicates, not errors.
    const writeErrors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
    const onlyDuplicates = writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000);
    if (!onlyDuplicates) throw err;
  }
}

/** The TTL index that expires records after `ttlDays`; updated in place when the setting changes. */
export async function ensureRequestLogIndexes(db: Db, ttlDays: number): Promise<void> {
  const expireAfterSeconds = ttlDays * 24 * 60 * 60;
  try {
    await db.collection(requestLogCollection).createIndex({ time: 1 }, { name: requestLogTtlIndex, expireAfterSeconds });
  } catch (err) {
    const optionsChanged = err instanceof MongoServerError && err.code === 85; // IndexOptionsConflict
    if (!optionsChanged) throw err;
    await db.command({ collMod: requestLogCollection, index: { name: requestLogTtlIndex, expireAfterSeconds } });
  }
}
