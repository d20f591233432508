/**
 * payNotify: only cloudPay may call it; it believes nothing the event says until WeChat's own
 * order query agrees with the stored order; it applies a payment once however often it arrives;
 * it keeps every callback.
 */
import type { OrderView } from '../../../cloudfunctions/shared/billing/contract';
import type { NotificationDoc, OrderDoc, PaymentDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import type { SubscribeMessageDoc } from '../../../cloudfunctions/shared/billing/after-paid';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { dump, MINUTE, readBills, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';
import { subscribeMessagesOf } from '../../../local/wechat-openapi';

let w: PayWorld;
usePayWorld((world) => (w = world));

async function verdicts(outTradeNo: string): Promise<string[]> {
  return (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).filter((n) => n.outTradeNo === outTradeNo).map((n) => n.verdict);
}

async function openOrder(bills = 2, extra: Record<string, unknown> = {}) {
  const { student, bills: list } = await w.student(bills);
  const start = ok(await w.create(student, list.map((b) => b._id), extra));
  return { student, bills: list, orderId: start.order.id };
}

test('duplicate callbacks: one state change', async () => {
  const { student, bills, orderId } = await openOrder(2, { subscribed: true });
  w.sandbox.duplicateNextCallbacks(3);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  expect((await verdicts(orderId)).sort()).toEqual(['ALREADY_APPLIED', 'ALREADY_APPLIED', 'ALREADY_APPLIED', 'APPLIED']);
  const order = await readOrder(w.tc.cloud, orderId);
  expect(order).toMatchObject({ status: 'PAID', paidVia: 'callback', transactionId: w.sandbox.order(orderId)!.transactionId });
  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.map((b) => [b.status, b.paidOrderId, b.orderId])).toEqual([
    ['PAID', orderId, null],
    ['PAID', orderId, null],
  ]);
  // 缴费成功 is sent (or attempted) once, not four times.
  const messages = (await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === orderId);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ key: `pay-success:${orderId}`, status: 'SENT' });
  const sent = subscribeMessagesOf(w.tc.cloud).sent().filter((m) => m.data.character_string4?.value === orderId);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({
    touser: student.openid,
    templateId: 'local-pay-success-template',
    page: 'pages/bills/index?tab=done',
    data: { thing1: { value: '学费、住宿费' }, amount2: { value: '¥4400.00' } },
  });
});

test('no 缴费成功 message for a student who did not subscribe', async () => {
  const { student, orderId } = await openOrder(1);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
  expect(subscribeMessagesOf(w.tc.cloud).sent().filter((m) => m.touser === student.openid)).toEqual([]);
});

test('concurrent callbacks: one state change', async () => {
  const { orderId } = await openOrder(3);
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(orderId);
  const event = w.sandbox.callbackEventFor(orderId);
  const answers = await Promise.all(Array.from({ length: 6 }, () => w.sandbox.sendCallback({ ...event })));
  expect(answers).toEqual(Array.from({ length: 6 }, () => ({ errcode: 0, errmsg: 'OK' })));
  const list = await verdicts(orderId);
  expect(list.filter((v) => v === 'APPLIED')).toHaveLength(1);
  expect(list.filter((v) => v === 'ALREADY_APPLIED')).toHaveLength(5);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
  // The held callback, delivered late, changes nothing either.
  const late = await w.sandbox.releaseCallbacks(orderId);
  expect(late.map((d) => d.ok)).toEqual([true]);
  expect((await verdicts(orderId)).filter((v) => v === 'APPLIED')).toHaveLength(1);
});

test('a callback with a wrong amount is recorded and does not pay the order', async () => {
  const { bills, orderId } = await openOrder(2);
  w.sandbox.tamperNextCallback({ totalFee: 1 });
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  expect(await verdicts(orderId)).toEqual(['AMOUNT_MISMATCH']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => b.status)).toEqual(['PAYING', 'PAYING']);
  const stored = (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).find((n) => n.outTradeNo === orderId)!;
  expect(stored.raw).toMatchObject({ totalFee: 1, outTradeNo: orderId, returnCode: 'SUCCESS' });
});

