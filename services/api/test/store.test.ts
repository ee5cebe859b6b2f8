// The store's reads go through one `find` command instead of a driver cursor (store.ts, findRaw).
// What the cursor gave must still hold: every document of a page however many batches it takes,
// and one retry of a read whose connection dropped, as the driver retries reads.
import { once } from 'node:events';
import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';
import { MongoClient, MongoNetworkError, MongoServerError, ObjectId } from 'mongodb';
import { DocumentStore, decodeDocument, documentsCollection, isRetryableRead } from '../src/documents/store';
import { MongoWireServer, startMongoWireServer } from './support/mongo-wire';
import { testDbName } from './support/app';

let server: MongoWireServer;
let client: MongoClient;
const dbName = testDbName('store');
const now = new Date(0);

beforeAll(async () => {
  server = await startMongoWireServer();
  client = await new MongoClient(server.uri).connect();
  await client
    .db(dbName)
    .collection(documentsCollection)
    .insertMany(Array.from({ length: 7 }, (_, i) => ({ _id: new ObjectId(), title: `t${i}`, body: 'b', author: 'a', tags: [], version: 1, createdAt: now, updatedAt: now })));
});

afterAll(async () => {
  await client?.db(dbName).dropDatabase();
  await client?.close();
  await server?.stop();
});

const direct = <T>(operation: () => Promise<T>) => operation();
const titles = (page: { items: Buffer[] }) => page.items.map((raw) => decodeDocument(raw).title);

describe('reads through the find command', () => {
  it('return the same pages when the answer needs more than one batch (the cursor takes over)', async () => {
    const oneBatch = new DocumentStore(() => client.db(dbName), direct);
    const twoPerBatch = new DocumentStore(() => client.db(dbName), direct, 2);
    const first = await oneBatch.list({ limit: 5 });
    expect(titles(first)).toEqual(['t6', 't5', 't4', 't3', 't2']);
    expect(first.more).toBe(true);
    expect(titles(await twoPerBatch.list({ limit: 5 }))).toEqual(titles(first));
    expect((await twoPerBatch.list({ limit: 5 })).more).toBe(true);
    expect(titles(await twoPerBatch.list({ limit: 10 }))).toEqual(['t6', 't5', 't4', 't3', 't2', 't1', 't0']);
  });

  it('get answers the stored bytes, or null', async () => {
    const store = new DocumentStore(() => client.db(dbName), direct);
    const [any] = (await store.list({ limit: 1 })).items;
    const id = decodeDocument(any)._id;
    expect(Buffer.compare((await store.get(id))!, any)).toBe(0);
    expect(await store.get(new ObjectId())).toBeNull();
  });
});

/**
 * A TCP proxy to the test server that, once armed, cuts the first connection that sends a `find`
 * command before forwarding it: the driver sees the connection drop mid-read, as when a primary
 * steps down and closes its connections.
 */
async function startCuttingProxy(target: URL): Promise<{ uri: string; arm(): void; cuts(): number; close(): Promise<void> }> {
  let armed = false;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((downstream) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(downstream).add(upstream);
    downstream.on('data', (chunk: Buffer) => {
      // An OP_MSG body starts with the command's first element: type 0x02 (string), name "find".
      if (armed && chunk.includes(Buffer.from('\u0002find\u0000', 'latin1'))) {
        armed = false;
        cuts++;
        downstream.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => downstream.write(chunk));
    for (const [a, b] of [[downstream, upstream], [upstream, downstream]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return {
    uri: `mongodb://127.0.0.1:${(proxy.address() as AddressInfo).port}/?directConnection=true`,
    arm: () => (armed = true),
    cuts: () => cuts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe('a read whose connection drops', () => {
  it('is retried once and answers', async () => {
    const proxy = await startCuttingProxy(new URL(server.uri));
    const viaProxy = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2000, retryReads: false }).connect();
    try {
      const store = new DocumentStore(() => viaProxy.db(dbName), direct);
      await store.list({ limit: 1 }); // a pooled connection, as in a running API
      proxy.arm();
      expect(titles(await store.list({ limit: 2 }))).toEqual(['t6', 't5']);
      expect(proxy.cuts()).toBe(1);

      // Without the retry, the same cut fails the read (so the test above shows the retry).
      proxy.arm();
      await expect(viaProxy.db(dbName).command({ find: documentsCollection, filter: {}, limit: 1 })).rejects.toBeInstanceOf(MongoNetworkError);
      expect(proxy.cuts()).toBe(2);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it("follows the driver's own rule for which failed reads to retry (pinned for the driver we ship)", () => {
    expect(isRetryableRead(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isRetryableRead(new MongoServerError({ code: 189, errmsg: 'PrimarySteppedDown' }))).toBe(true);
    expect(isRetryableRead(new MongoServerError({ code: 10107, errmsg: 'NotWritablePrimary' }))).toBe(true);
    expect(isRetryableRead(new MongoServerError({ code: 2, errmsg: 'BadValue' }))).toBe(false);
    expect(isRetryableRead(new Error('a bug'))).toBe(false);
  });
});
