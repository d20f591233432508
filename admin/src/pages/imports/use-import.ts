/**
 * One import as the page lives it: a file is read in the browser, checked by the server chunk by
 * chunk (预览; nothing written), and only after 确认导入 written under a batch, chunk by chunk,
 * with the progress shown throughout. A file read again, or another kind chosen, abandons what
 * was under way for the earlier one.
 */
import { computed, reactive, ref, shallowRef } from 'vue';
import { ApiError, canCompressRequests, messageOf } from '../../api/client';
import { listFeeItems } from '../../api/fee-items';
import { checkImport, finishImport, importRows, startImport, type SheetRow } from '../../api/imports';
import type { ErrorCode, FeeItemView, ImportBatchView, ImportKind, RowChange, RowCheck, RowOutcome, RowProblem } from '../../api/types';
import { TEXT_BODY_MAX_BYTES } from '../../../../cloudfunctions/shared/kernel/contract';
import { IMPORT_CHUNK_MAX_BYTES, IMPORT_CHUNK_ROWS } from '../../constants/imports';
import { feeItemKey, normalizeStudentNo, normalizeTerm } from '../../utils/normalize';
import { readSheet, SheetError, type ReadSheet } from './sheet';

/** Refusals after which an interrupted import cannot go on under its batch. */
const BATCH_GONE: readonly ErrorCode[] = ['IMPORT_BATCH_CLOSED', 'IMPORT_BATCH_NOT_FOUND'];

export type ImportPhase = 'empty' | 'reading' | 'checking' | 'checked' | 'importing' | 'imported';

export interface PreviewRow {
  rowNumber: number;
  outcome: RowOutcome;
  problems: RowProblem[];
  changes: RowChange[];
  cells: SheetRow['cells'];
}

export interface ProblemLine {
  rowNumber: number;
  column: string;
  reason: string;
}

export interface OutcomeCounts {
  create: number;
  update: number;
  unchanged: number;
  invalid: number;
}

/**
 * The rows in request-sized chunks: at most IMPORT_CHUNK_ROWS, and no more JSON than the request can
 * carry: IMPORT_CHUNK_MAX_BYTES compressed, or, in a browser that cannot compress, what the HTTP
 * access service passes as text (with room for the rest of the request).
 */
