/**
 * One collection on disk: an @seald-io/nedb datastore (an append-only file, compacted when opened
 * and closed, with every document held in memory and indexed by `_id`) plus the collection's
 * unique indexes.
 *
 * The unique indexes are kept here, as hash maps from a key to the document holding it, with
 * MongoDB's key rules (a missing field indexes as null; a sparse index skips documents that have
 * none of its fields; an array indexes each of its elements). Every write is checked against them
 * before it reaches nedb, so nothing that violates one reaches the file, and a transaction checks a
 * buffered write with a lookup instead of a scan. The same maps answer equality and `$in` on a
 * field that has a unique index of its own.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import Datastore from '@seald-io/nedb';
import { DatabaseError, duplicateKey, requestFailed } from './errors';
import { isPlainObject, type Document } from './ejson';

export interface IndexDefinition {
  readonly fields: readonly string[];
  readonly unique?: boolean;
  readonly sparse?: boolean;
}

/** The part of cloudfunctions/shared/schema.ts's CollectionSpec the store needs. */
export interface CollectionDefinition {
  readonly name: string;
  readonly indexes: readonly IndexDefinition[];
}

export type DocumentId = string | number;

export interface UniqueIndex {
  /** MongoDB's default index name, as an E11000 message shows it: "studentId_1_term_1". */
  readonly name: string;
  readonly fields: readonly string[];
  readonly sparse: boolean;
}

const ID_INDEX: UniqueIndex = { name: '_id_', fields: ['_id'], sparse: false };

interface NedbIndex {
  getMatching(value: unknown): Document[];
}

/** The parts of @seald-io/nedb 4.1.2 that the store uses beyond its API (checked when a store opens). */
interface NedbInternals {
  indexes: Record<string, NedbIndex>;
  /** Adds prepared documents to the in-memory indexes, all or none. */
  _insertInCache(docs: Document[]): void;
  executor: { pushAsync<T>(task: () => Promise<T>): Promise<T> };
  persistence: { filename: string; inMemoryOnly: boolean };
}

const VALID_COLLECTION_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidCollectionName(name: string): boolean {
  return VALID_COLLECTION_NAME.test(name);
}

/** The value at a dotted field path ("address.city"), as an index key reads it. */
const fieldValue = (doc: Document, field: string): unknown =>
  field.split('.').reduce<unknown>((value, part) => (isPlainObject(value) && Object.hasOwn(value, part) ? value[part] : undefined), doc);

let uncomparable = 0;

// By their tag: instanceof fails for a value made in another realm (jest runs each test file in one).
const isDate = (value: object): value is Date => Object.prototype.toString.call(value) === '[object Date]';
const isRegExp = (value: object): value is RegExp => Object.prototype.toString.call(value) === '[object RegExp]';

/**
 * A text that two values share exactly when they are deeply and strictly equal (how the index
 * compares key values): tagged by type, object keys sorted. A value of no type a document holds
 * gets a text of its own, so it collides with nothing.
 */
function keyText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      if (value === null) return 'z';
      if (Array.isArray(value)) return `[${value.map(keyText).join(',')}]`;
      if (isDate(value)) return Number.isNaN(value.getTime()) ? `?${(uncomparable += 1)}` : `d${value.getTime()}`;
      if (isRegExp(value)) return `r${JSON.stringify(value.source)}${value.flags}`;
      if (isPlainObject(value)) {
        const fields = Object.keys(value).sort();
        return `{${fields.map((field) => `${JSON.stringify(field)}:${keyText(value[field])}`).join(',')}}`;
      }
      return `?${(uncomparable += 1)}`;
    default:
      return `?${(uncomparable += 1)}`;
  }
}

/**
 * The keys a document holds in an index: one per combination of its fields' values (an array
 * field contributes each element, an empty array itself, a missing field null); none when a sparse
 * index skips it.
 */
function indexKeysOf(doc: Document, index: UniqueIndex): string[] {
  let single = '';
  let keys: string[] | null = null;
  let present = false;
  for (let i = 0; i < index.fields.length; i += 1) {
    const field = index.fields[i]!;
    const value = field.includes('.') ? fieldValue(doc, field) : Object.hasOwn(doc, field) ? doc[field] : undefined;
    if (value !== undefined) present = true;
    const separator = i === 0 ? '' : '|';
    if (!Array.isArray(value) || value.length === 0) {
      const text = keyText(value ?? null);
      if (keys) keys = keys.map((key) => key + separator + text);
      else single += separator + text;
    } else {
      const texts = [...new Set(value.map(keyText))];
      keys = (keys ?? [single]).flatMap((key) => texts.map((text) => key + separator + text));
    }
  }
  if (index.sparse && !present) return [];
  return keys ?? [single];
}