test('a callback from another merchant is recorded and does not pay the order', async () => {
  const { orderId } = await openOrder(1);
  w.sandbox.tamperNextCallback({ subMchId: '1999999999' });
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  expect(await verdicts(orderId)).toEqual(['WRONG_MERCHANT']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
});

test('a callback for an unknown outTradeNo is recorded and answered', async () => {
  const { orderId } = await openOrder(1);
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(orderId);
  const event = { ...w.sandbox.callbackEventFor(orderId), outTradeNo: 'ZJ20990101000000NOSUCHORDER0' };
  expect(await w.sandbox.sendCallback(event)).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await verdicts('ZJ20990101000000NOSUCHORDER0')).toEqual(['UNKNOWN_ORDER']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
});

test('a coupon: cash_fee below total_fee is still the order’s payment', async () => {
  const { bills, orderId } = await openOrder(2);
  await w.sandbox.pay(orderId, { chargedFee: 100 }); // the rest paid by a coupon
  await w.sandbox.settle();
  expect(await verdicts(orderId)).toEqual(['APPLIED']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => b.status)).toEqual(['PAID', 'PAID']);
});

test('WeChat reports the order with another amount: set aside for finance, never treated as paid, the student told whom to call', async () => {
  const { student, bills, orderId } = await openOrder(2);
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(orderId);
  w.sandbox.alterOrder(orderId, { totalFee: 1 }); // WeChat's record of this order number disagrees
  // The page's sync learns it: nothing applied, the order set aside.
  const view = await w.sync(student, orderId, true);
  expect(view).toMatchObject({ status: 'PENDING', underReview: true, canResume: false, canCancel: false, processing: false });
  expect(view.notice).toContain('计划财务处');
  const stored = (await readOrder(w.tc.cloud, orderId))!;
  expect(stored).toMatchObject({ status: 'PENDING', review: { reason: 'AMOUNT_MISMATCH' }, nextCheckAt: null });
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => b.status)).toEqual(['PAYING', 'PAYING']);
  // Finance is told once, however often it is seen.
  await w.sync(student, orderId);
  const audit = (await dump<{ action: string; details: { orderId: string; reason: string } }>(w.tc.cloud, 'auditLog')).filter(
    (a) => a.action === 'pay.review' && a.details.orderId === orderId,
  );
  expect(audit).toHaveLength(1);
  expect(audit[0]!.details.reason).toBe('AMOUNT_MISMATCH');
  // Not 已支付, not BILL_NOT_PAYABLE: the student is told the order is being checked.
  expect(await w.cancel(student, orderId)).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW' });
  expect(await w.create(student, bills.map((b) => b._id))).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW', message: expect.stringContaining('计划财务处') });
  expect(await w.call('pay', { action: 'resume', orderId }, student.openid)).toMatchObject({ ok: false, code: 'ORDER_UNDER_REVIEW' });
  const paying = (await w.overview(student)).paying;
  expect(paying.map((o: OrderView) => [o.id, o.underReview, o.canResume, o.canCancel])).toEqual([[orderId, true, false, false]]);
  // The sweep stops asking WeChat about it.
  const queries = w.sandbox.order(orderId)!.queried;
  w.tc.cloud.clock.advance(20 * MINUTE);
  await w.sweep();
  await w.sweep();
  expect(w.sandbox.order(orderId)!.queried).toBe(queries);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
});

test('the callback’s query disagrees with the order: QUERY_MISMATCH, set aside, not paid', async () => {
  const { orderId } = await openOrder(1);
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(orderId);
  w.sandbox.alterOrder(orderId, { subMchId: '1999999999' });
  const event = { ...w.sandbox.callbackEventFor(orderId), subMchId: w.sandbox.subMchId };
  expect(await w.sandbox.sendCallback(event)).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await verdicts(orderId)).toEqual(['QUERY_MISMATCH']);
  expect((await readOrder(w.tc.cloud, orderId))!).toMatchObject({ status: 'PENDING', review: { reason: 'WRONG_MERCHANT' } });
});

