/**
 * One transaction's private view of the database. Its writes are buffered here and reach the store
 * only at commit; its reads see its own writes. Every document it reads or writes is locked against
 * writes from outside the transaction until it ends (see LocalDatabaseEngine.writeOutsideTransaction).
 */
import { isDeepStrictEqual } from 'node:util';
import { duplicateKey } from './errors';
import { deepClone, type Document } from './ejson';
import type { CollectionStore, DocumentId } from './store';

export interface DocumentChange {
  readonly store: CollectionStore;
  readonly id: DocumentId;
  /** The committed document the change starts from (null: it did not exist). */
  readonly before: Document | null;
  /** What it becomes (null: removed). */
  readonly after: Document | null;
}

interface Entry {
  readonly store: CollectionStore;
  readonly id: DocumentId;
  readonly before: Document | null;
  after: Document | null;
  written: boolean;
}

export type TransactionStatus = 'active' | 'committing' | 'ended';

const documentKey = (collection: string, id: DocumentId): string => `${collection}\u0000${typeof id}\u0000${String(id)}`;

export class Transaction {
  status: TransactionStatus = 'active';
  expiryTimer: NodeJS.Timeout | undefined;
  /** Settles when the transaction commits, aborts or times out. */
  readonly ended: Promise<void>;

  private readonly entries = new Map<string, Entry>();
  private markEnded: () => void = () => undefined;

  constructor(readonly id: string) {
    this.ended = new Promise<void>((resolve) => {
      this.markEnded = resolve;
    });
  }

  finish(): void {
    this.status = 'ended';
    clearTimeout(this.expiryTimer);
    this.markEnded();
  }

  touches(store: CollectionStore, ids: readonly DocumentId[]): boolean {
    return ids.some((id) => this.entries.has(documentKey(store.name, id)));
  }

  /** The document as this transaction sees it (never modify the result). */
  read(store: CollectionStore, id: DocumentId): Document | null {
    return this.entry(store, id).after;
  }

  /** Buffers a new version (null removes); refuses it at once if it breaks a unique index, as the cloud does. */
  write(store: CollectionStore, id: DocumentId, next: Document | null): void {
    const entry = this.entry(store, id);
    // `_id` itself cannot collide here (insert checks it), so only secondary unique indexes are checked.
    if (next && store.uniqueIndexes.length > 1) {
      const duplicate = store.duplicateFor(next, {
        id,
        replaced: (other) => this.entries.has(documentKey(store.name, other)),
        written: this.writtenDocuments(store),
      });
      if (duplicate) throw store.duplicateKeyError(duplicate);
    }
    entry.after = next;
    entry.written = true;
  }

  insert(store: CollectionStore, doc: Document): void {
    const id = doc._id as DocumentId;
    if (this.read(store, id)) throw duplicateKey(store.name, '_id_', { _id: id });
    this.write(store, id, doc);
  }

  /** What commit must apply: every buffered write that changes something. */
  changes(): DocumentChange[] {
    return [...this.entries.values()]
      .filter((entry) => entry.written && !isDeepStrictEqual(entry.before, entry.after))
      .map(({ store, id, before, after }) => ({ store, id, before, after }));
  }

  private entry(store: CollectionStore, id: DocumentId): Entry {
    const key = documentKey(store.name, id);
    let entry = this.entries.get(key);
    if (!entry) {
      const committed = store.byId(id);
      const snapshot = committed ? deepClone(committed) : null;
      entry = { store, id, before: snapshot, after: snapshot, written: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The documents of the collection as this transaction will leave them, where it has written or read them. */
  private *writtenDocuments(store: CollectionStore): Generator<Document> {
    for (const entry of this.entries.values()) if (entry.store === store && entry.after) yield entry.after;
  }
}