function chunksOf<T>(items: readonly T[]): T[][] {
  const maxBytes = canCompressRequests() ? IMPORT_CHUNK_MAX_BYTES : TEXT_BODY_MAX_BYTES - 4 * 1024;
  const encoder = new TextEncoder();
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = encoder.encode(JSON.stringify(item)).length + 1;
    if (chunk.length > 0 && (chunk.length >= IMPORT_CHUNK_ROWS || bytes + itemBytes > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += itemBytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function countOutcomes(rows: readonly { outcome: RowOutcome }[]): OutcomeCounts {
  const counts: OutcomeCounts = { create: 0, update: 0, unchanged: 0, invalid: 0 };
  for (const row of rows) counts[row.outcome] += 1;
  return counts;
}

/** The natural key of a row, read as the server reads it; null when the server cannot read it either (it reports that row itself). */
function naturalKey(kind: ImportKind, cells: SheetRow['cells'], feeItems: readonly FeeItemView[]): string | null {
  const studentNo = normalizeStudentNo(cells.studentNo ?? '');
  if (!studentNo) return null;
  if (kind === 'students') return studentNo;
  const term = normalizeTerm(cells.term ?? '');
  const item = feeItemKey(cells.itemName ?? '', feeItems) ?? (cells.itemName ?? '').normalize('NFKC').replace(/\s/g, '');
  return term && item ? `${studentNo}|${term}|${item}` : null;
}

/**
 * Duplicates across the whole file: the server finds those within one chunk; a later row with the
 * key of an earlier good row in another chunk is marked here, in the server's own words. As on
 * the server, only a row that would be written (or is unchanged) counts as the first one.
 */
function markDuplicates(kind: ImportKind, rows: PreviewRow[], feeItems: readonly FeeItemView[]): void {
  const firstRowOf = new Map<string, number>();
  for (const row of rows) {
    if (row.outcome === 'invalid') continue;
    const key = naturalKey(kind, row.cells, feeItems);
    if (key === null) continue;
    const first = firstRowOf.get(key);
    if (first === undefined) {
      firstRowOf.set(key, row.rowNumber);
      continue;
    }
    row.outcome = 'invalid';
    row.changes = [];
    row.problems = [
      ...row.problems,
      kind === 'students'
        ? { column: '学号', reason: `文件内重复：与第 ${first} 行学号相同` }
        : { column: '收费项目', reason: `文件内重复：与第 ${first} 行是同一学生、同一学期的同一收费项目` },
    ];
  }
}

const problemLines = (rows: readonly { rowNumber: number; problems: readonly RowProblem[] }[]): ProblemLine[] =>
  rows.flatMap((row) => row.problems.map((problem) => ({ rowNumber: row.rowNumber, column: problem.column, reason: problem.reason })));

export function useImport() {
  const kind = ref<ImportKind>('students');
  const sheet = shallowRef<ReadSheet | null>(null);
  const phase = ref<ImportPhase>('empty');
  const progress = reactive({ done: 0, total: 0 });
  const failure = ref('');
  const preview = shallowRef<PreviewRow[]>([]);
  const batch = shallowRef<ImportBatchView | null>(null);
  const imported = shallowRef<RowCheck[]>([]);
  /** An import that stopped part-way (network): 继续导入 goes on from the chunk that failed, under the same batch. */
  const interrupted = ref<{ batchId: string; nextChunk: number } | null>(null);

  let generation = 0;
  let feeItems: FeeItemView[] | null = null;

  const counts = computed(() => countOutcomes(preview.value));
  const writable = computed(() => counts.value.create + counts.value.update);
  const previewProblems = computed(() => problemLines(preview.value));
  const importProblems = computed(() =>
    problemLines([...(sheet.value?.localProblems ?? []), ...imported.value.filter((row) => row.outcome === 'invalid')]).sort((a, b) => a.rowNumber - b.rowNumber),
  );

  function clear(): void {
    generation += 1;
    sheet.value = null;
    phase.value = 'empty';
    failure.value = '';
    preview.value = [];
    batch.value = null;
    imported.value = [];
    interrupted.value = null;
    progress.done = 0;
    progress.total = 0;
  }

  function chooseKind(next: ImportKind): void {
    if (next === kind.value) return;
    kind.value = next;
    clear();
  }

  async function feeItemsForKeys(): Promise<FeeItemView[]> {
    if (feeItems) return feeItems;
    try {
      feeItems = await listFeeItems();
    } catch {
      // Without the catalogue, items are compared by the name as typed.
      return [];
    }
    return feeItems;
  }

  /** 预览: every row to the server in chunks; what each would do, or what is wrong with it. */
  async function runCheck(mine: number, read: ReadSheet): Promise<void> {
    phase.value = 'checking';
    progress.done = 0;
    progress.total = read.rows.length;
    const results: RowCheck[] = [];
    for (const chunk of chunksOf(read.rows)) {
      const checked = await checkImport(read.kind, chunk);
      if (mine !== generation) return;
      results.push(...checked);
      progress.done += chunk.length;
    }
    const cellsOf = new Map(read.rows.map((row) => [row.rowNumber, row.cells]));
    const rows: PreviewRow[] = [
      ...results.map((check) => ({ ...check, problems: [...check.problems], changes: [...check.changes], cells: cellsOf.get(check.rowNumber) ?? {} })),
      ...read.localProblems.map((local) => ({ rowNumber: local.rowNumber, outcome: 'invalid' as const, problems: local.problems, changes: [], cells: {} })),
    ].sort((a, b) => a.rowNumber - b.rowNumber);
    markDuplicates(read.kind, rows, read.kind === 'bills' ? await feeItemsForKeys() : []);
    if (mine !== generation) return;
    preview.value = rows;
    phase.value = 'checked';
  }

  function fail(mine: number, error: unknown, back: ImportPhase): void {
    if (mine !== generation) return;
    // A refused session is taken to the login page by the API layer.
    if (error instanceof ApiError && error.sessionEnded) return;
    failure.value = error instanceof SheetError ? error.message : messageOf(error);
    phase.value = back;
  }

  /** A file picked (or dropped): read here, then checked by the server. */
  async function pick(file: File): Promise<void> {
    clear();
    const mine = generation;
    phase.value = 'reading';
    let read: ReadSheet;
    try {
      read = await readSheet(file, kind.value);
    } catch (error) {
      fail(mine, error, 'empty');
      return;
    }
    if (mine !== generation) return;
    sheet.value = read;
    try {
      await runCheck(mine, read);
    } catch (error) {
      fail(mine, error, 'empty');
    }
  }

  /** 重新检查: the same file against the database as it is now. */
  async function recheck(): Promise<void> {
    const read = sheet.value;
    if (!read) return;
    generation += 1;
    const mine = generation;
    failure.value = '';
    const hadPreview = preview.value.length > 0;
    try {
      await runCheck(mine, read);
    } catch (error) {
      fail(mine, error, hadPreview ? 'checked' : 'empty');
    }
  }

  /** 确认导入: a batch, then the rows in chunks (the server checks each row again and skips the wrong ones), then the batch closed. */
  async function confirm(): Promise<void> {
    const read = sheet.value;
    if (!read || read.rows.length === 0) return;
    const mine = generation;
    failure.value = '';
    phase.value = 'importing';
    const chunks = chunksOf(read.rows);
    let batchId = interrupted.value?.batchId ?? null;
    let next = interrupted.value?.nextChunk ?? 0;
    progress.total = read.rows.length;
    progress.done = chunks.slice(0, next).reduce((sum, chunk) => sum + chunk.length, 0);
    try {
      if (!batchId) {
        imported.value = [];
        batchId = (await startImport(read.kind, read.fileName, read.fileHash, read.rows.length)).batchId;
      }
      for (; next < chunks.length; next += 1) {
        interrupted.value = { batchId, nextChunk: next };
        const rows = await importRows(batchId, read.kind, chunks[next]!);
        imported.value = [...imported.value, ...rows];
        progress.done += chunks[next]!.length;
      }
      interrupted.value = { batchId, nextChunk: chunks.length };
      batch.value = await finishImport(batchId);
      interrupted.value = null;
      if (mine === generation) phase.value = 'imported';
    } catch (error) {
      // A batch withdrawn or gone meanwhile cannot be continued: the next 确认导入 starts a new one.
      if (error instanceof ApiError && BATCH_GONE.includes(error.code as ErrorCode)) interrupted.value = null;
      fail(mine, error, 'checked');
    }
  }

  return {
    kind,
    sheet,
    phase,
    progress,
    failure,
    preview,
    counts,
    writable,
    previewProblems,
    batch,
    importProblems,
    interrupted,
    chooseKind,
    pick,
    recheck,
    confirm,
    clear,
  };
}
