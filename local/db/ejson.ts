/**
 * The wire format between @cloudbase/database and the store: Extended JSON. The SDK writes
 * canonical EJSON with the `bson` package it depends on (the same copy is used here, so both ends
 * agree on every type) and reads responses back with `EJSON.parse`.
 *
 * Stored values are plain JavaScript: numbers, strings, booleans, null, Date, arrays and objects.
 * BSON wrapper types that arrive are folded into those (Int32/Long/Double/Decimal128 → number,
 * ObjectId → its hex string, BSONRegExp → RegExp), and `db.serverDate()` becomes the store's clock.
 */
import { BSONRegExp, Decimal128, Double, EJSON, Int32, Long, ObjectId } from 'bson';
import { invalidParam } from './errors';

export type Document = { [field: string]: unknown };

const SERVER_DATE_KEY = '$tcb_server_date';

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of a stored value. Not structuredClone: that builds its objects in Node's own realm,
 * so under jest's VM context a copied Date would fail `instanceof Date` in the query engine.
 */
export function deepClone<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((element: unknown) => deepClone(element)) as T;
  if (isPlainObject(value)) {
    const copy: Document = {};
    for (const [key, field] of Object.entries(value)) copy[key] = deepClone(field);
    return copy as T;
  }
  return value;
}

/** Accepts canonical and relaxed EJSON, as MongoDB's own parsers do. */
export function parseEjson(text: string, nowMs: number): unknown {
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch {
    return parseWithBson(text, nowMs);
  }
  const stored = storedFromPlainJson(plain, nowMs);
  return stored === NEEDS_BSON ? parseWithBson(text, nowMs) : stored;
}

/** bson's own parser: every EJSON form it knows, and its error for a malformed text. */
function parseWithBson(text: string, nowMs: number): unknown {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: true });
  } catch (error) {
    throw invalidParam(`malformed EJSON: ${(error as Error).message}`);
  }
  return toStoredValue(parsed, nowMs);
}

/** Returned when a text holds an EJSON form that only bson's parser reads exactly. */
const NEEDS_BSON = Symbol('needs bson');

/**
 * The keys that make bson read an object as a BSON value rather than a document. The SDK writes
 * documents whose only such keys are numbers and dates: those are read here directly, in place,
 * which costs a fraction of bson's reviver (an import sends thousands of documents per request).
 */
const BSON_VALUE_KEYS = new Set([
  '$oid', '$binary', '$uuid', '$symbol', '$numberInt', '$numberDecimal', '$numberDouble', '$numberLong', '$minKey', '$maxKey',
  '$regex', '$regularExpression', '$timestamp', '$date', '$code', '$scope', '$ref', '$id', '$db', '$dbPointer', '$undefined',
]);

/** Integers that Number() reads exactly as bson's Long does (no sign on zero, no leading zeros, within 2^53). */
const EXACT_LONG_TEXT = /^(?:0|-?[1-9]\d{0,14})$/;
const DOLLAR = 36;

/** What bson reads, then toStoredValue keeps, for a parsed JSON value; NEEDS_BSON for anything else. */
function storedFromPlainJson(value: unknown, nowMs: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const element = storedFromPlainJson(value[i], nowMs);
      if (element === NEEDS_BSON) return NEEDS_BSON;
      value[i] = element;
    }
    return value;
  }
  const doc = value as Document;
  let bsonValueKeys = 0;
  let keyCount = 0;
  for (const key in doc) {
    keyCount += 1;
    // bson refuses NUL in a field name; JSON.parse makes "__proto__" an own field, which assigning cannot copy.
    if (key === '__proto__' || key.includes('\u0000')) return NEEDS_BSON;
    if (key.charCodeAt(0) === DOLLAR && BSON_VALUE_KEYS.has(key)) bsonValueKeys += 1;
    const field = storedFromPlainJson(doc[key], nowMs);
    if (field === NEEDS_BSON) return NEEDS_BSON;
    doc[key] = field;
  }
  if (bsonValueKeys === 0) {
    if (keyCount === 1 && Object.hasOwn(doc, SERVER_DATE_KEY)) return serverDate(doc[SERVER_DATE_KEY], nowMs);
    return doc;
  }
  if (keyCount !== 1) return NEEDS_BSON;
  if (typeof doc.$numberInt === 'string') return parseInt(doc.$numberInt, 10);
  if (typeof doc.$numberDouble === 'string') return parseFloat(doc.$numberDouble);
  if (typeof doc.$numberLong === 'string' && EXACT_LONG_TEXT.test(doc.$numberLong)) return Number(doc.$numberLong);
  // By now a $date's {$numberLong} is a number.
  if (typeof doc.$date === 'number') return new Date(doc.$date);
  if (typeof doc.$date === 'string') return new Date(Date.parse(doc.$date));
  return NEEDS_BSON;
}

