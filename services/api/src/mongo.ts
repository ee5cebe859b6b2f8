// The MongoDB connection: connects in the background (the API starts even when MongoDB is down),
// tracks whether a data-bearing server is reachable so requests can fail fast instead of waiting
// for server selection, and runs one-time setup (indexes) after the first successful connect.
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

/** Longest a single MongoDB round trip may take before the request fails (503). */
const socketTimeoutMs = 10_000;

export class MongoConnection {
  readonly client: MongoClient;
  private available = false;
  private setupDone = false;
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly options: Config['mongo'],
    private readonly log: FastifyBaseLogger,
    private readonly setup: (db: Db) => Promise<void>,
  ) {
    this.client = new MongoClient(options.uri, {
      appName: 'isoscribe-api',
      serverSelectionTimeoutMS: options.timeoutMs,
      connectTimeoutMS: options.timeoutMs,
      heartbeatFrequencyMS: options.heartbeatMs,
      socketTimeoutMS: socketTimeoutMs,
    });
    this.client.on('topologyDescriptionChanged', (event) => {
      const available = [...event.newDescription.servers.values()].some((server) => server.isDataBearing);
      if (available !== this.available) {
        this.available = available;
        if (available) this.log.info('mongodb reachable');
        else this.log.warn('mongodb unreachable; data endpoints answer 503 until it returns');
      }
    });
  }

  get db(): Db {
    return this.client.db(this.options.dbName);
  }

  /** True while the driver sees a reachable data-bearing server. */
  isAvailable(): boolean {
    return this.available && !this.closing;
  }

  /** Connects and runs setup in the background, retrying until it succeeds or close() is called. */
  start(): Promise<void> {
    this.connecting ??= this.connectLoop();
    return this.connecting;
  }

  /** Resolves when setup has run and MongoDB answers a ping within the timeout; rejects otherwise. */
  async ping(): Promise<void> {
    if (!this.isAvailable()) throw new Error('mongodb unreachable');
    // Not ready before the indexes exist: traffic would otherwise race their creation.
    if (!this.setupDone) throw new Error('mongodb setup (indexes) not finished');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`mongodb ping took over ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      await Promise.race([this.db.command({ ping: 1 }), timeout]);
    } finally {
      clearTimeout(timer);
    }
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
        this.log.info({ db: this.options.dbName }, 'mongodb connected and indexes ensured');
        return;
      } catch (err) {
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
    socketErrorCodes.has((err as NodeJS.ErrnoException | undefined)?.code ?? '')
  );
}

/** Error text for logs without anything from the connection string. */
export function errorSummary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
