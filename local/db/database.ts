/**
 * The local cloud's database: it executes the requests that the genuine @cloudbase/database (under
 * wx-server-sdk) sends through `Db.reqClass`, against durable nedb files, and answers in the cloud's
 * response shapes so that everything above the transport is production code.
 *
 * Concurrency, in one process:
 * - every individual operation (a query, a write, a commit) runs alone in `gate`, so no reader ever
 *   sees a commit half applied;
 * - transactions run one at a time, in arrival order (`transactionLock`), from start to
 *   commit/abort, with their writes buffered in a `Transaction`;
 * - a write from outside the transaction that touches a document the running transaction has read or
 *   written waits until the transaction ends (the cloud's "事务锁": plain writes block until the lock
 *   is released or times out). Other writes go ahead.
 * A transaction that does not finish within `transactionTimeoutMs` is rolled back and its lock
 * released, which also frees a write issued from inside its own callback.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Db } from '@cloudbase/database';
import { compileAggregation } from './aggregate';
import {
  DatabaseError,
  collectionNotExist,
  invalidParam,
  nextRequestId,
  requestFailed,
  unsupportedOperator,
} from './errors';
import { deepClone, isPlainObject, parseEjsonParam, stringifyEjson, type Document } from './ejson';
import { newDocumentId, newTransactionId } from './ids';
import { FifoLock, SerialGate } from './locks';
import { compileQuery, pageOf, sortSpecOf } from './query';
import { CollectionStore, isValidCollectionName, type CollectionDefinition, type DocumentId } from './store';
import { Transaction, type DocumentChange } from './transaction';
import { updateTransform, upsertBase } from './update';

/** Receives every request the SDK makes (one per round trip to the cloud database). */
export type RoundTripListener = (action: string, collection?: string) => void;

export interface OpenLocalDatabaseOptions {
  /** Directory of the collection files (one `<collection>.db` each); created if missing. */
  readonly dir: string;
  /** The collections that exist, with their unique indexes: pass ALL_COLLECTIONS from the schema. */
  readonly collections: readonly CollectionDefinition[];
  /** The clock `db.serverDate()` reads (the local cloud's movable clock); default Date.now. */
  readonly now?: () => number;
  /** A transaction not committed or aborted within this is rolled back (the cloud allows 30 s). */
  readonly transactionTimeoutMs?: number;
  /** How long a transaction start, or a write blocked by a transaction's lock, may wait. */
  readonly lockWaitTimeoutMs?: number;
}

export interface LocalDatabase {
  /** Routes every wx-server-sdk / @cloudbase/database request in this process to this database. */
  install(): void;
  /** Adds a listener for round trips; returns its removal. */
  onRoundTrip(listener: RoundTripListener): () => void;
  /**
   * Milliseconds spent answering requests since the database opened, each request from its
   * arrival to its answer (requests answered at the same time each count): what a run spent in
   * the database itself rather than in the SDK or the functions.
   */
  answeringTime(): number;
  collectionNames(): string[];
  /** Creates an empty collection without indexes (the console's "新建集合"). */
  createCollection(name: string): Promise<void>;
  /** Every document of a collection in natural order, as stored (for tests and debugging). */
  dump(collection: string): Promise<Document[]>;
  /** Rolls back open transactions, finishes pending writes and compacts the files. */
  close(): Promise<void>;
}

type Params = Record<string, unknown>;
type Payload = Record<string, unknown>;

