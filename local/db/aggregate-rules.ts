/**
 * What the cloud database refuses in an aggregation pipeline, checked before anything runs, so
 * that a pipeline the cloud would refuse is refused here whatever the data (mingo on its own
 * reports an unknown operator only when it evaluates one, and runs some pipelines MongoDB rejects,
 * such as a $group field that is not an accumulator).
 *
 * An operator or stage the cloud does not offer, and server-side scripts, are its
 * DATABASE_INVALID_OPERRATOR; a malformed stage is the MongoDB error the cloud passes on as
 * DATABASE_REQUEST_FAILED. Messages are MongoDB's.
 */
import { requestFailed, unsupportedOperator } from './errors';
import { isPlainObject, type Document } from './ejson';

export interface KnownOperators {
  readonly stages: ReadonlySet<string>;
  /** Usable in expressions: $project, $addFields, $group's _id, $expr, a $lookup's let… */
  readonly expressions: ReadonlySet<string>;
  /** The only operators a $group (or $bucket) output field may use. */
  readonly accumulators: ReadonlySet<string>;
  /** Usable in $match. */
  readonly query: ReadonlySet<string>;
}

/** The cloud database runs no JavaScript of its callers. */
const SCRIPT_OPERATORS = new Set(['$where', '$function', '$accumulator']);

/** Offered by the cloud (the SDK can send them) but not run by the local database. */
const NOT_RUN_LOCALLY: Readonly<Record<string, string>> = {
  $geoNear: 'geo search needs a geo index, which the local database does not build',
  $meta: 'text search metadata needs a text index, which the local database does not build',
};

export function checkPipeline(pipeline: readonly unknown[], known: KnownOperators): void {
  for (const stage of pipeline) checkStage(stage, known);
}

function checkStage(stage: unknown, known: KnownOperators): void {
  const keys = isPlainObject(stage) ? Object.keys(stage) : [];
  if (keys.length !== 1) throw requestFailed('A pipeline stage specification object must contain exactly one field.');
  const name = keys[0]!;
  const spec = (stage as Document)[name];
  checkOperator(name, known.stages, `Unrecognized pipeline stage name: '${name}'`);
  switch (name) {
    case '$match':
      return checkQuery(spec, known);
    case '$project':
    case '$addFields':
      if (!isPlainObject(spec) || Object.keys(spec).length === 0) throw requestFailed(`${name} specification must be a non-empty object`);
      return checkExpression(spec, known);
    case '$group':
      if (!isPlainObject(spec)) throw requestFailed("a group's fields must be specified in an object");
      if (!Object.hasOwn(spec, '_id')) throw requestFailed('a group specification must include an _id');
      checkExpression(spec._id, known);
      return checkAccumulators(spec, known);
    case '$bucket':
    case '$bucketAuto':
      if (!isPlainObject(spec)) throw requestFailed(`the ${name} specification must be an object`);
      checkExpression(spec.groupBy, known);
      if (isPlainObject(spec.output)) checkAccumulators(spec.output, known);
      return;
    case '$sort':
      return checkSort(spec);
    case '$limit':
      if (!Number.isInteger(spec) || (spec as number) <= 0) throw requestFailed('the limit must be positive');
      return;
    case '$skip':
      if (!Number.isInteger(spec) || (spec as number) < 0) throw requestFailed('invalid argument to $skip stage: the number to skip cannot be negative');
      return;
    case '$lookup':
      return checkLookup(spec, known);
    case '$sortByCount':
      return checkExpression(spec, known);
    case '$replaceRoot':
      return checkExpression(isPlainObject(spec) ? spec.newRoot : spec, known);
    default:
      // $count, $sample and $unwind take no expressions: mingo checks their arguments.
      return;
  }
}

function checkOperator(name: string, allowed: ReadonlySet<string>, unknownMessage: string): void {
  if (SCRIPT_OPERATORS.has(name)) throw unsupportedOperator(`${name}: the cloud database does not run server-side JavaScript`);
  const reason = NOT_RUN_LOCALLY[name];
  if (reason) throw unsupportedOperator(`${name} is not available in the local database: ${reason}`);
  if (!allowed.has(name)) throw unsupportedOperator(unknownMessage);
}

