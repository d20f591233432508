/**
 * 账单缴费 lists every bill, however many the school imported for a student: a list that silently
 * stopped at 500 showed a student with 1,505 bills a total 1,005 bills short.
 */
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { fen, sumFen } from '../../../cloudfunctions/shared/kernel/money';
import { addBills, createSignedInStudent } from '../../support/billing-fixtures';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillsOverview } from '../../../cloudfunctions/shared/billing/contract';
import { holdBillTake, ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

const BILLS = 1505;

test(`a student with ${BILLS} bills sees all of them under 待缴费, and the whole amount`, async () => {
  const { student } = await w.student(0);
  const now = w.tc.cloud.clock.now();
  const bills: Omit<BillDoc, '_id'>[] = Array.from({ length: BILLS }, (_, i) => ({
    studentId: student.studentId,
    studentNo: student.studentNo,
    term: `${2000 + Math.floor(i / 100)}-${2001 + Math.floor(i / 100)}-1`,
    academicYear: `${2000 + Math.floor(i / 100)}-${2001 + Math.floor(i / 100)}`,
    itemCode: `QT${String(i % 100).padStart(3, '0')}`,
    itemName: `其他费用${i}`,
    amount: fen(100 + i),
    deadline: new Date(now.getTime() + 30 * 24 * 3600_000),
    mandatory: false,
    status: 'UNPAID',
    orderId: null,
    paidOrderId: null,
    createdAt: now,
    updatedAt: now,
  }));
  // One insert of many, as an import would write them.
  const raw = w.tc.cloud.sdkDatabase() as unknown as { collection(name: string): { add(o: { data: unknown[] }): Promise<unknown> } };
  for (let i = 0; i < bills.length; i += 500) await raw.collection('bills').add({ data: bills.slice(i, i + 500) });

  const overview = await w.overview(student);
  expect(overview.unpaid).toHaveLength(BILLS);
  expect(new Set(overview.unpaid.map((bill) => bill.id)).size).toBe(BILLS);
  expect(sumFen(overview.unpaid.map((bill) => fen(bill.amount)))).toBe(sumFen(bills.map((bill) => bill.amount)));
});

test('a tap that waits out an earlier one is answered with the open order, or told the earlier one is still running', async () => {
  const withOrder = await w.student(2);
  const { order } = ok(await w.create(withOrder.student, withOrder.bills.map((b) => b._id)));
  const withoutOrder = await w.student(2);
  // An earlier tap of the second student is still running (say, a slow instance): its order is
  // made, and it is stopped while taking the bills.
  const held = holdBillTake(withoutOrder.student.studentId);
  try {
    const earlier = w.create(withoutOrder.student, withoutOrder.bills.map((b) => b._id));
    await held.reached;
    const [again, busy] = await Promise.all([
      w.create(withOrder.student, withOrder.bills.map((b) => b._id)),
      w.create(withoutOrder.student, withoutOrder.bills.map((b) => b._id)),
    ]);
    expect(again).toMatchObject({ ok: true, data: { order: { id: order.id } } });
    expect(busy).toMatchObject({ ok: false, code: 'PAY_BUSY', message: '正在处理您上一次的支付操作，请稍候在“缴费中”查看' });
    // The earlier tap goes on once it can, and its order is the one the student pays.
    held.release();
    const first = ok(await earlier);
    expect(ok(await w.create(withoutOrder.student, withoutOrder.bills.map((b) => b._id))).order.id).toBe(first.order.id);
  } finally {
    held.release();
    held.undo();
  }
}, 30_000);

test('the address on the student’s record is offered until they pay with one of their own, with or without bills', async () => {
  const student = await createSignedInStudent(w.tc.cloud, { email: 'roster@example.edu.cn' });
  const bills = await addBills(w.tc.cloud, student, 2);
  expect((await w.overview(student)).email).toBe('roster@example.edu.cn');
  ok(await w.create(student, [bills[0]!._id], { email: 'mine@example.com' }));
  expect((await w.overview(student)).email).toBe('mine@example.com');

  const withoutBills = await createSignedInStudent(w.tc.cloud, { email: 'roster2@example.edu.cn' });
  expect(await w.overview(withoutBills)).toMatchObject({ unpaid: [], paying: [], done: [], email: 'roster2@example.edu.cn' });
});

test('账单缴费 names who pays (name, masked ID number, 学号), read with the bills in the same two requests', async () => {
  const { student } = await w.student(2);
  const { result, stats } = await w.tc.cloud.invokeWithStats('bills', { action: 'overview' }, { openid: student.openid });
  const overview = ok(result as ApiResult<BillsOverview>);
  expect(overview.payer).toEqual({ name: '测试学生', idMasked: '3706**********1234', studentNo: student.studentNo });
  expect(overview.unpaid).toHaveLength(2);
  // The session with the student's record, then the bills with their orders.
  expect(stats.roundTrips).toBe(2);
});

test('a student with no bill at all is still told who pays, and the address on record, in the same two requests', async () => {
  const student = await createSignedInStudent(w.tc.cloud, { email: 'roster3@example.edu.cn' });
  const { result, stats } = await w.tc.cloud.invokeWithStats('bills', { action: 'overview' }, { openid: student.openid });
  expect(ok(result as ApiResult<BillsOverview>)).toMatchObject({
    payer: { name: '测试学生', idMasked: '3706**********1234', studentNo: student.studentNo },
    unpaid: [],
    paying: [],
    done: [],
    email: 'roster3@example.edu.cn',
  });
  expect(stats.roundTrips).toBe(2);
});
