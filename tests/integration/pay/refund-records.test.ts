/**
 * Refunds as records of their own: an order may be refunded more than once (计划财务处 refunding part
 * of a payment), each refund with its own number, amount and bills, never more than was paid
 * together and at most 50 per order — held in a transaction, so two refunds at once cannot pass
 * the limits together — each submitted and followed to its end on its own.
 */
import { requestRefund, RefundRefusedError } from '../../../cloudfunctions/shared/billing';
import { MAX_REFUNDS_PER_ORDER } from '../../../cloudfunctions/shared/billing/domain/billing';
import type { RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { dump, MINUTE, readOrder } from '../../support/billing-fixtures';
import { financeContext, ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));


/** A student who paid three bills (学费 3,200.00, 住宿费 1,200.00, 教材费 450.50) in one order. */
async function paidOrder() {
  const { student, bills } = await w.student(3);
  const { order } = ok(await w.create(student, bills.map((b) => b._id)));
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  return { student, bills, order };
}

const refundsOf = async (orderId: string): Promise<RefundDoc[]> =>
  (await dump<RefundDoc>(w.tc.cloud, 'refunds')).filter((r) => r.orderId === orderId).sort((a, b) => a.sequence - b.sequence);

const refusal = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof RefundRefusedError ? error.refusal : `failed: ${String(error)}`),
  );

test('a paid order refunded in parts: each refund its own record, number, amount and bills; never more than was paid', async () => {
  const { student, bills, order } = await paidOrder();
  const pc = financeContext(w, 'refund-records-test');
  const first = await requestRefund(pc, order.id, { refundFee: fen(120000), billIds: [bills[1]!._id], reason: 'ARRANGED_BY_FINANCE' });
  const second = await requestRefund(pc, order.id, { refundFee: fen(45050), billIds: [bills[2]!._id], reason: 'ARRANGED_BY_FINANCE' });
  expect([first.outRefundNo, second.outRefundNo]).toEqual([`RF${order.outTradeNo}`, `RF${order.outTradeNo}-2`]);
  // Both went to WeChat at once, each with its own number and amount.
  expect(w.sandbox.order(order.id)!.refunds.map((r) => [r.outRefundNo, r.refundFee, r.status])).toEqual([
    [`RF${order.outTradeNo}`, 120000, 'PROCESSING'],
    [`RF${order.outTradeNo}-2`, 45050, 'PROCESSING'],
  ]);
  // What is left is 320,000 fen: asking for more is refused, and nothing is recorded or sent.
  expect(await refusal(requestRefund(pc, order.id, { refundFee: fen(320001), billIds: [bills[0]!._id], reason: 'ARRANGED_BY_FINANCE' }))).toBe('ABOVE_PAID');
  expect(await refusal(requestRefund(pc, order.id, { refundFee: fen(100), billIds: ['bill-of-someone-else'], reason: 'ARRANGED_BY_FINANCE' }))).toBe('NOT_THE_ORDERS_BILLS');
  expect(await refundsOf(order.id)).toHaveLength(2);
  expect(w.sandbox.order(order.id)!.refunds).toHaveLength(2);

  await w.settleRefunds();
  const records = await refundsOf(order.id);
  expect(records.map((r) => [r.sequence, r.refundFee, r.billIds, r.status, r.reason])).toEqual([
    [1, 120000, [bills[1]!._id], 'SUCCESS', 'ARRANGED_BY_FINANCE'],
    [2, 45050, [bills[2]!._id], 'SUCCESS', 'ARRANGED_BY_FINANCE'],
  ]);
  expect(records.every((r) => r.refundId && r.submittedAt && r.refundedAt && r.nextCheckAt === null)).toBe(true);
  // The order is still the paid order it was; its summary counts both refunds.
  expect((await readOrder(w.tc.cloud, order.id))!).toMatchObject({
    status: 'PAID',
    refundSummary: { count: 2, requested: 165050, refunded: 165050, manual: 0, latestReason: 'ARRANGED_BY_FINANCE' },
  });
  // The student sees how much went back.
  const done = (await w.overview(student)).done.find((o) => o.id === order.id)!;
  expect(done).toMatchObject({ status: 'PAID', refund: { amount: 165050, reason: '计划财务处办理的退款，已原路退回', manual: false } });
  expect(done.refund!.refundedAt).not.toBeNull();
  // The rest can still go back, to the fen.
  const last = await requestRefund(pc, order.id, { refundFee: fen(320000), billIds: [bills[0]!._id], reason: 'ARRANGED_BY_FINANCE' });
  expect(last.outRefundNo).toBe(`RF${order.outTradeNo}-3`);
  expect(await refusal(requestRefund(pc, order.id, { refundFee: fen(1), billIds: [bills[0]!._id], reason: 'ARRANGED_BY_FINANCE' }))).toBe('ABOVE_PAID');
});