function serverDate(spec: unknown, nowMs: number): Date {
  const { offset } = (spec ?? {}) as { offset?: unknown };
  return new Date(nowMs + (typeof offset === 'number' ? offset : 0));
}

/** Parameters may arrive as EJSON text (the SDK's normal path) or already as objects (raw mode). */
export function parseEjsonParam(value: unknown, nowMs: number): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return parseEjson(value, nowMs);
  return toStoredValue(EJSON.deserialize(value as Document, { relaxed: true }), nowMs);
}

/** Canonical output keeps types exact: an integer stays an integer and a Date stays a Date. */
export function stringifyEjson(value: unknown): string {
  return canonicalEjson(value) ?? EJSON.stringify(value as Document, { relaxed: false });
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_BOUND = 0x8000000000000000;
const isDate = (value: object): value is Date => value instanceof Date || Object.prototype.toString.call(value) === '[object Date]';

/**
 * bson's canonical text for what the store holds (documents, arrays, strings, numbers, booleans,
 * null, dates), written straight out instead of through bson's intermediate copy of every value;
 * undefined for anything else (a RegExp, a BSON value), which bson writes instead.
 */
function canonicalEjson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'number':
      if (Math.floor(value) === value) {
        if (value >= INT32_MIN && value <= INT32_MAX) return `{"$numberInt":"${value.toString()}"}`;
        if (value >= -INT64_BOUND && value <= INT64_BOUND) return `{"$numberLong":"${value.toString()}"}`;
      }
      return `{"$numberDouble":"${value.toString()}"}`;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i += 1) {
          const element = canonicalEjson(value[i]);
          if (element === undefined) return undefined;
          text += i === 0 ? element : `,${element}`;
        }
        return `${text}]`;
      }
      if (isDate(value)) return `{"$date":{"$numberLong":"${value.getTime().toString()}"}}`;
      // bson reads a document with a _bsontype field as a BSON value.
      if (!isPlainObject(value) || value._bsontype !== undefined) return undefined;
      let text = '{';
      let first = true;
      for (const key in value) {
        const field = canonicalEjson(value[key]);
        if (field === undefined) return undefined;
        text += `${first ? '' : ','}${JSON.stringify(key)}:${field}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      return undefined;
  }
}

function regExpFromBson(pattern: string, options: string): RegExp {
  // MongoDB's flags are i, m, s, x and u; JavaScript has no x (extended) mode.
  const flags = [...new Set(options.split('').filter((flag) => 'imsu'.includes(flag)))].join('');
  return new RegExp(pattern, flags);
}

function toStoredValue(value: unknown, nowMs: number): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof RegExp) return value;
  if (Array.isArray(value)) return value.map((element) => toStoredValue(element, nowMs));
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof BSONRegExp) return regExpFromBson(value.pattern, value.options);
  if (!isPlainObject(value)) {
    const bsonType = (value as { _bsontype?: unknown })._bsontype;
    throw invalidParam(`the local database does not store values of BSON type ${String(bsonType ?? 'unknown')}`);
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === SERVER_DATE_KEY) return serverDate(value[SERVER_DATE_KEY], nowMs);
  const stored: Document = {};
  for (const key of keys) {
    const field = toStoredValue(value[key], nowMs);
    if (field !== undefined) stored[key] = field;
  }
  return stored;
}
