// Builds the Fastify app: probes, the /api/v1 business API and request analytics. Everything with
// a lifetime hangs off the app: MongoDB connects on ready, and app.close() is the graceful
// shutdown (stop accepting, finish in-flight requests, flush analytics, close MongoDB).
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import Fastify, { FastifyError, FastifyInstance, FastifyRequest, LogController } from 'fastify';
import type { Config } from './config';
import { BoundedQueue } from './analytics/queue';
import { RequestRecord, ensureRequestLogIndexes, toRecord, writeRequestLog } from './analytics/request-log';
import { documentRoutes } from './documents/routes';
import { DocumentStore, ensureDocumentIndexes } from './documents/store';
import { HttpError, errorCode } from './http-errors';
import { ApiMetrics, startMetricsServer } from './metrics';
import { MongoConnection, errorSummary, isUnavailableError } from './mongo';
import { SearchEngine, SearchMisconfiguredError, SearchUnavailableError } from './search/engine';
import { SearchIndexer } from './search/indexer';
import { searchRoutes } from './search/routes';

declare module 'fastify' {
  interface FastifyInstance {
    mongo: MongoConnection;
    analytics: BoundedQueue<RequestRecord>;
    /** Undefined when SEARCH_NODES is unset. */
    searchIndexer: SearchIndexer | undefined;
    /** Absent without METRICS_PORT. */
    metrics: ApiMetrics | undefined;
  }
  interface FastifyRequest {
    clientIp: string | null;
  }
}

