/**
 * Orders WeChat will no longer accept: the sweep closes them and gives the bills back; paying the
 * same bills again is a new order with a new outTradeNo (never 商户订单号重复).
 */
import { MINUTE, readBills, readOrder, readOrders } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

test('继续支付 within the order’s time returns the same payment, without asking WeChat again', async () => {
  const { student, bills } = await w.student(1);
  const start = ok(await w.create(student, [bills[0]!._id]));
  const calls = w.sandbox.calls.unifiedOrder;
  w.tc.cloud.clock.advance(5 * MINUTE);
  const again = ok(await w.call<{ payment: unknown; order: { id: string } }>('pay', { action: 'resume', orderId: start.order.id }, student.openid));
  expect(again.order.id).toBe(start.order.id);
  expect(again.payment).toEqual(start.payment);
  expect(w.sandbox.calls.unifiedOrder).toBe(calls);
});

test('re-pay after expiry: a new outTradeNo, the old order closed at WeChat', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  const old = ok(await w.create(student, ids)).order;
  w.tc.cloud.clock.advance(16 * MINUTE);
  const fresh = ok(await w.create(student, ids));
  expect(fresh.order.outTradeNo).not.toBe(old.outTradeNo);
  expect(fresh.payment?.package).toMatch(/^prepay_id=/);
  expect((await readOrder(w.tc.cloud, old.id))!).toMatchObject({ status: 'CLOSED', closeReason: 'EXPIRED', wxClose: 'DONE' });
  expect(w.sandbox.order(old.outTradeNo)!.state).toBe('CLOSED');
  expect((await readBills(w.tc.cloud, ids)).map((b) => b.orderId)).toEqual([fresh.order.id, fresh.order.id]);
  expect((await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING')).toHaveLength(1);
});

test('继续支付 on an expired order: told to choose the bills again, which are back under 待缴费', async () => {
  const { student, bills } = await w.student(1);
  const old = ok(await w.create(student, [bills[0]!._id])).order;
  w.tc.cloud.clock.advance(15 * MINUTE);
  expect(await w.call('pay', { action: 'resume', orderId: old.id }, student.openid)).toMatchObject({ ok: false, code: 'ORDER_EXPIRED' });
  const overview = await w.overview(student);
  expect(overview.unpaid.map((b) => b.id)).toEqual([bills[0]!._id]);
  expect(overview.paying).toEqual([]);
});

test('the sweep closes expired orders and releases their bills, leaving valid ones open', async () => {
  const { student, bills } = await w.student(3);
  const a = ok(await w.create(student, [bills[0]!._id])).order;
  w.tc.cloud.clock.advance(10 * MINUTE);
  const b = ok(await w.create(student, [bills[1]!._id])).order;
  // One sweep before expiry: both looked at, both left open (backing off).
  w.tc.cloud.clock.advance(1 * MINUTE);
  await w.sweep();
  expect((await readOrder(w.tc.cloud, b.id))!.status).toBe('PENDING');
  expect((await readOrder(w.tc.cloud, a.id))!.status).toBe('PENDING');
  expect((await readOrder(w.tc.cloud, a.id))!.checkAttempts).toBeGreaterThan(0);
  w.tc.cloud.clock.advance(5 * MINUTE); // a expired (16 min), b not (6 min)
  await w.sweep();
  expect((await readOrder(w.tc.cloud, a.id))!).toMatchObject({ status: 'CLOSED', closeReason: 'EXPIRED' });
  expect((await readOrder(w.tc.cloud, b.id))!.status).toBe('PENDING');
  expect((await readBills(w.tc.cloud, [bills[0]!._id, bills[1]!._id])).map((x) => x.status)).toEqual(['UNPAID', 'PAYING']);
  expect(w.sandbox.order(a.outTradeNo)!.state).toBe('CLOSED');
  w.tc.cloud.clock.advance(10 * MINUTE);
  await w.sweep();
  await w.sweep();
  expect((await readOrder(w.tc.cloud, b.id))!.status).toBe('CLOSED');
  expect((await w.overview(student)).unpaid.map((x) => x.id).sort()).toEqual(bills.map((x) => x._id).sort());
});

test('an order paid just before it expired is not closed by the sweep', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  w.tc.cloud.clock.advance(14 * MINUTE);
  await w.sandbox.pay(order.id);
  w.tc.cloud.clock.advance(2 * MINUTE);
  await w.sweep();
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PAID');
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('PAID');
  expect(w.sandbox.order(order.id)!.state).toBe('SUCCESS');
  void student;
});
