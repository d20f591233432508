/**
 * Value semantics of a MongoDB-style document store (which the cloud database is): the cross-type
 * sort order, deep equality, and dotted field paths ("address.city", "items.0.price").
 */
import { isPlainObject, type Document } from './ejson';

/** MongoDB's comparison order across types: null < numbers < strings < objects < arrays < booleans < dates. */
export function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'boolean') return 6;
  if (value instanceof Date) return 7;
  if (value instanceof RegExp) return 8;
  return 4;
}

export function compareValues(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA < rankB ? -1 : 1;
  switch (rankA) {
    case 1:
      return 0;
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 5:
      return compareArrays(a as unknown[], b as unknown[]);
    case 6:
      return a === b ? 0 : a ? 1 : -1;
    case 7:
      return Math.sign((a as Date).getTime() - (b as Date).getTime());
    case 8:
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    default:
      return compareObjects(a as Document, b as Document);
  }
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return Math.sign(a.length - b.length);
}

function compareObjects(a: Document, b: Document): number {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  for (let i = 0; i < Math.min(keysA.length, keysB.length); i += 1) {
    const keyOrder = keysA[i]! < keysB[i]! ? -1 : keysA[i]! > keysB[i]! ? 1 : 0;
    if (keyOrder !== 0) return keyOrder;
    const order = compareValues(a[keysA[i]!], b[keysB[i]!]);
    if (order !== 0) return order;
  }
  return Math.sign(keysA.length - keysB.length);
}

/** Deep equality; field order inside objects does not matter. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (a instanceof RegExp || b instanceof RegExp) return String(a) === String(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((el, i) => valuesEqual(el, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === otherKeys.length && keys.every((key) => valuesEqual(a[key], b[key]));
  }
  return false;
}

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

export const splitPath = (path: string): string[] => path.split('.');

const isArrayIndex = (part: string): boolean => /^\d+$/.test(part);

/** The value at a dotted path, without MongoDB's implicit traversal of arrays (see matcher for that). */
export function getPathValue(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of splitPath(path)) {
    if (Array.isArray(current) && isArrayIndex(part)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Sets a dotted path, creating the objects on the way, as `$set` does. */
export function setPathValue(doc: Document, path: string, value: unknown): void {
  const parts = splitPath(path);
  let container: unknown = doc;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i]!;
    const isLast = i === parts.length - 1;
    if (Array.isArray(container)) {
      if (!isArrayIndex(part)) throw pathError(path, part, container);
      const index = Number(part);
      while (container.length < index) container.push(null);
      if (isLast) container[index] = value;
      else {
        if (container[index] === undefined || container[index] === null) container[index] = {};
        container = container[index];
      }
    } else if (isPlainObject(container)) {
      if (isLast) container[part] = value;
      else {
        if (container[part] === undefined || container[part] === null) container[part] = {};
        container = container[part];
      }
    } else {
      throw pathError(path, part, container);
    }
  }
}

function pathError(path: string, part: string, container: unknown): Error {
  return new Error(`Cannot create field '${part}' of path '${path}' in element ${JSON.stringify(container)}`);
}

/** Removes a dotted path; array elements become null, as `$unset` leaves them. */
export function unsetPathValue(doc: Document, path: string): void {
  const parts = splitPath(path);
  const last = parts.pop()!;
  let container: unknown = doc;
  for (const part of parts) {
    if (Array.isArray(container) && isArrayIndex(part)) container = container[Number(part)];
    else if (isPlainObject(container)) container = container[part];
    else return;
  }
  if (Array.isArray(container) && isArrayIndex(last)) {
    if (Number(last) < container.length) container[Number(last)] = null;
  } else if (isPlainObject(container)) {
    delete container[last];
  }
}
