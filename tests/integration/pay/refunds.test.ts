/**
 * Refunding a second payment: cloudPay.refund with the callback function named (envId,
 * functionName), WeChat's refund result callback handled by payNotify, queryRefund's empty lists
 * read as "unknown" (asked again, backing off), and a refund WeChat will not complete handed to
 * finance with an auditLog entry — what the student sees included.
 */
import type { NotificationDoc, OrderDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { REFUND_MAX_UNCERTAIN_ROUNDS } from '../../../cloudfunctions/shared/billing/domain/billing';
import { dump, MINUTE, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

/** A student pays the same bill twice (the old pay sheet was still open): the second payment is refunded. */
async function secondPayment() {
  const { student, bills } = await w.student(1);
  const ids = [bills[0]!._id];
  const first = ok(await w.create(student, ids)).order;
  ok(await w.cancel(student, first.id));
  const second = ok(await w.create(student, ids)).order;
  await w.sandbox.pay(second.id);
  await w.sandbox.settle();
  await w.sandbox.pay(first.id);
  await w.sandbox.settle();
  return { student, refunded: first, kept: second, outRefundNo: `RF${first.outTradeNo}` };
}

/** The refund's own record (refunds/{outRefundNo}). */
const readRefund = async (outRefundNo: string): Promise<RefundDoc | undefined> => (await dump<RefundDoc>(w.tc.cloud, 'refunds')).find((r) => r._id === outRefundNo);

const refundVerdicts = async (outRefundNo: string): Promise<string[]> =>
  (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).filter((n) => n.kind === 'refund' && n.outRefundNo === outRefundNo).map((n) => n.verdict);

test('the refund names the callback function; PROCESSING and an empty queryRefund leave it waiting; the result callback completes it', async () => {
  const { student, refunded, outRefundNo } = await secondPayment();
  const atWechat = w.sandbox.order(refunded.id)!.refunds;
  expect(atWechat).toMatchObject([{ outRefundNo, status: 'PROCESSING', envId: w.tc.cloud.env, functionName: 'payNotify' }]);
  // queryRefund answered with empty lists: unknown, asked again later — neither failed nor given up.
  expect((await readOrder(w.tc.cloud, refunded.id))!).toMatchObject({ status: 'REFUNDING', refundSummary: { count: 1, requested: refunded.total, refunded: 0, manual: 0 } });
  const waiting = (await readRefund(outRefundNo))!;
  expect(waiting).toMatchObject({ status: 'SUBMITTED', attempts: 1, orderId: refunded.id, refundFee: refunded.total });
  expect(waiting.manual ?? null).toBeNull();
  expect(new Date(waiting.nextCheckAt!).getTime()).toBeGreaterThan(w.tc.cloud.clock.nowMs());
  const view = (await w.overview(student)).done.find((o) => o.id === refunded.id)!;
  expect(view).toMatchObject({ status: 'REFUNDING', notice: null, refund: { amount: refunded.total, manual: false } });

  await w.settleRefunds();
  const deliveries = w.sandbox.deliveries.filter((d) => d.kind === 'refund' && d.event.outRefundNo === outRefundNo);
  expect(deliveries.map((d) => [d.ok, d.answer])).toEqual([[true, { errcode: 0, errmsg: 'OK' }]]);
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_APPLIED']);
  expect((await readOrder(w.tc.cloud, refunded.id))!).toMatchObject({ status: 'REFUNDED', nextCheckAt: null, refundSummary: { refunded: refunded.total } });
  expect(await readRefund(outRefundNo)).toMatchObject({ status: 'SUCCESS', wechatStatus: 'SUCCESS', nextCheckAt: null });

  // WeChat sends the result again: recorded, nothing changes.
  expect(await w.sandbox.sendCallback(w.sandbox.refundEventFor(outRefundNo))).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_APPLIED', 'REFUND_ALREADY_APPLIED']);
  expect(w.sandbox.order(refunded.id)!.refunds).toHaveLength(1);
});

test('a refund callback is told apart from a payment callback and checked against the stored refund', async () => {
  const { refunded, outRefundNo } = await secondPayment();
  const event = w.sandbox.refundEventFor(outRefundNo);
  expect(await w.sandbox.sendCallback({ ...event, refundFee: 1 })).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await w.sandbox.sendCallback({ ...event, outRefundNo: 'RFNOSUCH' })).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_MISMATCH']);
  expect(await refundVerdicts('RFNOSUCH')).toEqual(['UNKNOWN_REFUND']);
  expect((await readOrder(w.tc.cloud, refunded.id))!.status).toBe('REFUNDING');
  // No payment verdict was recorded for these refund notices.
  const payment = (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).filter((n) => n.kind === 'payment' && n.outTradeNo === refunded.id);
  expect(payment.map((n) => n.verdict)).toEqual(['REFUNDING']);
});

test('WeChat closes the refund (REFUNDCLOSE): handed to finance with an auditLog entry, the student told', async () => {
  w.sandbox.settleNextRefundsAs('REFUNDCLOSE');
  const { student, refunded, outRefundNo } = await secondPayment();
  await w.settleRefunds();
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_MANUAL']);
  const order = (await readOrder(w.tc.cloud, refunded.id))!;
  expect(order).toMatchObject({ status: 'REFUNDING', nextCheckAt: null, refundSummary: { manual: 1 } });
  expect(await readRefund(outRefundNo)).toMatchObject({ status: 'MANUAL', wechatStatus: 'REFUNDCLOSE', nextCheckAt: null, manual: { reason: expect.stringContaining('REFUNDCLOSE') } });
  const audit = (await dump<{ action: string; details: { outRefundNo: string } }>(w.tc.cloud, 'auditLog')).filter(
    (a) => a.action === 'pay.refund.manual' && a.details.outRefundNo === outRefundNo,
  );
  expect(audit).toHaveLength(1);
  const view = (await w.overview(student)).done.find((o) => o.id === refunded.id)!;
  expect(view).toMatchObject({ status: 'REFUNDING', refund: { manual: true } });
  expect(view.notice).toContain('人工退款');
  // The sweep no longer works on it.
  const queries = w.sandbox.calls.queryRefund;
  w.tc.cloud.clock.advance(2 * 60 * MINUTE);
  await w.sweep();
  expect(w.sandbox.calls.queryRefund).toBe(queries);
});

test('queryRefund keeps answering with empty lists and no result arrives: asked again backing off, then handed to finance', async () => {
  const { refunded, outRefundNo } = await secondPayment();
  w.sandbox.setCallbackMode('hold'); // the refund result never reaches the function
  w.sandbox.emptyRefundListsNext(1000);
  const seen: number[] = [];
  for (let round = 0; round < 40; round += 1) {
    const refund = (await readRefund(outRefundNo))!;
    if (refund.manual || !refund.nextCheckAt) break;
    seen.push(refund.attempts);
    w.tc.cloud.clock.advance(Math.max(new Date(refund.nextCheckAt).getTime() - w.tc.cloud.clock.nowMs(), 0) + 1000);
    await w.sweep();
  }
  const order = (await readOrder(w.tc.cloud, refunded.id))! as OrderDoc;
  expect(order.status).toBe('REFUNDING');
  const refund = (await readRefund(outRefundNo))!;
  expect(refund.status).toBe('MANUAL');
  expect(refund.manual?.reason).toContain(`${REFUND_MAX_UNCERTAIN_ROUNDS} tries`);
  // Each round counted once: 1, 2, … up to the limit.
  expect(seen).toEqual(Array.from({ length: REFUND_MAX_UNCERTAIN_ROUNDS - 1 }, (_, i) => i + 1));
  expect((await dump<{ action: string; details: { outRefundNo: string } }>(w.tc.cloud, 'auditLog')).filter((a) => a.action === 'pay.refund.manual' && a.details.outRefundNo === outRefundNo)).toHaveLength(1);
  // The result that finally arrives still completes it.
  w.sandbox.resetControls();
  await w.sandbox.releaseCallbacks();
  expect((await readOrder(w.tc.cloud, refunded.id))!).toMatchObject({ status: 'REFUNDED', refundSummary: { refunded: refunded.total, manual: 0 } });
  expect(await readRefund(outRefundNo)).toMatchObject({ status: 'SUCCESS' });
});
