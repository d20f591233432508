/**
 * One row of a bills sheet (学号, 学年学期, 收费项目, 金额（元）, 缴费截止日期, 是否必缴) made into
 * what a bill needs, or the reasons it cannot be, column by column. Pure: the student and the fee
 * item catalogue are looked up by the caller and passed in.
 */
import { parseChinaDateEndOfDay } from '../../kernel/china-time';
import { parseYuan, type Fen } from '../../kernel/money';

/** feeItems/{code}: an item the school charges for. */
export interface FeeItemDoc {
  _id: string;
  name: string;
  /** Mandatory bills of a term are paid before or together with its optional ones. */
  mandatory: boolean;
  /** Whether a bill of this item may still be paid after its deadline (已逾期). */
  payableAfterDeadline: boolean;
  active: boolean;
  /** Order in lists and on the student's bills. */
  sortOrder: number;
  updatedAt: Date;
}

export interface BillRowCells {
  studentNo: string;
  term: string;
  itemName: string;
  amount: string;
  deadline: string;
  mandatory: string;
}

export type BillRowColumn = keyof BillRowCells;

export interface BillRowProblem {
  column: BillRowColumn;
  reason: string;
}

export interface ParsedBillRow {
  term: string;
  item: FeeItemDoc;
  amount: Fen;
  deadline: Date;
  mandatory: boolean;
}

/** The largest single bill (1,000,000 元): a typo with extra zeros is caught, not charged. */
export const MAX_BILL_FEN = 100_000_000;

const TERM_NUMBERS: Readonly<Record<string, string>> = { 一: '1', 二: '2', '1': '1', '2': '2' };

/**
 * "2025-2026-1", "2025-2026-2", or "2025-2026学年第一学期" → "2025-2026-1"; null otherwise (the
 * second year must follow the first).
 */
export function normalizeTerm(text: string): string | null {
  const plain = text.normalize('NFKC').replace(/\s/g, '');
  const match = /^(\d{4})-(\d{4})(?:-([12])|学年第([一二12])学期)$/.exec(plain);
  if (!match || Number(match[2]) !== Number(match[1]) + 1) return null;
  return `${match[1]}-${match[2]}-${TERM_NUMBERS[match[3] ?? match[4] ?? ''] ?? ''}`;
}

/** 是 / 否 (also Y/N, 1/0, 必缴/选缴); '' leaves it to the fee item. */
function parseMandatory(text: string, item: FeeItemDoc | undefined): boolean | null {
  const plain = text.normalize('NFKC').trim().toUpperCase();
  if (plain === '') return item ? item.mandatory : true;
  if (['是', 'Y', 'YES', '1', '必缴', 'TRUE'].includes(plain)) return true;
  if (['否', 'N', 'NO', '0', '选缴', 'FALSE'].includes(plain)) return false;
  return null;
}

/** The fee item named in a row, by name or code as typed (spaces and width ignored). */
export function findFeeItem(items: readonly FeeItemDoc[], typed: string): FeeItemDoc | undefined {
  const plain = typed.normalize('NFKC').replace(/\s/g, '');
  return items.find((item) => item.active && (item.name === plain || item._id === plain.toUpperCase()));
}

export function parseBillRow(cells: BillRowCells, items: readonly FeeItemDoc[]): { ok: true; row: ParsedBillRow } | { ok: false; problems: BillRowProblem[] } {
  const problems: BillRowProblem[] = [];
  const term = normalizeTerm(cells.term);
  if (!term) problems.push({ column: 'term', reason: '学年学期应写作 2025-2026-1（2025-2026 学年第一学期）' });
  const item = findFeeItem(items, cells.itemName);
  if (!item) problems.push({ column: 'itemName', reason: cells.itemName.trim() ? `收费项目表中没有“${cells.itemName.trim()}”` : '收费项目不能为空' });
  const amount = parseYuan(cells.amount);
  if (amount === null) problems.push({ column: 'amount', reason: '金额格式不正确：应为元，最多两位小数，如 4800.00' });
  else if (amount <= 0 || amount > MAX_BILL_FEN) problems.push({ column: 'amount', reason: '金额应大于 0 且不超过 1,000,000 元' });
  const deadline = parseChinaDateEndOfDay(cells.deadline);
  if (!deadline) problems.push({ column: 'deadline', reason: '缴费截止日期应为日期，如 2026-03-31' });
  const mandatory = parseMandatory(cells.mandatory, item);
  if (mandatory === null) problems.push({ column: 'mandatory', reason: '是否必缴应填“是”或“否”' });
  if (problems.length > 0 || !term || !item || amount === null || !deadline || mandatory === null) return { ok: false, problems };
  return { ok: true, row: { term, item, amount, deadline, mandatory } };
}
