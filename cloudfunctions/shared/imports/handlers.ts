/**
 * The console's imports: check rows (nothing written), start a batch, import rows under it, finish
 * it, list batches, withdraw a bills batch. Which feature checks and writes a row is decided by the
 * sheet's kind; this feature keeps only the batches.
 */
import { randomBytes } from 'node:crypto';
import { AppError, type ConsoleContext, type Database } from '../runtime';
import { checkBillRows, importBillRows, withdrawBillsOfBatch, type BillSheetRow } from '../billing';
import { checkRoster, importRoster, normalizeStudentNo, studentRefsByNo, type RosterRow } from '../students';
import type { ImportBatchView, ImportKind, ImportRow, RowCheck } from './contract';
import { closeBatch, countChunk, createBatch, loadBatch, recentBatches, type ImportBatchDoc, type OutcomeCounts } from './store';

interface Sheet {
  check(db: Database, rows: readonly ImportRow[], now: Date): Promise<RowCheck[]>;
  import(db: Database, rows: readonly ImportRow[], batchId: string, now: Date): Promise<RowCheck[]>;
}

const rosterRows = (rows: readonly ImportRow[]): RosterRow[] =>
  rows.map(({ rowNumber, cells }) => ({
    rowNumber,
    input: {
      studentNo: cells.studentNo ?? '',
      name: cells.name ?? '',
      idNumber: cells.idNumber ?? '',
      college: cells.college ?? '',
      major: cells.major ?? '',
      grade: cells.grade ?? '',
      className: cells.className ?? '',
      phone: cells.phone ?? null,
    },
  }));

const billRows = (rows: readonly ImportRow[]): BillSheetRow[] =>
  rows.map(({ rowNumber, cells }) => ({
    rowNumber,
    cells: {
      studentNo: normalizeStudentNo(cells.studentNo ?? ''),
      term: cells.term ?? '',
      itemName: cells.itemName ?? '',
      amount: cells.amount ?? '',
      deadline: cells.deadline ?? '',
      mandatory: cells.mandatory ?? '',
    },
  }));

/** The students a chunk of bills names, read once for the chunk. */
const studentsOf = (db: Database, rows: readonly BillSheetRow[]) => studentRefsByNo(db, rows.map((row) => row.cells.studentNo));

const SHEETS: Readonly<Record<ImportKind, Sheet>> = {
  students: {
    check: (db, rows, now) => checkRoster(db, rosterRows(rows), now),
    import: (db, rows, batchId, now) => importRoster(db, rosterRows(rows), batchId, now),
  },
  bills: {
    async check(db, rows, now) {
      const sheet = billRows(rows);
      return checkBillRows(db, sheet, await studentsOf(db, sheet), now);
    },
    async import(db, rows, batchId, now) {
      const sheet = billRows(rows);
      return importBillRows(db, sheet, await studentsOf(db, sheet), batchId, now);
    },
  },
};

const batchView = (doc: ImportBatchDoc): ImportBatchView => ({
  batchId: doc._id,
  kind: doc.kind,
  fileName: doc.fileName,
  fileHash: doc.fileHash,
  status: doc.status,
  startedAt: new Date(doc.startedAt).toISOString(),
  finishedAt: doc.finishedAt ? new Date(doc.finishedAt).toISOString() : null,
  staffName: doc.staffName,
  rowCount: doc.rowCount,
  created: doc.created,
  updated: doc.updated,
  unchanged: doc.unchanged,
  invalid: doc.invalid,
  withdrawn: doc.withdrawn,
});

function countOutcomes(rows: readonly RowCheck[]): OutcomeCounts {
  const counts: OutcomeCounts = { created: 0, updated: 0, unchanged: 0, invalid: 0 };
  for (const row of rows) {
    if (row.outcome === 'create') counts.created += 1;
    else if (row.outcome === 'update') counts.updated += 1;
    else if (row.outcome === 'unchanged') counts.unchanged += 1;
    else counts.invalid += 1;
  }
  return counts;
}

export async function checkImport(request: { kind: ImportKind; rows: ImportRow[] }, ctx: ConsoleContext): Promise<{ rows: RowCheck[] }> {
  return { rows: await SHEETS[request.kind].check(ctx.db, request.rows, ctx.now()) };
}

