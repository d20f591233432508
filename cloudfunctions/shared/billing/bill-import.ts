/**
 * The bills sheet: each row checked (the student exists, the term, the fee item, the amount, the
 * deadline), compared with the bill of the same student, term and item if there is one, and
 * written only when asked. A bill's id is its natural key (学号 + 学年学期 + 收费项目), so the same
 * file twice, or two files that overlap, create nothing twice; a different amount, deadline or 必缴
 * for an existing bill is a conflict to settle in 账单 (adjust, with a reason), never a silent
 * overwrite. A voided bill (its batch withdrawn, or 作废 of a wrong bill) counts as absent: the row
 * issues it again, as it now reads.
 *
 * Round trips per chunk: the existing bills, one insert (the fee item catalogue is read once a
 * minute per function instance: an import reads it once, not once per chunk), and only for a chunk
 * that reissues voided bills, one write per set of them that take the same fields.
 */
import { commands, type Database } from '../runtime';
import { formatFenPlain } from '../kernel/money';
import { shanghaiDate } from '../kernel/china-time';
import { BILL_STATUS_TEXT } from './contract';
import { parseBillRow, type BillRowCells, type BillRowColumn } from './domain/bill-row';
import { billIdFor, newBill, reissuedBill, type BillStudent, type ReissuedBill } from './domain/billing';
import type { BillDoc } from './domain/records';
import { feeItemCatalogue } from './fee-item-catalogue';
import { billingReads, billingStore } from './store';

export const BILL_SHEET_HEADERS: Readonly<Record<BillRowColumn, string>> = {
  studentNo: '学号',
  term: '学年学期',
  itemName: '收费项目',
  amount: '金额（元）',
  deadline: '缴费截止日期',
  mandatory: '是否必缴',
};

export interface BillSheetRow {
  rowNumber: number;
  /** studentNo as the students feature made it canonical. */
  cells: BillRowCells;
}

export interface BillStudentRef extends BillStudent {
  id: string;
  studentNo: string;
}

export interface BillRowResult {
  rowNumber: number;
  outcome: 'create' | 'update' | 'unchanged' | 'invalid';
  problems: { column: string; reason: string }[];
  changes: { column: string; before: string; after: string }[];
}

const yuan = (amount: number): string => `${formatFenPlain(amount as BillDoc['amount'])} 元`;

/** The first column where the row differs from the bill already there, or null when it is the same bill. */
function differingColumn(known: BillDoc, row: { amount: number; deadline: Date; mandatory: boolean }): BillRowColumn | null {
  if (known.amount !== row.amount) return 'amount';
  if (shanghaiDate(new Date(known.deadline)) !== shanghaiDate(row.deadline)) return 'deadline';
  if (known.mandatory !== row.mandatory) return 'mandatory';
  return null;
}

interface PlannedRow {
  result: BillRowResult;
  create?: BillDoc;
  reissue?: ReissuedBill;
}

/** The batch a chunk of bills is imported under. */
export interface BillImportScope {
  batchId: string;
  /** Whether a bill this batch wrote at `at` was written by another chunk of the file (not by this one, sent again). */
  writtenByAnotherChunk(at: Date): boolean;
}

