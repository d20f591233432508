/**
 * The console's imports: check rows (nothing written), start a batch, import rows under it, finish
 * it, list batches, withdraw a bills batch. Which feature checks and writes a row is decided by the
 * sheet's kind; this feature keeps only the batches.
 */
import { randomBytes } from 'node:crypto';
import { AppError, writeAudit, type ConsoleContext, type Database } from '../runtime';
import { checkBillRows, correctStudentOnBills, importBillRows, withdrawBillsOfBatch, type BillImportScope, type BillSheetRow } from '../billing';
import { checkRoster, normalizeStudentNo, prepareRosterImport, studentRefsByNo, type RosterImportScope, type RosterRow } from '../students';
import type { ImportBatchView, ImportKind, ImportRow, RowCheck } from './contract';
import { chunkKey, closeBatch, countChunk, createBatch, loadBatch, recentBatches, type ImportBatchDoc, type OutcomeCounts } from './store';

/** The batch a chunk is imported under, as each sheet needs it. */
type ChunkScope = RosterImportScope & BillImportScope;

interface Sheet {
  check(db: Database, rows: readonly ImportRow[], now: Date): Promise<RowCheck[]>;
  import(ctx: ConsoleContext, rows: readonly ImportRow[], scope: ChunkScope, chunk: string, now: Date): Promise<RowCheck[]>;
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

/**
 * Phone numbers on file are how a student who has not signed in yet proves who they are: a chunk
 * that changes them is written to the audit log (which students, never the numbers), once per chunk.
 */
async function auditPhoneChanges(ctx: ConsoleContext, batchId: string, chunk: string, studentNos: readonly string[], at: Date): Promise<void> {
  if (studentNos.length === 0) return;
  const action = `${ctx.functionName}.importRows`;
  await writeAudit(ctx.db, {
    key: `${action}:${batchId}:${chunk}`,
    at,
    actor: `staff:${ctx.staff.id}`,
    action,
    details: {
      staffName: ctx.staff.name,
      role: ctx.staff.role,
      changes: [{ target: `importBatch:${batchId}`, after: { phonesChanged: studentNos.length, studentNos } }],
    },
  });
}

const SHEETS: Readonly<Record<ImportKind, Sheet>> = {
  students: {
    check: (db, rows, now) => checkRoster(db, rosterRows(rows), now),
    async import(ctx, rows, scope, chunk, now) {
      const roster = await prepareRosterImport(ctx.db, rosterRows(rows), scope, now);
      // Recorded before the numbers change, and the bills corrected before the students: a chunk
      // that stops part-way is sent again and finds only what is left to do, so whatever it would
      // not find again is done first.
      await auditPhoneChanges(ctx, scope.batchId, chunk, roster.phonesChanged, now);
      await correctStudentOnBills(ctx.db, roster.corrections);
      await roster.write();
      return roster.rows;
    },
  },
  bills: {
    async check(db, rows, now) {
      const sheet = billRows(rows);
      return checkBillRows(db, sheet, await studentsOf(db, sheet), now);
    },
    async import(ctx, rows, scope, _chunk, now) {
      const sheet = billRows(rows);
      return importBillRows(ctx.db, sheet, await studentsOf(ctx.db, sheet), scope, now);
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
    chunks: {},
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

/** The batch rows may be imported under: this staff member's, of this kind, still importing. */
async function batchToImportInto(ctx: ConsoleContext, batchId: string, kind: ImportKind): Promise<ImportBatchDoc> {
  const batch = await loadBatch(ctx.db, batchId);
  // Another person's batch, or one of the other kind, is none of this request's: as if there were none.
  if (!batch || batch.staffId !== ctx.staff.id || batch.kind !== kind) throw new AppError('IMPORT_BATCH_NOT_FOUND');
  if (batch.status !== 'IMPORTING') throw new AppError('IMPORT_BATCH_CLOSED');
  return batch;
}

/**
 * A chunk of rows under its batch. The batch is read first and nothing is written unless it is this
 * staff member's, of this kind and still importing. The chunk is then counted into it on condition
 * that it still is and has not counted this chunk (named by its first row number) yet: a chunk sent
 * again after its answer was lost is counted once (the roster's rows then count as what they did
 * the first time). A chunk that finds its batch closed meanwhile (withdrawn in another window) has
 * its bills withdrawn again at once.
 */
export async function importRows(request: { batchId: string; kind: ImportKind; rows: ImportRow[] }, ctx: ConsoleContext): Promise<{ rows: RowCheck[] }> {
  const batch = await batchToImportInto(ctx, request.batchId, request.kind);
  const at = ctx.now();
  const chunk = chunkKey(request.rows[0]!.rowNumber);
  const otherChunks = new Set(
    Object.entries(batch.chunks ?? {})
      .filter(([key]) => key !== chunk)
      .map(([, writtenAt]) => new Date(writtenAt).getTime()),
  );
  const scope: ChunkScope = { batchId: batch._id, startedAt: new Date(batch.startedAt), writtenByAnotherChunk: (writtenAt) => otherChunks.has(writtenAt.getTime()) };
  const rows = await SHEETS[request.kind].import(ctx, request.rows, scope, chunk, at);
  if (!(await countChunk(ctx.db, batch._id, request.kind, chunk, at, countOutcomes(rows)))) {
    const current = await loadBatch(ctx.db, batch._id);
    // Counted already: this chunk sent again (or twice at once).
    if (current?.status === 'IMPORTING' && current.chunks?.[chunk] !== undefined) return { rows };
    if (request.kind === 'bills') await withdrawBillsOfBatch(ctx.db, batch._id, at);
    throw new AppError(current ? 'IMPORT_BATCH_CLOSED' : 'IMPORT_BATCH_NOT_FOUND');
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
