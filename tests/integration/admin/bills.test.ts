/**
 * Bills in the console: a bills file checked row by row (every problem with its row and column),
 * imported only when confirmed and never twice, withdrawn as a batch without touching what was
 * paid; then found, adjusted, waived or voided with a reason, never while a student is paying it.
 */
import type { ImportBatchView, ImportRow, RowCheck } from '../../../cloudfunctions/shared/imports/contract';
import type { BillPage, ConsoleBill } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection, commands } from '../../../cloudfunctions/shared/runtime';
import { seedFeeItems } from '../../../local/seed/bills';
import { cloudPaySandboxOf } from '../../../local/wechat-pay';
import { createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let cashier: string;
let li: TestStudent;
beforeAll(async () => {
  c = await startConsoleCloud();
  await seedFeeItems(c.running.cloud.sdkDatabase(), c.running.cloud.clock.now());
  cashier = await c.signInAs('cashier');
  await createSignedInStudent(c.running.cloud, { studentNo: '2026500001' });
  li = await createSignedInStudent(c.running.cloud, { studentNo: '2026500002' });
});
afterAll(async () => c.stop());

const db = () => c.running.cloud.sdkDatabase();
const bills = () => collection(db(), 'bills');
type Cells = { studentNo: string; term: string; itemName: string; amount: string; deadline: string; mandatory?: string };
const row = (rowNumber: number, cells: Cells): ImportRow => ({ rowNumber, cells: { mandatory: '', ...cells } });

async function check(rows: ImportRow[]): Promise<RowCheck[]> {
  const answer = await c.api<{ rows: RowCheck[] }>('checkImport', { kind: 'bills', rows }, { token: cashier });
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data.rows;
}

async function importFile(rows: ImportRow[], fileName = '2026-2027-1 账单.xlsx'): Promise<ImportBatchView> {
  const started = await c.api<ImportBatchView>('startImport', { kind: 'bills', fileName, fileHash: 'c'.repeat(64), rowCount: rows.length }, { token: cashier });
  if (!started.result.ok) throw new Error(started.result.message);
  const { batchId } = started.result.data;
  await c.api('importRows', { batchId, kind: 'bills', rows }, { token: cashier });
  const finished = await c.api<ImportBatchView>('finishImport', { batchId }, { token: cashier });
  return (finished.result as { data: ImportBatchView }).data;
}

const problemsOf = (checks: RowCheck[]) =>
  Object.fromEntries(checks.filter((r) => r.outcome === 'invalid').map((r) => [r.rowNumber, r.problems.map((p) => `${p.column}：${p.reason}`)]));

const tuition = (studentNo: string, term = '2026-2027-1'): Cells => ({ studentNo, term, itemName: '学费', amount: '4,800.00', deadline: '2026-12-31', mandatory: '是' });

describe('a bills file with every kind of mistake', () => {
  const rows = [
    row(2, tuition('2026500001')),
    row(3, { studentNo: ' 2026500001 ', term: '2026-2027学年第一学期', itemName: '教材费', amount: '450.5', deadline: '2026/12/31' }),
    row(4, tuition('2099999999')),
    row(5, { ...tuition('2026500002'), term: '2026-2028-1' }),
    row(6, { ...tuition('2026500002'), itemName: '停车费' }),
    row(7, { ...tuition('2026500002'), amount: '48OO' }),
    row(8, { ...tuition('2026500002'), amount: '0' }),
    row(9, { ...tuition('2026500002'), deadline: '2026-02-30' }),
    row(10, { ...tuition('2026500002'), mandatory: '也许' }),
    row(11, { ...tuition('2026500001'), amount: '4800' }),
    row(12, { ...tuition('2026500002'), term: '2026', amount: '1.234' }),
  ];

  it('reports every problem with its row and column, and writes nothing', async () => {
    const before = await bills().count({});
    const checks = await check(rows);
    expect(checks.map((r) => r.outcome)).toEqual(['create', 'create', ...Array(9).fill('invalid')]);
    expect(problemsOf(checks)).toEqual({
      4: ['学号：学号 2099999999 不存在，请先导入学生名单'],
      5: ['学年学期：学年学期应写作 2025-2026-1（2025-2026 学年第一学期）'],
      6: ['收费项目：收费项目表中没有“停车费”'],
      7: ['金额（元）：金额格式不正确：应为元，最多两位小数，如 4800.00'],
      8: ['金额（元）：金额应大于 0 且不超过 1,000,000 元'],
      9: ['缴费截止日期：缴费截止日期应为日期，如 2026-03-31'],
      10: ['是否必缴：是否必缴应填“是”或“否”'],
      11: ['收费项目：文件内重复：与第 2 行是同一学生、同一学期的同一收费项目'],
      12: ['学年学期：学年学期应写作 2025-2026-1（2025-2026 学年第一学期）', '金额（元）：金额格式不正确：应为元，最多两位小数，如 4800.00'],
    });
    expect(await bills().count({})).toBe(before);
  });

  it('imports what is right; fixed, the file adds only what was missing; the same file twice adds nothing', async () => {
    const first = await importFile(rows);
    expect(first).toMatchObject({ created: 2, invalid: 9, unchanged: 0 });
    const stored = await bills().find({ studentNo: '2026500001' });
    expect(stored.map((b) => [b.itemName, b.amount, b.term, b.mandatory, b.status]).sort()).toEqual([
      ['学费', 480000, '2026-2027-1', true, 'UNPAID'],
      ['教材费', 45050, '2026-2027-1', true, 'UNPAID'],
    ]);
    expect(stored[0]).toMatchObject({ studentName: '测试学生', college: '继续教育学院', importBatchId: first.batchId });

    const fixed = [row(2, tuition('2026500001')), row(3, tuition('2026500002'))];
    expect(await importFile(fixed)).toMatchObject({ created: 1, unchanged: 1, invalid: 0 });
    expect(await importFile(fixed)).toMatchObject({ created: 0, unchanged: 2 });
    expect(await bills().count({ studentNo: commands(db()).in(['2026500001', '2026500002']), itemCode: 'XF' })).toBe(2);
  });

  it('a different amount for a bill that exists is a conflict, not an overwrite', async () => {
    const [conflict] = await check([row(2, { ...tuition('2026500001'), amount: '5000' })]);
    expect(conflict).toMatchObject({ outcome: 'invalid', problems: [{ column: '金额（元）', reason: expect.stringContaining('与已有账单冲突：已有 4,800.00 元') }] });
  });
});

describe('withdrawing a bills batch', () => {
  it('voids its unpaid bills and leaves the paid one and the one being paid as they are', async () => {
    const wang = await createSignedInStudent(c.running.cloud, { studentNo: '2026500003' });
    const batch = await importFile([
      row(2, tuition('2026500003', '2026-2027-2')),
      row(3, { ...tuition('2026500003', '2026-2027-2'), itemName: '教材费', amount: '380' }),
      row(4, { ...tuition('2026500003', '2026-2027-2'), itemName: '住宿费', amount: '1200', mandatory: '否' }),
    ]);
    const [xf, jcf, zsf] = await Promise.all(['XF', 'JCF', 'ZSF'].map((itemCode) => bills().findOne({ studentNo: '2026500003', term: '2026-2027-2', itemCode })));
    // The student pays 学费, and puts 教材费 into an order that is still open.
    const paid = (await c.running.cloud.invoke('pay', { action: 'create', billIds: [xf!._id], email: 'wang@example.edu.cn' }, { openid: wang.openid })) as ApiResult<{ order: { id: string } }>;
    if (!paid.ok) throw new Error(paid.message);
    await cloudPaySandboxOf(c.running.cloud).pay(paid.data.order.id, { openid: wang.openid });
    await cloudPaySandboxOf(c.running.cloud).settle();
    const open = (await c.running.cloud.invoke('pay', { action: 'create', billIds: [jcf!._id], email: 'wang@example.edu.cn' }, { openid: wang.openid })) as ApiResult<unknown>;
    expect(open.ok).toBe(true);

    const answer = await c.api<ImportBatchView>('withdrawImport', { batchId: batch.batchId, reason: '学期安排变更，重新导入' }, { token: cashier });
    expect(answer.result).toMatchObject({ ok: true, data: { status: 'WITHDRAWN', withdrawn: 1 } });
    expect((await bills().findById(xf!._id))!.status).toBe('PAID');
    expect((await bills().findById(jcf!._id))!.status).toBe('PAYING');
    expect((await bills().findById(zsf!._id))!.status).toBe('VOID');
    // A second withdraw changes nothing.
    expect((await c.api<ImportBatchView>('withdrawImport', { batchId: batch.batchId, reason: '学期安排变更，重新导入' }, { token: cashier })).result).toMatchObject({ ok: true, data: { withdrawn: 1 } });
  });
});

describe('changing a bill', () => {
  let bill: ConsoleBill;
  beforeAll(async () => {
    await importFile([row(2, { ...tuition('2026500002', '2026-2027-2'), itemName: '考试费', amount: '120', mandatory: '否' })]);
    const page = await c.api<BillPage>('searchBills', { studentNo: '2026500002', term: '2026-2027-2', page: 1, pageSize: 20 }, { token: cashier });
    bill = (page.result as { data: BillPage }).data.items[0]!;
  });

  it('finds bills by student, college, term and status', async () => {
    const viewer = await c.signInAs('viewer');
    const page = await c.api<BillPage>('searchBills', { college: '继续教育学院', status: 'UNPAID', term: '2026-2027-2', page: 1, pageSize: 20 }, { token: viewer });
    expect(page.result.ok && page.result.data.items.map((b) => b.itemName)).toContain('考试费');
    expect(bill).toMatchObject({ studentNo: '2026500002', itemName: '考试费', amount: 12000, statusText: '待缴费' });
  });

  it('adjusts an unpaid bill with a reason, and the audit log keeps before → after', async () => {
    const adjusted = await c.api<ConsoleBill>('adjustBill', { billId: bill.billId, amount: 10000, reason: '考试科目减少一门' }, { token: cashier });
    expect(adjusted.result).toMatchObject({ ok: true, data: { amount: 10000, originalAmount: 12000 } });
    const [entry] = await collection(db(), 'auditLog').find({ action: 'admin.adjustBill' });
    expect(entry).toMatchObject({
      actor: `staff:${c.openidOf('cashier')}`,
      details: { role: 'cashier', reason: '考试科目减少一门', changes: [{ target: `bill:${bill.billId}`, before: { amount: 12000 }, after: { amount: 10000 } }] },
    });
  });

  it('refuses a bill a student is paying, and a paid one', async () => {
    const open = await bills().findOne({ studentNo: '2026500003', itemCode: 'JCF', term: '2026-2027-2' });
    expectRefused(await c.api('adjustBill', { billId: open!._id, amount: 100, reason: '学生来电要求改价' }, { token: cashier }), 422, 'BILL_IN_OPEN_ORDER');
    expectRefused(await c.api('voidBill', { billId: open!._id, reason: '学生来电要求作废' }, { token: cashier }), 422, 'BILL_IN_OPEN_ORDER');
    const paid = await bills().findOne({ studentNo: '2026500003', itemCode: 'XF', term: '2026-2027-2' });
    expectRefused(await c.api('waiveBill', { billId: paid!._id, reason: '家庭困难减免' }, { token: cashier }), 422, 'BILL_NOT_CHANGEABLE');
  });

  it('waives and voids an unpaid bill, which then leaves the student’s 待缴费', async () => {
    const waived = await c.api<ConsoleBill>('waiveBill', { billId: bill.billId, reason: '家庭困难减免' }, { token: cashier });
    expect(waived.result).toMatchObject({ ok: true, data: { status: 'WAIVED', statusText: '已减免' } });
    expectRefused(await c.api('voidBill', { billId: bill.billId, reason: '重复减免操作' }, { token: cashier }), 422, 'BILL_NOT_CHANGEABLE');
    const overview = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: li.openid })) as ApiResult<{ unpaid: { id: string }[] }>;
    expect(overview.ok && overview.data.unpaid.map((b) => b.id)).not.toContain(bill.billId);
  });

  it('a 只读 or 审核 member cannot change a bill; a reason is required', async () => {
    for (const role of ['viewer', 'reviewer'] as const) {
      const token = await c.signInAs(role);
      expectRefused(await c.api('voidBill', { billId: bill.billId, reason: '没有理由作废' }, { token }), 403, 'FORBIDDEN');
    }
    expectRefused(await c.api('adjustBill', { billId: bill.billId, amount: 1, reason: '' }, { token: cashier }), 400, 'BAD_REQUEST');
  });
});
