/**
 * 取消订单 and what happens to a payment that still arrives for a cancelled order: kept when its
 * bills are unpaid, refunded (with a stable outRefundNo) when another order paid them. Whatever
 * the order of events, every bill is paid exactly once.
 */
import type { BillDoc, OrderDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { dump, MINUTE, readBills, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

/** Every payment WeChat kept (paid, not refunded) per bill id. */
async function keptPaymentsPerBill(billIds: string[]): Promise<Map<string, string[]>> {
  const orders = await dump<OrderDoc>(w.tc.cloud, 'orders');
  const kept = new Map<string, string[]>(billIds.map((id) => [id, []]));
  for (const atWechat of w.sandbox.orders()) {
    if (atWechat.state !== 'SUCCESS') continue; // REFUND: the money went back
    const order = orders.find((o) => o._id === atWechat.outTradeNo);
    for (const id of order?.billIds ?? []) kept.get(id)?.push(order!._id);
  }
  return kept;
}

test('cancel within 5 minutes: bills back at once, WeChat closed by the sweep later', async () => {
  const { student, bills } = await w.student(2);
  const { order } = ok(await w.create(student, bills.map((b) => b._id)));
  w.tc.cloud.clock.advance(1 * MINUTE);
  const cancelled = ok(await w.cancel(student, order.id));
  expect(cancelled.outcome).toBe('CANCELLED');
  expect(cancelled.order.status).toBe('CLOSED');
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => [b.status, b.orderId])).toEqual([
    ['UNPAID', null],
    ['UNPAID', null],
  ]);
  const overview = await w.overview(student);
  expect(overview.unpaid.map((b) => b.id).sort()).toEqual(bills.map((b) => b._id).sort());
  expect(overview.paying).toEqual([]);
  // WeChat refuses to close it yet, so it is still open there.
  expect(w.sandbox.order(order.id)!.state).toBe('NOTPAY');
  expect((await readOrder(w.tc.cloud, order.id))!.wxClose).toBe('NEEDED');

  w.tc.cloud.clock.advance(2 * MINUTE);
  await w.sweep();
  expect(w.sandbox.order(order.id)!.state).toBe('NOTPAY');
  w.tc.cloud.clock.advance(3 * MINUTE);
  const report = await w.sweep();
  expect(report.wechatClosed).toBeGreaterThanOrEqual(1);
  expect(w.sandbox.order(order.id)!.state).toBe('CLOSED');
  expect((await readOrder(w.tc.cloud, order.id))!.wxClose).toBe('DONE');
});

test('cancel after 5 minutes closes the order at WeChat at once', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.tc.cloud.clock.advance(6 * MINUTE);
  expect(ok(await w.cancel(student, order.id)).outcome).toBe('CANCELLED');
  expect(w.sandbox.order(order.id)!.state).toBe('CLOSED');
  expect((await readOrder(w.tc.cloud, order.id))!.wxClose).toBe('DONE');
});

test('cancel within 5 minutes, then the old order is paid while its bills are unpaid: kept', async () => {
  const { student, bills } = await w.student(2);
  const { order } = ok(await w.create(student, bills.map((b) => b._id)));
  ok(await w.cancel(student, order.id));
  await w.sandbox.pay(order.id); // the pay sheet was still open
  await w.sandbox.settle();
  const stored = await readOrder(w.tc.cloud, order.id);
  expect(stored).toMatchObject({ status: 'PAID', wxClose: 'NONE' });
  expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => [b.status, b.paidOrderId])).toEqual([
    ['PAID', order.id],
    ['PAID', order.id],
  ]);
  const notifications = await dump<{ outTradeNo: string; verdict: string }>(w.tc.cloud, 'notifications');
  expect(notifications.filter((n) => n.outTradeNo === order.id).map((n) => n.verdict)).toEqual(['KEPT_LATE']);
  expect(w.sandbox.order(order.id)!.refunds).toEqual([]);
});

test('cancel, pay the bills again, then the old order is paid too: the old payment is refunded', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  const first = ok(await w.create(student, ids)).order;
  ok(await w.cancel(student, first.id));
  const second = ok(await w.create(student, ids)).order;
  expect(second.outTradeNo).not.toBe(first.outTradeNo);
  await w.sandbox.pay(second.id);
  await w.sandbox.settle();
  w.sandbox.duplicateNextCallbacks(1);
  await w.sandbox.pay(first.id);
  await w.sandbox.settle();
  // WeChat accepted the refund; it is PROCESSING until it settles and sends its result.
  expect((await readOrder(w.tc.cloud, first.id))!.status).toBe('REFUNDING');
  expect(w.sandbox.order(first.id)!.refunds).toMatchObject([{ status: 'PROCESSING', envId: w.tc.cloud.env, functionName: 'payNotify' }]);
  await w.settleRefunds();

  const old = (await readOrder(w.tc.cloud, first.id))!;
  expect(old.status).toBe('REFUNDED');
  expect(old.refundSummary).toMatchObject({ count: 1, requested: first.total, refunded: first.total, manual: 0, latestReason: 'BILLS_ALREADY_PAID' });
  const refunds = (await dump<RefundDoc>(w.tc.cloud, 'refunds')).filter((r) => r.orderId === first.id);
  expect(refunds).toMatchObject([
    { outRefundNo: `RF${first.outTradeNo}`, status: 'SUCCESS', refundFee: first.total, reason: 'BILLS_ALREADY_PAID', billIds: ids, totalFee: first.total },
  ]);
  // The duplicate callback did not refund a second time.
  expect(w.sandbox.order(first.id)!.refunds).toHaveLength(1);
  expect((await readBills(w.tc.cloud, ids)).map((b) => b.paidOrderId)).toEqual([second.id, second.id]);
  const kept = await keptPaymentsPerBill(ids);
  expect([...kept.values()]).toEqual([[second.id], [second.id]]);
  // The student sees it under 已完成 as a refunded second payment.
  const done = (await w.overview(student)).done;
  expect(done.find((o) => o.id === first.id)).toMatchObject({ status: 'REFUNDED', refund: { amount: first.total } });
});