const unavailableMessage = 'MongoDB is unreachable; retry shortly';
const searchUnavailableMessage = 'search is unavailable right now; retry shortly';
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildApp(config: Config): FastifyInstance {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    // NGINX always sends X-Request-ID; keep it so one id follows the request through both logs.
    requestIdHeader: false,
    genReqId: requestIdFrom,
    // Per-request log lines would carry raw URLs (unredacted queries); request_log is the record.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    ajv: { customOptions: { removeAdditional: false } },
    schemaErrorFormatter: (errors, dataVar) => new Error(describeSchemaError(errors[0], dataVar)),
  });

  const mongo = new MongoConnection(config.mongo, app.log, async (db) => {
    await ensureDocumentIndexes(db);
    await ensureRequestLogIndexes(db, config.analytics.ttlDays);
  });
  const analytics = new BoundedQueue<RequestRecord>({
    max: config.analytics.queueMax,
    batchSize: config.analytics.batchSize,
    flushIntervalMs: config.analytics.flushIntervalMs,
    write: (batch) => mongo.run(() => writeRequestLog(mongo.db, batch)),
    canWrite: () => mongo.isAvailable(),
    onWriteError: (err) => app.log.warn({ err: errorSummary(err) }, 'request_log write failed; batch kept for retry'),
    onDropped: (count, total) => app.log.warn({ dropped: count, droppedTotal: total }, 'request_log queue full; dropped oldest records'),
  });
  app.decorate('mongo', mongo);
  app.decorate('analytics', analytics);
  const searchEngine = config.search ? new SearchEngine(config.search) : undefined;
  const searchIndexer = searchEngine
    ? new SearchIndexer(() => mongo.db, searchEngine, {
        pollMs: config.search!.indexerPollMs,
        batchSize: config.search!.indexerBatchSize,
        region: config.search!.region,
        regions: config.search!.regions,
        log: app.log,
        mongoReady: () => mongo.isReady(),
      })
    : undefined;
  app.decorate('searchIndexer', searchIndexer);
  const metrics = config.metrics && new ApiMetrics({ analytics: () => analytics.stats(), mongodbDeadlineExpiries: () => mongo.deadlineExpiries });
  app.decorate('metrics', metrics);
  if (metrics && config.metrics) {
    const { host, port } = config.metrics;
    let server: Server | undefined;
    app.addHook('onReady', async () => {
      server = await startMetricsServer(metrics.registry, host, port);
    });
    // Last: the scrape should see the final counts, and a listener must not hold the process open.
    app.addHook('onClose', async () => {
      if (!server) return;
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeAllConnections(); // a scraper's idle keep-alive connection
      await closed;
    });
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  // On the unix socket only processes in the pod can connect, i.e. NGINX, which has already
  // resolved the true client IP from trusted hops. Over TCP (local runs) the peer is the client.
  const trustRealIpHeader = 'socketPath' in config.listen;
  app.decorateRequest('clientIp', null);
  // Hooks on every request are callback-style: an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    request.clientIp = trustRealIpHeader ? realIpHeader(request) : (request.socket.remoteAddress ?? null);
    reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    done();
    // Only API requests are tracked (as in the article); probes are not.
    if (!request.url.startsWith('/api/')) return;
    analytics.push(
      toRecord(
        {
          startedAt: Date.now() - reply.elapsedTime,
          ip: request.clientIp,
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          requestId: request.id,
          referer: request.headers.referer,
          host: request.headers.host,
          durationMs: reply.elapsedTime,
        },
        config.analytics.redactedKeys,
      ),
    );
  });

  app.addHook('onReady', async () => {
    void mongo.start(); // in the background: the API serves (503 on data) while MongoDB is away
    analytics.start();
    searchIndexer?.start();
  });

  let shutdownDeadline = 0;
  app.addHook('preClose', async () => {
    // Leave a second of the shutdown budget for closing MongoDB after the last flush.
    shutdownDeadline = Date.now() + config.shutdownTimeoutMs - 1000;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    // Requests already in flight when shutdown starts finish normally, but their keep-alive
    // connection (NGINX's upstream pool) must not hold the server open until it times out.
    if (shutdownDeadline !== 0) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await searchIndexer?.stop();
    await searchEngine?.close();
    const lost = await analytics.drain(shutdownDeadline || Date.now() + 1000);
    if (lost > 0) app.log.warn({ lost }, 'request_log records not flushed before shutdown');
    await mongo.close();
    const { written, dropped } = analytics.stats();
    app.log.info({ written, dropped, lost }, 'closed');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Readiness is this process serving, never a shared dependency: a MongoDB blip must not unready
  // every pod at once (the LB would then answer its own generic 503 instead of ours). MongoDB's
  // state is reported here and in every data answer (503 "unavailable") instead. Only a pod's own
  // start-up (its first connection attempt, up or down) and its shutdown hold readiness back.
  app.get('/readyz', (_request, reply) => {
    const mongodb = mongo.state();
    if (shutdownDeadline !== 0) return reply.code(503).send({ status: 'draining', mongodb });
    if (!mongo.startupSettled()) return reply.code(503).send({ status: 'starting', mongodb });
    return reply.send({ status: 'ready', mongodb });
  });

  // The API speaks JSON only: other bodies get 415 instead of reaching the schemas as strings.
  app.removeContentTypeParser('text/plain');

  const store = new DocumentStore(
    () => mongo.db,
    (operation) => mongo.run(operation),
    undefined,
    searchIndexer ? config.search!.regions : [],
    () => searchIndexer?.wake(),
  );
  app.register(
    async (api) => {
      // Fail fast while MongoDB is known to be away instead of waiting out server selection, and
      // until the indexes exist (traffic would otherwise race their creation).
      api.addHook('preHandler', (_request, _reply, done) => {
        done(mongo.isReady() ? undefined : new HttpError(503, unavailableMessage));
      });
      await api.register(documentRoutes, { store });
    },
    { prefix: '/api/v1' },
  );
  // Search needs the engine, not MongoDB: it answers while MongoDB is away, and the other way round.
  app.register(searchRoutes, { prefix: '/api/v1', engine: searchEngine });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}`, requestId: request.id });
  });
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const statusCode = statusOf(err);
    // Expected outcomes (4xx, MongoDB away) are in request_log already; only bugs get an error line.
    if (statusCode >= 500 && !(err instanceof HttpError) && !isUnavailableError(err) && !(err instanceof SearchUnavailableError)) request.log.error({ err }, 'request failed');
    // The engine refuses this api (credentials, certificate): nothing to wait out, someone must fix it.
    if (err instanceof SearchMisconfiguredError) request.log.error({ reason: err.message }, 'search engine refused the api; answering 503');
    // MongoDB away (fail-fast or mid-operation); search's 503s (engine away, not configured) are not MongoDB's.
    if (statusCode === 503 && !(err instanceof SearchUnavailableError) && request.routeOptions.url !== '/api/v1/search') metrics?.mongodbUnavailableAnswer();
    const message = isUnavailableError(err) ? unavailableMessage : err instanceof SearchUnavailableError ? searchUnavailableMessage : statusCode === 500 ? 'internal error' : err.message;
    const extra = err instanceof HttpError ? err.extra : {};
    return reply.code(statusCode).send({ error: errorCode(statusCode), message, requestId: request.id, ...extra });
  });

  return app;
}

function statusOf(err: FastifyError | HttpError): number {
  if (isUnavailableError(err) || err instanceof SearchUnavailableError) return 503;
  if ('validation' in err && err.validation) return 400;
  const code = err.statusCode;
  return code !== undefined && code >= 400 && code < 600 ? code : 500;
}

function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && requestIdPattern.test(header) ? header : randomUUID();
}

function realIpHeader(request: FastifyRequest): string | null {
  const header = request.headers['x-real-ip'];
  return typeof header === 'string' && isIP(header) !== 0 ? header : null;
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "body/title must NOT have fewer than 1 characters", "querystring has unknown property \"sort\"" */
function describeSchemaError(error: SchemaError, dataVar: string): string {
  const where = `${dataVar}${error.instancePath}`;
  if (error.keyword === 'required') return `${where}/${error.params.missingProperty} is required`;
  if (error.keyword === 'additionalProperties') return `${where} has unknown property "${error.params.additionalProperty}"`;
  return `${where} ${error.message}`;
}
