// The queue's own contract, with a plain in-test writer. The same behaviour against a real
// MongoDB outage is in outage.test.ts.
import { BoundedQueue, QueueOptions } from '../src/analytics/queue';

function makeQueue(overrides: Partial<QueueOptions<number>> = {}) {
  const written: number[][] = [];
  const drops: Array<[number, number]> = [];
  const errors: unknown[] = [];
  let up = true;
  const queue = new BoundedQueue<number>({
    max: 5,
    batchSize: 3,
    flushIntervalMs: 60_000, // flushed by hand below
    write: async (batch) => {
      if (!up) throw new Error('store down');
      written.push([...batch]);
    },
    canWrite: () => true,
    onWriteError: (err) => errors.push(err),
    onDropped: (count, total) => drops.push([count, total]),
    ...overrides,
  });
  return { queue, written, drops, errors, setUp: (value: boolean) => (up = value) };
}

describe('BoundedQueue', () => {
  it('keeps the newest records up to its bound and counts the dropped ones', () => {
    const { queue } = makeQueue({ batchSize: 100 });
    for (let i = 1; i <= 8; i++) queue.push(i);
    expect(queue.stats()).toEqual({ queued: 5, written: 0, dropped: 3 });
  });

  it('writes in batches of batchSize, oldest first', async () => {
    const { queue, written } = makeQueue({ batchSize: 2, max: 10 });
    [1, 2, 3, 4, 5].forEach((i) => queue.push(i));
    expect(await queue.flush()).toBe(true);
    expect(await queue.flush()).toBe(true);
    expect(written).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(queue.stats()).toEqual({ queued: 1, written: 4, dropped: 0 });
  });

  it('flushes on its own once a batch is full', async () => {
    const { queue, written } = makeQueue({ batchSize: 3, max: 10 });
    [1, 2, 3].forEach((i) => queue.push(i));
    expect(written).toEqual([]); // not on the caller's stack
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(written).toEqual([[1, 2, 3]]);
  });

  it('puts a failed batch back and, when full, drops the oldest of it', async () => {
    const { queue, written, errors, setUp } = makeQueue({ batchSize: 3, max: 5 });
    setUp(false);
    [1, 2, 3, 4].forEach((i) => queue.push(i));
    const writing = queue.flush(); // takes 1,2,3 out, then fails
    queue.push(5);
    queue.push(6);
    expect(await writing).toBe(false);
    expect(errors).toHaveLength(1);
    // 1..6 would be six records; the bound keeps the newest five.
    expect(queue.stats()).toEqual({ queued: 5, written: 0, dropped: 1 });
    setUp(true);
    await queue.drain(Date.now() + 5000);
    expect(written.flat()).toEqual([2, 3, 4, 5, 6]);
  });

  it('does not try to write while the store is known to be down', async () => {
    let calls = 0;
    const { queue } = makeQueue({ canWrite: () => false, write: async () => void calls++ });
    queue.push(1);
    expect(await queue.flush()).toBe(false);
    expect(await queue.drain(Date.now() + 5000)).toBe(1);
    expect(calls).toBe(0);
  });

  it('reports drops once per batch of drops, with the running total', async () => {
    const { queue, drops } = makeQueue({ max: 2, batchSize: 100 });
    [1, 2, 3, 4].forEach((i) => queue.push(i));
    await queue.drain(Date.now()); // reports without writing
    queue.push(5);
    await queue.drain(Date.now());
    expect(drops).toEqual([
      [2, 2],
      [1, 3],
    ]);
  });

  it('drains everything before the deadline, one write at a time', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const { queue } = makeQueue({
      max: 100,
      batchSize: 4,
      write: async () => {
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((resolve) => setTimeout(resolve, 1));
        concurrent--;
      },
    });
    for (let i = 0; i < 10; i++) queue.push(i);
    expect(await queue.drain(Date.now() + 5000)).toBe(0);
    expect(queue.stats()).toEqual({ queued: 0, written: 10, dropped: 0 });
    expect(maxConcurrent).toBe(1);
  });
});