async function plan(
  db: Database,
  rows: readonly BillSheetRow[],
  students: ReadonlyMap<string, BillStudentRef>,
  scope: BillImportScope | null,
  now: Date,
): Promise<PlannedRow[]> {
  const batchId = scope?.batchId ?? null;
  const read = billingReads(db);
  const _ = commands(db);
  const items = await feeItemCatalogue(db, now);
  const parsed = rows.map((row) => {
    const p = parseBillRow(row.cells, items);
    const student = students.get(row.cells.studentNo);
    return { row, parsed: p, student, id: p.ok && student ? billIdFor(student.studentNo, p.row.term, p.row.item._id) : null };
  });
  const ids = parsed.flatMap(({ id }) => (id === null ? [] : [id]));
  const existing = new Map((ids.length ? await read.bills.aggregate<BillDoc>([{ match: { _id: _.in(ids) } }, { limit: ids.length }]) : []).map((bill) => [bill._id, bill]));
  const firstRowOf = new Map<string, number>();

  return parsed.map(({ row, parsed: p, student, id }): PlannedRow => {
    const result: BillRowResult = { rowNumber: row.rowNumber, outcome: 'invalid', problems: [], changes: [] };
    if (!student) result.problems.push({ column: '学号', reason: row.cells.studentNo ? `学号 ${row.cells.studentNo} 不存在，请先导入学生名单` : '学号不能为空' });
    if (!p.ok) result.problems.push(...p.problems.map((problem) => ({ column: BILL_SHEET_HEADERS[problem.column], reason: problem.reason })));
    if (!student || !p.ok || id === null) return { result };

    const same = firstRowOf.get(id);
    if (same !== undefined) {
      result.problems.push({ column: '收费项目', reason: `文件内重复：与第 ${same} 行是同一学生、同一学期的同一收费项目` });
      return { result };
    }
    firstRowOf.set(id, row.rowNumber);
    const found = existing.get(id);
    // A voided bill is issued again by the row, as if it were not there.
    const known = found && found.status !== 'VOID' ? found : undefined;
    if (known) {
      if (scope !== null && known.importBatchId === scope.batchId) {
        // This chunk, sent again after its answer was lost: the row did what it did the first time.
        if (differingColumn(known, p.row) === null && !scope.writtenByAnotherChunk(new Date(known.updatedAt))) return { result: { ...result, outcome: 'create' } };
        result.problems.push({ column: '收费项目', reason: '文件内重复：本文件前面的行已导入同一学生、同一学期的同一收费项目' });
        return { result };
      }
      const differs = differingColumn(known, p.row);
      if (differs === null) return { result: { ...result, outcome: 'unchanged' } };
      result.problems.push({
        column: BILL_SHEET_HEADERS[differs],
        reason: `与已有账单冲突：已有 ${yuan(known.amount)}，截止 ${shanghaiDate(new Date(known.deadline))}，${known.mandatory ? '必缴' : '选缴'}（${BILL_STATUS_TEXT[known.status]}）。如需修改，请在“账单”中调整`,
      });
      return { result };
    }
    const fresh = newBill({
      studentId: student.id,
      studentNo: student.studentNo,
      student,
      term: p.row.term,
      itemCode: p.row.item._id,
      itemName: p.row.item.name,
      amount: p.row.amount,
      deadline: p.row.deadline,
      mandatory: p.row.mandatory,
      ...(batchId ? { importBatchId: batchId } : {}),
      now,
    });
    if (!found) return { result: { ...result, outcome: 'create' }, create: fresh };
    // Said in the preview, so issuing a voided bill again is a choice and not a surprise.
    const reissued = { column: '状态', before: BILL_STATUS_TEXT.VOID, after: BILL_STATUS_TEXT.UNPAID };
    return { result: { ...result, outcome: 'create', changes: [reissued] }, reissue: reissuedBill(found, fresh) };
  });
}

/** What importing these rows would do, row by row; writes nothing. */
export async function checkBillRows(db: Database, rows: readonly BillSheetRow[], students: ReadonlyMap<string, BillStudentRef>, now: Date): Promise<BillRowResult[]> {
  return (await plan(db, rows, students, null, now)).map((planned) => planned.result);
}

/** Imports the rows that are right, under the batch; the others are reported again and skipped. */
export async function importBillRows(
  db: Database,
  rows: readonly BillSheetRow[],
  students: ReadonlyMap<string, BillStudentRef>,
  scope: BillImportScope,
  now: Date,
): Promise<BillRowResult[]> {
  const planned = await plan(db, rows, students, scope, now);
  const store = billingStore(db);
  const [, notReissued] = await Promise.all([
    store.insertBills(planned.flatMap((p) => (p.create ? [p.create] : []))),
    store.reissueVoidBills(planned.flatMap((p) => (p.reissue ? [p.reissue] : []))),
  ]);
  const changedMeanwhile = new Set(notReissued);
  return planned.map((p) =>
    p.reissue && changedMeanwhile.has(p.reissue.billId)
      ? { ...p.result, outcome: 'invalid', problems: [{ column: '收费项目', reason: '该账单在导入过程中已被他人修改，本行未导入；请重新检查后再导入' }] }
      : p.result,
  );
}

/** An import withdrawn: its unpaid bills in no order are voided; paid ones and those being paid stay. */
export const withdrawBillsOfBatch = (db: Database, batchId: string, at: Date): Promise<number> => billingStore(db).voidUnpaidBillsOfBatch(batchId, at);
