/**
 * 概览: every figure is the sum of the records beneath it. The figures the console shows are
 * compared with a direct count of the stored bills, orders and refunds, after payments, a 减免, a
 * 作废, an open order and refunds (one to 已退费, one to 待缴费 and paid again the next day, one of
 * another term's bill paid in the same order); and the page costs five database requests.
 */
import type { Dashboard } from '../../../cloudfunctions/shared/billing/contract';
import type { ImportRow } from '../../../cloudfunctions/shared/imports/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { shanghaiDate } from '../../../cloudfunctions/shared/kernel/china-time';
import { seedFeeItems } from '../../../local/seed/bills';
import { cloudPaySandboxOf } from '../../../local/wechat-pay';
import { createSignedInStudent, type TestStudent } from '../../support/billing-fixtures';
import { data, settleRefunds, startConsoleCloud, type ConsoleCloud } from './support';

const TERM = '2026-2027-1';
let c: ConsoleCloud;
let cashier: string;
let reviewer: string;
const DAY_MS = 24 * 3600_000;
const students: TestStudent[] = [];
const ORG = [
  { college: '经济管理学院', major: '会计学', grade: '2025级' },
  { college: '经济管理学院', major: '工商管理', grade: '2024级' },
  { college: '法学院', major: '法学', grade: '2025级' },
  { college: '法学院', major: '法学', grade: '2024级' },
];

// Payments and refunds go through WeChat's sandbox one after another, beyond jest's default 5 s.
beforeAll(async () => {
  c = await startConsoleCloud();
  const db = c.running.cloud.sdkDatabase();
  await seedFeeItems(db, c.running.cloud.clock.now());
  cashier = await c.signInAs('cashier');
  reviewer = await c.signInAs('reviewer');
  for (const [index, org] of ORG.entries()) {
    const student = await createSignedInStudent(c.running.cloud, { studentNo: `20267000${index + 1}` });
    await collection(db, 'students').updateById(student.studentId, org);
    students.push(student);
  }
  const rows: ImportRow[] = students.flatMap((student, index) => [
    { rowNumber: index * 3 + 2, cells: { studentNo: student.studentNo, term: TERM, itemName: '学费', amount: `${3000 + index * 100}.50`, deadline: '2026-12-31', mandatory: '是' } },
    { rowNumber: index * 3 + 3, cells: { studentNo: student.studentNo, term: TERM, itemName: '教材费', amount: '450', deadline: '2026-12-31', mandatory: '' } },
    { rowNumber: index * 3 + 4, cells: { studentNo: student.studentNo, term: '2026-2027-2', itemName: '学费', amount: '3000', deadline: '2027-03-31', mandatory: '' } },
  ]);
  const started = await c.api<{ batchId: string }>('startImport', { kind: 'bills', fileName: '账单.xlsx', fileHash: 'd'.repeat(64), rowCount: rows.length }, { token: cashier });
  const batchId = (started.result as { data: { batchId: string } }).data.batchId;
  await c.api('importRows', { batchId, kind: 'bills', rows }, { token: cashier });
  await c.api('finishImport', { batchId }, { token: cashier });

  const bills = collection(db, 'bills');
  const billOf = async (student: TestStudent, itemCode: string, term = TERM) => (await bills.findOne({ studentNo: student.studentNo, term, itemCode }))!;
  const pay = async (student: TestStudent, billIds: string[], settle: boolean): Promise<string> => {
    const started = (await c.running.cloud.invoke('pay', { action: 'create', billIds, email: 'student@example.edu.cn' }, { openid: student.openid })) as ApiResult<{ order: { id: string } }>;
    if (!started.ok) throw new Error(started.message);
    if (settle) {
      await cloudPaySandboxOf(c.running.cloud).pay(started.data.order.id, { openid: student.openid });
      await cloudPaySandboxOf(c.running.cloud).settle();
    }
    return started.data.order.id;
  };
  const refund = async (orderId: string, billId: string, billsBecome: 'REFUNDED' | 'UNPAID') => {
    const requested = data(await c.api<{ refundId: string }>('requestRefund', { orderId, billIds: [billId], billsBecome, reason: '学生申请退费' }, { token: cashier }));
    data(await c.api('approveRefund', { refundId: requested.refundId }, { token: reviewer }));
    await settleRefunds(c);
  };
  // Two students pay both bills in one order, one pays 学费 with next term's 学费, one leaves 教材费 in an open order.
  const first = await pay(students[0]!, [(await billOf(students[0]!, 'XF'))._id, (await billOf(students[0]!, 'JCF'))._id], true);
  const third = await pay(students[2]!, [(await billOf(students[2]!, 'XF'))._id, (await billOf(students[2]!, 'JCF'))._id], true);
  const second = await pay(students[1]!, [(await billOf(students[1]!, 'XF'))._id, (await billOf(students[1]!, 'XF', '2026-2027-2'))._id], true);
  await pay(students[3]!, [(await billOf(students[3]!, 'JCF'))._id], false);
  await c.api('waiveBill', { billId: (await billOf(students[1]!, 'JCF'))._id, reason: '家庭困难减免' }, { token: cashier });
  await c.api('voidBill', { billId: (await billOf(students[3]!, 'XF'))._id, reason: '重复录入作废' }, { token: cashier });
  // The next day: one 教材费 refunded to 已退费, another back to 待缴费 and paid again, and next term's 学费 refunded.
  c.running.cloud.clock.advance(DAY_MS);
  cashier = await c.signInAs('cashier');
  reviewer = await c.signInAs('reviewer');
  await refund(third, (await billOf(students[2]!, 'JCF'))._id, 'REFUNDED');
  await refund(first, (await billOf(students[0]!, 'JCF'))._id, 'UNPAID');
  await pay(students[0]!, [(await billOf(students[0]!, 'JCF'))._id], true);
  await refund(second, (await billOf(students[1]!, 'XF', '2026-2027-2'))._id, 'REFUNDED');
}, 30_000);
afterAll(async () => c.stop());

