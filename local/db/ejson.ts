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
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: true });
  } catch (error) {
    throw invalidParam(`malformed EJSON: ${(error as Error).message}`);
  }
  return toStoredValue(parsed, nowMs);
}

/** Parameters may arrive as EJSON text (the SDK's normal path) or already as objects (raw mode). */
export function parseEjsonParam(value: unknown, nowMs: number): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return parseEjson(value, nowMs);
  return toStoredValue(EJSON.deserialize(value as Document, { relaxed: true }), nowMs);
}

/** Canonical output keeps types exact: an integer stays an integer and a Date stays a Date. */
export function stringifyEjson(value: unknown): string {
  return EJSON.stringify(value as Document, { relaxed: false });
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
  if (keys.length === 1 && keys[0] === SERVER_DATE_KEY) {
    const { offset } = (value[SERVER_DATE_KEY] ?? {}) as { offset?: unknown };
    return new Date(nowMs + (typeof offset === 'number' ? offset : 0));
  }
  const stored: Document = {};
  for (const key of keys) {
    const field = toStoredValue(value[key], nowMs);
    if (field !== undefined) stored[key] = field;
  }
  return stored;
}
