/** importBatches: one per imported file (who, when, which file, what it did). Written only here. */
import { collection, commands, type Database } from '../runtime';
import type { ImportBatchStatus, ImportKind } from './contract';

export interface ImportBatchDoc {
  _id: string;
  kind: ImportKind;
  fileName: string;
  /** SHA-256 of the file, as the browser computed it. */
  fileHash: string;
  status: ImportBatchStatus;
  staffId: string;
  staffName: string;
  rowCount: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  withdrawn: number;
  withdrawReason: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  /**
   * The chunks counted into the batch, by their first row number (`r<row>`), each with the time its
   * rows were written: a chunk sent again (its answer lost) is not counted twice, and a record the
   * batch wrote at one of these times was written by that chunk. Absent on batches from before.
   */
  chunks?: Record<string, Date>;
}

export type OutcomeCounts = Pick<ImportBatchDoc, 'created' | 'updated' | 'unchanged' | 'invalid'>;

const batches = (db: Database) => collection(db, 'importBatches');

export async function createBatch(db: Database, doc: ImportBatchDoc): Promise<void> {
  const { _id, ...body } = doc;
  await batches(db).setById(_id, body);
}

export const loadBatch = (db: Database, id: string): Promise<ImportBatchDoc | null> => batches(db).findById(id);

/** How a chunk is named on its batch: by the row number it starts at. */
export const chunkKey = (firstRowNumber: number): string => `r${firstRowNumber}`;

/**
 * Adds a chunk's outcomes, and the time its rows were written, while the batch is still importing
 * rows of this kind and has not counted this chunk yet; false otherwise (the caller reads the batch
 * to tell which).
 */
export async function countChunk(db: Database, id: string, kind: ImportKind, chunk: string, writtenAt: Date, counts: OutcomeCounts): Promise<boolean> {
  const _ = commands(db);
  const updated = await batches(db).updateWhere(
    { _id: id, kind, status: 'IMPORTING', [`chunks.${chunk}`]: _.exists(false) },
    {
      created: _.inc(counts.created),
      updated: _.inc(counts.updated),
      unchanged: _.inc(counts.unchanged),
      invalid: _.inc(counts.invalid),
      [`chunks.${chunk}`]: writtenAt,
    },
  );
  return updated === 1;
}

export async function closeBatch(db: Database, id: string, patch: Partial<Pick<ImportBatchDoc, 'status' | 'finishedAt' | 'withdrawn' | 'withdrawReason'>>): Promise<void> {
  await batches(db).updateById(id, patch);
}

export const recentBatches = (db: Database, kind: ImportKind | undefined, limit: number): Promise<ImportBatchDoc[]> =>
  batches(db).find(kind ? { kind } : {}, { orderBy: [['startedAt', 'desc']], limit });
