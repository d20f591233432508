/**
 * Aggregation (`collection.aggregate()…end()`), run by mingo's Aggregator with only what the
 * cloud offers registered: the stages @cloudbase/database's Aggregation can send and the operators
 * of `db.command.aggregate`, after aggregate-rules.ts has refused what the cloud refuses.
 *
 * What is the cloud's own stays here: a pipeline without $limit returns at most 20 documents (the
 * cloud's default, in cloud functions too, as developers measured it: a report grouping 24
 * colleges without .limit() silently shows 20), and no server-side scripts.
 */
import type * as MingoAggregator from 'mingo/types/aggregator';
import type * as MingoCore from 'mingo/types/core';
import type * as MingoQueryOperators from 'mingo/types/operators/query';
import type { Options as MingoOptions } from 'mingo/types/types';
import { checkPipeline, type KnownOperators } from './aggregate-rules';
import { requestFailed } from './errors';
import { compileQuery } from './query';
import { deepClone, isPlainObject, type Document } from './ejson';

/** An operator as mingo calls it (mingo's own operator types are too intricate for TypeScript to compare). */
type Operator = (doc: Document, expression: unknown, options: MingoOptions) => unknown;
type OperatorModule = Readonly<Record<string, Operator>>;
type ContextOperators = NonNullable<Parameters<typeof Context.init>[0]>;

