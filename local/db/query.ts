/**
 * Reading with the cloud database's query language, which is MongoDB's: matching (a condition on
 * an array field matches when any element does, `{ field: null }` also matches a missing field,
 * comparisons hold only within one type, "a.b" reaches through arrays of objects), ordering,
 * paging and projection all come from mingo (MongoDB's query language in memory).
 *
 * What is the cloud's own stays here: no server-side scripts (`$where`), a query mingo cannot run
 * is the cloud's DATABASE_INVALID_OPERRATOR, and `order` is read as the SDK sends it.
 */
import type * as MingoCore from 'mingo/types/core';
import type * as MingoQuery from 'mingo/types/query';
import type * as MingoQueryOperators from 'mingo/types/operators/query';
import type * as MingoProjection from 'mingo/types/operators/projection';
import { invalidParam, requestFailed, unsupportedOperator } from './errors';
import { isPlainObject, type Document } from './ejson';

// mingo's lean entry points, not its root: the root registers every operator it has (aggregation
// too) and copies that whole table on every call, which doubled the cost of each query here. The
// "node" module resolution of tsconfig.base.json does not read package exports, so the types come
// from mingo's type files and the code through require.
/* eslint-disable @typescript-eslint/no-require-imports */
const { Context } = require('mingo/core') as typeof MingoCore;
const { Query } = require('mingo/query') as typeof MingoQuery;
const queryOperators = require('mingo/operators/query') as typeof MingoQueryOperators;
const projectionOperators = require('mingo/operators/projection') as typeof MingoProjection;
/* eslint-enable @typescript-eslint/no-require-imports */

const QUERY_OPTIONS = {
  context: Context.init({ query: queryOperators, projection: projectionOperators }),
  // The cloud database runs no JavaScript of its callers ($where).
  scriptEnabled: false,
};

export type DocumentPredicate = (doc: Document) => boolean;

export type SortSpec = Record<string, 1 | -1>;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type Primitive = string | number | boolean;
const isPrimitive = (value: unknown): value is Primitive => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * `{ field: { $in: [strings or numbers] } }` on a top-level field, answered from a Set. mingo
 * builds a hash of the whole list for every document it tests, which made an import chunk (3,000
 * 学号 against 50,000 bills) take seconds; the meaning is MongoDB's (an array field matches when
 * any element is listed; a missing field does not, the list holding no null).
 */
function setMembership(field: string, condition: unknown): DocumentPredicate | null {
  if (field.startsWith('$') || field.includes('.') || !isPlainObject(condition)) return null;
  const keys = Object.keys(condition);
  const values = (condition as { $in?: unknown }).$in;
  if (keys.length !== 1 || keys[0] !== '$in' || !Array.isArray(values) || !values.every(isPrimitive)) return null;
  const listed = new Set<Primitive>(values);
  return (doc) => {
    const value = doc[field];
    return Array.isArray(value) ? value.some((element) => listed.has(element as Primitive)) : listed.has(value as Primitive);
  };
}

export function compileQuery(query: Document | undefined): DocumentPredicate {
  if (!query || Object.keys(query).length === 0) return () => true;
  const fast: DocumentPredicate[] = [];
  const rest: Document = {};
  for (const [field, condition] of Object.entries(query)) {
    const predicate = setMembership(field, condition);
    if (predicate) fast.push(predicate);
    else rest[field] = condition;
  }
  let compiled: MingoQuery.Query<Document> | null = null;
  try {
    if (Object.keys(rest).length > 0) compiled = new Query<Document>(rest, QUERY_OPTIONS);
  } catch (error) {
    throw unsupportedOperator(`the local database cannot run this query: ${messageOf(error)}`);
  }
  return (doc) => fast.every((predicate) => predicate(doc)) && (compiled === null || compiled.test(doc));
}

/** Reads `order` as the SDK sends it: an object whose key order is the orderBy order. */
export function sortSpecOf(order: unknown): SortSpec {
  if (order === undefined) return {};
  if (Array.isArray(order)) {
    // The SDK's older array form: [{ field, direction: 'asc' | 'desc' }].
    return Object.fromEntries(order.map((entry: { field?: unknown; direction?: unknown }) => [String(entry.field), entry.direction === 'desc' ? -1 : 1]));
  }
  if (!isPlainObject(order)) throw invalidParam('order must be an object');
  return Object.fromEntries(Object.entries(order).map(([field, direction]) => [field, direction === -1 || direction === 'desc' ? -1 : 1]));
}

export interface Page {
  readonly order: SortSpec;
  readonly offset: number;
  readonly limit: number;
  /** `field()`: `{ a: 1 }` keeps `_id` and `a`, `{ a: 0 }` drops `a`, `{ list: { $slice: n } }`. */
  readonly projection: Document | undefined;
}

/**
 * One page of documents: ordered (ties keep the natural order; an array sorts by its smallest
 * element ascending and its largest descending), skipped, limited and projected. The results are
 * new objects wherever the projection changes them; the inputs are never modified.
 */
export function pageOf(docs: readonly Document[], page: Page): Document[] {
  try {
    const cursor = new Query<Document>({}, QUERY_OPTIONS).find<Document>(docs as Document[], page.projection ?? {});
    const ordered = Object.keys(page.order).length > 0 ? cursor.sort(page.order) : cursor;
    return ordered.skip(page.offset).limit(page.limit).all();
  } catch (error) {
    throw requestFailed(messageOf(error));
  }
}
