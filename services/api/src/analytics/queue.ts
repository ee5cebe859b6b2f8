// A bounded in-memory queue between requests and the request_log collection. push() never waits
// and never throws; batches go out on a timer or as soon as a batch is full. While MongoDB is away
// the queue keeps the newest records up to its bound and counts the ones it had to drop.

export interface QueueOptions<T> {
  max: number;
  batchSize: number;
  flushIntervalMs: number;
  /** Writes one batch; a rejection puts the batch back at the head of the queue. */
  write(batch: T[]): Promise<void>;
  /** False while the store is known to be down: skip the attempt instead of waiting for a timeout. */
  canWrite(): boolean;
  onWriteError(err: unknown): void;
  /** Called from the timer with the number of records dropped since the last report. */
  onDropped(count: number, total: number): void;
}

export interface QueueStats {
  queued: number;
  written: number;
  dropped: number;
}

export class BoundedQueue<T> {
  private items: T[] = [];
  private flushing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private written = 0;
  private dropped = 0;
  private droppedReported = 0;

  constructor(private readonly options: QueueOptions<T>) {}

  /** Starts the periodic flush. The timer never keeps the process alive on its own. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.flushIntervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  push(item: T): void {
    this.items.push(item);
    this.trimToBound();
    if (this.items.length >= this.options.batchSize && this.flushing === undefined) {
      // Off the caller's stack: the request that filled the batch is not delayed by the write.
      setImmediate(() => void this.flush());
    }
  }

  stats(): QueueStats {
    return { queued: this.items.length, written: this.written, dropped: this.dropped };
  }

  /** Writes one batch; resolves true when it wrote one. Concurrent callers share the same write. */
  flush(): Promise<boolean> {
    this.flushing ??= this.writeBatch().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Flushes until empty, the deadline passes or a write fails. Resolves with what is left. */
  async drain(deadline: number): Promise<number> {
    this.stop();
    while (this.items.length > 0 && Date.now() < deadline && this.options.canWrite()) {
      if (!(await this.flush())) break;
    }
    this.reportDrops();
    return this.items.length;
  }

  private tick(): void {
    this.reportDrops();
    void this.flush();
  }

  private async writeBatch(): Promise<boolean> {
    if (this.items.length === 0 || !this.options.canWrite()) return false;
    const batch = this.items.splice(0, this.options.batchSize);
    try {
      await this.options.write(batch);
      this.written += batch.length;
      return true;
    } catch (err) {
      // Back to the head, oldest first, so the bound drops the oldest records if it must.
      this.items.unshift(...batch);
      this.trimToBound();
      this.options.onWriteError(err);
      return false;
    }
  }

  private trimToBound(): void {
    const excess = this.items.length - this.options.max;
    if (excess > 0) {
      this.items.splice(0, excess);
      this.dropped += excess;
    }
  }

  private reportDrops(): void {
    if (this.dropped > this.droppedReported) {
      this.options.onDropped(this.dropped - this.droppedReported, this.dropped);
      this.droppedReported = this.dropped;
    }
  }
}
