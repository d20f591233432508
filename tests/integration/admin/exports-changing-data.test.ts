/**
 * Exports while the rows change: in the fee season students pay and the office waives bills while
 * a long export is being read page by page. Whatever leaves an earlier page, every row that still
 * belongs in the file is in it exactly once — the file the console writes, read back with exceljs.
 */
import ExcelJS from 'exceljs';
import { EXPORT_COLUMNS, EXPORT_PAGE_ROWS, type ConsoleBill, type ExportKind, type ExportPage, type ExportRow } from '../../../cloudfunctions/shared/billing/contract';
import type { BillDoc, OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { shanghaiDate } from '../../../cloudfunctions/shared/kernel/china-time';
import { writeSheet } from '../../../admin/src/utils/excel';
import { data, startConsoleCloud, type ConsoleCloud } from './support';

const TERM = '2026-2027-1';
/** More students than one page holds, each owing three bills. */
const STUDENTS = EXPORT_PAGE_ROWS + 5;
const ITEMS = [
  { itemCode: 'JCF', itemName: '教材费', amount: 45050 },
  { itemCode: 'XF', itemName: '学费', amount: 320000 },
  { itemCode: 'ZSF', itemName: '住宿费', amount: 120000 },
];

// Thousands of bills, read page by page through the HTTP entry.
jest.setTimeout(60_000);

let c: ConsoleCloud;
let cashier: string;
let viewer: string;

const studentNoOf = (index: number): string => `2026${String(index).padStart(6, '0')}`;
const billIdOf = (studentNo: string, itemCode: string): string => `bill-${studentNo}-${itemCode}`;

beforeAll(async () => {
  c = await startConsoleCloud();
  const now = c.running.cloud.clock.now();
  const bills: BillDoc[] = [];
  for (let index = 0; index < STUDENTS; index += 1) {
    const studentNo = studentNoOf(index);
    for (const item of ITEMS) {
      bills.push({
        _id: billIdOf(studentNo, item.itemCode),
        studentId: `student-${studentNo}`,
        studentNo,
        term: TERM,
        academicYear: '2026-2027',
        itemCode: item.itemCode,
        itemName: item.itemName,
        amount: fen(item.amount),
        deadline: new Date('2026-12-31T23:59:59+08:00'),
        mandatory: true,
        status: 'UNPAID',
        orderId: null,
        paidOrderId: null,
        studentName: '测试学生',
        college: '继续教育学院',
        major: '会计学',
        grade: '2025',
        className: '会计2501',
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  await collection(c.running.cloud.sdkDatabase(), 'bills').insertMany(bills);
  cashier = await c.signInAs('cashier');
  viewer = await c.signInAs('viewer');
});
afterAll(async () => c.stop());

/** One page as the console asks for it: the first without a token, the others after the page before. */
async function readPage(request: Record<string, unknown>, after: string | null): Promise<ExportPage> {
  return data(await c.api<ExportPage>('exportRows', after === null ? request : { ...request, after }, { token: viewer }));
}

/**
 * A whole export as the console reads it, with `between` run after the first page (the change that
 * happens while the export is under way), then written to a sheet and read back.
 */
async function exportSheet(kind: ExportKind, filters: Record<string, unknown>, between: (firstPage: ExportRow[]) => Promise<void>): Promise<string[][]> {
  const request = { kind, ...filters };
  data(await c.api('startExport', request, { token: viewer }));
  const rows: ExportRow[] = [];
  let page = await readPage(request, null);
  rows.push(...page.rows);
  await between(page.rows);
  while (page.next !== null) {
    page = await readPage(request, page.next);
    rows.push(...page.rows);
  }
  const file = await writeSheet({ sheetName: kind, columns: EXPORT_COLUMNS[kind], rows });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await file.arrayBuffer());
  const sheet = workbook.getWorksheet(kind)!;
  const header = sheet.getRow(1).values as unknown[];
  expect(header.slice(1)).toEqual(EXPORT_COLUMNS[kind].map((column) => column.header));
  const lines: string[][] = [];
  sheet.eachRow((row, rowNumber) => {
    if (rowNumber > 1) lines.push((row.values as unknown[]).slice(1).map((value) => String(value ?? '')));
  });
  return lines;
}

/** How many times each key occurs. */
function occurrences(keys: readonly string[]): Map<string, number> {
  const counted = new Map<string, number>();
  for (const key of keys) counted.set(key, (counted.get(key) ?? 0) + 1);
  return counted;
}

async function waive(billId: string): Promise<void> {
  data(await c.api<ConsoleBill>('waiveBill', { billId, reason: '家庭经济困难，学院批准减免' }, { token: cashier }));
}

async function unpaidBills(): Promise<BillDoc[]> {
  return collection(c.running.cloud.sdkDatabase(), 'bills').findAll({ term: TERM, status: 'UNPAID' });
}

it('未缴学生名单: a student on the first page is waived before the second is read; everyone who still owes is in the file once', async () => {
  let waivedStudent = '';
  const lines = await exportSheet('unpaid', { term: TERM }, async (firstPage) => {
    expect(firstPage).toHaveLength(EXPORT_PAGE_ROWS);
    waivedStudent = String(firstPage[10]!.studentNo);
    for (const item of ITEMS) await waive(billIdOf(waivedStudent, item.itemCode));
  });
  const stillOwing = [...new Set((await unpaidBills()).map((bill) => bill.studentNo))].sort();
  expect(stillOwing).toHaveLength(STUDENTS - 1);
  expect(stillOwing).not.toContain(waivedStudent);
  const inFile = occurrences(lines.map((line) => line[0]!));
  expect(stillOwing.filter((studentNo) => inFile.get(studentNo) !== 1)).toEqual([]);
  expect([...inFile].filter(([, count]) => count > 1)).toEqual([]);
  // Nobody else but the waived student, whose row was read before the waiver.
  expect([...inFile.keys()].filter((studentNo) => !stillOwing.includes(studentNo))).toEqual([waivedStudent]);
  const last = lines.find((line) => line[0] === studentNoOf(STUDENTS - 1))!;
  expect(last.slice(6)).toEqual(['教材费、学费、住宿费', '4850.5', '', '0', '2026-12-31']);
});

it('账单明细 filtered by 待缴费: a bill on the first page is waived before the second is read; every bill still unpaid is in the file once', async () => {
  const lines = await exportSheet('bills', { term: TERM, status: 'UNPAID' }, async (firstPage) => {
    expect(firstPage).toHaveLength(EXPORT_PAGE_ROWS);
    const row = firstPage[500]!;
    await waive(billIdOf(String(row.studentNo), ITEMS.find((item) => item.itemName === row.itemName)!.itemCode));
  });
  const keyOf = (studentNo: string, itemName: string): string => `${studentNo} ${itemName}`;
  const stillUnpaid = (await unpaidBills()).map((bill) => keyOf(bill.studentNo, bill.itemName));
  expect(stillUnpaid.length).toBeGreaterThan(EXPORT_PAGE_ROWS * 2);
  const columns = EXPORT_COLUMNS.bills.map((column) => column.field);
  const inFile = occurrences(lines.map((line) => keyOf(line[columns.indexOf('studentNo')]!, line[columns.indexOf('itemName')]!)));
  expect(stillUnpaid.filter((key) => inFile.get(key) !== 1)).toEqual([]);
  expect([...inFile].filter(([, count]) => count > 1)).toEqual([]);
  expect(lines.every((line) => line[columns.indexOf('statusText')] === '待缴费')).toBe(true);
});

it('缴费记录: a payment confirmed late, paid before the rows already read, repeats no order in the file', async () => {
  const db = c.running.cloud.sdkDatabase();
  const today = shanghaiDate(c.running.cloud.clock.now());
  const morning = new Date(`${today}T08:00:00+08:00`).getTime();
  const orderOf = (index: number, paidAt: Date): OrderDoc => {
    const studentNo = studentNoOf(index);
    return {
      _id: `order-${String(index).padStart(6, '0')}`,
      outTradeNo: `T${today.replace(/-/g, '')}${String(index).padStart(8, '0')}`,
      studentId: `student-${studentNo}`,
      studentNo,
      payerOpenid: `openid-${studentNo}`,
      billIds: [billIdOf(studentNo, 'XF')],
      lines: [{ billId: billIdOf(studentNo, 'XF'), term: TERM, academicYear: '2026-2027', itemCode: 'XF', itemName: '学费', amount: fen(320000) }],
      total: fen(320000),
      status: 'PAID',
      email: 'student@example.edu.cn',
      createdAt: paidAt,
      expiresAt: new Date(paidAt.getTime() + 3600_000),
      paidAt,
      transactionId: `4200000000${today.replace(/-/g, '')}${String(index).padStart(8, '0')}`,
    };
  };
  // Three payments a second, so payments of the same second lie on both sides of the page boundary.
  const orders = Array.from({ length: EXPORT_PAGE_ROWS + 2 }, (_, index) => orderOf(index, new Date(morning + Math.floor(index / 3) * 1000)));
  await collection(db, 'orders').insertMany(orders);
  const late = orderOf(EXPORT_PAGE_ROWS + 2, new Date(morning - 60_000));
  const lines = await exportSheet('payments', { paidFrom: today, paidTo: today }, async (firstPage) => {
    expect(firstPage).toHaveLength(EXPORT_PAGE_ROWS);
    expect(firstPage.at(-1)!.outTradeNo).toBe(orders[EXPORT_PAGE_ROWS - 1]!.outTradeNo);
    await collection(db, 'orders').insert(late);
  });
  const columns = EXPORT_COLUMNS.payments.map((column) => column.field);
  const inFile = occurrences(lines.map((line) => line[columns.indexOf('outTradeNo')]!));
  expect(orders.filter((order) => inFile.get(order.outTradeNo) !== 1).map((order) => order.outTradeNo)).toEqual([]);
  expect([...inFile].filter(([, count]) => count > 1)).toEqual([]);
});
