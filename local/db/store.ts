/**
 * One collection on disk: an @seald-io/nedb datastore (an append-only file, compacted when opened
 * and closed, with every document held in memory) plus the collection's unique indexes.
 *
 * nedb enforces the unique indexes on every write, so nothing that violates one reaches the file.
 * The same key rules are also evaluated here, MongoDB-style (a missing field indexes as null; a
 * sparse index skips documents that have none of its fields), to name the violated index in the
 * E11000 message and to check transactional writes before they are buffered.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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
  readonly unique: boolean;
  readonly sparse: boolean;
  getMatching(value: unknown): Document[];
}

interface NedbInternals {
  indexes: Record<string, NedbIndex>;
}

const VALID_COLLECTION_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidCollectionName(name: string): boolean {
  return VALID_COLLECTION_NAME.test(name);
}

/** nedb names a compound index by its fields sorted and joined with commas. */
const nedbIndexName = (fields: readonly string[]): string => [...fields].sort().join(',');

type IndexKey = unknown[][] | null;

/** The value at a dotted field path ("address.city"), as an index key reads it. */
const fieldValue = (doc: Document, field: string): unknown =>
  field.split('.').reduce<unknown>((value, part) => (isPlainObject(value) && Object.hasOwn(value, part) ? value[part] : undefined), doc);

/** Per field, the values a document indexes under (an array indexes each element); null when a sparse index skips it. */
function indexKeyOf(doc: Document, index: UniqueIndex): IndexKey {
  const values = index.fields.map((field) => fieldValue(doc, field));
  if (index.sparse && values.every((value) => value === undefined)) return null;
  return values.map((value) => (Array.isArray(value) && value.length > 0 ? value : [value ?? null]));
}

function keysCollide(a: IndexKey, b: IndexKey): boolean {
  if (!a || !b) return false;
  return a.every((values, field) => values.some((value) => b[field]!.some((other) => isDeepStrictEqual(value, other))));
}

export interface DuplicateKey {
  readonly index: UniqueIndex;
  readonly key: Readonly<Record<string, unknown>>;
}

export class CollectionStore {
  /** `_id` first, then the schema's unique indexes. */
  readonly uniqueIndexes: readonly UniqueIndex[];

  private constructor(
    readonly name: string,
    private readonly datastore: Datastore<Document>,
    uniqueIndexes: readonly UniqueIndex[],
  ) {
    this.uniqueIndexes = [ID_INDEX, ...uniqueIndexes];
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
    const unique = definition.indexes
      .filter((index) => index.unique)
      .map((index): UniqueIndex => ({
        name: index.fields.map((field) => `${field}_1`).join('_'),
        fields: [...index.fields],
        sparse: Boolean(index.sparse),
      }));
    await reconcileIndexes(datastore, internals, definition.name, unique);
    return new CollectionStore(definition.name, datastore, unique);
  }

  /** Every document in natural (`_id`) order. These are the store's own objects: never modify them. */
  all(): readonly Document[] {
    return this.datastore.getAllData();
  }

  /** The store's own object, or undefined: never modify it. */
  byId(id: DocumentId): Document | undefined {
    return (this.datastore as unknown as NedbInternals).indexes._id!.getMatching(id)[0];
  }

  async insert(docs: readonly Document[]): Promise<void> {
    try {
      await this.datastore.insertAsync([...docs]);
    } catch (error) {
      throw this.translateWriteError(error, docs, false);
    }
  }

  async replace(doc: Document): Promise<void> {
    try {
      await this.datastore.updateAsync({ _id: doc._id }, doc, {});
    } catch (error) {
      throw this.translateWriteError(error, [doc], true);
    }
  }

  async remove(id: DocumentId): Promise<void> {
    await this.datastore.removeAsync({ _id: id }, {});
  }

  /** Rewrites the file without superseded lines; also waits for every queued write. */
  async compact(): Promise<void> {
    await this.datastore.compactDatafileAsync();
  }

  /** The first unique index on which `candidate` collides with one of `others`. */
  findDuplicate(candidate: Document, others: Iterable<Document>): DuplicateKey | undefined {
    const candidateKeys = this.uniqueIndexes.map((index) => indexKeyOf(candidate, index));
    for (const other of others) {
      for (let i = 0; i < this.uniqueIndexes.length; i += 1) {
        const index = this.uniqueIndexes[i]!;
        if (keysCollide(candidateKeys[i]!, indexKeyOf(other, index))) {
          return { index, key: Object.fromEntries(index.fields.map((field) => [field, fieldValue(candidate, field)])) };
        }
      }
    }
    return undefined;
  }

  duplicateKeyError(duplicate: DuplicateKey): DatabaseError {
    return duplicateKey(this.name, duplicate.index.name, duplicate.key);
  }

  /** Names the index nedb refused on, by re-checking the written documents against the stored ones. */
  private translateWriteError(error: unknown, docs: readonly Document[], replacing: boolean): DatabaseError {
    if (error instanceof DatabaseError) return error;
    const nedbError = error as { errorType?: string; key?: unknown; message?: string };
    if (nedbError.errorType === 'uniqueViolated') {
      for (let i = 0; i < docs.length; i += 1) {
        const doc = docs[i]!;
        const stored = replacing ? this.all().filter((other) => other._id !== doc._id) : this.all();
        const duplicate = this.findDuplicate(doc, [...stored, ...docs.slice(0, i)]);
        if (duplicate) return this.duplicateKeyError(duplicate);
      }
      return duplicateKey(this.name, 'unknown', { key: nedbError.key });
    }
    return requestFailed(nedbError.message ?? String(error));
  }
}

/** Makes the file's persisted indexes exactly the schema's unique indexes (a schema change takes effect on open). */
async function reconcileIndexes(
  datastore: Datastore<Document>,
  internals: NedbInternals,
  collection: string,
  wanted: readonly UniqueIndex[],
): Promise<void> {
  const wantedByName = new Map(wanted.map((index) => [nedbIndexName(index.fields), index]));
  for (const [fieldName, existing] of Object.entries(internals.indexes)) {
    if (fieldName === '_id') continue;
    const index = wantedByName.get(fieldName);
    if (!index || !existing.unique || existing.sparse !== index.sparse) await datastore.removeIndexAsync(fieldName);
  }
  for (const index of wanted) {
    try {
      await datastore.ensureIndexAsync({ fieldName: [...index.fields], unique: true, sparse: index.sparse });
    } catch (error) {
      throw new Error(
        `cannot create unique index ${index.name} on ${collection}: existing documents violate it (${(error as Error).message})`,
      );
    }
  }
}