export async function startImport(
  request: { kind: ImportKind; fileName: string; fileHash: string; rowCount: number },
  ctx: ConsoleContext,
): Promise<ImportBatchView> {
  const doc: ImportBatchDoc = {
    _id: `${ctx.now().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(6).toString('hex')}`,
    kind: request.kind,
    fileName: request.fileName,
    fileHash: request.fileHash,
    status: 'IMPORTING',
    staffId: ctx.staff.id,
    staffName: ctx.staff.name,
    rowCount: request.rowCount,
    created: 0,
    updated: 0,
    unchanged: 0,
    invalid: 0,
    withdrawn: 0,
    withdrawReason: null,
    startedAt: ctx.now(),
    finishedAt: null,
  };
  await createBatch(ctx.db, doc);
  ctx.audit.record({ target: `importBatch:${doc._id}`, after: { kind: doc.kind, fileName: doc.fileName, fileHash: doc.fileHash, rowCount: doc.rowCount } });
  return batchView(doc);
}

async function openBatchOf(ctx: ConsoleContext, batchId: string): Promise<ImportBatchDoc> {
  const batch = await loadBatch(ctx.db, batchId);
  if (!batch) throw new AppError('IMPORT_BATCH_NOT_FOUND');
  if (batch.status !== 'IMPORTING') throw new AppError('IMPORT_BATCH_CLOSED');
  return batch;
}

/**
 * A chunk is written, then counted into its batch on condition that the batch is still importing
 * rows of this kind: the batch is not read first (one request less per chunk). A chunk that finds
 * its batch closed (withdrawn meanwhile in another window) has its bills withdrawn again at once.
 */
export async function importRows(request: { batchId: string; kind: ImportKind; rows: ImportRow[] }, ctx: ConsoleContext): Promise<{ rows: RowCheck[] }> {
  const at = ctx.now();
  const rows = await SHEETS[request.kind].import(ctx.db, request.rows, request.batchId, at);
  if (!(await countChunk(ctx.db, request.batchId, request.kind, countOutcomes(rows)))) {
    if (request.kind === 'bills') await withdrawBillsOfBatch(ctx.db, request.batchId, at);
    throw new AppError((await loadBatch(ctx.db, request.batchId)) ? 'IMPORT_BATCH_CLOSED' : 'IMPORT_BATCH_NOT_FOUND');
  }
  return { rows };
}

export async function finishImport(request: { batchId: string }, ctx: ConsoleContext): Promise<ImportBatchView> {
  const batch = await openBatchOf(ctx, request.batchId);
  const finishedAt = ctx.now();
  await closeBatch(ctx.db, batch._id, { status: 'DONE', finishedAt });
  const done = { ...batch, status: 'DONE' as const, finishedAt };
  ctx.audit.record({
    target: `importBatch:${batch._id}`,
    after: { status: 'DONE', created: done.created, updated: done.updated, unchanged: done.unchanged, invalid: done.invalid },
  });
  return batchView(done);
}

export async function listImports(request: { kind?: ImportKind }, ctx: ConsoleContext): Promise<{ items: ImportBatchView[] }> {
  return { items: (await recentBatches(ctx.db, request.kind, 100)).map(batchView) };
}

export async function withdrawImport(request: { batchId: string; reason: string }, ctx: ConsoleContext): Promise<ImportBatchView> {
  const batch = await loadBatch(ctx.db, request.batchId);
  if (!batch) throw new AppError('IMPORT_BATCH_NOT_FOUND');
  if (batch.kind !== 'bills') throw new AppError('IMPORT_NOT_WITHDRAWABLE');
  if (batch.status === 'WITHDRAWN') return batchView(batch);
  const at = ctx.now();
  // Before the batch is marked: a retry after a failure here voids what is left, and nothing twice.
  const withdrawn = batch.withdrawn + (await withdrawBillsOfBatch(ctx.db, batch._id, at));
  await closeBatch(ctx.db, batch._id, { status: 'WITHDRAWN', finishedAt: batch.finishedAt ?? at, withdrawn, withdrawReason: request.reason });
  ctx.audit.record({ target: `importBatch:${batch._id}`, before: { status: batch.status }, after: { status: 'WITHDRAWN', withdrawnBills: withdrawn } });
  return batchView({ ...batch, status: 'WITHDRAWN', withdrawn, withdrawReason: request.reason, finishedAt: batch.finishedAt ?? at });
}