/** Marks a value nedbLine leaves to nedb. */
const NOT_PLAIN = Symbol('not plain');

/**
 * What nedb's serializer (`JSON.stringify` with a Date as `{"$$date":ms}`) writes for a document,
 * as a line of the file; undefined when nedb must write it itself: a field name nedb refuses or
 * treats specially (`$…`, a dot), or a value that is not JSON or a Date, which nedb's copy changes.
 */
function nedbLine(doc: Document): Buffer | undefined {
  const plain = withNedbDates(doc);
  return plain === NOT_PLAIN ? undefined : Buffer.from(JSON.stringify(plain), 'utf8');
}

const NEWLINE = Buffer.from('\n', 'utf8');

/** The value with every Date as nedb writes it, copying only what holds a Date. */
function withNedbDates(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' ? NOT_PLAIN : value;
  }
  if (value instanceof Date) return { $$date: value.getTime() };
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const element: unknown = value[i];
      const written = withNedbDates(element);
      if (written === NOT_PLAIN) return NOT_PLAIN;
      if (written !== element) (copy ??= [...value])[i] = written;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return NOT_PLAIN;
  let copy: Document | undefined;
  for (const key in value) {
    if (key.startsWith('$') || key.includes('.')) return NOT_PLAIN;
    const field = value[key];
    const written = withNedbDates(field);
    if (written === NOT_PLAIN) return NOT_PLAIN;
    if (written !== field) (copy ??= { ...value })[key] = written;
  }
  return copy ?? value;
}

export interface DuplicateKey {
  readonly index: UniqueIndex;
  readonly key: Readonly<Record<string, unknown>>;
}

const duplicateOf = (index: UniqueIndex, doc: Document): DuplicateKey => ({
  index,
  key: Object.fromEntries(index.fields.map((field) => [field, fieldValue(doc, field)])),
});

/** One unique index: each key to the document that holds it. */
interface KeyedIndex {
  readonly index: UniqueIndex;
  readonly holders: Map<string, DocumentId>;
}

/** What else a transaction's buffered write must not collide with. */
export interface PendingView {
  /** The document being written, which may keep its own keys. */
  readonly id: DocumentId;
  /** Committed documents the transaction has changed or removed: their committed keys no longer count. */
  readonly replaced: (id: DocumentId) => boolean;
  /** The transaction's other documents as it will write them. */
  readonly written: Iterable<Document>;
}

type Primitive = string | number | boolean;

