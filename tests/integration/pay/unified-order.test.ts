/**
 * unifiedOrder failing or timing out: the student can simply try again; the retry reuses the same
 * order and parameters (WeChat answers with the same prepay, never 商户订单号重复), and nothing
 * is left half-done if they give up.
 */
import { MINUTE, readBills, readOrder, readOrders } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

const sandboxOrdersOf = (studentNo: string) => w.sandbox.orders().filter((o) => o.attach === studentNo);

test('a timeout before WeChat created the order: try again, one order, one prepay', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  w.sandbox.failNext('unifiedOrder', 'timeout');
  const failed = await w.create(student, ids);
  expect(failed).toMatchObject({ ok: false, code: 'PAY_UNAVAILABLE', message: '微信支付暂时不可用，请稍后重试' });
  expect(sandboxOrdersOf(student.studentNo)).toHaveLength(0);
  const retry = ok(await w.create(student, ids));
  expect(retry.payment?.package).toMatch(/^prepay_id=/);
  expect((await readOrders(w.tc.cloud, student.studentId)).map((o) => o.status)).toEqual(['PENDING']);
  expect(sandboxOrdersOf(student.studentNo).map((o) => o.outTradeNo)).toEqual([retry.order.outTradeNo]);
});

test('a timeout after WeChat created the order: the retry gets that same prepay', async () => {
  const { student, bills } = await w.student(1);
  w.sandbox.failNext('unifiedOrder', 'timeout-after');
  expect(await w.create(student, [bills[0]!._id])).toMatchObject({ ok: false, code: 'PAY_UNAVAILABLE' });
  const atWechat = sandboxOrdersOf(student.studentNo);
  expect(atWechat).toHaveLength(1);
  const retry = ok(await w.create(student, [bills[0]!._id]));
  expect(retry.order.outTradeNo).toBe(atWechat[0]!.outTradeNo);
  expect(retry.payment?.package).toBe(`prepay_id=${atWechat[0]!.prepayId}`);
  expect(sandboxOrdersOf(student.studentNo)).toHaveLength(1);
  // And it can be paid.
  await w.sandbox.pay(retry.order.id);
  await w.sandbox.settle();
  expect((await readOrder(w.tc.cloud, retry.order.id))!.status).toBe('PAID');
});

test('WeChat answering SYSTEMERROR is “try again later”, and 继续支付 recovers', async () => {
  const { student, bills } = await w.student(1);
  w.sandbox.failNext('unifiedOrder', 'system-error');
  const failed = await w.create(student, [bills[0]!._id]);
  expect(failed).toMatchObject({ ok: false, code: 'PAY_UNAVAILABLE' });
  const orderId = (failed as { details?: { orderId?: string } }).details?.orderId;
  expect(orderId).toBeTruthy();
  const resumed = ok(await w.call<{ payment: { package: string } | null }>('pay', { action: 'resume', orderId }, student.openid));
  expect(resumed.payment?.package).toMatch(/^prepay_id=/);
});

test('giving up after a timeout leaves nothing behind: 取消订单 releases the bills at once', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  w.sandbox.failNext('unifiedOrder', 'timeout');
  const failed = await w.create(student, ids);
  const orderId = (failed as { details?: { orderId?: string } }).details!.orderId!;
  const paying = (await w.overview(student)).paying;
  expect(paying.map((o) => [o.id, o.canResume, o.canCancel])).toEqual([[orderId, true, true]]);
  expect(ok(await w.cancel(student, orderId)).outcome).toBe('CANCELLED');
  expect((await readBills(w.tc.cloud, ids)).map((b) => b.status)).toEqual(['UNPAID', 'UNPAID']);
  expect(sandboxOrdersOf(student.studentNo)).toHaveLength(0);
});

test('giving up and walking away: the sweep releases the bills once the order expires', async () => {
  const { student, bills } = await w.student(1);
  w.sandbox.failNext('unifiedOrder', 'timeout');
  await w.create(student, [bills[0]!._id]);
  w.tc.cloud.clock.advance(16 * MINUTE);
  await w.sweep();
  const [order] = await readOrders(w.tc.cloud, student.studentId);
  expect(order).toMatchObject({ status: 'CLOSED', closeReason: 'EXPIRED' });
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('UNPAID');
});