async function dashboard(term?: string): Promise<Dashboard> {
  const viewer = await c.signInAs('viewer');
  const answer = await c.api<Dashboard>('dashboard', term ? { term } : {}, { token: viewer });
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data;
}

/** The figures counted directly from the stored bills, the way a clerk would with a spreadsheet. */
async function direct(filter: (bill: { college?: string; major?: string; grade?: string }) => boolean) {
  const bills = (await collection(c.running.cloud.sdkDatabase(), 'bills').findAll({ term: TERM })).filter(filter);
  const sum = (statuses: string[]) => bills.filter((b) => statuses.includes(b.status)).reduce((total, b) => total + b.amount, 0);
  const count = (statuses: string[]) => bills.filter((b) => statuses.includes(b.status)).length;
  return {
    receivable: sum(['UNPAID', 'PAYING', 'PAID']),
    received: sum(['PAID']),
    unpaid: sum(['UNPAID', 'PAYING']),
    refunded: sum(['REFUNDED']),
    waived: sum(['WAIVED']),
    billCount: count(['UNPAID', 'PAYING', 'PAID']),
    paidCount: count(['PAID']),
    unpaidCount: count(['UNPAID', 'PAYING']),
  };
}

it('shows the latest term by default, with every term that has bills', async () => {
  const figures = await dashboard();
  expect(figures.terms).toEqual(['2026-2027-2', '2026-2027-1']);
  expect(figures.term).toBe('2026-2027-2');
});

it('the totals equal a direct count of the bills, and the rate is received over receivable', async () => {
  const figures = await dashboard(TERM);
  expect(figures.totals).toMatchObject(await direct(() => true));
  expect(figures.totals.received).toBeGreaterThan(0);
  expect(figures.totals.waived).toBe(45000);
  expect(figures.totals.rateByAmount).toBe(Math.floor((figures.totals.received * 1000) / figures.totals.receivable));
});

