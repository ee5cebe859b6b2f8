// The API's JSON for stored documents, written straight from the BSON bytes MongoDB returns.
//
// Why: a list page is 20 documents of about 1 KB. Decoding them into JavaScript objects (BSON
// strings, ObjectIds, Dates, arrays) only to serialize them again was most of list's per-document
// CPU and garbage (bench/README figures: BSON decoding, GC and the string encoding of the answer).
// Copying the UTF-8 string bytes into one output buffer does neither.
//
// The answer is byte for byte what the response schema's serializer writes for the decoded
// document (test/document-json.test.ts checks it on generated documents): the fields of
// `documentSchema`, in its order, nothing else. Anything this fast path does not handle exactly
// (a field of another BSON type or missing, a string that is not valid UTF-8, an out-of-range
// date) makes it return undefined, and the caller takes the decoding path, which then
// answers, or fails, exactly as it always did.
import { isUtf8 } from 'node:buffer';
import { documentSchema } from './schemas';

/** How each response field is read from BSON. */
type FieldKind = 'objectIdHex' | 'string' | 'stringArray' | 'int32' | 'dateIso';

const BSON_DOUBLE = 0x01;
const BSON_STRING = 0x02;
const BSON_DOCUMENT = 0x03;
const BSON_ARRAY = 0x04;
const BSON_OBJECT_ID = 0x07;
const BSON_BOOLEAN = 0x08;
const BSON_DATE = 0x09;
const BSON_NULL = 0x0a;
const BSON_INT32 = 0x10;
const BSON_INT64 = 0x12;

/** The only BSON type each kind is read from; any other type takes the decoding path. */
const BSON_TYPE: Readonly<Record<FieldKind, number>> = {
  objectIdHex: BSON_OBJECT_ID,
  string: BSON_STRING,
  stringArray: BSON_ARRAY,
  int32: BSON_INT32,
  dateIso: BSON_DATE,
};

/** The stored field behind each response field, and its kind. `id` is the hex of `_id`. */
const FIELD_SOURCES: Readonly<Record<string, { readonly stored: string; readonly kind: FieldKind }>> = {
  id: { stored: '_id', kind: 'objectIdHex' },
  title: { stored: 'title', kind: 'string' },
  body: { stored: 'body', kind: 'string' },
  author: { stored: 'author', kind: 'string' },
  tags: { stored: 'tags', kind: 'stringArray' },
  version: { stored: 'version', kind: 'int32' },
  createdAt: { stored: 'createdAt', kind: 'dateIso' },
  updatedAt: { stored: 'updatedAt', kind: 'dateIso' },
};

/** The response fields in the schema's order, each with the JSON key it is written under. */
const FIELDS = Object.keys(documentSchema.properties).map((name, index) => {
  const source = FIELD_SOURCES[name];
  // A field added to the schema must be taught here too, or the fast path would silently drop it.
  if (!source) throw new Error(`document-json: documentSchema has a field "${name}" with no entry in FIELD_SOURCES; add how to read it from BSON`);
  return {
    kind: source.kind,
    type: BSON_TYPE[source.kind],
    /** The stored name's bytes, compared with each element's name without making a string. */
    storedName: Buffer.from(source.stored, 'latin1'),
    /** What precedes the value in the answer: `{"id":` for the first field, `,"title":` after. */
    key: Buffer.from(`${index === 0 ? '{' : ','}${JSON.stringify(name)}:`, 'latin1'),
  };
});

/** The field that carries `_id`: a list page's nextCursor is the last item's. */
const ID_FIELD = FIELDS.findIndex((field) => field.storedName.equals(Buffer.from('_id', 'latin1')));

/** Largest millisecond value a JavaScript Date holds (toISOString throws beyond it). */
const MAX_DATE_MS = 8.64e15;

const QUOTE = 0x22;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/**
 * Bytes a JSON string must escape (JSON.stringify's choice, which the schema serializer uses):
 * 1 for the control characters, `"` and `\`. Bytes of 0x80 and up are copied: the answer is UTF-8.
 */
const NEEDS_ESCAPE = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) NEEDS_ESCAPE[byte] = 1;
NEEDS_ESCAPE[0x22] = 1;
NEEDS_ESCAPE[0x5c] = 1;

