/**
 * Exports, page by page: what the console writes into the sheet for 催缴 (one row per student with
 * something unpaid), payments in a date range and bills as filtered; every page adds up to the
 * total the progress bar counts to; each export is in the audit log once.
 */
import type { ExportPage } from '../../../cloudfunctions/shared/billing/contract';
import type { ImportRow } from '../../../cloudfunctions/shared/imports/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { shanghaiDate } from '../../../cloudfunctions/shared/kernel/china-time';
import { seedFeeItems } from '../../../local/seed/bills';
import { cloudPaySandboxOf } from '../../../local/wechat-pay';
import { createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
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
  for (let i = 1; i <= 3; i += 1) students.push(await createSignedInStudent(c.running.cloud, { studentNo: `20268000${i}` }));
  const rows: ImportRow[] = students.flatMap((student, index) => [
    { rowNumber: index * 2 + 2, cells: { studentNo: student.studentNo, term: TERM, itemName: '学费', amount: '3200', deadline: '2026-12-31', mandatory: '' } },
    { rowNumber: index * 2 + 3, cells: { studentNo: student.studentNo, term: TERM, itemName: '教材费', amount: '450.50', deadline: '2026-11-30', mandatory: '' } },
  ]);
  const started = await c.api<{ batchId: string }>('startImport', { kind: 'bills', fileName: '账单.xlsx', fileHash: 'e'.repeat(64), rowCount: rows.length }, { token: cashier });
  const batchId = (started.result as { data: { batchId: string } }).data.batchId;
  await c.api('importRows', { batchId, kind: 'bills', rows }, { token: cashier });
  await c.api('finishImport', { batchId }, { token: cashier });
  // The first student pays everything.
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

it('未缴学生名单: one row per student with something unpaid, the items, the sum and the earliest deadline', async () => {
  const result = await page({ kind: 'unpaid', term: TERM });
  expect(result).toEqual({
    total: 2,
    next: null,
    rows: students.slice(1).map((student) => ({
      studentNo: student.studentNo,
      studentName: '测试学生',
      college: '继续教育学院',
      major: '会计学',
      grade: '2025',
      className: '会计2501',
      items: expect.stringMatching(/^(学费、教材费|教材费、学费)$/),
      amount: 365050,
      earliestDeadline: '2026-11-30',
    })),
  });
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
  expect(all.total).toBe(6);
  expect(all.rows.filter((row) => row.statusText === '已缴费')).toHaveLength(2);
  const unpaid = await page({ kind: 'bills', term: TERM, status: 'UNPAID' });
  expect(unpaid.rows.map((row) => row.amount).reduce((t, a) => Number(t) + Number(a), 0)).toBe(2 * 365050);
});

it('asks for what an export needs, and records each export once in the audit log', async () => {
  expectRefused(await c.api('exportRows', { kind: 'unpaid' }, { token: viewer }), 400, 'BAD_REQUEST');
  expectRefused(await c.api('exportRows', { kind: 'payments' }, { token: viewer }), 400, 'BAD_REQUEST');
  // A page token the export did not hand out (another kind's, or not one at all) is refused.
  const billsToken = Buffer.from(JSON.stringify({ kind: 'bills', key: [students[1]!.studentNo, TERM, 'XF', 'x'] })).toString('base64url');
  expectRefused(await c.api('exportRows', { kind: 'unpaid', term: TERM, after: billsToken }, { token: viewer }), 400, 'BAD_REQUEST');
  expectRefused(await c.api('exportRows', { kind: 'bills', term: TERM, after: 'bm90LWpzb24' }, { token: viewer }), 400, 'BAD_REQUEST');
  expect((await c.api('startExport', { kind: 'unpaid', term: TERM }, { token: viewer })).result).toEqual({ ok: true, data: { total: 2 } });
  const [entry] = await collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ action: 'admin.startExport' });
  expect(entry).toMatchObject({ actor: `staff:${c.openidOf('viewer')}`, details: { role: 'viewer', changes: [{ target: 'export:unpaid', after: { rows: 2 } }] } });
});
