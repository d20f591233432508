/**
 * Writing: the cloud database's update operators are MongoDB's (`$set`/`$inc`/`$push`… that
 * @cloudbase/database's UpdateSerializer produces from `_.inc(1)`, `_.push({ each, position })`,
 * `_.remove()`, nested plain objects…), and mingo applies them.
 *
 * What stays here is where the cloud answers otherwise than mingo: it has only the operators its
 * SDK's commands produce, and it refuses, as MongoDB does, what mingo would quietly skip (`$inc` on
 * text, `$push` onto something that is not an array, a field created inside a number), so a write
 * that fails in production fails here too. `doc.set` replaces a whole document, and an upsert
 * starts from the query's equality fields.
 */
import type * as MingoUpdate from 'mingo/types/operators/update';
import { invalidParam, requestFailed, unsupportedOperator } from './errors';
import { deepClone, isPlainObject, type Document } from './ejson';
import type { DocumentId } from './store';

// The operators themselves, not mingo's update(): that builds an operator table on every call (see
// query.ts on the lean entry points and why they are required).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mingoUpdate = require('mingo/operators/update') as typeof MingoUpdate;

type UpdateOperator = (fields: Document) => (doc: Document) => string[];

/** Every update operator the cloud database has (what its SDK's update commands become). */
const CLOUD_UPDATE_OPERATORS = new Map<string, UpdateOperator>(
  (['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet', '$pull', '$pullAll', '$pop'] as const).map(
    (name) => [name, mingoUpdate[name] as UpdateOperator],
  ),
);
const NUMERIC_OPERATORS = new Set(['$inc', '$mul']);
const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop']);
/** Operators that take away: where their path is missing or blocked they do nothing. */
const TAKING_OPERATORS = new Set(['$unset', '$pull', '$pullAll', '$pop', '$rename']);

/** `{ $gt: 1 }`, `{ $set: {…} }`: an object of operators only. */
export function isOperatorObject(value: unknown): value is Document {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** update (merge) applies operators, plain fields being `$set`; set (no merge) replaces the whole document. */
export function updateTransform(data: Document, merge: boolean): (current: Document) => Document {
  if (!merge) return (current) => replaceDocument(current._id as DocumentId, data);
  if (isOperatorObject(data)) return (current) => applyUpdateOperators(current, data);
  if (Object.keys(data).some((key) => key.startsWith('$'))) throw invalidParam('an update cannot mix operators and plain fields');
  return (current) => applyUpdateOperators(current, { $set: data });
}

/** A document an upsert creates: the query's `_id` and plain equality fields. */
export function upsertBase(id: DocumentId, query: Document | undefined): Document {
  const equalities = Object.entries(query ?? {}).filter(
    ([path, value]) => !path.startsWith('$') && path !== '_id' && !isOperatorObject(value) && !(value instanceof RegExp),
  );
  return applyUpdateOperators({ _id: id }, { $set: Object.fromEntries(equalities) });
}

/** Applies operators to a copy; the input is never modified. */
function applyUpdateOperators(current: Document, modifier: Document): Document {
  refuseWhatTheCloudRefuses(current, modifier);
  const next = deepClone(current);
  try {
    // Operands are copied too: one update may be applied to many documents.
    for (const [operator, fields] of Object.entries(modifier)) CLOUD_UPDATE_OPERATORS.get(operator)!(deepClone(fields as Document))(next);
  } catch (error) {
    // mingo's own refusals: `_id` changed, a non-numeric `$inc` amount, a conflicting path…
    throw requestFailed(error instanceof Error ? error.message : String(error));
  }
  return next;
}

/** `doc.set` and `merge: false`: the new content replaces everything but `_id`. */
function replaceDocument(id: DocumentId, replacement: Document): Document {
  if ('_id' in replacement && replacement._id !== id) {
    throw requestFailed("Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  const fields = deepClone(replacement);
  delete fields._id;
  return { _id: id, ...fields };
}

function refuseWhatTheCloudRefuses(current: Document, modifier: Document): void {
  for (const [operator, fields] of Object.entries(modifier)) {
    if (!CLOUD_UPDATE_OPERATORS.has(operator)) throw unsupportedOperator(`the local database does not support the update operator ${operator}`);
    if (!isPlainObject(fields)) throw invalidParam(`${operator} needs an object of fields`);
    for (const path of Object.keys(fields)) {
      const value = valueAtUpdatePath(current, path, !TAKING_OPERATORS.has(operator));
      if (value === undefined) continue;
      if (NUMERIC_OPERATORS.has(operator) && typeof value !== 'number') {
        throw requestFailed(`Cannot apply ${operator} to a value of non-numeric type: field '${path}' holds ${JSON.stringify(value)}`);
      }
      if (ARRAY_OPERATORS.has(operator) && !Array.isArray(value)) {
        throw requestFailed(`Cannot apply ${operator} to a non-array field '${path}' holding ${JSON.stringify(value)}`);
      }
    }
  }
}

/**
 * What an update finds at a dotted path (array elements by index only, as updates address them),
 * undefined where nothing is. A path running into a value that cannot hold fields is refused when
 * the operator would create it there.
 *
 * Except null: MongoDB (so the cloud database) refuses `{ 'a.b': 1 }` over `a: null` too, but this
 * database has always written `a: { b: 1 }` there, as mingo does, and the students' office code
 * relies on it (an activation code merged over `activation: null`); strict once that code writes
 * the field whole (`_.set`).
 */
function valueAtUpdatePath(doc: Document, path: string, creates: boolean): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    // Positional parts ($, $[], $[name]) stand for elements that only mingo's matching can pick.
    if (value === undefined || part.startsWith('$')) return undefined;
    if (isPlainObject(value)) value = Object.hasOwn(value, part) ? value[part] : undefined;
    else if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (creates) throw requestFailed(`Cannot create field '${part}' of path '${path}' in element ${JSON.stringify(value)}`);
    else return undefined;
  }
  return value;
}