it('each 学院, 专业 and 年级 row equals a direct count, and the rows add up to the totals', async () => {
  const figures = await dashboard(TERM);
  for (const [rows, field] of [[figures.byCollege, 'college'], [figures.byMajor, 'major'], [figures.byGrade, 'grade']] as const) {
    expect(rows.map((row) => row.name).sort()).toEqual([...new Set(ORG.map((org) => org[field]))].sort());
    for (const row of rows) expect(row).toMatchObject(await direct((bill) => bill[field] === row.name));
    expect(rows.reduce((total, row) => total + row.receivable, 0)).toBe(figures.totals.receivable);
    expect(rows.reduce((total, row) => total + row.received, 0)).toBe(figures.totals.received);
  }
});

it('the daily income is what the term’s bills brought in and what went back, on the day in China time, and adds up to 实收', async () => {
  const figures = await dashboard(TERM);
  const db = c.running.cloud.sdkDatabase();
  const orders = (await collection(db, 'orders').findAll({})).filter((order) => ['PAID', 'REFUNDING', 'REFUNDED'].includes(order.status));
  const refunds = (await collection(db, 'refunds').findAll({})).filter((r) => r.status === 'SUCCESS' || r.status === 'OFFLINE');
  const expected = new Map<string, { received: number; refunded: number; payments: number; refunds: number }>();
  const add = (at: Date, change: Partial<{ received: number; refunded: number; payments: number; refunds: number }>) => {
    const day = shanghaiDate(new Date(at));
    const entry = expected.get(day) ?? { received: 0, refunded: 0, payments: 0, refunds: 0 };
    expected.set(day, {
      received: entry.received + (change.received ?? 0),
      refunded: entry.refunded + (change.refunded ?? 0),
      payments: entry.payments + (change.payments ?? 0),
      refunds: entry.refunds + (change.refunds ?? 0),
    });
  };
  for (const order of orders) {
    const lines = order.lines.filter((line) => line.term === TERM);
    if (lines.length > 0) add(order.paidAt!, { received: lines.reduce((t, l) => t + l.amount, 0), payments: 1 });
  }
  for (const done of refunds) {
    const order = orders.find((o) => o._id === done.orderId)!;
    const lines = order.lines.filter((line) => line.term === TERM && done.billIds.includes(line.billId));
    if (lines.length > 0) add(done.refundedAt!, { refunded: lines.reduce((t, l) => t + l.amount, 0), refunds: 1 });
  }
  const days = [...expected].sort(([a], [b]) => a.localeCompare(b)).map(([date, value]) => ({ date, ...value, net: value.received - value.refunded }));
  expect(figures.dailyIncome).toEqual(days);
  // Two 教材费 went back the second day, the refund of next term's 学费 is not this term's, and one 教材费 was paid again.
  expect(figures.dailyIncome.map((day) => [day.payments, day.refunds, day.refunded])).toEqual([
    [3, 0, 0],
    [1, 2, 90000],
  ]);
  expect(figures.dailyIncome.reduce((t, d) => t + d.net, 0)).toBe(figures.totals.received);
  expect(figures.totals.refunded).toBe(45000);
});

it('costs five database requests beyond the session check', async () => {
  const viewer = await c.signInAs('viewer');
  const tripsOf = async (action: string, body: Record<string, unknown>) => {
    const event = {
      path: `/admin/api/${action}`,
      httpMethod: 'POST',
      headers: { origin: c.origin, 'content-type': 'application/json', authorization: `Bearer ${viewer}` },
      body: JSON.stringify(body),
      requestContext: { sourceIp: '127.0.0.1' },
    };
    const { result, stats } = await c.running.cloud.invokeWithStats('admin', event, {});
    expect((result as { statusCode: number }).statusCode).toBe(200);
    return stats.roundTrips;
  };
  await tripsOf('me', {});
  const sessionCheck = await tripsOf('me', {});
  expect((await tripsOf('dashboard', { term: TERM })) - sessionCheck).toBe(5);
});