interface LocalRequestClass {
  new (config?: unknown): { send(action: string, params?: Params): Promise<unknown> };
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;
const DEFAULT_LOCK_WAIT_TIMEOUT_MS = 60_000;
const REMEMBERED_EXPIRED_TRANSACTIONS = 100;

type WritePlan<T> = { readonly targets: readonly DocumentId[]; readonly execute: () => Promise<T> };
type GatedOutcome<T> = { readonly result: T } | { readonly blockedBy: Transaction };

export async function openLocalDatabase(options: OpenLocalDatabaseOptions): Promise<LocalDatabase> {
  await mkdir(options.dir, { recursive: true });
  const definitions = new Map<string, CollectionDefinition>();
  for (const definition of options.collections) definitions.set(definition.name, definition);
  // Collections created at run time (createCollection) have a file but no schema entry.
  for (const file of await readdir(options.dir)) {
    const name = file.endsWith('.db') ? file.slice(0, -'.db'.length) : '';
    if (isValidCollectionName(name) && !definitions.has(name)) definitions.set(name, { name, indexes: [] });
  }
  const stores = new Map<string, CollectionStore>();
  for (const definition of definitions.values()) stores.set(definition.name, await CollectionStore.open(options.dir, definition));
  return new LocalDatabaseEngine(options, stores);
}

class LocalDatabaseEngine implements LocalDatabase {
  private readonly gate = new SerialGate();
  private readonly transactionLock = new FifoLock();
  private readonly transactions = new Map<string, Transaction>();
  private readonly expiredTransactionIds: string[] = [];
  private activeTransaction: Transaction | null = null;
  private readonly listeners = new Set<RoundTripListener>();
  private readonly requestClass: LocalRequestClass;
  private readonly now: () => number;
  private readonly transactionTimeoutMs: number;
  private readonly lockWaitTimeoutMs: number;
  private closed = false;
  private answeringMs = 0;

  constructor(
    private readonly options: OpenLocalDatabaseOptions,
    private readonly stores: Map<string, CollectionStore>,
  ) {
    this.now = options.now ?? Date.now;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    this.lockWaitTimeoutMs = options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS;
    const send = (action: string, params?: Params): Promise<unknown> => this.send(action, params);
    // What @cloudbase/database instantiates for every request: `new Db.reqClass(config).send(action, params)`.
    this.requestClass = class LocalRequest {
      send(action: string, params?: Params): Promise<unknown> {
        return send(action, params);
      }
    };
  }

  install(): void {
    const requestClass = this.requestClass;
    // @cloudbase/node-sdk assigns Db.reqClass on every cloud.database() call; the setter ignores that.
    Object.defineProperty(Db, 'reqClass', { configurable: true, get: () => requestClass, set: () => undefined });
  }

