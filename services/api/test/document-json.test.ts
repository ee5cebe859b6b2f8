// The answers written straight from BSON (src/documents/document-json.ts) against what they replace:
// decoding the document and serializing it through the response schema in Fastify. Byte for byte,
// on generated documents (any Unicode, escapes, tag lists, dates over the whole Date range), and
// the fast path's refusals (where the decoding path must answer instead).
import Fastify, { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { BSON, Double, Int32, Long, ObjectId } from 'mongodb';
import { documentJson, listPageJson } from '../src/documents/document-json';
import { documentSchema, listSchema } from '../src/documents/schemas';
import { decodeDocument } from '../src/documents/store';

let serializer: FastifyInstance;
let current: unknown;

/** What the schema serializer writes for the decoded document (as the routes did before the fast path). */
async function viaSchema(url: '/document' | '/list', value: unknown): Promise<string> {
  current = value;
  const response = await serializer.inject({ url });
  expect(response.statusCode).toBe(200);
  return response.body;
}

const toApi = (raw: Buffer) => {
  const document = decodeDocument(raw) as ReturnType<typeof decodeDocument> & { id: string };
  document.id = document._id.toHexString();
  return document;
};
const raw = (document: object) => Buffer.from(BSON.serialize(document));

beforeAll(async () => {
  serializer = Fastify();
  serializer.get('/document', { schema: { response: { 200: documentSchema } } }, async () => current);
  serializer.get('/list', { schema: { response: { 200: listSchema } } }, async () => current);
  await serializer.ready();
});
afterAll(() => serializer.close());

/** Any string a client could have stored: every code point, control characters, quotes and backslashes among them. */
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', 'a') }));
const date = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
const storedDocument = fc.record({
  _id: fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(Buffer.from(bytes))),
  title: text,
  body: text,
  author: text,
  tags: fc.array(text, { maxLength: 5 }),
  version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  createdAt: date,
  updatedAt: date,
  // Fields the stored document may carry that the answer never shows.
  internalNote: fc.option(text, { nil: undefined }),
});

describe('one document', () => {
  it('is byte for byte what the response schema serializes, on generated documents', async () => {
    await fc.assert(
      fc.asyncProperty(storedDocument, async (document) => {
        const bytes = raw(document);
        const fast = documentJson(bytes);
        expect(fast).toBeDefined();
        expect(fast).toBe(await viaSchema('/document', toApi(bytes)));
      }),
      { numRuns: 400 },
    );
  });

  it('writes ISO dates exactly as Date#toISOString at the edges of the calendar', () => {
    const edges = [0, -1, 1, 951_782_400_000 /* 2000-02-29 */, -62_167_219_200_000 /* 0000-01-01 */, -62_167_219_200_001, 253_402_300_799_999 /* 9999-12-31 */, 253_402_300_800_000, 8.64e15, -8.64e15];
    for (const ms of edges) {
      const when = new Date(ms);
      const json = JSON.parse(documentJson(raw({ _id: new ObjectId(), title: 't', body: 'b', author: 'a', tags: [], version: 1, createdAt: when, updatedAt: when }))!.toString());
      expect([ms, json.createdAt]).toEqual([ms, when.toISOString()]);
    }
  });

  const valid = { _id: new ObjectId(), title: 't', body: 'b', author: 'a', tags: ['x'], version: 1, createdAt: new Date(0), updatedAt: new Date(0) };
  it.each([
    ['a missing field', (({ author: _, ...rest }) => rest)(valid)],
    ['version stored as a double', { ...valid, version: new Double(1.5) }],
    ['version stored as an int64', { ...valid, version: Long.fromNumber(2) }],
    ['a string _id', { ...valid, _id: 'abc' }],
    ['a tag that is not a string', { ...valid, tags: ['x', new Int32(3)] }],
    ['a title of another type', { ...valid, title: null }],
    ['a field of a type it cannot step over (binary)', { ...valid, blob: new BSON.Binary(Buffer.from('xy')) }],
  ])('leaves %s to the decoding path (undefined)', (_, document) => {
    expect(documentJson(raw(document))).toBeUndefined();
  });

  it('leaves a string that is not valid UTF-8 to the decoding path, which rejects it as before', () => {
    const bytes = raw({ ...valid, title: 'ab' });
    const at = bytes.indexOf(Buffer.from('ab'));
    bytes[at] = 0xff; // no UTF-8 sequence starts with 0xff
    expect(documentJson(bytes)).toBeUndefined();
    expect(() => decodeDocument(bytes)).toThrow(/utf-?8/i);
  });
});

describe('a list page', () => {
  it('is byte for byte what the list schema serializes, with and without a next cursor', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storedDocument, { minLength: 1, maxLength: 6 }), fc.boolean(), async (documents, more) => {
        const bytes = documents.map(raw);
        const nextCursor = more ? documents[documents.length - 1]._id.toHexString() : null;
        const fast = listPageJson(bytes, more);
        expect(fast).toBeDefined();
        expect(fast).toBe(await viaSchema('/list', { items: bytes.map(toApi), nextCursor }));
      }),
      { numRuns: 150 },
    );
  });

  it('is left to the decoding path whole when any one document cannot be written', () => {
    const good = raw({ _id: new ObjectId(), title: 't', body: 'b', author: 'a', tags: [], version: 1, createdAt: new Date(0), updatedAt: new Date(0) });
    const bad = raw({ _id: new ObjectId(), title: 't', body: 'b', author: 'a', tags: [], version: new Double(1.5), createdAt: new Date(0), updatedAt: new Date(0) });
    expect(listPageJson([good, bad, good], false)).toBeUndefined();
  });

  it('is an empty list with no next cursor when nothing matches', async () => {
    expect(listPageJson([], false)).toBe(await viaSchema('/list', { items: [], nextCursor: null }));
  });

  it("takes the next cursor from the last item's own _id wherever it stands, and leaves a page whose last _id is no ObjectId to the decoding path", () => {
    const id = new ObjectId();
    const fields = { title: 't', body: 'b', author: 'a', tags: [], version: 1, createdAt: new Date(0), updatedAt: new Date(0) };
    const page = listPageJson([raw({ ...fields, nested: { _id: new ObjectId() }, _id: id })], true);
    expect(JSON.parse(page!).nextCursor).toBe(id.toHexString());
    expect(listPageJson([raw({ _id: 'not an ObjectId', ...fields })], true)).toBeUndefined();
  });
});
