// The search request to the engine and the page cursor. A cursor is the last hit's sort values
// ([_score, id]) for search_after plus a digest of the query it belongs to, base64url-encoded:
// opaque to clients, checked on the way back in (a cursor from another query is refused).
import { createHash } from 'node:crypto';
import { HttpError } from '../http-errors';

export interface SearchParams {
  q: string;
  tag?: string;
  author?: string;
  limit: number;
  cursor?: string;
}

export interface SearchAfter {
  score: number;
  id: string;
}

const objectIdHex = /^[0-9a-f]{24}$/;

function queryDigest(params: SearchParams): string {
  return createHash('sha256').update(JSON.stringify([params.q, params.tag ?? null, params.author ?? null])).digest('base64url').slice(0, 16);
}

export function encodeCursor(params: SearchParams, after: SearchAfter): string {
  return Buffer.from(JSON.stringify([after.score, after.id, queryDigest(params)])).toString('base64url');
}

/** The position a cursor encodes; a 400 naming `cursor` when it is malformed or belongs to another query. */
export function decodeCursor(params: SearchParams, cursor: string): SearchAfter {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw badCursor('is not a cursor this API issued; pass nextCursor from the previous page unchanged');
  const [score, id, digest] = decoded as unknown[];
  if (typeof score !== 'number' || !Number.isFinite(score) || typeof id !== 'string' || !objectIdHex.test(id) || typeof digest !== 'string') {
    throw badCursor('is not a cursor this API issued; pass nextCursor from the previous page unchanged');
  }
  if (digest !== queryDigest(params)) throw badCursor('belongs to another query; send it with the same q, tag and author as the page it came from');
  return { score, id };
}

function badCursor(why: string): HttpError {
  return new HttpError(400, `querystring/cursor ${why}`);
}

/**
 * The engine's search body. A first page (most searches) fetches exactly `limit` hits and counts
 * matches up to `limit + 1` to learn whether another page follows: counting rides along with the
 * query phase almost for free, while fetching, loading and highlighting an extra hit cost a tenth
 * of the fetch phase, the engine's largest (docs/benchmarks.md, "Search"). A page after a cursor
 * cannot count (the engine counts the hits before the cursor too), so it fetches `limit + 1`.
 */
export function searchBody(params: SearchParams, after: SearchAfter | undefined): Record<string, unknown> {
  const filter: unknown[] = [];
  if (params.tag !== undefined) filter.push({ term: { tags: params.tag } });
  if (params.author !== undefined) filter.push({ term: { author: params.author } });
  return {
    size: after ? params.limit + 1 : params.limit,
    track_total_hits: after ? false : params.limit + 1,
    query: {
      bool: {
        must: {
          multi_match: {
            query: params.q,
            // Title counts most; tags and author name what a document is about or who wrote it.
            fields: ['title^3', 'tags.text^2', 'author.text^2', 'body'],
            type: 'best_fields',
            tie_breaker: 0.3,
          },
        },
        filter,
      },
    },
    sort: [{ _score: 'desc' }, { id: 'asc' }],
    ...(after ? { search_after: [after.score, after.id] } : {}),
    _source: ['id', 'title', 'author', 'tags', 'version', 'updatedAt'],
    highlight: {
      // The snippets are HTML: the text is escaped and matches wrapped in <mark>.
      encoder: 'html',
      pre_tags: ['<mark>'],
      post_tags: ['</mark>'],
      fields: {
        title: { number_of_fragments: 0 },
        body: { fragment_size: 160, number_of_fragments: 2, no_match_size: 160 },
      },
    },
  };
}

/**
 * The parts of the engine's answer the route reads (filter_path): the rest (took, _shards, each
 * hit's _index and _id) is neither written by the engine nor parsed by the api. Errors are not
 * filtered. With no hits the answer has no `hits.hits`.
 */
export const searchResponseFields = ['hits.total', 'hits.hits._score', 'hits.hits._source', 'hits.hits.highlight', 'hits.hits.sort'];

export interface SearchAnswer<Hit> {
  hits: { total?: { value: number }; hits?: Hit[] };
}

/** The page's hits and whether another page follows, from an answer to searchBody(params, after). */
export function pageOf<Hit>(params: SearchParams, after: SearchAfter | undefined, answer: SearchAnswer<Hit>): { hits: Hit[]; more: boolean } {
  const found = answer.hits.hits ?? [];
  if (after) return { hits: found.slice(0, params.limit), more: found.length > params.limit };
  return { hits: found, more: (answer.hits.total?.value ?? 0) > params.limit };
}
