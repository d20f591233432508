/**
 * The sweep at peak: every due order is reached, oldest due first and page after page (not the
 * newest 50), so an expired order or a payment whose callback was lost is never starved; orders
 * that never got payment parameters are closed without asking WeChat; a student in the pay sheet
 * (USERPAYING) is left alone even past the expiry.
 */
import { MINUTE, readBills, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

test('more due orders than one page: one run reaches them all, the oldest (paid, callback lost) included', async () => {
  const orders: string[] = [];
  for (let i = 0; i < 70; i += 1) {
    const { student, bills } = await w.student(1);
    orders.push(ok(await w.create(student, [bills[0]!._id])).order.id);
    w.tc.cloud.clock.advance(1000);
  }
  // The five oldest were paid, and their callbacks lost.
  const paid = orders.slice(0, 5);
  for (const id of paid) {
    w.sandbox.dropNextCallbacks();
    await w.sandbox.pay(id);
  }
  await w.sandbox.settle();
  w.tc.cloud.clock.advance(17 * MINUTE); // every order is past its expiry
  const report = await w.sweep();
  expect(report.checked).toBe(70);
  expect(report.paid).toBe(5);
  expect(report.closed).toBe(65);
  expect(report.leftOver).toBe(0);
  for (const id of paid) expect((await readOrder(w.tc.cloud, id))!.status).toBe('PAID');
  for (const id of orders.slice(5)) expect((await readOrder(w.tc.cloud, id))!.status).toBe('CLOSED');
}, 30_000); // seventy students and orders made one by one

test('an expired order that never got payment parameters is closed without asking WeChat', async () => {
  const { student, bills } = await w.student(1);
  // WeChat created the prepay but its answer was lost: the student never had anything to pay with.
  w.sandbox.failNext('unifiedOrder', 'timeout-after');
  const failed = await w.create(student, [bills[0]!._id]);
  const orderId = (failed as { details?: { orderId?: string } }).details!.orderId!;
  // Before it expires the sweep does not ask about it either.
  w.tc.cloud.clock.advance(3 * MINUTE);
  await w.sweep();
  expect(w.sandbox.order(orderId)!.queried ?? 0).toBe(0);
  w.tc.cloud.clock.advance(13 * MINUTE);
  const report = await w.sweep();
  expect(report.closedUnasked).toBeGreaterThanOrEqual(1);
  expect((await readOrder(w.tc.cloud, orderId))!).toMatchObject({ status: 'CLOSED', closeReason: 'EXPIRED', wxClose: 'NONE' });
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('UNPAID');
  expect(w.sandbox.order(orderId)!.queried ?? 0).toBe(0);
  expect(w.sandbox.order(orderId)!.state).toBe('NOTPAY'); // never told to close: it lapses at WeChat by itself
});

test('expired while the student is in the pay sheet (USERPAYING): left open, then paid when they finish', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.tc.cloud.clock.advance(14 * MINUTE);
  w.sandbox.setCallbackMode('hold');
  const paying = w.sandbox.startPaying(order.id);
  w.tc.cloud.clock.advance(2 * MINUTE); // past time_expire, the password not entered yet
  await w.sweep();
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PENDING');
  expect(w.sandbox.order(order.id)!.state).toBe('USERPAYING');
  const next = new Date((await readOrder(w.tc.cloud, order.id))!.nextCheckAt!).getTime();
  expect(next - w.tc.cloud.clock.nowMs()).toBeLessThanOrEqual(61_000);
  await paying.finish();
  w.tc.cloud.clock.advance(61_000);
  const report = await w.sweep();
  expect(report.paid).toBeGreaterThanOrEqual(1);
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PAID');
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('PAID');
});
