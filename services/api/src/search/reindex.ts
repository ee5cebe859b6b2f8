// A full reindex with zero downtime: a new versioned index is built from MongoDB (the source of
// truth: documents the old index refused are retried too) while searches keep reading the old one
// through the alias, then the alias moves to the new index in one atomic step and the old is dropped.
// Writes during the build are not lost: the new index carries the `<alias>-building` alias, and the
// indexer writes to every index behind either alias (engine.writeTargets), at external versions, so
// the copy and the indexer can land in any order.
import type { Db, ObjectId } from 'mongodb';
import { DocumentRecord, documentsCollection } from '../documents/store';
import { adminTimeoutMs, SearchEngine } from './engine';
import { buildingAlias, indexBody, indexPattern, newIndexName } from './index-definition';
import { toIndexed } from './indexer';

export interface ReindexOptions {
  batchSize?: number;
  /**
   * Wait after the new index appears before copying: an indexing round that resolved its targets
   * just before (and so will not write to the new index) finishes within this. Default 2 s; more
   * than SEARCH_TIMEOUT_MS plus a round's MongoDB reads.
   */
  settleMs?: number;
  /** Keep the previous indices instead of deleting them (to swap back by hand). */
  keepOld?: boolean;
  log?: (message: string) => void;
}

export interface ReindexResult {
  index: string;
  previous: string[];
  documents: number;
}

export async function reindex(db: Db, engine: SearchEngine, options: ReindexOptions = {}): Promise<ReindexResult> {
  const { batchSize = 500, settleMs = 2000, keepOld = false, log = () => {} } = options;
  const { client, alias } = engine;
  const building = buildingAlias(alias);
  const admin = <T>(call: (o: { requestTimeout: number }) => Promise<T>) => engine.run(call, adminTimeoutMs);

  const stale = await admin((o) => client.indices.getAlias({ index: indexPattern(alias), name: building }, { ...o, ignore: [404] }));
  const staleIndices = Object.keys((stale.body ?? {}) as object).filter((key) => key !== 'error' && key !== 'status');
  if (staleIndices.length > 0) {
    throw new Error(`another reindex is running or was interrupted: ${staleIndices.join(', ')} carries the alias ${building}; if none is running, delete that index and run again`);
  }
  const index = newIndexName(alias);
  await admin((o) => client.indices.create({ index, body: { ...indexBody(), aliases: { [building]: {} } } as never }, o));
  log(`created ${index} (alias ${building}); copying documents from MongoDB`);
  try {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    let documents = 0;
    let after: ObjectId | undefined;
    for (;;) {
      const batch = await db
        .collection<DocumentRecord>(documentsCollection)
        .find(after ? { _id: { $gt: after } } : {}, { sort: { _id: 1 }, limit: batchSize })
        .toArray();
      if (batch.length === 0) break;
      const lines = batch.flatMap((doc) => [
        JSON.stringify({ index: { _index: index, _id: doc._id.toHexString(), version: doc.version, version_type: 'external' } }),
        JSON.stringify(toIndexed(doc)),
      ]);
      const answer = await admin((o) => client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: lines }, o));
      const items = (answer.body as { items: Array<{ index: { _id: string; status: number; error?: { type: string; reason: string } } }> }).items;
      // 409: the indexer already wrote this version or a newer one (or the deletion) to the new index.
      const refused = items.filter((item) => item.index.status >= 300 && item.index.status !== 409);
      if (refused.length > 0) {
        const first = refused[0].index;
        throw new Error(`the engine refused ${refused.length} documents, e.g. ${first._id}: ${first.status} ${first.error?.type}: ${first.error?.reason}`);
      }
      documents += batch.length;
      after = batch[batch.length - 1]._id;
      log(`copied ${documents} documents`);
    }
    await admin((o) => client.indices.refresh({ index }, o));

    const current = await admin((o) => client.indices.getAlias({ index: indexPattern(alias), name: alias }, { ...o, ignore: [404] }));
    const previous = Object.keys((current.body ?? {}) as object).filter((key) => key !== 'error' && key !== 'status' && key !== index);
    // One atomic change: searches see the old index or the new one, never neither.
    await admin((o) =>
      client.indices.updateAliases(
        {
          body: {
            actions: [
              ...previous.map((old) => ({ remove: { index: old, alias } })),
              { add: { index, alias } },
              { remove: { index, alias: building } },
            ],
          } as never,
        },
        o,
      ),
    );
    log(`alias ${alias} now points to ${index}${previous.length ? ` (was ${previous.join(', ')})` : ''}`);
    if (!keepOld && previous.length > 0) {
      await admin((o) => client.indices.delete({ index: previous.join(',') }, o));
      log(`deleted ${previous.join(', ')}`);
    }
    return { index, previous, documents };
  } catch (err) {
    // Nothing half-done stays behind: searches never saw the new index; the next run starts clean.
    await admin((o) => client.indices.delete({ index }, { ...o, ignore: [404] })).catch(() => undefined);
    throw err;
  }
}