/** An aggregation expression: a value, a "$field" path, an { $operator: arguments } or an object of expressions. */
function checkExpression(expression: unknown, known: KnownOperators): void {
  if (Array.isArray(expression)) {
    for (const item of expression) checkExpression(item, known);
    return;
  }
  if (!isPlainObject(expression)) return;
  const keys = Object.keys(expression);
  const operator = keys[0];
  if (operator?.startsWith('$')) {
    if (keys.length > 1) throw requestFailed(`an expression specification must contain exactly one field, the name of the expression. Found ${keys.length} fields`);
    checkOperator(operator, known.expressions, `Unrecognized expression '${operator}'`);
    // $literal's argument is data, even where it looks like an expression.
    if (operator !== '$literal') checkExpression(expression[operator], known);
    return;
  }
  for (const key of keys) checkExpression(expression[key], known);
}

/** A query, as where() takes it: field conditions, $and/$or/$nor of queries, $expr of an expression. */
function checkQuery(query: unknown, known: KnownOperators): void {
  if (!isPlainObject(query)) throw requestFailed('the match filter must be an expression in an object');
  for (const [key, value] of Object.entries(query)) {
    if (key.startsWith('$')) {
      checkOperator(key, known.query, `unknown top level operator: ${key}`);
      if (key === '$expr') checkExpression(value, known);
      else if (Array.isArray(value)) for (const clause of value) checkQuery(clause, known);
    } else if (isPlainObject(value) && Object.keys(value).some((operator) => operator.startsWith('$'))) {
      checkConditions(value, known);
    }
  }
}

/** A field's conditions: { $gt: 1, $lt: 5 }, { $elemMatch: <query> }, { $not: <conditions> }. */
function checkConditions(conditions: Document, known: KnownOperators): void {
  for (const [operator, argument] of Object.entries(conditions)) {
    // $options belongs to $regex ({ $regex, $options }), not an operator of its own.
    if (operator === '$options' && Object.hasOwn(conditions, '$regex')) continue;
    checkOperator(operator, known.query, `unknown operator: ${operator}`);
    if (operator === '$elemMatch' && isPlainObject(argument)) checkQuery(argument, known);
    if (operator === '$not' && isPlainObject(argument)) checkConditions(argument, known);
  }
}

function checkAccumulators(fields: Document, known: KnownOperators): void {
  for (const [field, value] of Object.entries(fields)) {
    if (field === '_id') continue;
    const operators = isPlainObject(value) ? Object.keys(value) : [];
    if (operators.length !== 1) throw requestFailed(`The field '${field}' must be an accumulator object`);
    const operator = operators[0]!;
    checkOperator(operator, known.accumulators, `unknown group operator '${operator}'`);
    checkExpression((value as Document)[operator], known);
  }
}

function checkSort(spec: unknown): void {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) throw requestFailed('$sort stage must have at least one sort key');
  for (const direction of Object.values(spec)) {
    if (direction !== 1 && direction !== -1) throw requestFailed('$sort key ordering must be 1 (for ascending) or -1 (for descending)');
  }
}

function checkLookup(spec: unknown, known: KnownOperators): void {
  if (!isPlainObject(spec)) throw requestFailed('the $lookup specification must be an object');
  if (typeof spec.from !== 'string') throw requestFailed("missing 'from' option to $lookup stage specification");
  if (typeof spec.as !== 'string') throw requestFailed("must specify 'as' field for a $lookup");
  if (spec.let !== undefined) checkExpression(spec.let, known);
  if (spec.pipeline !== undefined) {
    if (!Array.isArray(spec.pipeline)) throw requestFailed("$lookup argument 'pipeline' must be an array");
    checkPipeline(spec.pipeline, known);
  } else if (typeof spec.localField !== 'string' || typeof spec.foreignField !== 'string') {
    throw requestFailed("$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified");
  }
}
