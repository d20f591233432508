/**
 * A payment that arrives for a cancelled order after 计划财务处 changed its bill in the console
 * (减免, a new amount, 作废): the bill can no longer be paid as the order priced it, so the whole
 * payment goes back automatically and the student reads why on the order. The bill stays as the
 * office left it. A bill that still asks for what the order priced is paid by the late payment.
 */
import type { ConsoleBill, OrderView, PayStart, RefundPage } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { cloudPaySandboxOf, type CloudPaySandbox } from '../../../local/wechat-pay';
import { addBills, createSignedInStudent, dump, MINUTE, readBills, readOrder, type TestStudent } from '../../support/billing-fixtures';
import { data, settleRefunds, startConsoleCloud, sweepPayments, type ConsoleCloud } from '../admin/support';

let c: ConsoleCloud;
let sandbox: CloudPaySandbox;
let cashier: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  sandbox = cloudPaySandboxOf(c.running.cloud);
  cashier = await c.signInAs('cashier');
});
afterAll(async () => c.stop());
afterEach(() => sandbox.resetControls());

const STUDENT_REASON = '订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废），本次支付已原路退回，请以“待缴费”中的账单为准';

/**
 * A student with one bill (学费 3,200.00) who tapped 立即支付 and then 取消订单 on one device, while
 * the pay sheet stays open on another (WeChat refuses to close an order in its first 5 minutes).
 */
async function cancelledWithSheetOpen(): Promise<{ student: TestStudent; bill: BillDoc; orderId: string; total: number }> {
  const cloud = c.running.cloud;
  const student = await createSignedInStudent(cloud);
  const [bill] = await addBills(cloud, student, 1);
  const created = (await cloud.invoke('pay', { action: 'create', billIds: [bill!._id], email: 'student@example.com' }, { openid: student.openid })) as ApiResult<PayStart>;
  if (!created.ok) throw new Error(created.message);
  const cancelled = (await cloud.invoke('pay', { action: 'cancel', orderId: created.data.order.id }, { openid: student.openid })) as ApiResult<{ outcome: string }>;
  expect(cancelled).toMatchObject({ ok: true, data: { outcome: 'CANCELLED' } });
  return { student, bill: bill!, orderId: created.data.order.id, total: created.data.order.total };
}

const billNow = async (id: string): Promise<BillDoc> => (await readBills(c.running.cloud, [id]))[0]!;
const refundsOf = async (orderId: string): Promise<RefundDoc[]> => (await dump<RefundDoc>(c.running.cloud, 'refunds')).filter((r) => r.orderId === orderId);
async function studentOrder(student: TestStudent, orderId: string): Promise<OrderView> {
  const answer = (await c.running.cloud.invoke('bills', { action: 'order', orderId }, { openid: student.openid })) as ApiResult<{ order: OrderView }>;
  if (!answer.ok) throw new Error(answer.message);
  return answer.data.order;
}

/** The late payment went back in full, as a changed bill, and WeChat confirmed it. */
async function expectRefundedInFull(student: TestStudent, orderId: string, total: number): Promise<void> {
  expect((await readOrder(c.running.cloud, orderId))!.status).toBe('REFUNDING');
  expect(await refundsOf(orderId)).toMatchObject([{ refundFee: total, totalFee: total, reason: 'BILLS_CHANGED' }]);
  await settleRefunds(c);
  expect((await readOrder(c.running.cloud, orderId))!).toMatchObject({ status: 'REFUNDED', refundSummary: { refunded: total, latestReason: 'BILLS_CHANGED' } });
  expect(sandbox.order(orderId)!.refunds).toMatchObject([{ status: 'SUCCESS', refundFee: total }]);
  expect(await studentOrder(student, orderId)).toMatchObject({ status: 'REFUNDED', refund: { amount: total, state: 'REFUNDED', reason: STUDENT_REASON } });
}

