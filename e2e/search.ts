/**
 * Scenario 5: search on a three-node OpenSearch 2.19 cluster (security off here: production's TLS
 * and users are the search cluster's). An api pod with search on takes paced writes (creates,
 * updates, deletes) through its NGINX while searches run; mid-way the node holding the index's
 * primary shard is killed. Indexing lag is how long after the API acknowledged a write the engine
 * showed it (polled every 50 ms through the alias the route searches). At the end MongoDB and the
 * index must agree document by document, and search must have kept answering.
 */
import { MongoClient } from 'mongodb';
import type { OpenSearchCluster } from '../services/api/test/support/opensearch';
import { waitForAgreement } from '../services/api/test/support/search';
import { CLIENT_ADDRESS, startApiPod } from '../testing/pods';
import { IndexLagWatcher } from '../testing/index-lag';
import { ms, quantile, request, sleep } from '../testing/util';
import type { ScenarioResult } from './scenarios';

export interface SearchScenarioOptions {
  writes: number;
  writesPerSecond: number;
  /** The write at which the primary's node is killed. */
  killAt: number;
}

const alias = 'documents';
const dbName = 'e2e_search';

export async function searchCluster(cluster: OpenSearchCluster, mongoUri: string, options: SearchScenarioOptions): Promise<ScenarioResult> {
  const pod = await startApiPod(mongoUri, { name: 's', searchNodes: cluster.urls, appEnv: { LOG_LEVEL: 'warn', MONGODB_DB: dbName, SEARCH_INDEXER_POLL_MS: '100' } });
  try {
    const api = (method: string, path: string, body?: unknown) =>
      request(pod.baseUrl, path, { method, localAddress: CLIENT_ADDRESS, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });

    // The index exists once the first write is searchable; the cluster is green before the kill.
    await api('POST', '/api/v1/documents', { title: 'e2e first', body: 'osprey', author: 'e2e' });
    await waitForAgreement(mongoUri, dbName, cluster.urls[0], alias, 60_000);
    await cluster.waitForHealth('green');
    const shards = (await (await fetch(`${cluster.urls[0]}/_cat/shards/${alias}?format=json`)).json()) as Array<{ prirep: string; node: string }>;
    const victim = cluster.nodes.find((node) => node.name === shards.find((s) => s.prirep === 'p')!.node)!;
    const survivor = cluster.nodes.find((node) => node !== victim)!;

    // Searches through NGINX for the whole scenario.
    const searchStatuses: number[] = [];
    let searching = true;
    const searcher = (async () => {
      while (searching) {
        const res = await request(pod.baseUrl, '/api/v1/search?q=osprey&limit=5', { localAddress: CLIENT_ADDRESS }).catch(() => ({ status: 0 }));
        searchStatuses.push(res.status);
        await sleep(20);
      }
    })();

    const watcher = new IndexLagWatcher(survivor.url, alias);

    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const live: Array<{ id: string; version: number }> = [];
    const started = Date.now();
    let killedAt = Infinity;
    for (let i = 0; i < options.writes; i++) {
      if (i === options.killAt) {
        killedAt = Date.now();
        await victim.kill();
      }
      await sleep(Math.max(0, started + (i * 1000) / options.writesPerSecond - Date.now()));
      const op = i % 5;
      if (op === 3 && live.length > 0) {
        const doc = live[live.length - 1];
        const res = await api('PATCH', `/api/v1/documents/${doc.id}`, { version: doc.version, body: `osprey updated ${i}` });
        count(res.status);
        if (res.status === 200) watcher.expect(doc.id, ++doc.version);
      } else if (op === 4 && live.length > 0) {
        const doc = live.shift()!;
        const res = await api('DELETE', `/api/v1/documents/${doc.id}`);
        count(res.status);
        if (res.status === 204) watcher.expect(doc.id, 'gone');
      } else {
        const res = await api('POST', '/api/v1/documents', { title: `e2e write ${i}`, body: 'osprey', author: 'e2e' });
        count(res.status);
        if (res.status === 201) {
          const doc = JSON.parse(res.body) as { id: string };
          live.push({ id: doc.id, version: 1 });
          watcher.expect(doc.id, 1);
        }
      }
    }
    const unseen = await watcher.stop(60_000);
    const lags = watcher.lags;
    // Before the kill: the steady state the 2 s target is about. After it: the failover (the
    // cluster notices the lost node, promotes the replica) delays the writes in flight.
    const steady = watcher.samples.filter((s) => s.at < killedAt).map((s) => s.lagMs);
    const failover = watcher.samples.filter((s) => s.at >= killedAt).map((s) => s.lagMs);

    let agreed = true;
    let stored = 0;
    try {
      stored = (await waitForAgreement(mongoUri, dbName, survivor.url, alias, 60_000)).size;
    } catch {
      agreed = false;
    }
    searching = false;
    await searcher;
    const finalSearch = await request(pod.baseUrl, '/api/v1/search?q=osprey&limit=5', { localAddress: CLIENT_ADDRESS });
    await cleanUp(mongoUri);

    const searchOk = searchStatuses.filter((s) => s === 200).length;
    const writesOk = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    const lagFigure = (values: number[]) => `p50 ${ms(quantile(values, 0.5))}, p99 ${ms(quantile(values, 0.99))}, max ${ms(Math.max(0, ...values))} over ${values.length} writes`;
    const steadyP99 = quantile(steady, 0.99);
    return {
      title: 'Search on a three-node OpenSearch cluster, the primary shard\'s node killed mid-write',
      figures: [
        `writes through NGINX: ${options.writes} at ${options.writesPerSecond}/s (creates, updates, deletes), ${writesOk} acknowledged; node ${victim.name} (primary) killed at write ${options.killAt}`,
        `indexing lag (acknowledged → visible in the index), all writes: ${lagFigure(lags)}`,
        `indexing lag before the node was lost: ${lagFigure(steady)}; after (failover included): ${lagFigure(failover)}`,
        `searches through NGINX meanwhile: ${searchStatuses.length}, ${searchOk} answered 200`,
        `documents in MongoDB at the end: ${stored}`,
      ],
      checks: [
        { name: 'every acknowledged write reached search (MongoDB and the index agree id by id, version by version)', ok: agreed && unseen === 0, detail: agreed ? `${stored} documents agree, ${unseen} writes never shown` : 'they did not agree within 60 s' },
        { name: 'every write acknowledged while a node was lost', ok: writesOk === options.writes, detail: `${writesOk}/${options.writes}` },
        { name: 'search kept answering (≥ 95% 200, and 200 after)', ok: searchOk >= searchStatuses.length * 0.95 && finalSearch.status === 200, detail: `${searchOk}/${searchStatuses.length}, final ${finalSearch.status}` },
        { name: 'indexing lag p99 ≤ 2 s with all three nodes up', ok: steadyP99 <= 2000, detail: ms(steadyP99) },
      ],
    };
  } finally {
    await pod.stop();
  }
}

async function cleanUp(mongoUri: string): Promise<void> {
  const client = await new MongoClient(mongoUri).connect();
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
