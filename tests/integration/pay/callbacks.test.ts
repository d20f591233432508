/**
 * payNotify: only cloudPay may call it; it believes nothing the event says until WeChat's own
 * order query agrees with the stored order; it applies a payment once however often it arrives;
 * it keeps every callback.
 */
import type { NotificationDoc, OrderDoc } from '../../../cloudfunctions/shared/domain/records';
import type { MessageDoc } from '../../../cloudfunctions/shared/payments/after-paid';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { dump, readBills, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

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
  const messages = (await dump<MessageDoc>(w.tc.cloud, 'messages')).filter((m) => m.orderId === orderId);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ key: `pay-success:${orderId}`, status: 'SENT' });
  const sent = w.sandbox.subscribeMessages().filter((m) => m.data.character_string4?.value === orderId);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({
    touser: student.openid,
    templateId: 'local-pay-success-template',
    page: 'pages/bills/index?tab=done',
    data: { thing1: { value: '学费、住宿费' }, amount2: { value: '4,400.00元' } },
  });
});

test('no 缴费成功 message for a student who did not subscribe', async () => {
  const { student, orderId } = await openOrder(1);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
  expect(w.sandbox.subscribeMessages().filter((m) => m.touser === student.openid)).toEqual([]);
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

test('WeChat charged a different amount: not paid by the callback nor by a later query', async () => {
  const { student, orderId } = await openOrder(2);
  await w.sandbox.pay(orderId, { chargedFee: 100 });
  await w.sandbox.settle();
  expect(await verdicts(orderId)).toEqual(['AMOUNT_MISMATCH']);
  const view = await w.sync(student, orderId);
  expect(view.status).toBe('PENDING');
  await w.sweep();
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PENDING');
  expect(w.tc.logs.some((line) => line.includes('payment does not match its order') && line.includes(orderId))).toBe(true);
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

test('the answer is lost on the way back: WeChat redelivers, nothing happens twice', async () => {
  const { orderId } = await openOrder(2, { subscribed: true });
  w.sandbox.loseNextAnswers(2);
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  const deliveries = w.sandbox.deliveries.filter((d) => d.outTradeNo === orderId);
  expect(deliveries.map((d) => d.ok)).toEqual([false, false, true]);
  expect(await verdicts(orderId)).toEqual(['APPLIED', 'ALREADY_APPLIED', 'ALREADY_APPLIED']);
  expect((await dump<MessageDoc>(w.tc.cloud, 'messages')).filter((m) => m.orderId === orderId)).toHaveLength(1);
});

test('a handler that stopped after its first write: the retry finishes the job', async () => {
  const { bills, orderId } = await openOrder(3, { subscribed: true });
  w.sandbox.setCallbackMode('hold');
  const { transactionId } = await w.sandbox.pay(orderId);
  // The state a crash between the order's write and the bills' write leaves behind.
  await collection<OrderDoc>(w.tc.cloud.sdkDatabase(), 'orders').updateById(orderId, {
    status: 'PAID',
    transactionId,
    paidAt: w.tc.cloud.clock.now(),
    paidVia: 'callback',
  });
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => b.status)).toEqual(['PAYING', 'PAYING', 'PAYING']);
  const records = await w.sandbox.releaseCallbacks(orderId);
  expect(records.map((r) => r.ok)).toEqual([true]);
  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.map((b) => [b.status, b.paidOrderId])).toEqual(bills.map(() => ['PAID', orderId]));
  expect(await verdicts(orderId)).toEqual(['ALREADY_APPLIED']);
  expect((await dump<MessageDoc>(w.tc.cloud, 'messages')).filter((m) => m.orderId === orderId)).toHaveLength(1);
});

test('a callback that cannot be checked yet is answered with an error, and the retry applies it', async () => {
  const { orderId } = await openOrder(1);
  w.sandbox.failNext('queryOrder', 'timeout');
  await w.sandbox.pay(orderId);
  await w.sandbox.settle();
  const deliveries = w.sandbox.deliveries.filter((d) => d.outTradeNo === orderId);
  expect(deliveries.map((d) => d.answer)).toEqual([
    { errcode: 1, errmsg: 'QUERY_FAILED' },
    { errcode: 0, errmsg: 'OK' },
  ]);
  expect(await verdicts(orderId)).toEqual(['QUERY_FAILED', 'APPLIED']);
  expect((await readOrder(w.tc.cloud, orderId))!.status).toBe('PAID');
});
