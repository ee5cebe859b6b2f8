// JSON schemas for the documents API: Fastify validates every input with them (400 on any
// violation) and serializes responses through them (nothing unlisted ever leaves the service).
import { errorBodySchema } from '../http-errors';

const objectId = { type: 'string', pattern: '^[0-9a-fA-F]{24}$' } as const;
const title = { type: 'string', minLength: 1, maxLength: 200 } as const;
const body = { type: 'string', maxLength: 1_000_000 } as const;
export const author = { type: 'string', minLength: 1, maxLength: 100 } as const;
export const tag = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,49}$' } as const;
const tags = { type: 'array', items: tag, maxItems: 20, uniqueItems: true } as const;
const version = { type: 'integer', minimum: 1 } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: objectId },
} as const;

export const createBody = {
  type: 'object',
  required: ['title', 'body', 'author'],
  additionalProperties: false,
  properties: { title, body, author, tags },
} as const;

export const updateBody = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: { version, title, body, author, tags },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: objectId,
    tag,
    author,
  },
} as const;

export const deleteQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { version },
} as const;

/** A document's fields as responses serialize them; search hits carry some of them too. */
export const documentFields = {
  id: { type: 'string' },
  title: { type: 'string' },
  body: { type: 'string' },
  author: { type: 'string' },
  tags: { type: 'array', items: { type: 'string' } },
  version: { type: 'integer' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

export const documentSchema = {
  type: 'object',
  required: ['id', 'title', 'body', 'author', 'tags', 'version', 'createdAt', 'updatedAt'],
  properties: documentFields,
} as const;

export const listSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: documentSchema },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;
