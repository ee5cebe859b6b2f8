// GET /api/v1/search: relevance-ranked hits over title (boosted), body, tags and author, with
// highlighted snippets and search_after pagination. 503 when search is not configured, or the
// engine is unreachable or slower than SEARCH_TIMEOUT_MS; the rest of the API is unaffected.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors';
import { author, documentFields, errorResponses, tag } from '../documents/schemas';
import type { SearchEngine } from './engine';
import { SearchAnswer, SearchParams, decodeCursor, encodeCursor, pageOf, searchBody, searchResponseFields } from './query';

export const maxQueryLength = 200;

export const searchQuerySchema = {
  type: 'object',
  required: ['q'],
  additionalProperties: false,
  properties: {
    q: { type: 'string', minLength: 1, maxLength: maxQueryLength },
    // The same filters as the documents list.
    tag,
    author,
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
    // base64url of a small JSON array (query.ts)
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' },
  },
} as const;

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

const hitSchema = {
  type: 'object',
  required: ['id', 'title', 'author', 'tags', 'version', 'updatedAt', 'score', 'highlights'],
  properties: {
    // A document's own fields as the documents API serializes them (an ISO string passes unchanged).
    ...pick(documentFields, ['id', 'title', 'author', 'tags', 'version', 'updatedAt']),
    score: { type: 'number' },
    highlights: {
      type: 'object',
      properties: { title: { type: 'string' }, body: { type: 'array', items: { type: 'string' } } },
    },
  },
} as const;

const searchResponseSchema = {
  type: 'object',
  required: ['hits', 'nextCursor'],
  properties: { hits: { type: 'array', items: hitSchema }, nextCursor: { type: ['string', 'null'] } },
} as const;

interface EngineHit {
  _score: number;
  _source: { id: string; title: string; author: string; tags: string[]; version: number; updatedAt: string };
  highlight?: { title?: string[]; body?: string[] };
  sort: [number, string];
}

export async function searchRoutes(app: FastifyInstance, { engine }: { engine: SearchEngine | undefined }): Promise<void> {
  app.get<{ Querystring: SearchParams }>(
    '/search',
    { schema: { querystring: searchQuerySchema, response: { 200: searchResponseSchema, ...errorResponses } } },
    async (request) => {
      const params = request.query;
      if (params.q.trim() === '') throw new HttpError(400, 'querystring/q must hold at least one non-space character');
      const after = params.cursor === undefined ? undefined : decodeCursor(params, params.cursor);
      if (!engine) throw new HttpError(503, 'search is not configured on this deployment (SEARCH_NODES is unset)');
      const answer = await engine.run((options) =>
        engine.client.search({ index: engine.alias, body: searchBody(params, after) as never, filter_path: searchResponseFields }, options),
      );
      const { hits: page, more } = pageOf(params, after, answer.body as unknown as SearchAnswer<EngineHit>);
      const last = page[page.length - 1];
      return {
        hits: page.map((hit) => ({
          ...hit._source,
          score: hit._score,
          highlights: { ...(hit.highlight?.title ? { title: hit.highlight.title[0] } : {}), ...(hit.highlight?.body ? { body: hit.highlight.body } : {}) },
        })),
        nextCursor: more ? encodeCursor(params, { score: last.sort[0], id: last.sort[1] }) : null,
      };
    },
  );
}