function int32At(bytes: Buffer, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

/**
 * The bytes of the answer being written. One buffer serves every answer (writing one is synchronous,
 * and the answer leaves as a string): a new Buffer per answer is memory outside V8's heap, which V8
 * counts toward the old generation's limit, so at 1000 list pages a second it forced a full
 * mark-compact every 150–200 ms (services/api/README.md, "GC").
 */
class Output {
  buffer: Buffer;
  length = 0;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  copy(source: Buffer, start = 0, end = source.length): void {
    this.reserve(end - start);
    this.length += source.copy(this.buffer, this.length, start, end);
  }

  /** ASCII text only. */
  ascii(text: string): void {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  utf8(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Kept between answers up to this size; a larger answer's buffer is left to the GC. */
const KEPT_SCRATCH_BYTES = 1 << 20;
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

function output(capacity: number): Output {
  if (capacity > scratch.length && capacity <= KEPT_SCRATCH_BYTES) scratch = Buffer.allocUnsafe(capacity);
  return new Output(capacity > scratch.length ? Buffer.allocUnsafe(capacity) : scratch);
}

/** Where each field's value starts in the current document, by index of FIELDS; reused (one answer at a time). */
const offsets = new Int32Array(FIELDS.length);

/** The index in FIELDS of the element name at [start, end), or -1. */
function fieldIndex(bson: Buffer, start: number, end: number): number {
  const length = end - start;
  for (let i = 0; i < FIELDS.length; i++) {
    const name = FIELDS[i].storedName;
    if (name.length !== length) continue;
    let j = 0;
    while (j < length && bson[start + j] === name[j]) j++;
    if (j === length) return i;
  }
  return -1;
}

/** Where the value of the element at `at` starts: after its type byte and its NUL-terminated name. */
function valueStart(bson: Buffer, at: number): number {
  let position = at + 1;
  while (bson[position] !== 0) position++;
  return position + 1;
}

/** The byte size of a value of `type` at `at`, or -1 for a type whose size this does not know. */
function valueSize(type: number, bson: Buffer, at: number): number {
  switch (type) {
    case BSON_DOUBLE:
    case BSON_DATE:
    case BSON_INT64:
      return 8;
    case BSON_STRING:
      return 4 + int32At(bson, at);
    case BSON_DOCUMENT:
    case BSON_ARRAY:
      return int32At(bson, at);
    case BSON_OBJECT_ID:
      return 12;
    case BSON_INT32:
      return 4;
    case BSON_BOOLEAN:
      return 1;
    case BSON_NULL:
      return 0;
    default:
      return -1;
  }
}

/**
 * Fills `offsets` with where each field's value starts (after the element's type byte and name);
 * false when a field is missing or of another type, or the document holds a type this can't step over.
 */
function locateFields(bson: Buffer): boolean {
  offsets.fill(-1);
  const end = int32At(bson, 0) - 1; // the document's trailing NUL
  let at = 4;
  while (at < end) {
    const type = bson[at];
    const value = valueStart(bson, at);
    const index = fieldIndex(bson, at + 1, value - 1);
    if (index >= 0) {
      if (type !== FIELDS[index].type) return false;
      offsets[index] = value;
    }
    const size = valueSize(type, bson, value);
    if (size < 0) return false;
    at = value + size;
  }
  for (let i = 0; i < offsets.length; i++) if (offsets[i] < 0) return false;
  return true;
}

/**
 * Writes the BSON string at `at` as a JSON string. Bytes copied as they are get their UTF-8
 * validated once for the whole answer (finish()); false when an escaped string is not valid UTF-8.
 */
function writeString(out: Output, bson: Buffer, at: number): boolean {
  const start = at + 4;
  const end = start + int32At(bson, at) - 1; // without the trailing NUL
  let clean = true;
  for (let i = start; i < end; i++) {
    if (NEEDS_ESCAPE[bson[i]] !== 0) {
      clean = false;
      break;
    }
  }
  if (clean) {
    out.reserve(end - start + 2);
    out.buffer[out.length++] = QUOTE;
    out.length += bson.copy(out.buffer, out.length, start, end);
    out.buffer[out.length++] = QUOTE;
  } else {
    // Rare (a body with line breaks): JSON.stringify escapes exactly as the schema serializer does.
    // Decoding would replace invalid bytes silently, so they are checked here.
    if (!isUtf8(bson.subarray(start, end))) return false;
    out.utf8(JSON.stringify(bson.toString('utf8', start, end)));
  }
  return true;
}

/**
 * The answer, or undefined when its bytes are not valid UTF-8: the JSON around the strings is
 * ASCII, so the whole answer is valid exactly when every copied string is (one check, not one per string).
 */
function finish(out: Output): string | undefined {
  const answer = out.result();
  if (!isUtf8(answer)) return undefined;
  // A grown buffer becomes the next answer's scratch (up to KEPT_SCRATCH_BYTES).
  if (out.buffer !== scratch && out.buffer.length <= KEPT_SCRATCH_BYTES) scratch = out.buffer;
  return answer.toString('utf8');
}

function writeObjectIdHex(out: Output, bson: Buffer, at: number): void {
  out.reserve(26);
  const target = out.buffer;
  let position = out.length;
  target[position++] = QUOTE;
  for (let i = at; i < at + 12; i++) {
    target[position++] = HEX[bson[i] >> 4];
    target[position++] = HEX[bson[i] & 0x0f];
  }
  target[position++] = QUOTE;
  out.length = position;
}

function writeField(out: Output, kind: FieldKind, bson: Buffer, at: number): boolean {
  switch (kind) {
    case 'objectIdHex':
      writeObjectIdHex(out, bson, at);
      return true;
    case 'string':
      return writeString(out, bson, at);
    case 'stringArray': {
      const end = at + int32At(bson, at) - 1;
      let element = at + 4;
      out.ascii('[');
      let first = true;
      while (element < end) {
        if (bson[element] !== BSON_STRING) return false;
        const value = valueStart(bson, element);
        if (!first) out.ascii(',');
        first = false;
        if (!writeString(out, bson, value)) return false;
        element = value + 4 + int32At(bson, value);
      }
      out.ascii(']');
      return true;
    }
    case 'int32':
      out.ascii(String(int32At(bson, at)));
      return true;
    case 'dateIso': {
      // int64 little-endian: low word unsigned, high word signed.
      const ms = (int32At(bson, at) >>> 0) + int32At(bson, at + 4) * 0x1_0000_0000;
      if (!(Math.abs(ms) <= MAX_DATE_MS)) return false;
      if (!writeIsoDate(out, ms)) out.ascii(`"${new Date(ms).toISOString()}"`);
      return true;
    }
  }
}

const MS_PER_DAY = 86_400_000;

/**
 * Writes `"YYYY-MM-DDTHH:mm:ss.sssZ"` exactly as Date#toISOString does, for years 0 to 9999 (false
 * for others, which toISOString writes with a sign and six digits). Why not toISOString: a list
 * page has 40 dates, and building a Date and a string for each was a fifth of the page's cost.
 * Days to civil date: Howard Hinnant's `civil_from_days` (proleptic Gregorian, as ECMAScript).
 */
function writeIsoDate(out: Output, ms: number): boolean {
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const shifted = days + 719_468; // days since 0000-03-01
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return false;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;

  out.reserve(26);
  const b = out.buffer;
  let p = out.length;
  b[p++] = QUOTE;
  p = digits(b, p, year, 4);
  b[p++] = 0x2d; // -
  p = digits(b, p, month, 2);
  b[p++] = 0x2d;
  p = digits(b, p, day, 2);
  b[p++] = 0x54; // T
  p = digits(b, p, hours, 2);
  b[p++] = 0x3a; // :
  p = digits(b, p, minutes, 2);
  b[p++] = 0x3a;
  p = digits(b, p, seconds, 2);
  b[p++] = 0x2e; // .
  p = digits(b, p, millis, 3);
  b[p++] = 0x5a; // Z
  b[p++] = QUOTE;
  out.length = p;
  return true;
}

/** Writes `value` as `width` decimal digits, zero-padded; returns the position after them. */
function digits(target: Buffer, position: number, value: number, width: number): number {
  for (let i = position + width - 1; i >= position; i--) {
    target[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return position + width;
}

/** Appends one document's JSON; false (with `out` to be discarded) when the fast path can't. */
function writeDocument(out: Output, bson: Buffer): boolean {
  if (!locateFields(bson)) return false;
  for (let i = 0; i < FIELDS.length; i++) {
    out.copy(FIELDS[i].key);
    if (!writeField(out, FIELDS[i].kind, bson, offsets[i])) return false;
  }
  out.ascii('}');
  return true;
}

/** One document's answer, or undefined to take the decoding path. */
export function documentJson(bson: Buffer): string | undefined {
  const out = output(bson.length + 128);
  return writeDocument(out, bson) ? finish(out) : undefined;
}

/**
 * A list page's answer, `{"items":[…],"nextCursor":…}` as `listSchema` serializes it, or undefined
 * to take the decoding path. With `more` (another page follows), `nextCursor` is the last item's id.
 */
export function listPageJson(documents: readonly Buffer[], more: boolean): string | undefined {
  if (more && documents.length === 0) return undefined;
  let capacity = 64;
  for (const document of documents) capacity += document.length + 64;
  const out = output(capacity);
  out.ascii('{"items":[');
  for (let i = 0; i < documents.length; i++) {
    if (i > 0) out.ascii(',');
    if (!writeDocument(out, documents[i])) return undefined;
  }
  out.ascii('],"nextCursor":');
  // `offsets` still locate the last item's fields.
  if (more) writeObjectIdHex(out, documents[documents.length - 1], offsets[ID_FIELD]);
  else out.ascii('null');
  out.ascii('}');
  return finish(out);
}
