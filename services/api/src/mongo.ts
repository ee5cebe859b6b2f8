// The MongoDB connection: connects in the background (the API starts even when MongoDB is down),
// tracks whether a data-bearing server is reachable so requests can fail fast instead of waiting
// for server selection, runs one-time setup (indexes) after the first successful connect, and gives
// every operation a deadline (run()) so none outlives the answer the API owes its client.
import {
  Db,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';

/** A MongoDB operation that did not settle within MONGODB_OPERATION_TIMEOUT_MS, or was cut off because MongoDB became unreachable. */
export class MongoUnavailableError extends Error {
  override name = 'MongoUnavailableError';
}

interface PendingOperation {
  timer: NodeJS.Timeout;
  reject(err: Error): void;
}

export class MongoConnection {
  readonly client: MongoClient;
  private available = false;
  private setupDone = false;
  private firstAttemptSettled = false;
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  private readonly pending = new Set<PendingOperation>();
  private database: Db | undefined;
  /** Operations abandoned at their deadline, since start (read by the metrics scrape). */
  deadlineExpiries = 0;

  constructor(
    private readonly options: Config['mongo'],
    private readonly log: FastifyBaseLogger,
    private readonly setup: (db: Db) => Promise<void>,
  ) {
    this.client = new MongoClient(options.uri, {
      appName: 'isoscribe-api',
      // A retried read waits for server selection; never longer than an operation may take.
      serverSelectionTimeoutMS: Math.min(options.timeoutMs, options.operationTimeoutMs),
      connectTimeoutMS: options.timeoutMs,
      heartbeatFrequencyMS: options.heartbeatMs,
      // run() answers at the deadline; this frees the connection of an operation it gave up on.
      socketTimeoutMS: Math.max(options.operationTimeoutMs * 2, options.timeoutMs),
    });
    this.client.on('topologyDescriptionChanged', (event) => {
      const available = [...event.newDescription.servers.values()].some((server) => server.isDataBearing);
      if (available !== this.available) {
        this.available = available;
        if (available) this.log.info('mongodb reachable');
        else {
          this.log.warn('mongodb unreachable; data endpoints answer 503 until it returns');
          // Operations in flight would wait out the driver's retry and server selection: answer now.
          this.abandonPending('mongodb became unreachable');
        }
      }
    });
  }

  /** One Db for the process: client.db() builds a new object (options resolved) on every call. */
  get db(): Db {
    this.database ??= this.client.db(this.options.dbName);
    return this.database;
  }

  /** True while the driver sees a reachable data-bearing server. */
  isAvailable(): boolean {
    return this.available && !this.closing;
  }

  /** True once setup (indexes) has run and while MongoDB is reachable: data requests may go ahead. */
  isReady(): boolean {
    return this.setupDone && this.isAvailable();
  }

  /**
   * True once the first connect-and-setup attempt has succeeded or failed. Before that a new pod
   * would only answer 503s, so it is not ready yet; after it, MongoDB's state never changes readiness.
   */
  startupSettled(): boolean {
    return this.firstAttemptSettled;
  }

  /** `up`, `down`, or `starting` (reachable, indexes not ensured yet): what /readyz reports. */
  state(): 'up' | 'down' | 'starting' {
    if (!this.isAvailable()) return 'down';
    return this.setupDone ? 'up' : 'starting';
  }

  /**
   * Runs one MongoDB operation with a deadline: it rejects with MongoUnavailableError after
   * MONGODB_OPERATION_TIMEOUT_MS, or as soon as the driver reports MongoDB unreachable, whichever
   * comes first. The driver may still finish the operation in the background (a write can land).
   */
  run<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.isAvailable()) return Promise.reject(new MongoUnavailableError('mongodb unreachable'));
    return new Promise<T>((resolve, reject) => {
      const entry: PendingOperation = {
        reject,
        timer: setTimeout(() => {
          this.pending.delete(entry);
          this.deadlineExpiries++;
          reject(new MongoUnavailableError(`mongodb operation took over ${this.options.operationTimeoutMs} ms`));
        }, this.options.operationTimeoutMs),
      };
      this.pending.add(entry);
      operation().then(
        (value) => {
          if (!this.pending.delete(entry)) return;
          clearTimeout(entry.timer);
          resolve(value);
        },
        (err) => {
          if (!this.pending.delete(entry)) return;
          clearTimeout(entry.timer);
          reject(err);
        },
      );
    });
  }

  /** Connects and runs setup in the background, retrying until it succeeds or close() is called. */
  start(): Promise<void> {
    this.connecting ??= this.connectLoop();
    return this.connecting;
  }

  private abandonPending(reason: string): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new MongoUnavailableError(reason));
    }
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    await this.client.close();
    await this.connecting;
  }

  private async connectLoop(): Promise<void> {
    while (!this.closing) {
      try {
        await this.client.connect();
        await this.setup(this.db);
        this.setupDone = true;
        this.firstAttemptSettled = true;
        this.log.info({ db: this.options.dbName }, 'mongodb connected and indexes ensured');
        return;
      } catch (err) {
        this.firstAttemptSettled = true;
        if (this.closing) return;
        this.log.warn({ err: errorSummary(err) }, `mongodb setup failed; retrying in ${this.options.heartbeatMs} ms`);
        await new Promise<void>((resolve) => {
          this.wakeRetry = resolve;
          this.retryTimer = setTimeout(resolve, this.options.heartbeatMs);
        });
      }
    }
  }
}

/** Socket errors the driver can let through unwrapped, e.g. EPIPE when MongoDB died mid-write. */
const socketErrorCodes = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ENOTCONN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Errors that mean "MongoDB is not reachable right now" (answer 503), as opposed to bugs (500). */
export function isUnavailableError(err: unknown): boolean {
  return (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoServerClosedError ||
    err instanceof MongoUnavailableError ||
    socketErrorCodes.has((err as NodeJS.ErrnoException | undefined)?.code ?? '')
  );
}

/** Error text for logs without anything from the connection string. */
export function errorSummary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
