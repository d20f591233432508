/**
 * A callback that never arrives must not leave a paid order unpaid (the common cause of students
 * paying twice): the page's sync after the pay sheet, or the sweep, asks WeChat and applies it.
 */
import { readBills, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

test('a dropped callback: the page’s sync after the pay sheet marks it paid', async () => {
  const { student, bills } = await w.student(2);
  const { order } = ok(await w.create(student, bills.map((b) => b._id)));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  expect(w.sandbox.deliveries.filter((d) => d.outTradeNo === order.id)).toEqual([]);
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PENDING');

  const synced = await w.sync(student, order.id, true);
  expect(synced.status).toBe('PAID');
  expect(synced.transactionIdMasked).toMatch(/^4200\*{4}\d{4}$/);
  expect((await readOrder(w.tc.cloud, order.id))!.paidVia).toBe('query');
  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.map((b) => b.status)).toEqual(['PAID', 'PAID']);
  const overview = await w.overview(student);
  expect(overview.done.map((o) => o.id)).toEqual([order.id]);
  expect(overview.unpaid).toEqual([]);
});

test('a dropped callback and no sync: the sweep marks it paid', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  // Not due yet: the sweep first looks 90 seconds after creation.
  w.tc.cloud.clock.advance(60_000);
  await w.sweep();
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PENDING');
  w.tc.cloud.clock.advance(31_000);
  const report = await w.sweep();
  expect(report.paid).toBeGreaterThanOrEqual(1);
  expect((await readOrder(w.tc.cloud, order.id))!).toMatchObject({ status: 'PAID', paidVia: 'query' });
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('PAID');
});

test('after the pay sheet said yes the order is 处理中 and never offered for payment again', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  // WeChat cannot be asked right now, and the callback is late.
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(order.id);
  w.sandbox.failNext('queryOrder', 'timeout');
  const synced = await w.sync(student, order.id, true);
  expect(synced).toMatchObject({ status: 'PENDING', processing: true, canResume: false, canCancel: false });
  expect(await w.call('pay', { action: 'resume', orderId: order.id }, student.openid)).toMatchObject({ ok: false, code: 'ORDER_PROCESSING' });
  expect(await w.create(student, [bills[0]!._id])).toMatchObject({ ok: false, code: 'ORDER_PROCESSING' });
  const paying = (await w.overview(student)).paying;
  expect(paying.map((o) => [o.id, o.processing, o.canResume])).toEqual([[order.id, true, false]]);
  // The callback arrives: 已完成.
  await w.sandbox.releaseCallbacks(order.id);
  const overview = await w.overview(student);
  expect(overview.paying).toEqual([]);
  expect(overview.done.map((o) => o.id)).toEqual([order.id]);
});

test('killed after the pay sheet said yes (no sync reached the server): 继续支付 asks WeChat first and never hands the payment out again', async () => {
  const { student, bills } = await w.student(1);
  const start = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(start.order.id);
  await w.sandbox.settle();
  // The order still looks open here: the page would offer 继续支付.
  expect((await w.overview(student)).paying.map((o) => [o.id, o.canResume])).toEqual([[start.order.id, true]]);
  const resumed = ok(await w.call<{ payment: unknown; order: { status: string } }>('pay', { action: 'resume', orderId: start.order.id }, student.openid));
  expect(resumed.payment).toBeNull();
  expect(resumed.order.status).toBe('PAID');
  expect((await readOrder(w.tc.cloud, start.order.id))!).toMatchObject({ status: 'PAID', paidVia: 'query' });
});

test('the student is in the pay sheet right now (USERPAYING): 继续支付 and 取消订单 say so, nothing is closed', async () => {
  const { student, bills } = await w.student(1);
  const start = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.setCallbackMode('hold');
  const paying = w.sandbox.startPaying(start.order.id);
  expect(await w.call('pay', { action: 'resume', orderId: start.order.id }, student.openid)).toMatchObject({ ok: false, code: 'ORDER_PROCESSING' });
  expect(await w.cancel(student, start.order.id)).toMatchObject({ ok: false, code: 'ORDER_PROCESSING' });
  expect((await readOrder(w.tc.cloud, start.order.id))!.status).toBe('PENDING');
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('PAYING');
  await paying.finish();
  await w.sandbox.releaseCallbacks(start.order.id);
  expect((await readOrder(w.tc.cloud, start.order.id))!.status).toBe('PAID');
});