/** `_id` order, as nedb keeps it: numbers before strings. */
const compareIds = (a: DocumentId, b: DocumentId): number => {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

export class CollectionStore {
  /** `_id` first, then the schema's unique indexes. */
  readonly uniqueIndexes: readonly UniqueIndex[];
  private readonly keyed: readonly KeyedIndex[];
  /** Single-field unique indexes by field, for lookups. */
  private readonly keyedByField: ReadonlyMap<string, KeyedIndex>;
  /** nedb walks its whole `_id` tree to list the documents; the list is kept until the next write. */
  private allDocuments: readonly Document[] | null = null;

  private constructor(
    readonly name: string,
    private readonly datastore: Datastore<Document>,
    uniqueIndexes: readonly UniqueIndex[],
  ) {
    this.uniqueIndexes = [ID_INDEX, ...uniqueIndexes];
    this.keyed = uniqueIndexes.map((index) => ({ index, holders: new Map() }));
    this.keyedByField = new Map(this.keyed.filter(({ index }) => index.fields.length === 1 && !index.fields[0]!.includes('.')).map((keyed) => [keyed.index.fields[0]!, keyed]));
  }

  static fileFor(dir: string, name: string): string {
    return path.join(dir, `${name}.db`);
  }

  static async open(dir: string, definition: CollectionDefinition): Promise<CollectionStore> {
    if (!isValidCollectionName(definition.name)) throw new Error(`invalid collection name ${JSON.stringify(definition.name)}`);
    const datastore = new Datastore<Document>({ filename: CollectionStore.fileFor(dir, definition.name) });
    await datastore.loadDatabaseAsync();
    const internals = datastore as unknown as NedbInternals;
    if (typeof internals.indexes?._id?.getMatching !== 'function') {
      throw new Error('@seald-io/nedb internals changed: datastore.indexes._id.getMatching is missing');
    }
    if (typeof internals._insertInCache !== 'function' || typeof internals.executor?.pushAsync !== 'function' || typeof internals.persistence?.filename !== 'string') {
      throw new Error('@seald-io/nedb internals changed: datastore._insertInCache, executor.pushAsync or persistence.filename is missing');
    }
    // Indexes that earlier versions of this store had nedb keep: the unique indexes live here now.
    for (const fieldName of Object.keys(internals.indexes)) if (fieldName !== '_id') await datastore.removeIndexAsync(fieldName);
    const unique = definition.indexes
      .filter((index) => index.unique)
      .map((index): UniqueIndex => ({
        name: index.fields.map((field) => `${field}_1`).join('_'),
        fields: [...index.fields],
        sparse: Boolean(index.sparse),
      }));
    const store = new CollectionStore(definition.name, datastore, unique);
    for (const { index, holders } of store.keyed) {
      for (const doc of store.all()) {
        for (const key of indexKeysOf(doc, index)) {
          const holder = holders.get(key);
          if (holder !== undefined && holder !== doc._id) {
            const message = store.duplicateKeyError(duplicateOf(index, doc)).message;
            throw new Error(`cannot create unique index ${index.name} on ${definition.name}: existing documents violate it (${message})`);
          }
          holders.set(key, doc._id as DocumentId);
        }
      }
    }
    return store;
  }

  /** Every document in natural (`_id`) order. These are the store's own objects: never modify them. */
  all(): readonly Document[] {
    this.allDocuments ??= this.datastore.getAllData();
    return this.allDocuments;
  }

  /** The store's own object, or undefined: never modify it. */
  byId(id: DocumentId): Document | undefined {
    return (this.datastore as unknown as NedbInternals).indexes._id!.getMatching(id)[0];
  }

  /**
   * The documents whose `field` may equal one of `values` (or hold it in an array), in natural
   * order, found through `_id` or a single-field unique index; undefined when no such index helps.
   * A superset: the caller still applies its query.
   */
  lookup(field: string, values: readonly Primitive[]): Document[] | undefined {
    if (values.some((value) => typeof value === 'number' && Number.isNaN(value))) return undefined;
    const found = new Map<DocumentId, Document>();
    const add = (doc: Document | undefined): void => {
      if (doc) found.set(doc._id as DocumentId, doc);
    };
    if (field === '_id') {
      for (const value of values) if (typeof value !== 'boolean') add(this.byId(value));
    } else {
      const keyed = this.keyedByField.get(field);
      if (!keyed) return undefined;
      for (const value of values) {
        // A query's 0 also finds -0.
        const texts = value === 0 ? ['n0', 'n-0'] : [keyText(value)];
        for (const text of texts) {
          const holder = keyed.holders.get(text);
          if (holder !== undefined) add(this.byId(holder));
        }
      }
    }
    const ids = [...found.keys()];
    if (!ids.every((id) => typeof id === 'string' || typeof id === 'number')) {
      return this.all().filter((doc) => found.has(doc._id as DocumentId));
    }
    return ids.sort(compareIds).map((id) => found.get(id)!);
  }

  /**
   * Inserts all of `docs` or, when one breaks a unique index (against the store or another of
   * them), none. The store keeps these objects: the caller must not use them afterwards.
   */
  async insert(docs: readonly Document[]): Promise<void> {
    const batch = this.keyed.map(() => new Map<string, DocumentId>());
    for (const doc of docs) {
      // `_id` is nedb's own index, which refuses a taken one for the whole batch.
      for (let i = 0; i < this.keyed.length; i += 1) {
        const { index, holders } = this.keyed[i]!;
        for (const key of indexKeysOf(doc, index)) {
          // A key held under the document's own `_id` is that `_id` taken again, which nedb reports.
          const holder = holders.get(key) ?? batch[i]!.get(key);
          if (holder !== undefined && holder !== doc._id) throw this.duplicateKeyError(duplicateOf(index, doc));
          batch[i]!.set(key, doc._id as DocumentId);
        }
      }
    }
    const lines = docs.map(nedbLine);
    if (docs.every((doc) => doc._id !== undefined) && lines.every((line): line is Buffer => line !== undefined)) {
      await this.write(() => this.append(docs, Buffer.concat(lines.flatMap((line) => [line, NEWLINE]))));
    } else {
      await this.write(() => this.datastore.insertAsync([...docs]));
    }
    batch.forEach((keys, i) => {
      for (const [key, id] of keys) this.keyed[i]!.holders.set(key, id);
    });
  }

  /** Replaces the document with `doc._id`, unless `doc` takes a unique key another document holds. */
  async replace(doc: Document): Promise<void> {
    const id = doc._id as DocumentId;
    const duplicate = this.duplicateFor(doc, { id, replaced: () => false, written: [] });
    if (duplicate) throw this.duplicateKeyError(duplicate);
    const before = this.byId(id);
    await this.write(() => this.datastore.updateAsync({ _id: id }, doc, {}));
    if (before) this.releaseKeys(before);
    this.holdKeys(doc);
  }

  async remove(id: DocumentId): Promise<void> {
    const before = this.byId(id);
    await this.write(() => this.datastore.removeAsync({ _id: id }, {}));
    if (before) this.releaseKeys(before);
  }

  /** Rewrites the file without superseded lines; also waits for every queued write. */
  async compact(): Promise<void> {
    await this.datastore.compactDatafileAsync();
  }

  /**
   * The first of the schema's unique indexes on which `candidate` would collide with a committed
   * document or a pending one (`_id` is checked where a document is inserted).
   */
  duplicateFor(candidate: Document, pending: PendingView): DuplicateKey | undefined {
    const written = [...pending.written];
    for (const { index, holders } of this.keyed) {
      const keys = indexKeysOf(candidate, index);
      if (keys.length === 0) continue;
      for (const key of keys) {
        const holder = holders.get(key);
        if (holder !== undefined && holder !== pending.id && !pending.replaced(holder)) return duplicateOf(index, candidate);
      }
      const own = new Set(keys);
      for (const other of written) {
        if (other._id !== pending.id && indexKeysOf(other, index).some((key) => own.has(key))) return duplicateOf(index, candidate);
      }
    }
    return undefined;
  }

  duplicateKeyError(duplicate: DuplicateKey): DatabaseError {
    return duplicateKey(this.name, duplicate.index.name, duplicate.key);
  }

  /**
   * nedb's insert for documents that nedbLine could write: the same memory and the same file
   * lines, without nedb's two deep copies of every document and its per-field serializer.
   */
  private append(docs: readonly Document[], lines: Buffer): Promise<void> {
    const internals = this.datastore as unknown as NedbInternals;
    return internals.executor.pushAsync(async () => {
      internals._insertInCache([...docs]);
      if (!internals.persistence.inMemoryOnly) await appendFile(internals.persistence.filename, lines);
    });
  }

  /** Runs a nedb write; whatever it leaves in memory, the document list and key maps follow it. */
  private async write(operation: () => Promise<unknown>): Promise<void> {
    this.allDocuments = null;
    try {
      await operation();
    } catch (error) {
      this.allDocuments = null;
      this.rebuildKeys();
      if (error instanceof DatabaseError) throw error;
      const nedbError = error as { errorType?: string; key?: unknown; message?: string };
      if (nedbError.errorType === 'uniqueViolated') throw duplicateKey(this.name, ID_INDEX.name, { _id: nedbError.key });
      throw requestFailed(nedbError.message ?? String(error));
    }
    this.allDocuments = null;
  }

  private holdKeys(doc: Document): void {
    for (const { index, holders } of this.keyed) for (const key of indexKeysOf(doc, index)) holders.set(key, doc._id as DocumentId);
  }

  private releaseKeys(doc: Document): void {
    for (const { index, holders } of this.keyed) {
      for (const key of indexKeysOf(doc, index)) if (holders.get(key) === doc._id) holders.delete(key);
    }
  }

  private rebuildKeys(): void {
    for (const { holders } of this.keyed) holders.clear();
    for (const doc of this.all()) this.holdKeys(doc);
  }
}

