/**
 * What happens to a document: update operators (the `$set`/`$inc`/`$push`… that
 * @cloudbase/database's UpdateSerializer produces from `_.inc(1)`, `_.push({ each, position })`,
 * nested plain objects…), whole-document replacement (`doc.set`), projection (`field()`) and
 * ordering (`orderBy`).
 */
import { invalidParam, requestFailed, unsupportedOperator } from './errors';
import { isPlainObject, type Document } from './ejson';
import { elementMatches } from './matcher';
import { compareValues, deepClone, getPathValue, setPathValue, splitPath, unsetPathValue, valuesEqual } from './values';

export function isOperatorUpdate(update: Document): boolean {
  const keys = Object.keys(update);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** Applies operators to a copy; the input is never modified. */
export function applyUpdateOperators(current: Document, update: Document): Document {
  const next = deepClone(current);
  for (const [operator, fields] of Object.entries(update)) {
    if (!isPlainObject(fields)) throw invalidParam(`${operator} needs an object of fields`);
    for (const [path, operand] of Object.entries(fields)) {
      if (path === '_id' || path.startsWith('_id.')) {
        throw requestFailed("Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      try {
        applyOperator(next, operator, path, operand);
      } catch (error) {
        if (error instanceof Error && !('code' in error)) throw requestFailed(error.message);
        throw error;
      }
    }
  }
  return next;
}

/** `doc.set` and `merge: false`: the new content replaces everything but `_id`. */
export function replaceDocument(id: unknown, replacement: Document): Document {
  if ('_id' in replacement && !valuesEqual(replacement._id, id)) {
    throw requestFailed("Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  const fields = deepClone(replacement);
  delete fields._id;
  return { _id: id, ...fields };
}

function numericOperand(operator: string, operand: unknown): number {
  if (typeof operand !== 'number') throw new Error(`Cannot ${operator} with non-numeric argument: ${JSON.stringify(operand)}`);
  return operand;
}

function arrayAt(doc: Document, path: string, operator: string): unknown[] | undefined {
  const value = getPathValue(doc, path);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new Error(`Cannot apply ${operator} to a non-array field '${path}'`);
  return value;
}

function applyOperator(doc: Document, operator: string, path: string, operand: unknown): void {
  const current = getPathValue(doc, path);
  switch (operator) {
    case '$set':
      setPathValue(doc, path, deepClone(operand));
      return;
    case '$unset':
      unsetPathValue(doc, path);
      return;
    case '$inc':
    case '$mul': {
      const amount = numericOperand(operator, operand);
      if (current === undefined) setPathValue(doc, path, operator === '$inc' ? amount : 0);
      else if (typeof current !== 'number') {
        throw new Error(`Cannot apply ${operator} to a value of non-numeric type: field '${path}' holds ${JSON.stringify(current)}`);
      } else setPathValue(doc, path, operator === '$inc' ? current + amount : current * amount);
      return;
    }
    case '$min':
    case '$max': {
      const replaces = current === undefined || (operator === '$min' ? compareValues(operand, current) < 0 : compareValues(operand, current) > 0);
      if (replaces) setPathValue(doc, path, deepClone(operand));
      return;
    }
    case '$rename': {
      if (typeof operand !== 'string') throw new Error('$rename needs a string target');
      if (current === undefined) return;
      unsetPathValue(doc, path);
      setPathValue(doc, operand, current);
      return;
    }
    case '$push':
      setPathValue(doc, path, pushed(arrayAt(doc, path, operator) ?? [], operand));
      return;
    case '$addToSet': {
      const list = [...(arrayAt(doc, path, operator) ?? [])];
      const additions = isPlainObject(operand) && '$each' in operand ? eachOf(operand) : [operand];
      for (const value of additions) if (!list.some((existing) => valuesEqual(existing, value))) list.push(deepClone(value));
      setPathValue(doc, path, list);
      return;
    }
    case '$pull': {
      const list = arrayAt(doc, path, operator);
      if (list) setPathValue(doc, path, list.filter((element) => !elementMatches(element, operand)));
      return;
    }
    case '$pullAll': {
      if (!Array.isArray(operand)) throw new Error('$pullAll needs an array');
      const list = arrayAt(doc, path, operator);
      if (list) setPathValue(doc, path, list.filter((element) => !operand.some((value) => valuesEqual(element, value))));
      return;
    }
    case '$pop': {
      const list = arrayAt(doc, path, operator);
      if (list && list.length > 0) setPathValue(doc, path, numericOperand(operator, operand) < 0 ? list.slice(1) : list.slice(0, -1));
      return;
    }
    default:
      throw unsupportedOperator(`the local database does not support the update operator ${operator}`);
  }
}

function eachOf(modifiers: Document): unknown[] {
  if (!Array.isArray(modifiers.$each)) throw new Error('$each needs an array');
  return modifiers.$each;
}

/** `$push` with its modifiers: `$each`, `$position` (negative counts from the end), `$sort`, `$slice`. */
function pushed(list: readonly unknown[], operand: unknown): unknown[] {
  if (!(isPlainObject(operand) && '$each' in operand)) return [...list, deepClone(operand)];
  const values = eachOf(operand).map((value) => deepClone(value));
  const result = [...list];
  const position = operand.$position;
  if (position === undefined) result.push(...values);
  else {
    const index = numericOperand('$position', position);
    const at = index < 0 ? Math.max(result.length + index, 0) : Math.min(index, result.length);
    result.splice(at, 0, ...values);
  }
  if (operand.$sort !== undefined) result.sort(pushSortComparator(operand.$sort));
  if (operand.$slice !== undefined) {
    const slice = numericOperand('$slice', operand.$slice);
    return slice >= 0 ? result.slice(0, slice) : result.slice(slice);
  }
  return result;
}

function pushSortComparator(spec: unknown): (a: unknown, b: unknown) => number {
  if (spec === 1 || spec === -1) return (a, b) => spec * compareValues(a, b);
  if (isPlainObject(spec)) return orderComparator(Object.entries(spec).map(([field, direction]) => [field, direction === -1 ? -1 : 1]));
  throw new Error('$sort needs 1, -1 or an object of fields');
}

export type SortSpec = readonly (readonly [field: string, direction: 1 | -1])[];

/** Reads `order` as the SDK sends it: an object whose key order is the orderBy order. */
export function sortSpecOf(order: unknown): SortSpec {
  if (order === undefined) return [];
  if (Array.isArray(order)) {
    // The SDK's older array form: [{ field, direction: 'asc' | 'desc' }].
    return order.map((entry: { field?: unknown; direction?: unknown }) => [String(entry.field), entry.direction === 'desc' ? -1 : 1] as const);
  }
  if (!isPlainObject(order)) throw invalidParam('order must be an object');
  return Object.entries(order).map(([field, direction]) => [field, direction === -1 || direction === 'desc' ? -1 : 1] as const);
}

/** An array sorts by its smallest element ascending and its largest descending, as in MongoDB. */
function sortKey(value: unknown, direction: 1 | -1): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length === 0) return undefined;
  return value.reduce((best: unknown, element: unknown) => (direction * compareValues(element, best) < 0 ? element : best));
}

export function orderComparator(spec: SortSpec): (a: unknown, b: unknown) => number {
  return (a, b) => {
    for (const [field, direction] of spec) {
      const order = compareValues(sortKey(getPathValue(a, field), direction), sortKey(getPathValue(b, field), direction));
      if (order !== 0) return direction * order;
    }
    return 0;
  };
}

/**
 * `field({ a: true })` keeps `_id` and `a`; `field({ a: false })` drops `a`. Mixing the two
 * (other than on `_id`) is refused, as MongoDB refuses it. `{ list: { $slice: n } }` is supported.
 */
export function applyProjection(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const slices: [string, unknown][] = [];
  const included: string[] = [];
  const excluded: string[] = [];
  for (const [path, spec] of Object.entries(projection)) {
    if (isPlainObject(spec)) {
      if (!('$slice' in spec) || Object.keys(spec).length !== 1) {
        throw unsupportedOperator(`the local database supports only $slice in projections (got ${JSON.stringify(spec)})`);
      }
      slices.push([path, spec.$slice]);
    } else if (spec === 0 || spec === false) excluded.push(path);
    else included.push(path);
  }
  const excludedOtherThanId = excluded.filter((path) => path !== '_id');
  if (included.length > 0 && excludedOtherThanId.length > 0) {
    throw requestFailed('Projection cannot have a mix of inclusion and exclusion.');
  }
  let result: Document;
  if (included.length > 0) {
    result = {};
    if (!excluded.includes('_id')) result._id = doc._id;
    for (const path of [...included, ...slices.map(([path]) => path)]) copyPath(doc, result, splitPath(path));
  } else {
    result = deepClone(doc);
    for (const path of excluded) unsetPathValue(result, path);
  }
  for (const [path, slice] of slices) {
    const list = getPathValue(result, path);
    if (Array.isArray(list)) setPathValue(result, path, sliceList(list, slice));
  }
  return result;
}

function sliceList(list: readonly unknown[], slice: unknown): unknown[] {
  if (typeof slice === 'number') return slice >= 0 ? list.slice(0, slice) : list.slice(slice);
  if (Array.isArray(slice) && slice.length === 2) {
    const [skip, limit] = slice as [number, number];
    const start = skip < 0 ? Math.max(list.length + skip, 0) : skip;
    return list.slice(start, start + limit);
  }
  throw invalidParam('$slice needs a number or [skip, limit]');
}

/** Copies one included path; through an array it keeps that field of every element, as MongoDB does. */
function copyPath(source: unknown, target: Document, parts: readonly string[]): void {
  if (!isPlainObject(source)) return;
  const [head, ...rest] = parts;
  if (head === undefined || !(head in source)) return;
  const value = source[head];
  if (rest.length === 0) {
    target[head] = deepClone(value);
  } else if (Array.isArray(value)) {
    const existing = Array.isArray(target[head]) ? (target[head] as unknown[]) : undefined;
    target[head] = value
      .map((element, index) => {
        if (!isPlainObject(element)) return undefined;
        const into = existing && isPlainObject(existing[index]) ? (existing[index] as Document) : {};
        copyPath(element, into, rest);
        return into;
      })
      .filter((element) => element !== undefined);
  } else if (isPlainObject(value)) {
    const into = isPlainObject(target[head]) ? (target[head] as Document) : {};
    copyPath(value, into, rest);
    target[head] = into;
  }
}
