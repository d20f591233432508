import type { CollectionName, DocumentOf } from '../schema';
import type { Database, WxCloud } from './platform';

/**
 * A typed face over wx-server-sdk's database (whose own typings return `Promise | void | string`).
 * It adds nothing to the wire: every call here is exactly one cloud database request, which is what
 * the round-trip counts in `npm run bench` measure.
 */

export interface BaseDoc {
  _id: string;
}

/** A document to write: every field but `_id`, which the caller may choose (kept apart per kind of a union). */
export type NewDocument<T> = T extends unknown ? Omit<T, '_id'> & { _id?: string } : never;
/** A whole document written over an id. */
export type DocumentBody<T> = T extends unknown ? Omit<T, '_id'> : never;

/** A whole query made of other queries (`_.or(...)`, `_.and(...)` at the top level). */
export interface QueryCommand {
  readonly __queryCommand: true;
}

export type Query = Record<string, unknown> | QueryCommand;
export type Patch = Record<string, unknown>;
export type SortOrder = readonly (readonly [field: string, direction: 'asc' | 'desc'])[];

export interface FindOptions {
  orderBy?: SortOrder;
  skip?: number;
  /** The cloud returns at most 100 documents by default and 1,000 from the server SDK. */
  limit?: number;
  fields?: readonly string[];
}

/** The most documents one read returns from the server SDK. */
export const MAX_READ = 1000;

/**
 * One stage of an aggregation, as the cloud's `aggregate()` builder takes it (`{ match: {...} }` is
 * `.match({...})`). Group and project expressions use the operators of `aggregateOperators`.
 */
export type AggregateStage =
  | { match: Query }
  | { group: Record<string, unknown> }
  | { project: Record<string, unknown> }
  | { addFields: Record<string, unknown> }
  | { sort: Record<string, 1 | -1> }
  | { lookup: { from: CollectionName; localField?: string; foreignField?: string; as: string; let?: Record<string, unknown>; pipeline?: unknown } }
  | { unwind: string | Record<string, unknown> }
  | { skip: number }
  | { limit: number }
  | { count: string };

export interface Collection<T extends BaseDoc> {
  find(query: Query, options?: FindOptions): Promise<T[]>;
  /**
   * Every matching document, read MAX_READ at a time in `_id` order (one read when there are
   * fewer): for lists that must be whole, such as a student's bills.
   */
  findAll(query: Query, options?: Pick<FindOptions, 'fields'>): Promise<T[]>;
  findOne(query: Query): Promise<T | null>;
  findById(id: string): Promise<T | null>;
  insert(doc: NewDocument<T>): Promise<string>;
  /** Many documents in one request (an import's rows); their ids in the same order. */
  insertMany(docs: readonly NewDocument<T>[]): Promise<string[]>;
  /** Creates or replaces the document with this id. */
  setById(id: string, doc: DocumentBody<T>): Promise<void>;
  /** Updates one document by id; returns how many changed (0 when it does not exist or already had these values). */
  updateById(id: string, patch: Patch): Promise<number>;
  updateWhere(query: Query, patch: Patch): Promise<number>;
  removeById(id: string): Promise<number>;
  removeWhere(query: Query): Promise<number>;
  count(query: Query): Promise<number>;
  /**
   * One aggregation, one request. The cloud returns 20 results unless the pipeline ends in a
   * `limit`, so give one whenever more could come back.
   */
  aggregate<R>(pipeline: readonly AggregateStage[]): Promise<R[]>;
}

interface RawQuery {
  where(query: Query): RawQuery;
  orderBy(field: string, direction: string): RawQuery;
  skip(n: number): RawQuery;
  limit(n: number): RawQuery;
  field(projection: Record<string, boolean>): RawQuery;
  get(): Promise<{ data: unknown[] }>;
  count(): Promise<{ total: number }>;
  update(options: { data: Patch }): Promise<{ stats: { updated: number } }>;
  remove(): Promise<{ stats: { removed: number } }>;
}

interface RawDoc {
  get(): Promise<{ data: unknown }>;
  set(options: { data: unknown }): Promise<unknown>;
  update(options: { data: Patch }): Promise<{ stats: { updated: number } }>;
  remove(): Promise<{ stats: { removed: number } }>;
}

type RawAggregate = { [stage: string]: (value: unknown) => RawAggregate } & { end(): Promise<{ list: unknown[] }> };

interface RawCollection extends RawQuery {
  doc(id: string): RawDoc;
  aggregate(): RawAggregate;
  add(options: { data: unknown }): Promise<{ _id: string; _ids?: string[] }>;
}

const raw = (db: Database | RawTransaction, name: string): RawCollection =>
  (db as unknown as { collection(name: string): RawCollection }).collection(name);

/** The collection, typed by its entry in the schema's registry. */
export function collection<N extends CollectionName>(db: Database, name: N): Collection<DocumentOf<N>> {
  return collectionOf<DocumentOf<N>>(db, name);
}

