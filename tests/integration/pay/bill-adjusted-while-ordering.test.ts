/**
 * 调整金额 in the finance console while a student's 立即支付 is between pricing the order and taking
 * its bills: the student is never charged the old amount for a bill that is then recorded paid at
 * the new one. They are told to refresh, and tapping again charges what the bill now says.
 */
import type { ConsoleBill, PayStart } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { sumFen } from '../../../cloudfunctions/shared/kernel/money';
import { cloudPaySandboxOf } from '../../../local/wechat-pay';
import { addBills, createSignedInStudent, readBills, readOrder, readOrders, type TestStudent } from '../../support/billing-fixtures';
import { data, startConsoleCloud, type ConsoleCloud } from '../admin/support';
import { holdBillTake, ok } from './helpers';

let c: ConsoleCloud;
let cashier: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  cashier = await c.signInAs('cashier');
});
afterAll(async () => c.stop());

const create = async (student: TestStudent, billIds: readonly string[]): Promise<ApiResult<PayStart>> =>
  (await c.running.cloud.invoke('pay', { action: 'create', billIds: [...billIds], email: 'student@example.com' }, { openid: student.openid })) as ApiResult<PayStart>;

const adjust = async (bill: BillDoc, amount: number): Promise<void> => {
  data(await c.api<ConsoleBill>('adjustBill', { billId: bill._id, amount, reason: '按新收费标准调整' }, { token: cashier }));
};

/** The student pays the order in WeChat; what WeChat charged, the order and its bills as recorded. */
async function payAndRead(student: TestStudent, orderId: string, billIds: readonly string[]) {
  const sandbox = cloudPaySandboxOf(c.running.cloud);
  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();
  return { charged: sandbox.order(orderId)!.totalFee, order: (await readOrder(c.running.cloud, orderId))!, bills: await readBills(c.running.cloud, billIds) };
}

const BILLS_CHANGED = { ok: false, code: 'BILLS_CHANGED', message: '账单状态刚刚发生变化，请刷新后重试' };

test('调整金额 after the order is priced and before its bills are taken: no order at the old amount; tapping again pays the new one', async () => {
  const cloud = c.running.cloud;
  const student = await createSignedInStudent(cloud);
  const bills = await addBills(cloud, student, 2); // 学费 3,200.00, 住宿费 1,200.00
  const ids = bills.map((bill) => bill._id);
  const held = holdBillTake(student.studentId);
  let first: ApiResult<PayStart>;
  try {
    const tapping = create(student, ids);
    await held.reached;
    await adjust(bills[0]!, 100);
    held.release();
    first = await tapping;
  } finally {
    held.release();
    held.undo();
  }
  expect(first).toMatchObject(BILLS_CHANGED);
  // Nothing left to pay at ¥4,400.00, and both bills are back in 待缴费, the 学费 at its new amount.
  expect((await readOrders(cloud, student.studentId)).map((order) => [order.status, order.total])).toEqual([['CLOSED', 440000]]);
  expect((await readBills(cloud, ids)).map((bill) => [bill.status, bill.orderId, bill.amount])).toEqual([
    ['UNPAID', null, 100],
    ['UNPAID', null, 120000],
  ]);

  const again = ok(await create(student, ids));
  expect(again.order.total).toBe(120100);
  const paid = await payAndRead(student, again.order.id, ids);
  expect(paid.charged).toBe(120100);
  expect(paid.order).toMatchObject({ status: 'PAID', total: 120100 });
  expect(paid.bills.map((bill) => [bill.status, bill.paidOrderId, bill.amount])).toEqual([
    ['PAID', again.order.id, 100],
    ['PAID', again.order.id, 120000],
  ]);
  expect(sumFen(paid.bills.map((bill) => bill.amount))).toBe(paid.order.total);
});

test('a later tap finishing an order whose first tap was lost, while its bill is adjusted: told to refresh; tapping again pays the new amount', async () => {
  const cloud = c.running.cloud;
  const student = await createSignedInStudent(cloud);
  const bills = await addBills(cloud, student, 2);
  const ids = bills.map((bill) => bill._id);
  // The tap that made the order stops before taking its bills (its instance was lost).
  const lost = holdBillTake(student.studentId);
  let lostTap: Promise<ApiResult<PayStart>> | undefined;
  try {
    lostTap = create(student, ids);
    await lost.reached;
    cloud.clock.advance(31_000);
    // Tapping again finds that order and takes its bills for it; the office adjusts one meanwhile.
    const finishing = holdBillTake(student.studentId);
    try {
      const later = create(student, ids);
      await finishing.reached;
      await adjust(bills[1]!, 99000);
      finishing.release();
      expect(await later).toMatchObject(BILLS_CHANGED);
    } finally {
      finishing.release();
      finishing.undo();
    }
    expect((await readOrders(cloud, student.studentId)).map((order) => [order.status, order.total])).toEqual([['CLOSED', 440000]]);
  } finally {
    lost.release();
    lost.undo();
  }
  // Should the lost tap come back after all, it leaves nothing in the closed order.
  expect(await lostTap).toMatchObject(BILLS_CHANGED);
  expect((await readBills(cloud, ids)).map((bill) => [bill.status, bill.orderId, bill.amount])).toEqual([
    ['UNPAID', null, 320000],
    ['UNPAID', null, 99000],
  ]);

  const again = ok(await create(student, ids));
  const paid = await payAndRead(student, again.order.id, ids);
  expect(paid.charged).toBe(419000);
  expect(paid.order).toMatchObject({ status: 'PAID', total: 419000 });
  expect(paid.bills.map((bill) => [bill.status, bill.amount])).toEqual([
    ['PAID', 320000],
    ['PAID', 99000],
  ]);
});
