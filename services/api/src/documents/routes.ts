// The documents resource under /api/v1/documents: create, get, list (cursor pagination, filters),
// update with optimistic concurrency (`version` must match, else 409) and delete.
import type { FastifyInstance } from 'fastify';
import { ObjectId } from 'mongodb';
import { HttpError } from '../http-errors';
import { createBody, deleteQuery, documentSchema, errorResponses, idParams, listQuery, listSchema, updateBody } from './schemas';
import { documentJson, listPageJson } from './document-json';
import { DocumentChanges, DocumentRecord, DocumentStore, Miss, NewDocument, decodeDocument } from './store';

/** What Fastify sends with the JSON it serializes; the answers written from BSON carry the same. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

interface IdParams {
  id: string;
}

export async function documentRoutes(app: FastifyInstance, { store }: { store: DocumentStore }): Promise<void> {
  app.post<{ Body: NewDocument }>(
    '/documents',
    { schema: { body: createBody, response: { 201: documentSchema, ...errorResponses } } },
    async (request, reply) => {
      const document = await store.create(request.body);
      return reply.code(201).header('location', `${request.routeOptions.url}/${document._id}`).send(toApi(document));
    },
  );

  app.get<{ Params: IdParams }>(
    '/documents/:id',
    { schema: { params: idParams, response: { 200: documentSchema, ...errorResponses } } },
    async (request, reply) => {
      const raw = await store.get(new ObjectId(request.params.id));
      if (!raw) throw notFound(request.params.id);
      const json = documentJson(raw);
      if (json) return reply.type(JSON_CONTENT_TYPE).send(json);
      return toApi(decodeDocument(raw));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; tag?: string; author?: string } }>(
    '/documents',
    { schema: { querystring: listQuery, response: { 200: listSchema, ...errorResponses } } },
    async (request, reply) => {
      const { limit, cursor, tag, author } = request.query;
      const page = await store.list({ limit, after: cursor === undefined ? undefined : new ObjectId(cursor), tag, author });
      const json = listPageJson(page.items, page.more);
      if (json) return reply.type(JSON_CONTENT_TYPE).send(json);
      const items = page.items.map((raw) => toApi(decodeDocument(raw)));
      return { items, nextCursor: page.more ? items[items.length - 1]._id.toHexString() : null };
    },
  );

  app.patch<{ Params: IdParams; Body: DocumentChanges & { version: number } }>(
    '/documents/:id',
    { schema: { params: idParams, body: updateBody, response: { 200: documentSchema, ...errorResponses } } },
    async (request) => {
      const { version, ...changes } = request.body;
      if (Object.keys(changes).length === 0) throw new HttpError(400, 'body must change at least one of title, body, author, tags besides version');
      const outcome = await store.update(new ObjectId(request.params.id), version, changes);
      if (outcome.status !== 'updated') throw missError(outcome, request.params.id, version);
      return toApi(outcome.document);
    },
  );

  app.delete<{ Params: IdParams; Querystring: { version?: number } }>(
    '/documents/:id',
    { schema: { params: idParams, querystring: deleteQuery, response: errorResponses } },
    async (request, reply) => {
      const { version } = request.query;
      const outcome = await store.delete(new ObjectId(request.params.id), version);
      if (outcome.status !== 'deleted') throw missError(outcome, request.params.id, version);
      return reply.code(204).send();
    },
  );
}

/**
 * The API shape of a stored document: `id` (hex) instead of `_id`. Added in place rather than
 * copied (a list answer would copy 20 documents): the response schema serializes only its declared
 * fields, so `_id` never leaves the service.
 */
function toApi(document: DocumentRecord): DocumentRecord & { id: string } {
  const shaped = document as DocumentRecord & { id: string };
  shaped.id = document._id.toHexString();
  return shaped;
}

function notFound(id: string): HttpError {
  return new HttpError(404, `no document with id ${id}`);
}

function missError(miss: Miss, id: string, sentVersion: number | undefined): HttpError {
  if (miss.status === 'not_found') return notFound(id);
  return new HttpError(
    409,
    `document ${id} is at version ${miss.currentVersion}, not ${sentVersion}; fetch it again and resend your change with "version": ${miss.currentVersion}`,
    { currentVersion: miss.currentVersion },
  );
}