test('one WeChat transaction is recorded for one order only', async () => {
  const first = await openOrder(1);
  await w.sandbox.pay(first.orderId);
  await w.sandbox.settle();
  const transactionId = w.sandbox.order(first.orderId)!.transactionId!;
  expect((await dump<PaymentDoc>(w.tc.cloud, 'payments')).filter((p) => p._id === transactionId)).toMatchObject([{ orderId: first.orderId }]);
  // WeChat (wrongly) reports that same transaction for a second order.
  const second = await openOrder(1);
  const payments = collection(w.tc.cloud.sdkDatabase(), 'payments');
  await payments.insert({
    _id: 'claimed-elsewhere',
    orderId: 'ZJ-other',
    outTradeNo: 'ZJ-other',
    totalFee: 1,
    subMchId: w.sandbox.subMchId,
    paidAt: w.tc.cloud.clock.now(),
    via: 'callback',
    recordedAt: w.tc.cloud.clock.now(),
  });
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(second.orderId);
  await collection(w.tc.cloud.sdkDatabase(), 'payments').removeById('claimed-elsewhere');
  await payments.insert({
    _id: w.sandbox.order(second.orderId)!.transactionId!,
    orderId: first.orderId,
    outTradeNo: first.orderId,
    totalFee: 1,
    subMchId: w.sandbox.subMchId,
    paidAt: w.tc.cloud.clock.now(),
    via: 'callback',
    recordedAt: w.tc.cloud.clock.now(),
  });
  await w.sandbox.releaseCallbacks(second.orderId);
  expect(await verdicts(second.orderId)).toEqual(['QUERY_MISMATCH']);
  expect((await readOrder(w.tc.cloud, second.orderId))!).toMatchObject({ status: 'PENDING', review: { reason: 'TRANSACTION_CONFLICT' } });
  // Many unpaid orders coexist: nothing unique stands on their missing transaction id.
  const unpaid = (await dump<OrderDoc>(w.tc.cloud, 'orders')).filter((o) => o.status === 'PENDING' && !o.transactionId);
  expect(unpaid.length).toBeGreaterThan(1);
});

test('a forged SUCCESS for an order WeChat has not been paid for is refused after the query', async () => {
  const { bills, orderId } = await openOrder(1);
  const forged = {
    returnCode: 'SUCCESS',
    resultCode: 'SUCCESS',
    subMchId: w.sandbox.subMchId,
    outTradeNo: orderId,
    totalFee: bills[0]!.amount,
    transactionId: '4200000000000000000000000000',
    timeEnd: '20261128100500',
  };
  expect(await w.sandbox.sendCallback(forged)).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await verdicts(orderId)).toEqual(['NOT_PAID_ON_QUERY']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
});