test('two refunds at once cannot together pass what was paid; an order takes at most 50', async () => {
  const { bills, order } = await paidOrder();
  const pc = financeContext(w, 'refund-records-test');
  const ids = bills.map((b) => b._id);
  const raced = await Promise.all([
    refusal(requestRefund(pc, order.id, { refundFee: fen(300000), billIds: ids, reason: 'ARRANGED_BY_FINANCE' })),
    refusal(requestRefund(pc, order.id, { refundFee: fen(300000), billIds: ids, reason: 'ARRANGED_BY_FINANCE' })),
  ]);
  expect(raced.sort()).toEqual(['ABOVE_PAID', 'accepted']);
  for (let i = 1; i < MAX_REFUNDS_PER_ORDER; i += 1) {
    await requestRefund(pc, order.id, { refundFee: fen(1), billIds: [ids[0]!], reason: 'ARRANGED_BY_FINANCE' });
  }
  expect(await refusal(requestRefund(pc, order.id, { refundFee: fen(1), billIds: [ids[0]!], reason: 'ARRANGED_BY_FINANCE' }))).toBe('TOO_MANY');
  const records = await refundsOf(order.id);
  expect(records).toHaveLength(MAX_REFUNDS_PER_ORDER);
  expect(new Set(records.map((r) => r.outRefundNo)).size).toBe(MAX_REFUNDS_PER_ORDER);
  expect((await readOrder(w.tc.cloud, order.id))!.refundSummary).toMatchObject({ count: MAX_REFUNDS_PER_ORDER, requested: 300000 + MAX_REFUNDS_PER_ORDER - 1 });
  // An order that was never paid has nothing to refund.
  const { student, bills: unpaid } = await w.student(1);
  const open = ok(await w.create(student, [unpaid[0]!._id])).order;
  expect(await refusal(requestRefund(pc, open.id, { refundFee: fen(1), billIds: [unpaid[0]!._id], reason: 'ARRANGED_BY_FINANCE' }))).toBe('NOT_PAID');
});

test('a refund WeChat could not take at first is submitted by the timer and followed to its end, on its own', async () => {
  const { bills, order } = await paidOrder();
  const pc = financeContext(w, 'refund-records-test');
  w.sandbox.failNext('refund', 'timeout');
  const refund = await requestRefund(pc, order.id, { refundFee: fen(45050), billIds: [bills[2]!._id], reason: 'ARRANGED_BY_FINANCE' });
  expect(refund).toMatchObject({ status: 'PENDING', refundId: null });
  expect(w.sandbox.order(order.id)!.refunds).toEqual([]);
  // The timer submits it when it is due, and asks until WeChat settles it.
  w.tc.cloud.clock.advance(Math.max(new Date(refund.nextCheckAt!).getTime() - w.tc.cloud.clock.nowMs(), 0) + 1000);
  await w.sweep();
  expect(w.sandbox.order(order.id)!.refunds.map((r) => [r.outRefundNo, r.refundFee])).toEqual([[refund.outRefundNo, 45050]]);
  expect((await refundsOf(order.id))[0]).toMatchObject({ status: 'SUBMITTED' });
  w.sandbox.setCallbackMode('hold'); // the result callback never arrives: the timer finds out
  w.tc.cloud.clock.advance(10 * MINUTE);
  const report = await w.sweep();
  expect(report.refunded).toBe(1);
  expect((await refundsOf(order.id))[0]).toMatchObject({ status: 'SUCCESS', wechatStatus: 'SUCCESS' });
  expect((await readOrder(w.tc.cloud, order.id))!).toMatchObject({ status: 'PAID', refundSummary: { refunded: 45050 } });
});