  onRoundTrip(listener: RoundTripListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  answeringTime(): number {
    return this.answeringMs;
  }

  collectionNames(): string[] {
    return [...this.stores.keys()].sort();
  }

  createCollection(name: string): Promise<void> {
    return this.gate.run(async () => {
      if (!isValidCollectionName(name)) throw invalidParam(`invalid collection name ${JSON.stringify(name)}`);
      if (this.stores.has(name)) throw new DatabaseError('DATABASE_COLLECTION_ALREADY_EXIST', `Table exist: ${name}`);
      this.stores.set(name, await CollectionStore.open(this.options.dir, { name, indexes: [] }));
    });
  }

  dump(collection: string): Promise<Document[]> {
    return this.gate.run(() => this.requireStore(collection).all().map((doc) => deepClone(doc)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactionLock.rejectAll(() => requestFailed('the local database is closed'));
    await this.gate.run(() => undefined);
    for (const transaction of [...this.transactions.values()]) {
      if (transaction.status === 'active') this.endTransaction(transaction);
    }
    await this.gate.run(async () => {
      for (const store of this.stores.values()) await store.compact();
    });
  }

  /** Synchronous up to the listeners, so they run in the caller's async context (AsyncLocalStorage). */
  private send(action: string, params?: Params): Promise<unknown> {
    const collection = typeof params?.collectionName === 'string' ? params.collectionName : undefined;
    for (const listener of this.listeners) {
      try {
        listener(action, collection);
      } catch {
        // Counting is best effort; a failing listener must not fail the request it observes.
      }
    }
    const arrived = performance.now();
    const answered = (): void => {
      this.answeringMs += performance.now() - arrived;
    };
    return this.dispatch(action, params ?? {}).then(
      (payload) => {
        answered();
        return { ...payload, requestId: nextRequestId() };
      },
      (error: unknown) => {
        answered();
        throw error;
      },
    );
  }

  private async dispatch(action: string, params: Params): Promise<Payload> {
    if (this.closed) throw requestFailed('the local database is closed');
    switch (action) {
      case 'database.getDocument':
        return this.getDocument(params);
      case 'database.insertDocument':
        return this.insertDocument(params);
      case 'database.modifyDocument':
        return this.modifyDocument(params);
      case 'database.removeDocument':
        return this.removeDocument(params);
      case 'database.calculateDocument':
        return this.calculateDocument(params);
      case 'database.aggregateDocuments':
        return this.aggregateDocuments(params);
      case 'database.startTransaction':
        return this.startTransaction();
      case 'database.commitTransaction':
        return this.commitTransaction(params);
      case 'database.abortTransaction':
        return this.abortTransaction(params);
      case 'database.addCollection':
        await this.createCollection(String(params.collectionName));
        return {};
      default:
        throw new DatabaseError('INVALID_ACTION', `the local database does not implement ${action}`);
    }
  }

  // ---- requests -------------------------------------------------------------------------------

  private async getDocument(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    const query = this.documentParam(params.query, 'query');
    const projection = this.documentParam(params.projection, 'projection');
    if (params.transactionId !== undefined) {
      const id = documentIdOf(query, params);
      const doc = await this.inTransaction(params.transactionId, (transaction) => transaction.read(store, id));
      const list = doc ? pageOf([doc], { order: {}, offset: 0, limit: 1, projection }).map(stringifyEjson) : [];
      return { data: { list, total: list.length, limit: 1, offset: 0 } };
    }
    const order = sortSpecOf(this.parsed(params.order));
    const offset = nonNegativeInteger(params.offset, 'offset', 0);
    const limit = Math.min(nonNegativeInteger(params.limit, 'limit', 0) || DEFAULT_LIMIT, MAX_LIMIT);
    return this.gate.run(() => {
      const matched = this.matching(store, query, params.queryType === 'DOC');
      const list = pageOf(matched, { order, offset, limit, projection }).map(stringifyEjson);
      return { data: { list, total: matched.length, limit, offset } };
    });
  }

  private async calculateDocument(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    const query = this.documentParam(params.query, 'query');
    if (params.transactionId !== undefined) throw notInTransaction();
    return this.gate.run(() => ({ data: { total: this.matching(store, query, params.queryType === 'DOC').length } }));
  }

  /** `aggregate()…end()`: `stages` is `[{ stageKey: '$match', stageValue: <EJSON or JSON text> }…]`. */
  private async aggregateDocuments(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    // The SDK sends aggregate() without the transaction's id, even from transaction.collection(),
    // so it reads committed data as the cloud does; a request naming a transaction is refused.
    if (params.transactionId !== undefined) throw unsupportedOperator('aggregate() cannot be used inside a transaction');
    const aggregation = compileAggregation(this.pipelineParam(params.stages));
    return this.gate.run(() => {
      const list = aggregation.run(candidates(store, aggregation.leadingMatch), (name) => this.stores.get(name)?.all() ?? []).map(stringifyEjson);
      return { data: { list } };
    });
  }

  private async insertDocument(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    if (!Array.isArray(params.data) || params.data.length === 0) throw invalidParam('data must be a non-empty array of documents');
    const docs = params.data.map((item) => withId(this.documentParam(item, 'data') ?? {}));
    const insertedIds = docs.map((doc) => doc._id as DocumentId);
    if (params.transactionId !== undefined) {
      await this.inTransaction(params.transactionId, (transaction) => {
        for (const doc of docs) transaction.insert(store, doc);
      });
    } else {
      await this.writeOutsideTransaction(() => ({ targets: insertedIds, execute: () => store.insert(docs) }), store);
    }
    return { data: { insertedIds } };
  }

  private async modifyDocument(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    const query = this.documentParam(params.query, 'query');
    const data = this.documentParam(params.data, 'data');
    if (!data) throw invalidParam('data must be an object');
    const merge = params.merge !== false;
    const upsert = params.upsert === true;
    const multi = params.multi !== false && params.queryType !== 'DOC';
    const transform = updateTransform(data, merge);
    const created = (id: DocumentId): Document => transform(upsertBase(id, query));

    if (params.transactionId !== undefined) {
      const id = documentIdOf(query, params);
      return this.inTransaction(params.transactionId, (transaction): Payload => {
        const current = transaction.read(store, id);
        if (current) {
          const next = transform(current);
          transaction.write(store, id, next);
          return { data: { updated: merge && isDeepStrictEqual(next, current) ? 0 : 1 } };
        }
        if (!upsert) return { data: { updated: 0 } };
        transaction.write(store, id, created(id));
        return { data: { updated: 0, upsert_id: id } };
      });
    }

    return this.writeOutsideTransaction((): WritePlan<Payload> => {
      const matched = this.matching(store, query, params.queryType === 'DOC');
      const targets = multi ? matched : matched.slice(0, 1);
      if (targets.length === 0) {
        if (!upsert) return { targets: [], execute: async () => ({ data: { updated: 0 } }) };
        const id = params.queryType === 'DOC' ? documentIdOf(query, params) : newDocumentId();
        return {
          targets: [id],
          execute: async () => {
            await this.applyChanges([{ store, id, before: null, after: created(id) }]);
            return { data: { updated: 0, upsert_id: id } };
          },
        };
      }
      return {
        targets: targets.map((doc) => doc._id as DocumentId),
        execute: async () => {
          const changes = targets.map((doc) => ({ store, id: doc._id as DocumentId, before: deepClone(doc), after: transform(doc) }));
          const changed = changes.filter((change) => !isDeepStrictEqual(change.before, change.after));
          await this.applyChanges(changed);
          // A replacement (doc.set) reports every existing document it hit; an update only those it changed.
          return { data: { updated: merge ? changed.length : changes.length } };
        },
      };
    }, store);
  }

  private async removeDocument(params: Params): Promise<Payload> {
    const store = this.requireStore(params.collectionName);
    const query = this.documentParam(params.query, 'query');
    if (params.transactionId !== undefined) {
      const id = documentIdOf(query, params);
      return this.inTransaction(params.transactionId, (transaction): Payload => {
        if (!transaction.read(store, id)) return { data: { deleted: 0 } };
        transaction.write(store, id, null);
        return { data: { deleted: 1 } };
      });
    }
    const multi = params.multi !== false && params.queryType !== 'DOC';
    return this.writeOutsideTransaction((): WritePlan<Payload> => {
      const matched = this.matching(store, query, params.queryType === 'DOC');
      const targets = multi ? matched : matched.slice(0, 1);
      return {
        targets: targets.map((doc) => doc._id as DocumentId),
        execute: async () => {
          await this.applyChanges(targets.map((doc) => ({ store, id: doc._id as DocumentId, before: deepClone(doc), after: null })));
          return { data: { deleted: targets.length } };
        },
      };
    }, store);
  }

  // ---- transactions ---------------------------------------------------------------------------

  private async startTransaction(): Promise<Payload> {
    await this.transactionLock.acquire(
      this.lockWaitTimeoutMs,
      () =>
        new DatabaseError(
          'DATABASE_TRANSACTION_CONFLICT',
          `waited ${this.lockWaitTimeoutMs} ms for other transactions to finish (the local database runs transactions one at a time)`,
        ),
    );
    if (this.closed) {
      this.transactionLock.release();
      throw requestFailed('the local database is closed');
    }
    const transaction = new Transaction(newTransactionId());
    this.transactions.set(transaction.id, transaction);
    this.activeTransaction = transaction;
    transaction.expiryTimer = setTimeout(() => this.expire(transaction), this.transactionTimeoutMs);
    transaction.expiryTimer.unref();
    return { transactionId: transaction.id };
  }

  private async commitTransaction(params: Params): Promise<Payload> {
    const transaction = this.transactionFor(params.transactionId);
    transaction.status = 'committing';
    clearTimeout(transaction.expiryTimer);
    try {
      await this.gate.run(() => this.applyChanges(transaction.changes()));
    } finally {
      this.endTransaction(transaction);
    }
    return {};
  }

  private async abortTransaction(params: Params): Promise<Payload> {
    this.endTransaction(this.transactionFor(params.transactionId));
    return {};
  }

  /** Runs a transactional read or buffered write alone, against a transaction that is still open. */
  private inTransaction<T>(transactionId: unknown, operation: (transaction: Transaction) => T): Promise<T> {
    const transaction = this.transactionFor(transactionId);
    return this.gate.run(() => operation(this.transactionFor(transaction.id)));
  }

  private transactionFor(transactionId: unknown): Transaction {
    if (typeof transactionId !== 'string') throw invalidParam('transactionId must be a string');
    const transaction = this.transactions.get(transactionId);
    if (transaction && transaction.status === 'active') return transaction;
    const reason = this.expiredTransactionIds.includes(transactionId)
      ? `it was rolled back because it was not committed or aborted within ${this.transactionTimeoutMs} ms`
      : 'it was already committed or aborted';
    return failTransaction(`transaction ${transactionId} does not exist: ${reason}`);
  }

  private expire(transaction: Transaction): void {
    if (transaction.status !== 'active') return;
    this.expiredTransactionIds.push(transaction.id);
    if (this.expiredTransactionIds.length > REMEMBERED_EXPIRED_TRANSACTIONS) this.expiredTransactionIds.shift();
    this.endTransaction(transaction);
  }

  private endTransaction(transaction: Transaction): void {
    if (transaction.status === 'ended') return;
    transaction.finish();
    this.transactions.delete(transaction.id);
    if (this.activeTransaction === transaction) this.activeTransaction = null;
    this.transactionLock.release();
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Plans (inside the gate, so the plan sees the current data) and executes a write, unless the
   * running transaction holds one of its documents: then waits for that transaction to end and
   * plans again.
   */
  private async writeOutsideTransaction<T>(plan: () => WritePlan<T>, store: CollectionStore): Promise<T> {
    const deadline = Date.now() + this.lockWaitTimeoutMs;
    for (;;) {
      const outcome = await this.gate.run(async (): Promise<GatedOutcome<T>> => {
        if (this.closed) throw requestFailed('the local database is closed');
        const { targets, execute } = plan();
        const holder = this.activeTransaction;
        if (holder && holder.touches(store, targets)) return { blockedBy: holder };
        return { result: await execute() };
      });
      if ('result' in outcome) return outcome.result;
      await this.waitForEnd(outcome.blockedBy, deadline);
    }
  }

  private async waitForEnd(transaction: Transaction, deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), Math.max(deadline - Date.now(), 0));
    });
    try {
      if (await Promise.race([transaction.ended.then(() => false), timedOut])) {
        throw requestFailed(
          `waited ${this.lockWaitTimeoutMs} ms for transaction ${transaction.id}, which holds a lock on a document this write touches`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Applies changes all or nothing: if one fails, the ones already applied are put back. Runs inside the gate. */
  private async applyChanges(changes: readonly DocumentChange[]): Promise<void> {
    // Removals first, then replacements, then insertions, so a key freed in the same batch can be reused.
    const rank = (change: DocumentChange): number => (!change.after ? 0 : change.before ? 1 : 2);
    const ordered = [...changes].sort((a, b) => rank(a) - rank(b));
    // New documents go in one write per collection (all or none of them).
    const insertions = new Map<CollectionStore, DocumentChange[]>();
    for (const change of ordered) {
      if (change.before || !change.after) continue;
      const inserted = insertions.get(change.store);
      if (inserted) inserted.push(change);
      else insertions.set(change.store, [change]);
    }
    const undo: (() => Promise<void>)[] = [];
    try {
      for (const { store, id, before, after } of ordered) {
        if (before && !after) {
          await store.remove(id);
          undo.push(() => store.insert([before]));
        } else if (before && after) {
          await store.replace(after);
          undo.push(() => store.replace(before));
        }
      }
      for (const [store, inserted] of insertions) {
        await store.insert(inserted.map((change) => change.after!));
        undo.push(async () => {
          for (const change of inserted) await store.remove(change.id);
        });
      }
    } catch (error) {
      for (const revert of undo.reverse()) {
        try {
          await revert();
        } catch {
          // Best effort: the failure being reported matters more than a failed undo.
        }
      }
      throw error;
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private requireStore(name: unknown): CollectionStore {
    if (typeof name !== 'string' || name === '') throw invalidParam('collectionName is required');
    const store = this.stores.get(name);
    if (!store) throw collectionNotExist(name);
    return store;
  }

  private parsed(value: unknown): unknown {
    return parseEjsonParam(value, this.now());
  }

  private documentParam(value: unknown, name: string): Document | undefined {
    const parsed = this.parsed(value);
    if (parsed !== undefined && !isPlainObject(parsed)) throw invalidParam(`${name} must be an object`);
    return parsed;
  }

  private pipelineParam(stages: unknown): Document[] {
    if (!Array.isArray(stages)) throw invalidParam('stages must be an array');
    return stages.map((stage: unknown) => {
      const { stageKey, stageValue } = isPlainObject(stage) ? stage : {};
      if (typeof stageKey !== 'string') throw invalidParam('every stage needs a stageKey');
      return { [stageKey]: this.parsed(stageValue) };
    });
  }

  /** Documents matching a query, in natural order; an `_id` equality is looked up directly. */
  private matching(store: CollectionStore, query: Document | undefined, byDocument: boolean): Document[] {
    const matches = compileQuery(query);
    const id = query?._id;
    if (typeof id === 'string' || typeof id === 'number') {
      const doc = store.byId(id);
      return doc && matches(doc) ? [doc] : [];
    }
    if (byDocument) throw invalidParam('a document operation needs { _id }');
    return candidates(store, query).filter(matches);
  }
}

function failTransaction(message: string): never {
  throw new DatabaseError('DATABASE_TRANSACTION_FAIL', message);
}

function notInTransaction(): DatabaseError {
  return unsupportedOperator(
    'a transaction supports only single-document operations (doc().get/set/update/remove and add); where() cannot be used inside a transaction',
  );
}

function documentIdOf(query: Document | undefined, params: Params): DocumentId {
  if (params.queryType !== 'DOC') throw notInTransaction();
  const id = query?._id;
  if (typeof id === 'string' || typeof id === 'number') return id;
  throw invalidParam('a document operation needs { _id }');
}

function nonNegativeInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalidParam(`${name} must be a non-negative integer`);
  return value;
}

/** `_id` first, as the cloud stores it; a new id when the caller gave none. */
function withId(doc: Document): Document {
  const id = doc._id ?? newDocumentId();
  if (typeof id !== 'string' && typeof id !== 'number') throw invalidParam('_id must be a string or a number');
  if (id === '') throw invalidParam('_id must not be empty');
  let firstField: string | undefined;
  for (const field in doc) {
    firstField = field;
    break;
  }
  if (firstField === '_id' && doc._id === id) return doc;
  // Copied field by field: deleting `_id` from a copy would make every later access to it slow.
  const ordered: Document = { _id: id };
  for (const field of Object.keys(doc)) if (field !== '_id') ordered[field] = doc[field];
  return ordered;
}

type Primitive = string | number | boolean;
const isPrimitive = (value: unknown): value is Primitive => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * The documents a query can match, in natural order: through `_id` or a unique index when the
 * query names one with an equality or an `$in` of plain values, otherwise all of them. The query
 * itself is still applied to what this returns.
 */
function candidates(store: CollectionStore, query: Document | undefined): readonly Document[] {
  for (const [field, condition] of Object.entries(query ?? {})) {
    if (field.startsWith('$')) continue;
    let values: readonly unknown[] | undefined;
    if (isPrimitive(condition)) values = [condition];
    else if (isPlainObject(condition) && Object.keys(condition).length === 1 && Array.isArray(condition.$in)) values = condition.$in;
    if (!values || !values.every(isPrimitive)) continue;
    const found = store.lookup(field, values);
    if (found) return found;
  }
  return store.all();
}
