/**
 * Exports, page by page: what the console writes into the sheet for 催缴 (one row per student with
 * something unpaid, 必缴 and 选缴 apart, or 必缴 alone), payments in a date range and bills as
 * filtered; every page adds up to the total the progress bar counts to; each export is in the
 * audit log once.
 */
import ExcelJS from 'exceljs';
import { EXPORT_COLUMNS, type ExportPage, type ExportRow } from '../../../cloudfunctions/shared/billing/contract';
import type { ImportRow } from '../../../cloudfunctions/shared/imports/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { shanghaiDate } from '../../../cloudfunctions/shared/kernel/china-time';
import { seedFeeItems } from '../../../local/seed/bills';
import { cloudPaySandboxOf } from '../../../local/wechat-pay';
import { createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { writeSheet } from '../../../admin/src/utils/excel';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

const TERM = '2026-2027-1';
let c: ConsoleCloud;
let viewer: string;
const students: TestStudent[] = [];

beforeAll(async () => {
  c = await startConsoleCloud();
  const db = c.running.cloud.sdkDatabase();
  await seedFeeItems(db, c.running.cloud.clock.now());
  const cashier = await c.signInAs('cashier');
  for (let i = 1; i <= 4; i += 1) students.push(await createSignedInStudent(c.running.cloud, { studentNo: `20268000${i}` }));
  // 学费 and 教材费 are 必缴, 住宿费 选缴 (the fee items' own setting): the second student also owes
  // 住宿费, the fourth owes only 住宿费.
  const rows: ImportRow[] = students.slice(0, 3).flatMap((student, index) => [
    { rowNumber: index * 2 + 2, cells: { studentNo: student.studentNo, term: TERM, itemName: '学费', amount: '3200', deadline: '2026-12-31', mandatory: '' } },
    { rowNumber: index * 2 + 3, cells: { studentNo: student.studentNo, term: TERM, itemName: '教材费', amount: '450.50', deadline: '2026-11-30', mandatory: '' } },
  ]);
  rows.push(
    { rowNumber: 8, cells: { studentNo: students[1]!.studentNo, term: TERM, itemName: '住宿费', amount: '1200', deadline: '2026-11-15', mandatory: '' } },
    { rowNumber: 9, cells: { studentNo: students[3]!.studentNo, term: TERM, itemName: '住宿费', amount: '1200', deadline: '2026-12-15', mandatory: '' } },
  );
  const started = await c.api<{ batchId: string }>('startImport', { kind: 'bills', fileName: '账单.xlsx', fileHash: 'e'.repeat(64), rowCount: rows.length }, { token: cashier });
  const batchId = (started.result as { data: { batchId: string } }).data.batchId;
  await c.api('importRows', { batchId, kind: 'bills', rows }, { token: cashier });
  await c.api('finishImport', { batchId }, { token: cashier });
  // The first student pays everything.
  expect((await collection(db, 'bills').findAll({ term: TERM })).map((bill) => [bill.studentNo, bill.itemName, bill.mandatory]).sort()).toEqual(
    [
      ...students.slice(0, 3).flatMap((student) => [
        [student.studentNo, '学费', true],
        [student.studentNo, '教材费', true],
      ]),
      [students[1]!.studentNo, '住宿费', false],
      [students[3]!.studentNo, '住宿费', false],
    ].sort(),
  );
  const billIds = (await collection(db, 'bills').find({ studentNo: students[0]!.studentNo })).map((bill) => bill._id);
  const paid = (await c.running.cloud.invoke('pay', { action: 'create', billIds, email: 'a@example.edu.cn' }, { openid: students[0]!.openid })) as ApiResult<{ order: { id: string } }>;
  if (!paid.ok) throw new Error(paid.message);
  await cloudPaySandboxOf(c.running.cloud).pay(paid.data.order.id, { openid: students[0]!.openid });
  await cloudPaySandboxOf(c.running.cloud).settle();
  viewer = await c.signInAs('viewer');
});
afterAll(async () => c.stop());

const page = async (request: Record<string, unknown>) => {
  const answer = await c.api<ExportPage>('exportRows', request, { token: viewer });
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data;
};

/** The 未缴学生名单 as the console writes it and a clerk opens it: the header, then a row per student. */
async function unpaidSheet(rows: ExportRow[]): Promise<unknown[][]> {
  const file = await writeSheet({ sheetName: '未缴学生', columns: EXPORT_COLUMNS.unpaid, rows });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await file.arrayBuffer());
  const sheet = workbook.getWorksheet('未缴学生')!;
  const width = EXPORT_COLUMNS.unpaid.length;
  const lines: unknown[][] = [];
  sheet.eachRow((row) => lines.push(Array.from({ length: width }, (_, index) => row.getCell(index + 1).value ?? null)));
  return lines;
}

