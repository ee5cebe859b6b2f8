/**
 * Indexing lag: how long after the API acknowledged a write the search engine shows it. Each
 * expectation (a document at a version, or gone) is checked every `intervalMs` with one ids query
 * on the alias the search route reads, until it holds. Used by the e2e run and the benchmark.
 */
import { sleep } from './util';

export class IndexLagWatcher {
  /** One per write shown: when it was acknowledged (ms since the epoch) and how long it took to show. */
  readonly samples: Array<{ at: number; lagMs: number }> = [];
  private readonly waiting = new Map<string, { version: number | 'gone'; since: number }>();
  private watching = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly engineUrl: string,
    private readonly alias: string,
    private readonly intervalMs = 50,
  ) {
    this.loop = this.run();
  }

  get lags(): number[] {
    return this.samples.map((sample) => sample.lagMs);
  }

  /** The write of `id` was acknowledged now: the index must come to show `version` (or not show it at all). */
  expect(id: string, version: number | 'gone'): void {
    this.waiting.set(id, { version, since: Date.now() });
  }

  /** Waits up to `timeoutMs` for what is still expected; returns how many writes were never shown. */
  async stop(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.waiting.size > 0 && Date.now() < deadline) await sleep(this.intervalMs);
    const unseen = this.waiting.size;
    this.watching = false;
    await this.loop;
    return unseen;
  }

  private async run(): Promise<void> {
    while (this.watching) {
      const ids = [...this.waiting.keys()];
      if (ids.length > 0) await this.check(ids).catch(() => undefined); // a lost node: try the next round
      await sleep(this.intervalMs);
    }
  }

  private async check(ids: string[]): Promise<void> {
    const res = await fetch(`${this.engineUrl}/${this.alias}/_search?version=true&_source=false&size=${ids.length}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { ids: { values: ids } } }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return;
    const hits = ((await res.json()) as { hits: { hits: Array<{ _id: string; _version: number }> } }).hits.hits;
    const seen = new Map(hits.map((hit) => [hit._id, hit._version]));
    const now = Date.now();
    for (const id of ids) {
      const want = this.waiting.get(id);
      if (!want) continue;
      if (want.version === 'gone' ? !seen.has(id) : (seen.get(id) ?? 0) >= want.version) {
        this.samples.push({ at: want.since, lagMs: now - want.since });
        this.waiting.delete(id);
      }
    }
  }
}