function collectionOf<T extends BaseDoc>(db: Database, name: CollectionName): Collection<T> {
  const coll = (): RawCollection => raw(db, name);
  const find = async (query: Query, options: FindOptions = {}): Promise<T[]> => {
    let q: RawQuery = coll().where(query);
    for (const [field, direction] of options.orderBy ?? []) q = q.orderBy(field, direction);
    if (options.skip) q = q.skip(options.skip);
    if (options.limit) q = q.limit(options.limit);
    if (options.fields) q = q.field(Object.fromEntries(options.fields.map((f) => [f, true])));
    return (await q.get()).data as T[];
  };
  const findAll = async (query: Query, options: Pick<FindOptions, 'fields'> = {}): Promise<T[]> => {
    const _ = commands(db);
    const all: T[] = [];
    for (let after: string | null = null; ; ) {
      // Keyset paging: each page starts after the last id seen, so documents added meanwhile
      // neither repeat nor shift the pages.
      const page = await find(after === null ? query : { ...query, _id: _.gt(after) }, { ...options, orderBy: [['_id', 'asc']], limit: MAX_READ });
      all.push(...page);
      if (page.length < MAX_READ) return all;
      after = page[page.length - 1]!._id;
    }
  };
  return {
    find,
    findAll,
    findOne: async (query) => (await find(query, { limit: 1 }))[0] ?? null,
    findById: async (id) => (await find({ _id: id }, { limit: 1 }))[0] ?? null,
    insert: async (doc) => (await coll().add({ data: doc }))._id,
    insertMany: async (docs) => (docs.length === 0 ? [] : ((await coll().add({ data: [...docs] }))._ids ?? [])),
    setById: async (id, doc) => {
      await coll().doc(id).set({ data: doc });
    },
    updateById: async (id, patch) => (await coll().where({ _id: id }).update({ data: patch })).stats.updated,
    updateWhere: async (query, patch) => (await coll().where(query).update({ data: patch })).stats.updated,
    removeById: async (id) => (await coll().where({ _id: id }).remove()).stats.removed,
    removeWhere: async (query) => (await coll().where(query).remove()).stats.removed,
    count: async (query) => (await coll().where(query).count()).total,
    aggregate: async <R>(pipeline: readonly AggregateStage[]) => {
      let builder = coll().aggregate();
      for (const stage of pipeline) {
        const [name, value] = Object.entries(stage)[0] as [string, unknown];
        builder = builder[name]!(value);
      }
      return (await builder.end()).list as R[];
    },
  };
}

/** The aggregation operators (`$.sum`, `$.cond`, `$.eq` …) of the cloud's `db.command.aggregate`. */
export function aggregateOperators(db: Database): Record<string, (...args: unknown[]) => unknown> {
  return (db as unknown as { command: { aggregate: Record<string, (...args: unknown[]) => unknown> } }).command.aggregate;
}

interface RawTransaction {
  collection(name: string): RawCollection;
}

/** Document operations inside a transaction (the cloud allows only doc-level operations there). */
export interface Transaction {
  get<N extends CollectionName>(name: N, id: string): Promise<DocumentOf<N> | null>;
  insert<N extends CollectionName>(name: N, doc: NewDocument<DocumentOf<N>>): Promise<string>;
  /** Creates or replaces the whole document. */
  set<N extends CollectionName>(name: N, id: string, doc: DocumentBody<DocumentOf<N>>): Promise<void>;
  update(name: CollectionName, id: string, patch: Patch): Promise<void>;
  remove(name: CollectionName, id: string): Promise<void>;
}

const isMissingDocument = (error: unknown): boolean =>
  /not exist|does not exist|cannot find document/i.test(String((error as { errMsg?: string })?.errMsg ?? error));

function wrapTransaction(tx: RawTransaction): Transaction {
  return {
    async get<N extends CollectionName>(name: N, id: string) {
      try {
        const res = await raw(tx, name).doc(id).get();
        return (res.data as DocumentOf<N> | null) ?? null;
      } catch (error) {
        if (isMissingDocument(error)) return null;
        throw error;
      }
    },
    async insert(name, doc) {
      return (await raw(tx, name).add({ data: doc }))._id;
    },
    async set(name, id, doc) {
      await raw(tx, name).doc(id).set({ data: doc });
    },
    async update(name, id, patch) {
      await raw(tx, name).doc(id).update({ data: patch });
    },
    async remove(name, id) {
      await raw(tx, name).doc(id).remove();
    },
  };
}

/**
 * All or nothing. A callback that throws aborts the transaction and rethrows the same error, so an
 * AppError raised inside reaches the user unchanged.
 */
export async function transaction<R>(db: Database, run: (tx: Transaction) => Promise<R>): Promise<R> {
  const marker = { error: undefined as unknown };
  try {
    return (await db.runTransaction(async (tx: RawTransaction) => {
      try {
        return await run(wrapTransaction(tx));
      } catch (error) {
        marker.error = error;
        throw error;
      }
    })) as R;
  } catch (error) {
    throw marker.error ?? error;
  }
}

/** Update operators, typed, so handlers never reach for the untyped `db.command`. */
export function commands(db: Database) {
  const _ = (db as unknown as { command: Record<string, (...args: unknown[]) => unknown> }).command;
  return {
    inc: (n: number) => _.inc!(n),
    in: (values: readonly unknown[]) => _.in!(values),
    nin: (values: readonly unknown[]) => _.nin!(values),
    neq: (value: unknown) => _.neq!(value),
    lt: (value: unknown) => _.lt!(value),
    lte: (value: unknown) => _.lte!(value),
    gt: (value: unknown) => _.gt!(value),
    gte: (value: unknown) => _.gte!(value),
    exists: (value: boolean) => _.exists!(value),
    push: (values: readonly unknown[]) => _.push!(values),
    pull: (value: unknown) => _.pull!(value),
    remove: () => _.remove!(),
    /** Replaces a field whole (an object written over null or over another object is not merged into it). */
    set: (value: unknown) => _.set!(value),
    and: (...conditions: unknown[]) => _.and!(...conditions) as QueryCommand,
    or: (...conditions: unknown[]) => _.or!(...conditions) as QueryCommand,
  };
}

/** `cloud.init` typed the way the platform accepts it (the SDK's typings reject the env symbol). */
export function initCloud(cloud: WxCloud): void {
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
}
