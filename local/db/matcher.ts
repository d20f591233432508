/**
 * Query matching with the cloud database's (MongoDB's) semantics: a condition on a field holding an
 * array matches when the array or any element matches; `{ field: null }` also matches a missing
 * field; comparisons only hold between values of the same type; "a.b" reaches into objects and
 * through arrays of objects.
 */
import { unsupportedOperator } from './errors';
import { isPlainObject, type Document } from './ejson';
import { compareValues, splitPath, typeRank, valuesEqual } from './values';

type Predicate = (value: unknown) => boolean;

export function matchesQuery(doc: Document, query: Document | undefined): boolean {
  if (!query) return true;
  for (const [key, condition] of Object.entries(query)) {
    if (!matchesQueryEntry(doc, key, condition)) return false;
  }
  return true;
}

function matchesQueryEntry(doc: Document, key: string, condition: unknown): boolean {
  switch (key) {
    case '$and':
      return subqueries(key, condition).every((sub) => matchesQuery(doc, sub));
    case '$or':
      return subqueries(key, condition).some((sub) => matchesQuery(doc, sub));
    case '$nor':
      return !subqueries(key, condition).some((sub) => matchesQuery(doc, sub));
    default:
      if (key.startsWith('$')) throw unsupportedOperator(`the local database does not support the query operator ${key}`);
      return matchesCondition(valuesAtPath(doc, key), condition);
  }
}

function subqueries(operator: string, condition: unknown): Document[] {
  if (!Array.isArray(condition) || !condition.every(isPlainObject)) {
    throw unsupportedOperator(`${operator} needs an array of query objects`);
  }
  return condition;
}

/** Every value a dotted path reaches, descending into arrays of objects as MongoDB does. */
function valuesAtPath(doc: unknown, path: string): unknown[] {
  const found: unknown[] = [];
  collectValues(doc, splitPath(path), 0, found);
  return found;
}

function collectValues(value: unknown, parts: readonly string[], index: number, found: unknown[]): void {
  if (index === parts.length) {
    if (value !== undefined) found.push(value);
    return;
  }
  const part = parts[index]!;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) collectValues(value[Number(part)], parts, index + 1, found);
    for (const element of value) {
      if (isPlainObject(element)) collectValues(element, parts, index, found);
    }
    return;
  }
  if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, part)) {
    collectValues(value[part], parts, index + 1, found);
  }
}

export function isOperatorObject(value: unknown): value is Document {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** A field's candidates match a condition (an operator object or a value to equal). */
export function matchesCondition(candidates: readonly unknown[], condition: unknown): boolean {
  if (!isOperatorObject(condition)) return matchesEquality(candidates, condition);
  for (const [operator, operand] of Object.entries(condition)) {
    if (operator === '$options') continue;
    if (!matchesOperator(candidates, operator, operand, condition)) return false;
  }
  return true;
}

function anyCandidate(candidates: readonly unknown[], predicate: Predicate): boolean {
  return candidates.some((value) => predicate(value) || (Array.isArray(value) && value.some(predicate)));
}

function matchesEquality(candidates: readonly unknown[], expected: unknown): boolean {
  if (expected instanceof RegExp) return anyCandidate(candidates, regexPredicate(expected));
  if (expected === null || expected === undefined) {
    return candidates.length === 0 || anyCandidate(candidates, (value) => value === null || value === undefined);
  }
  return anyCandidate(candidates, (value) => valuesEqual(value, expected));
}

function regexPredicate(pattern: RegExp): Predicate {
  // A global or sticky regex keeps state between test() calls; matching must not.
  const regex = pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
  return (value) => typeof value === 'string' && regex.test(value);
}

/** Ordering comparisons only hold within one type (a Date is never "greater than" a number). */
function comparison(operand: unknown, accept: (order: number) => boolean): Predicate {
  return (value) => typeRank(value) === typeRank(operand) && accept(compareValues(value, operand));
}

function operandArray(operator: string, operand: unknown): readonly unknown[] {
  if (!Array.isArray(operand)) throw unsupportedOperator(`${operator} needs an array`);
  return operand;
}

function matchesOperator(candidates: readonly unknown[], operator: string, operand: unknown, condition: Document): boolean {
  switch (operator) {
    case '$eq':
      return matchesEquality(candidates, operand);
    case '$ne':
      return !matchesEquality(candidates, operand);
    case '$gt':
      return anyCandidate(candidates, comparison(operand, (order) => order > 0));
    case '$gte':
      return anyCandidate(candidates, comparison(operand, (order) => order >= 0));
    case '$lt':
      return anyCandidate(candidates, comparison(operand, (order) => order < 0));
    case '$lte':
      return anyCandidate(candidates, comparison(operand, (order) => order <= 0));
    case '$in':
      return operandArray(operator, operand).some((expected) => matchesEquality(candidates, expected));
    case '$nin':
      return !operandArray(operator, operand).some((expected) => matchesEquality(candidates, expected));
    case '$all': {
      const expected = operandArray(operator, operand);
      return expected.length > 0 && expected.every((value) => matchesEquality(candidates, value));
    }
    case '$exists':
      return (candidates.length > 0) === Boolean(operand);
    case '$size':
      return candidates.some((value) => Array.isArray(value) && value.length === operand);
    case '$elemMatch':
      return candidates.some((value) => Array.isArray(value) && value.some((element) => elementMatches(element, operand)));
    case '$regex': {
      const flags = typeof condition.$options === 'string' ? condition.$options : '';
      const pattern = operand instanceof RegExp ? operand : new RegExp(String(operand), flags.replace(/[^imsu]/g, ''));
      return anyCandidate(candidates, regexPredicate(pattern));
    }
    case '$not':
      if (operand instanceof RegExp) return !anyCandidate(candidates, regexPredicate(operand));
      if (!isOperatorObject(operand)) throw unsupportedOperator('$not needs an operator expression or a regular expression');
      return !matchesCondition(candidates, operand);
    case '$mod': {
      const [divisor, remainder] = operandArray(operator, operand) as [number, number];
      return anyCandidate(candidates, (value) => typeof value === 'number' && Math.trunc(value) % divisor === remainder);
    }
    default:
      throw unsupportedOperator(`the local database does not support the query operator ${operator}`);
  }
}

/**
 * One array element against an `$elemMatch` (or `$pull`) condition: an operator expression applies
 * to the element itself; a plain object is a query on the element's fields.
 */
export function elementMatches(element: unknown, condition: unknown): boolean {
  if (isOperatorObject(condition) && !Object.keys(condition).some((key) => ['$and', '$or', '$nor'].includes(key))) {
    return matchesCondition([element], condition);
  }
  if (isPlainObject(condition)) return isPlainObject(element) && matchesQuery(element, condition);
  return matchesEquality([element], condition);
}