// As in query.ts: mingo's lean entry points (each loads one group of operators), through require
// because the "node" module resolution of tsconfig.base.json does not read package exports.
/* eslint-disable @typescript-eslint/no-require-imports */
const { Context, evalExpr } = require('mingo/core') as typeof MingoCore;
const { Aggregator } = require('mingo/aggregator') as typeof MingoAggregator;
const queryOperators = require('mingo/operators/query') as typeof MingoQueryOperators;
const pipelineModule = require('mingo/operators/pipeline') as OperatorModule;
const accumulatorModule = require('mingo/operators/accumulator') as OperatorModule;
const expressionModules: Readonly<Record<string, OperatorModule>> = {
  arithmetic: require('mingo/operators/expression/arithmetic'),
  array: require('mingo/operators/expression/array'),
  boolean: require('mingo/operators/expression/boolean'),
  comparison: require('mingo/operators/expression/comparison'),
  conditional: require('mingo/operators/expression/conditional'),
  date: require('mingo/operators/expression/date'),
  object: require('mingo/operators/expression/object'),
  set: require('mingo/operators/expression/set'),
  string: require('mingo/operators/expression/string'),
  variable: require('mingo/operators/expression/variable'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The cloud's answer holds at most this many documents unless the pipeline has a $limit. */
const DEFAULT_AGGREGATE_LIMIT = 20;

/** The stages @cloudbase/database's Aggregation can send, less $geoNear (refused in aggregate-rules.ts). */
const STAGES = [
  '$addFields', '$bucket', '$bucketAuto', '$count', '$group', '$limit', '$lookup', '$match',
  '$project', '$replaceRoot', '$sample', '$skip', '$sort', '$sortByCount', '$unwind',
];

/** db.command.aggregate's accumulators: the cloud documents them as the only ones $group takes. */
const ACCUMULATORS = ['$addToSet', '$avg', '$first', '$last', '$max', '$min', '$push', '$stdDevPop', '$stdDevSamp', '$sum'];

/** db.command.aggregate's other operators (its neq is sent as $ne), by the mingo module that has them. */
const EXPRESSIONS_BY_GROUP: Readonly<Record<string, readonly string[]>> = {
  arithmetic: ['$abs', '$add', '$ceil', '$divide', '$exp', '$floor', '$ln', '$log', '$log10', '$mod', '$multiply', '$pow', '$sqrt', '$subtract', '$trunc'],
  array: [
    '$arrayElemAt', '$arrayToObject', '$concatArrays', '$filter', '$in', '$indexOfArray', '$isArray', '$map', '$range',
    '$reduce', '$reverseArray', '$size', '$slice', '$zip',
  ],
  boolean: ['$and', '$not', '$or'],
  comparison: ['$cmp', '$eq', '$gt', '$gte', '$lt', '$lte', '$ne'],
  conditional: ['$cond', '$ifNull', '$switch'],
  date: [
    '$dateFromParts', '$dateFromString', '$dateToString', '$dayOfMonth', '$dayOfWeek', '$dayOfYear', '$hour', '$isoDayOfWeek',
    '$isoWeek', '$isoWeekYear', '$millisecond', '$minute', '$month', '$second', '$week', '$year',
  ],
  object: ['$mergeObjects', '$objectToArray'],
  set: ['$allElementsTrue', '$anyElementTrue', '$setDifference', '$setEquals', '$setIntersection', '$setIsSubset', '$setUnion'],
  string: ['$concat', '$split', '$strcasecmp', '$strLenBytes', '$strLenCP', '$substr', '$substrBytes', '$substrCP', '$toLower', '$toUpper'],
  variable: ['$let'],
};

/** Fails at load, not on some later request, if a mingo upgrade drops an operator the cloud offers. */
function pick(module: OperatorModule, names: readonly string[]): Record<string, Operator> {
  return Object.fromEntries(
    names.map((name) => {
      const operator = module[name];
      if (!operator) throw new Error(`mingo no longer provides the ${name} operator`);
      return [name, operator];
    }),
  );
}

/**
 * $indexOfCP (missing from mingo) and $indexOfBytes (mingo's counts UTF-16 units): the position of
 * a substring counted in code points or in UTF-8 bytes, as MongoDB counts them.
 */
function indexOfOperator(name: string, unitsOf: (text: string) => readonly unknown[]): Operator {
  return (doc, expression, options) => {
    const [text, search, start = 0, end] = evalExpr(doc, expression, options) as unknown[];
    if (text === null || text === undefined) return null;
    if (typeof text !== 'string' || typeof search !== 'string') throw new Error(`${name} needs a string and a substring`);
    if (!Number.isInteger(start) || (start as number) < 0 || (end !== undefined && (!Number.isInteger(end) || (end as number) < 0))) {
      throw new Error(`${name}'s start and end must be non-negative integers`);
    }
    const units = unitsOf(text);
    const needle = unitsOf(search);
    const stop = Math.min((end as number | undefined) ?? units.length, units.length);
    for (let at = start as number; at + needle.length <= stop; at += 1) {
      if (needle.every((unit, offset) => units[at + offset] === unit)) return at;
    }
    return -1;
  };
}

const OWN_EXPRESSIONS: Record<string, Operator> = {
  $literal: (_doc, value) => value,
  $indexOfCP: indexOfOperator('$indexOfCP', (text) => Array.from(text)),
  $indexOfBytes: indexOfOperator('$indexOfBytes', (text) => [...Buffer.from(text, 'utf8')]),
};

const expressionOperators: Record<string, Operator> = {
  ...Object.fromEntries(Object.entries(EXPRESSIONS_BY_GROUP).flatMap(([group, names]) => Object.entries(pick(expressionModules[group] ?? {}, names)))),
  ...OWN_EXPRESSIONS,
};

const CONTEXT = Context.init({
  pipeline: pick(pipelineModule, STAGES),
  accumulator: pick(accumulatorModule, ACCUMULATORS),
  expression: expressionOperators,
  query: queryOperators,
} as unknown as ContextOperators);

const KNOWN: KnownOperators = {
  stages: new Set(STAGES),
  // Accumulators also work as expressions over arrays: { $sum: '$items.amount' } in $project.
  expressions: new Set([...Object.keys(expressionOperators), ...ACCUMULATORS]),
  accumulators: new Set(ACCUMULATORS),
  query: new Set(Object.keys(queryOperators)),
};

/** The documents of a collection by name ($lookup's from); none for a collection that does not exist. */
export type CollectionReader = (name: string) => readonly Document[];

/** A pipeline checked and ready to run. */
export interface Aggregation {
  /**
   * The pipeline's first stage when it is a $match: the caller may pass only the documents that
   * query can match (through an index), in natural order, instead of the whole collection.
   */
  readonly leadingMatch: Document | undefined;
  /**
   * Runs over a collection's stored documents without modifying them. The result may share
   * objects with them: serialize it, do not modify it.
   */
  run(docs: readonly Document[], collection: CollectionReader): Document[];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Stages that only read what they are given: mingo builds their output afresh or passes documents
 * on untouched. The others ($addFields, $project, $unwind, $replaceRoot) can write into their
 * input's nested objects, so a pipeline with one of them runs on copies of the stored documents;
 * copying 50,000 bills costs more than a dashboard's match-group-sort.
 */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$sort', '$limit', '$skip', '$count', '$sortByCount', '$sample', '$bucket', '$bucketAuto', '$lookup']);

function writesIntoInputs(pipeline: readonly unknown[]): boolean {
  return pipeline.some((stage) =>
    Object.entries(stage as Document).some(
      ([name, spec]) => !READ_ONLY_STAGES.has(name) || (name === '$lookup' && isPlainObject(spec) && Array.isArray(spec.pipeline) && writesIntoInputs(spec.pipeline)),
    ),
  );
}

type Projector = (doc: Document) => Document;

/**
 * A $project that only keeps top-level fields (`{ name: 1, college: true }`, `_id` kept unless
 * `_id: 0`), done here the way mingo does it (the fields in sorted order, a missing one left out,
 * `_id` last unless named) without copying the documents first: the import looks up thousands of
 * students per request this way.
 */
function fieldPicker(stage: Document): Projector | undefined {
  const spec = stage.$project;
  if (!isPlainObject(spec)) return undefined;
  let keepId = true;
  const fields: string[] = [];
  for (const [field, value] of Object.entries(spec)) {
    if (!/^[A-Za-z0-9_]+$/.test(field)) return undefined;
    if (field === '_id' && (value === 0 || value === false)) keepId = false;
    else if (value === 1 || value === true) fields.push(field);
    else return undefined;
  }
  if (fields.length === 0) return undefined;
  fields.sort();
  const idNamed = fields.includes('_id');
  return (doc) => {
    const picked: Document = {};
    for (const field of fields) {
      const value = Object.hasOwn(doc, field) ? doc[field] : undefined;
      if (value !== undefined) picked[field] = value;
    }
    if (keepId && !idNamed && Object.hasOwn(doc, '_id')) picked._id = doc._id;
    return picked;
  };
}

const copier = (pipeline: readonly unknown[]) =>
  writesIntoInputs(pipeline)
    ? (docs: readonly Document[]): Document[] => docs.map((doc) => deepClone(doc))
    : (docs: readonly Document[]): Document[] => [...docs];

/** Checks a pipeline the way the cloud does (throwing its error) and prepares it to run. */
export function compileAggregation(pipeline: readonly Document[]): Aggregation {
  checkPipeline(pipeline, KNOWN);
  const copyOf = copier(pipeline);
  // Leading $match stages run on the stored documents: only their matches need copying.
  const firstOther = pipeline.findIndex((stage) => !Object.hasOwn(stage, '$match'));
  const matches = firstOther === -1 ? [...pipeline] : pipeline.slice(0, firstOther);
  const following = firstOther === -1 ? [] : pipeline.slice(firstOther);
  // A field-picking $project right after them makes new documents, so what follows it needs copies only if it writes.
  const picker = following.length > 0 ? fieldPicker(following[0]!) : undefined;
  const rest = picker ? following.slice(1) : following;
  const copyRest = picker ? copier(rest) : copyOf;
  const limited = pipeline.some((stage) => Object.hasOwn(stage, '$limit')) ? rest : [...rest, { $limit: DEFAULT_AGGREGATE_LIMIT }];
  const predicates = matches.map((stage) => compileQuery(stage.$match as Document));
  return {
    leadingMatch: matches.length > 0 && isPlainObject(matches[0]!.$match) ? matches[0]!.$match : undefined,
    run(docs, collection) {
      const options = { context: CONTEXT, scriptEnabled: false, collectionResolver: (name: string) => copyOf(collection(name)) };
      try {
        // The same query engine as find(): a leading $match is a query on the stored documents.
        const matched = matches.length > 0 ? docs.filter((doc) => predicates.every((predicate) => predicate(doc))) : docs;
        return new Aggregator(limited, options).run<Document>(copyRest(picker ? matched.map(picker) : matched));
      } catch (error) {
        throw requestFailed(messageOf(error));
      }
    },
  };
}