test('cancel, reorder, the old order is paid first: old kept, the new one closed, and paying it too is refunded', async () => {
  const { student, bills } = await w.student(3);
  const ids = bills.map((b) => b._id);
  const first = ok(await w.create(student, [ids[0]!, ids[1]!])).order;
  ok(await w.cancel(student, first.id));
  // The new selection overlaps the old one.
  const second = ok(await w.create(student, [ids[1]!, ids[2]!])).order;
  await w.sandbox.pay(first.id);
  await w.sandbox.settle();
  expect((await readOrder(w.tc.cloud, first.id))!.status).toBe('PAID');
  const superseded = (await readOrder(w.tc.cloud, second.id))!;
  expect(superseded).toMatchObject({ status: 'CLOSED', closeReason: 'SUPERSEDED', wxClose: 'NEEDED' });
  // The bill only the second order had is back under 待缴费.
  expect((await readBills(w.tc.cloud, ids)).map((b) => [b.status, b.paidOrderId, b.orderId])).toEqual([
    ['PAID', first.id, null],
    ['PAID', first.id, null],
    ['UNPAID', null, null],
  ]);
  expect(await w.call('pay', { action: 'resume', orderId: second.id }, student.openid)).toMatchObject({ ok: false, code: 'ORDER_NOT_PENDING' });
  // The student had the second order's pay sheet open and pays it anyway.
  await w.sandbox.pay(second.id);
  await w.sandbox.settle();
  await w.settleRefunds();
  expect((await readOrder(w.tc.cloud, second.id))!.status).toBe('REFUNDED');
  const kept = await keptPaymentsPerBill(ids);
  expect([...kept.values()]).toEqual([[first.id], [first.id], []]);
});

test('one bill paid twice: exactly one payment kept, whichever callback comes first', async () => {
  const { student, bills } = await w.student(1);
  const id = bills[0]!._id;
  const a = ok(await w.create(student, [id])).order;
  ok(await w.cancel(student, a.id));
  const b = ok(await w.create(student, [id])).order;
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(a.id);
  await w.sandbox.pay(b.id);
  // Both callbacks at once.
  const [ea, eb] = [w.sandbox.callbackEventFor(a.id), w.sandbox.callbackEventFor(b.id)];
  await Promise.all([w.sandbox.sendCallback(eb), w.sandbox.sendCallback(ea), w.sandbox.sendCallback(eb), w.sandbox.sendCallback(ea)]);
  w.sandbox.setCallbackMode('auto');
  await w.settleRefunds();
  await w.sweep();
  const statuses = [(await readOrder(w.tc.cloud, a.id))!.status, (await readOrder(w.tc.cloud, b.id))!.status].sort();
  expect(statuses).toEqual(['PAID', 'REFUNDED']);
  const kept = await keptPaymentsPerBill([id]);
  expect(kept.get(id)).toHaveLength(1);
  const bill = (await readBills(w.tc.cloud, [id]))[0]!;
  expect(bill.status).toBe('PAID');
  expect(kept.get(id)).toEqual([bill.paidOrderId]);
});

test('取消订单 on an order that was paid meanwhile: nothing is cancelled', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  const res = ok(await w.cancel(student, order.id));
  expect(res.outcome).toBe('PAID');
  expect(res.order.status).toBe('PAID');
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('PAID');
  expect(w.sandbox.order(order.id)!.state).toBe('SUCCESS');
});

test('ORDERPAID on close means the order is paid', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.tc.cloud.clock.advance(6 * MINUTE);
  w.sandbox.dropNextCallbacks();
  // The first query fails, so cancel goes on to closeOrder, which WeChat refuses: ORDERPAID.
  w.sandbox.failNext('queryOrder', 'timeout');
  await w.sandbox.pay(order.id);
  const res = ok(await w.cancel(student, order.id));
  expect(res.outcome).toBe('PAID');
  expect(w.sandbox.calls.closeOrder).toBeGreaterThan(0);
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PAID');
});

test('another student cannot cancel or look at my order', async () => {
  const me = await w.student(1);
  const other = await w.student(1);
  const { order } = ok(await w.create(me.student, [me.bills[0]!._id]));
  expect(await w.cancel(other.student, order.id)).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
  expect(await w.call('bills', { action: 'order', orderId: order.id }, other.student.openid)).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
  expect(await w.call('pay', { action: 'sync', orderId: order.id }, other.student.openid)).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PENDING');
  const bill = (await dump<BillDoc>(w.tc.cloud, 'bills')).find((b) => b._id === me.bills[0]!._id)!;
  expect(bill.status).toBe('PAYING');
});