test('a callback invoked by a client is refused and leaves no trace', async () => {
  const { student, orderId } = await openOrder(1);
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(orderId);
  const event = w.sandbox.callbackEventFor(orderId);
  const answer = (await w.tc.cloud.invoke('payNotify', event, { openid: student.openid })) as { errcode: number };
  expect(answer.errcode).not.toBe(0);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
  expect(await verdicts(orderId)).toEqual([]);
  // Through the pay function's action table it does not exist either.
  expect(await w.call('pay', { action: 'notify', ...event }, student.openid)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
});

test('the answer is lost on the way back: WeChat redelivers on its schedule, nothing happens twice', async () => {
  const { orderId } = await openOrder(2, { subscribed: true });
  w.sandbox.loseNextAnswers(2);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  const deliveries = () => w.sandbox.deliveries.filter((d) => d.outTradeNo === orderId).map((d) => d.ok);
  expect(deliveries()).toEqual([false]);
  // Not again at once: 15 s later, then 15 s after that.
  w.tc.cloud.clock.advance(14_000);
  expect(await w.sandbox.tick()).toEqual([]);
  w.tc.cloud.clock.advance(1_000);
  await w.sandbox.tick();
  expect(deliveries()).toEqual([false, false]);
  w.tc.cloud.clock.advance(15_000);
  await w.sandbox.tick();
  expect(deliveries()).toEqual([false, false, true]);
  expect(await verdicts(orderId)).toEqual(['APPLIED', 'ALREADY_APPLIED', 'ALREADY_APPLIED']);
  expect((await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === orderId)).toHaveLength(1);
});

test('a callback never answered well: redelivered 15 s, 15 s, 30 s, 3 min, 10 min… apart, by the local clock', async () => {
  const { orderId } = await openOrder(1);
  // The payment is applied by the page's sync, but every callback answer is lost.
  w.sandbox.loseNextAnswers(100);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  const times: number[] = [w.tc.cloud.clock.nowMs()];
  for (const step of [15_000, 15_000, 30_000, 3 * MINUTE, 10 * MINUTE, 20 * MINUTE]) {
    w.tc.cloud.clock.advance(step - 1000);
    expect(await w.sandbox.tick()).toEqual([]);
    w.tc.cloud.clock.advance(1000);
    expect((await w.sandbox.tick()).map((d) => d.outTradeNo)).toEqual([orderId]);
    times.push(w.tc.cloud.clock.nowMs());
  }
  expect(w.sandbox.deliveries.filter((d) => d.outTradeNo === orderId)).toHaveLength(7);
  const [next] = w.sandbox.pendingCallbacks().filter((p) => p.outTradeNo === orderId);
  expect(next).toMatchObject({ attempt: 7 });
  expect(Math.abs(next!.dueAtMs! - (times[6]! + 30 * MINUTE))).toBeLessThan(1000);
  w.sandbox.resetControls();
});

test('a handler that stopped after its first write: the retry finishes the bills, the sweep the message', async () => {
  const { bills, orderId } = await openOrder(3, { subscribed: true });
  w.sandbox.setCallbackMode('hold');
  const { transactionId } = await w.sandbox.pay(orderId);
  // The state a crash between the order's write and the bills' write leaves behind.
  const at = w.tc.cloud.clock.now();
  await collection(w.tc.cloud.sdkDatabase(), 'orders').updateById(orderId, {
    status: 'PAID',
    transactionId,
    paidAt: at,
    paidVia: 'callback',
    nextCheckAt: new Date(at.getTime() + 2 * MINUTE),
  });
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => b.status)).toEqual(['PAYING', 'PAYING', 'PAYING']);
  const records = await w.sandbox.releaseCallbacks(orderId);
  expect(records.map((r) => r.ok)).toEqual([true]);
  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.map((b) => [b.status, b.paidOrderId])).toEqual(bills.map(() => ['PAID', orderId]));
  expect(await verdicts(orderId)).toEqual(['ALREADY_APPLIED']);
  // A duplicate callback does not redo what follows a payment; the sweep finishes it, once.
  expect((await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === orderId)).toHaveLength(0);
  w.tc.cloud.clock.advance(2 * MINUTE);
  expect((await w.sweep()).followedUp).toBeGreaterThanOrEqual(1);
  await w.sweep();
  expect((await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === orderId)).toHaveLength(1);
  expect((await readOrder(w.tc.cloud, orderId))!.nextCheckAt).toBeNull();
});

test('a callback that cannot be checked yet is answered with an error, and the retry 15 s later applies it', async () => {
  const { orderId } = await openOrder(1);
  w.sandbox.failNext('queryOrder', 'timeout');
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  w.tc.cloud.clock.advance(15_000);
  await w.sandbox.tick();
  const deliveries = w.sandbox.deliveries.filter((d) => d.outTradeNo === orderId);
  expect(deliveries.map((d) => d.answer)).toEqual([
    { errcode: 1, errmsg: 'QUERY_FAILED' },
    { errcode: 0, errmsg: 'OK' },
  ]);
  expect(await verdicts(orderId)).toEqual(['QUERY_FAILED', 'APPLIED']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
});