test('waived (减免) after the cancel: the late payment is refunded in full and the bill stays 已减免', async () => {
  const { student, bill, orderId, total } = await cancelledWithSheetOpen();
  expect(data(await c.api<ConsoleBill>('waiveBill', { billId: bill._id, reason: '家庭困难减免' }, { token: cashier }))).toMatchObject({ status: 'WAIVED' });

  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();

  await expectRefundedInFull(student, orderId, total);
  expect(await billNow(bill._id)).toMatchObject({ status: 'WAIVED', paidOrderId: null, orderId: null });
  // The console's refunds list says why it went back by itself.
  const listed = data(await c.api<RefundPage>('listRefunds', { orderId, page: 1, pageSize: 20 }, { token: cashier }));
  expect(listed.items).toMatchObject([{ amount: total, reason: '订单取消后账单已调整（减免、改金额或作废），自动原路退回' }]);
});

test('re-priced (3,200.00 → 1,000.00) after the cancel: the 3,200.00 goes back and the bill waits for 1,000.00', async () => {
  const { student, bill, orderId, total } = await cancelledWithSheetOpen();
  expect(total).toBe(320000);
  expect(data(await c.api<ConsoleBill>('adjustBill', { billId: bill._id, amount: 100000, reason: '学分减少，调整学费' }, { token: cashier }))).toMatchObject({ amount: 100000 });

  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();

  await expectRefundedInFull(student, orderId, total);
  expect(await billNow(bill._id)).toMatchObject({ status: 'UNPAID', amount: 100000, paidOrderId: null, orderId: null });
  // The student pays the new amount.
  const again = (await c.running.cloud.invoke('pay', { action: 'create', billIds: [bill._id], email: 'student@example.com' }, { openid: student.openid })) as ApiResult<PayStart>;
  expect(again).toMatchObject({ ok: true, data: { order: { total: 100000 } } });
});

test('voided (作废) after the cancel: the late payment is refunded, named as a changed bill, not as a second payment', async () => {
  const { student, bill, orderId, total } = await cancelledWithSheetOpen();
  expect(data(await c.api<ConsoleBill>('voidBill', { billId: bill._id, reason: '账单重复开具' }, { token: cashier }))).toMatchObject({ status: 'VOID' });

  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();

  await expectRefundedInFull(student, orderId, total);
  expect((await billNow(bill._id)).status).toBe('VOID');
});

test('waived, and the payment callback is lost: the payments timer refunds it', async () => {
  const { student, bill, orderId, total } = await cancelledWithSheetOpen();
  data(await c.api<ConsoleBill>('waiveBill', { billId: bill._id, reason: '家庭困难减免' }, { token: cashier }));
  sandbox.dropNextCallbacks();
  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();
  expect((await readOrder(c.running.cloud, orderId))!.status).toBe('CLOSED');

  // Once WeChat allows closing it, the timer learns the order was paid.
  c.running.cloud.clock.advance(6 * MINUTE);
  await sweepPayments(c);
  await expectRefundedInFull(student, orderId, total);
  expect((await billNow(bill._id)).status).toBe('WAIVED');
});

test('a bill adjusted and set back to what the order priced is still paid by the late payment', async () => {
  const { student, bill, orderId } = await cancelledWithSheetOpen();
  data(await c.api<ConsoleBill>('adjustBill', { billId: bill._id, amount: 100000, reason: '学分减少，调整学费' }, { token: cashier }));
  data(await c.api<ConsoleBill>('adjustBill', { billId: bill._id, amount: 320000, reason: '调整有误，恢复原金额' }, { token: cashier }));

  await sandbox.pay(orderId, { openid: student.openid });
  await sandbox.settle();

  expect((await readOrder(c.running.cloud, orderId))!.status).toBe('PAID');
  expect(await billNow(bill._id)).toMatchObject({ status: 'PAID', paidOrderId: orderId, amount: 320000 });
  expect(await refundsOf(orderId)).toEqual([]);
  expect(sandbox.order(orderId)!.refunds).toEqual([]);
});