const HEADER = ['学号', '姓名', '学院', '专业', '年级', '班级', '未缴必缴项目', '必缴金额（元）', '未缴选缴项目', '选缴金额（元）', '最早截止日期'];
const ROSTER = ['测试学生', '继续教育学院', '会计学', '2025', '会计2501'];

it('未缴学生名单 只含必缴: the students who owe a 必缴 bill, its items and sum; the 选缴 columns left empty', async () => {
  const result = await page({ kind: 'unpaid', term: TERM, mandatoryOnly: true });
  expect(result).toMatchObject({ total: 2, next: null });
  expect(await unpaidSheet(result.rows)).toEqual([
    HEADER,
    [students[1]!.studentNo, ...ROSTER, '教材费、学费', 3650.5, '', null, '2026-11-30'],
    [students[2]!.studentNo, ...ROSTER, '教材费、学费', 3650.5, '', null, '2026-11-30'],
  ]);
  // A later page starts after the previous page's last 学号, with the same choice.
  const after = Buffer.from(JSON.stringify({ kind: 'unpaid', key: [students[1]!.studentNo] })).toString('base64url');
  expect((await page({ kind: 'unpaid', term: TERM, mandatoryOnly: true, after })).rows.map((row) => row.studentNo)).toEqual([students[2]!.studentNo]);
});

it('未缴学生名单 with 选缴: 必缴 and 选缴 items in their own columns with their own sums, a student who owes only 选缴 too', async () => {
  const result = await page({ kind: 'unpaid', term: TERM, mandatoryOnly: false });
  expect(result).toMatchObject({ total: 3, next: null });
  expect(await unpaidSheet(result.rows)).toEqual([
    HEADER,
    [students[1]!.studentNo, ...ROSTER, '教材费、学费', 3650.5, '住宿费', 1200, '2026-11-15'],
    [students[2]!.studentNo, ...ROSTER, '教材费、学费', 3650.5, '', 0, '2026-11-30'],
    [students[3]!.studentNo, ...ROSTER, '', 0, '住宿费', 1200, '2026-12-15'],
  ]);
  // Without the choice, every unpaid bill as before.
  expect(await page({ kind: 'unpaid', term: TERM })).toEqual(result);
});

it('缴费记录: the payments of a date range, with the transaction number masked', async () => {
  const today = shanghaiDate(c.running.cloud.clock.now());
  const result = await page({ kind: 'payments', paidFrom: today, paidTo: today });
  expect(result.total).toBe(1);
  expect(result.rows[0]).toMatchObject({ studentNo: students[0]!.studentNo, amount: 365050, refunded: 0, statusText: '已支付' });
  const order = (await collection(c.running.cloud.sdkDatabase(), 'orders').findOne({ studentNo: students[0]!.studentNo }))!;
  expect(JSON.stringify(result)).not.toContain(order.transactionId!);
  expect(await page({ kind: 'payments', paidFrom: '2020-01-01', paidTo: '2020-01-31' })).toMatchObject({ total: 0, rows: [] });
});

it('账单明细: the bills as filtered; pages add up to the total', async () => {
  const all = await page({ kind: 'bills', term: TERM });
  expect(all.total).toBe(8);
  expect(all.rows.filter((row) => row.statusText === '已缴费')).toHaveLength(2);
  const unpaid = await page({ kind: 'bills', term: TERM, status: 'UNPAID' });
  expect(unpaid.rows.map((row) => row.amount).reduce((t, a) => Number(t) + Number(a), 0)).toBe(2 * 365050 + 2 * 120000);
});

it('asks for what an export needs, and records each export once in the audit log', async () => {
  expectRefused(await c.api('exportRows', { kind: 'unpaid' }, { token: viewer }), 400, 'BAD_REQUEST');
  expectRefused(await c.api('exportRows', { kind: 'payments' }, { token: viewer }), 400, 'BAD_REQUEST');
  // A page token the export did not hand out (another kind's, or not one at all) is refused.
  const billsToken = Buffer.from(JSON.stringify({ kind: 'bills', key: [students[1]!.studentNo, TERM, 'XF', 'x'] })).toString('base64url');
  expectRefused(await c.api('exportRows', { kind: 'unpaid', term: TERM, after: billsToken }, { token: viewer }), 400, 'BAD_REQUEST');
  expectRefused(await c.api('exportRows', { kind: 'bills', term: TERM, after: 'bm90LWpzb24' }, { token: viewer }), 400, 'BAD_REQUEST');
  expect((await c.api('startExport', { kind: 'unpaid', term: TERM, mandatoryOnly: true }, { token: viewer })).result).toEqual({ ok: true, data: { total: 2 } });
  const [entry] = await collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ action: 'admin.startExport' });
  expect(entry).toMatchObject({
    actor: `staff:${c.openidOf('viewer')}`,
    details: { role: 'viewer', changes: [{ target: 'export:unpaid', after: { filters: { term: TERM, mandatoryOnly: true }, rows: 2 } }] },
  });
});
