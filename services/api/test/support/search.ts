// Helpers for the search suites: the app with search on, and what the engine holds, read directly.
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { documentsCollection } from '../../src/documents/store';
import { waitFor } from './app';

export const json = { 'content-type': 'application/json' };

/** Settings that turn search on against `urls`, tuned for tests (short deadline, fast polls). */
export function searchEnv(urls: string[], alias: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { SEARCH_NODES: urls.join(','), SEARCH_INDEX: alias, SEARCH_TIMEOUT_MS: '1000', SEARCH_INDEXER_POLL_MS: '50', ...overrides };
}

export async function createDocument(app: FastifyInstance, fields: Record<string, unknown>): Promise<{ id: string; version: number }> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers: json, payload: { body: '', author: 'ada', ...fields } });
  if (response.statusCode !== 201) throw new Error(`create answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

/** Every document in the engine behind `alias` as id -> version (refreshed first, so nothing is in flight). */
export async function indexedVersions(engineUrl: string, alias: string): Promise<Map<string, number>> {
  await fetch(`${engineUrl}/${alias}/_refresh`, { method: 'POST' });
  const res = await fetch(`${engineUrl}/${alias}/_search?size=10000&version=true&_source=false`);
  if (res.status === 404) return new Map(); // the alias is not there yet
  if (res.status !== 200) throw new Error(`search of ${alias} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { hits: { hits: Array<{ _id: string; _version: number }> } };
  return new Map(body.hits.hits.map((hit) => [hit._id, hit._version]));
}

/** Every document in MongoDB as id -> version. */
export async function storedVersions(uri: string, dbName: string): Promise<Map<string, number>> {
  const client = await new MongoClient(uri).connect();
  try {
    const docs = await client.db(dbName).collection(documentsCollection).find({}, { projection: { version: 1 } }).toArray();
    return new Map(docs.map((doc) => [doc._id.toHexString(), doc.version as number]));
  } finally {
    await client.close();
  }
}

/** Waits until the engine holds exactly what MongoDB holds (same ids at the same versions). */
export async function waitForAgreement(uri: string, dbName: string, engineUrl: string, alias: string, timeoutMs = 30_000): Promise<Map<string, number>> {
  let last = '';
  return waitFor(
    'search and MongoDB to agree',
    async () => {
      // The engine may still be recovering its shards (503): that is "not yet", not a failure.
      const [stored, indexed] = await Promise.all([storedVersions(uri, dbName), indexedVersions(engineUrl, alias).catch((err: Error) => err)]);
      if (indexed instanceof Error) {
        last = indexed.message;
        return undefined;
      }
      const differ = [...stored].filter(([id, v]) => indexed.get(id) !== v).length + [...indexed.keys()].filter((id) => !stored.has(id)).length;
      last = `${differ} differ (${stored.size} stored, ${indexed.size} indexed)`;
      return differ === 0 ? stored : undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
}
