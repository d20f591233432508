/**
 * 立即支付: the server prices the order from the caller's own bills, hands out WeChat's payment
 * parameters, and never lets a bill into two open orders.
 */
import type { BillDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { dump, MINUTE, readBills, readOrder, readOrders, signIn } from '../../support/billing-fixtures';
import { ok, perDocumentWrites, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

test('the order is priced from the database and WeChat is asked with cloudPay’s fields', async () => {
  const { student, bills } = await w.student(3);
  const start = ok(await w.create(student, bills.map((b) => b._id), { subscribed: true }));
  expect(start.order.total).toBe(320000 + 120000 + 45050);
  expect(start.order.lines.map((l) => [l.itemName, l.amount])).toEqual([
    ['学费', 320000],
    ['住宿费', 120000],
    ['教材费', 45050],
  ]);
  expect(start.order.status).toBe('PENDING');
  expect(start.order.canResume).toBe(true);
  expect(start.payment).toMatchObject({ package: expect.stringMatching(/^prepay_id=wx/), signType: 'MD5' });
  expect(start.payment?.timeStamp).toMatch(/^\d+$/);

  const atWechat = w.sandbox.order(start.order.outTradeNo)!;
  expect(atWechat.totalFee).toBe(485050);
  expect(Number.isInteger(atWechat.totalFee)).toBe(true);
  expect(atWechat.envId).toBe(w.tc.cloud.env);
  expect(atWechat.functionName).toBe('payNotify');
  expect(atWechat.subMchId).toBe(w.sandbox.subMchId);
  expect(atWechat.openid).toBe(student.openid);
  // time_expire: 15 minutes after creation, Beijing time.
  const created = new Date(start.order.createdAt).getTime();
  expect(atWechat.expiresAtMs - created).toBeGreaterThanOrEqual(15 * 60_000 - 1000);
  expect(atWechat.expiresAtMs - created).toBeLessThanOrEqual(15 * 60_000);
  expect(start.order.outTradeNo.length).toBeLessThanOrEqual(32);

  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.every((b) => b.status === 'PAYING' && b.orderId === start.order.id)).toBe(true);
});

test('an amount sent by the client is refused, not used', async () => {
  const { student, bills } = await w.student(1);
  const res = await w.create(student, [bills[0]!._id], { total: 1 });
  expect(res).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  const res2 = await w.call('pay', { action: 'create', billIds: [bills[0]!._id], email: 'a@b.cn', amount: 1 }, student.openid);
  expect(res2).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  expect(await readOrders(w.tc.cloud, student.studentId)).toEqual([]);
  expect((await readBills(w.tc.cloud, [bills[0]!._id]))[0]!.status).toBe('UNPAID');
});

test('another student’s bill ids are refused and nothing changes', async () => {
  const me = await w.student(1);
  const other = await w.student(2);
  const res = await w.create(me.student, [me.bills[0]!._id, other.bills[0]!._id]);
  expect(res).toMatchObject({ ok: false, code: 'BILL_NOT_FOUND' });
  const onlyTheirs = await w.create(me.student, [other.bills[1]!._id]);
  expect(onlyTheirs).toMatchObject({ ok: false, code: 'BILL_NOT_FOUND' });
  expect(await readOrders(w.tc.cloud, me.student.studentId)).toEqual([]);
  expect(await readOrders(w.tc.cloud, other.student.studentId)).toEqual([]);
  const theirs = await readBills(w.tc.cloud, other.bills.map((b) => b._id));
  expect(theirs.map((b) => b.status)).toEqual(['UNPAID', 'UNPAID']);
});

test('a caller who is not signed in is refused', async () => {
  const { bills } = await w.student(1);
  const res = await w.call('pay', { action: 'create', billIds: [bills[0]!._id], email: 'a@b.cn' }, 'o-stranger');
  expect(res).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
});

test('the email is required, validated and remembered', async () => {
  const { student, bills } = await w.student(1);
  for (const email of ['', 'not-an-email', 'a@b', 'x@y..cn']) {
    const res = await w.call('pay', { action: 'create', billIds: [bills[0]!._id], email }, student.openid);
    expect(res.ok).toBe(false);
  }
  expect(await readOrders(w.tc.cloud, student.studentId)).toEqual([]);
  ok(await w.create(student, [bills[0]!._id], { email: ' Zhang.San@Example.COM ' }));
  expect((await w.overview(student)).email).toBe('Zhang.San@example.com');
  const [order] = await readOrders(w.tc.cloud, student.studentId);
  expect(order!.email).toBe('Zhang.San@example.com');
});

test('paid bills cannot be ordered again', async () => {
  const { student, bills } = await w.student(1);
  const start = ok(await w.create(student, [bills[0]!._id]));
  await w.sandbox.pay(start.order.id);
  await w.sandbox.settle();
  expect(await w.create(student, [bills[0]!._id])).toMatchObject({ ok: false, code: 'BILL_NOT_PAYABLE' });
});

test('a double tap gets the same open order and payment back', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  const results = await Promise.all([w.create(student, ids), w.create(student, ids), w.create(student, ids)]);
  const starts = results.map(ok);
  expect(new Set(starts.map((s) => s.order.id)).size).toBe(1);
  expect(new Set(starts.map((s) => s.payment?.package)).size).toBe(1);
  const open = (await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING');
  expect(open).toHaveLength(1);
  expect(w.sandbox.orders().filter((o) => o.attach === student.studentNo)).toHaveLength(1);
  const stored = await readBills(w.tc.cloud, ids);
  expect(new Set(stored.map((b) => b.orderId))).toEqual(new Set([open[0]!._id]));
  // And later, a tap again: still the same order, the stored payment reused.
  const calls = w.sandbox.calls.unifiedOrder;
  const again = ok(await w.create(student, ids));
  expect(again.order.id).toBe(open[0]!._id);
  expect(again.payment).toEqual(starts[0]!.payment);
  expect(w.sandbox.calls.unifiedOrder).toBe(calls);
});

test('a second device: the same open order, never a second one', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  const first = ok(await w.create(student, ids));
  // The same WeChat account on another phone.
  const same = ok(await w.create(student, ids));
  expect(same.order.id).toBe(first.order.id);
  // Another WeChat account signed in as the same student: it cannot pay an order WeChat issued to
  // the first account, so it is told where the order is instead of getting a second one.
  await signIn(w.tc.cloud, student, 'o-second-phone');
  const other = await w.create(student, ids, {}, 'o-second-phone');
  expect(other).toMatchObject({ ok: false, code: 'ORDER_OTHER_PAYER', details: { orderId: first.order.id } });
  const concurrent = await Promise.all([w.create(student, ids), w.create(student, ids, {}, 'o-second-phone')]);
  expect(ok(concurrent[0]).order.id).toBe(first.order.id);
  expect(concurrent[1]).toMatchObject({ ok: false, code: 'ORDER_OTHER_PAYER' });
  expect((await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING')).toHaveLength(1);
  // The second account sees the order under 缴费中, with 取消订单 but not 继续支付.
  const seen = (await w.overview(student, 'o-second-phone')).paying;
  expect(seen.map((o) => [o.id, o.canResume, o.canCancel, o.otherPayer])).toEqual([[first.order.id, false, true, true]]);
});

test('bills in an open order cannot go into a different selection', async () => {
  const { student, bills } = await w.student(3);
  const first = ok(await w.create(student, [bills[0]!._id, bills[1]!._id]));
  const res = await w.create(student, [bills[1]!._id, bills[2]!._id]);
  expect(res).toMatchObject({ ok: false, code: 'BILLS_IN_OPEN_ORDER', details: { orderId: first.order.id } });
  const stored = await readBills(w.tc.cloud, bills.map((b) => b._id));
  expect(stored.map((b) => b.orderId)).toEqual([first.order.id, first.order.id, null]);
  // The third bill on its own is fine.
  ok(await w.create(student, [bills[2]!._id]));
  const all = await dump<BillDoc>(w.tc.cloud, 'bills');
  const holders = all.filter((b) => b.studentId === student.studentId).map((b) => b.orderId);
  expect(holders.every(Boolean)).toBe(true);
});

test('taps on two phones at once, several bills, on a database that updates each bill on its own: one order, every caller gets it', async () => {
  const { student, bills } = await w.student(6);
  const ids = bills.map((b) => b._id);
  const undo = perDocumentWrites(['bills']);
  let results;
  try {
    results = await Promise.all([w.create(student, ids), w.create(student, ids), w.create(student, ids)]);
  } finally {
    undo();
  }
  const starts = results.map(ok);
  expect(new Set(starts.map((s) => s.order.id)).size).toBe(1);
  expect(starts.every((s) => s.payment?.package === starts[0]!.payment?.package)).toBe(true);
  const open = (await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING');
  expect(open.map((o) => o._id)).toEqual([starts[0]!.order.id]);
  expect((await readBills(w.tc.cloud, ids)).map((b) => [b.status, b.orderId])).toEqual(ids.map(() => ['PAYING', open[0]!._id]));
});

test('two devices choosing overlapping bills at the same moment: one order; the other is told why, never that the bills changed', async () => {
  for (let round = 0; round < 5; round += 1) {
    const { student, bills } = await w.student(3);
    await signIn(w.tc.cloud, student, `o-tablet-${round}-${student.studentNo}`);
    const phone = [bills[0]!._id, bills[1]!._id];
    const tablet = [bills[1]!._id, bills[2]!._id];
    const results = await Promise.all([w.create(student, phone), w.create(student, tablet, {}, `o-tablet-${round}-${student.studentNo}`)]);
    const won = results.filter((result) => result.ok);
    expect(won).toHaveLength(1);
    const lost = results.find((result) => !result.ok)!;
    expect(['PAY_BUSY', 'BILLS_IN_OPEN_ORDER']).toContain(lost.ok ? '' : lost.code);
    const open = (await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING');
    expect(open.map((o) => o._id)).toEqual([ok(won[0]!).order.id]);
    const held = new Set(open[0]!.billIds);
    expect((await readBills(w.tc.cloud, bills.map((b) => b._id))).map((b) => [b.status, b.orderId])).toEqual(
      bills.map((b) => (held.has(b._id) ? ['PAYING', open[0]!._id] : ['UNPAID', null])),
    );
  }
});

test('取消订单 while WeChat is preparing the payment: its parameters are never handed out, and WeChat’s copy is closed later', async () => {
  const { student, bills } = await w.student(2);
  const ids = bills.map((b) => b._id);
  const held = w.sandbox.holdNext('unifiedOrder');
  const creating = w.create(student, ids);
  await held.reached;
  const [order] = (await readOrders(w.tc.cloud, student.studentId)).filter((o) => o.status === 'PENDING');
  expect(ok(await w.cancel(student, order!._id)).outcome).toBe('CANCELLED');
  held.release();
  expect(await creating).toMatchObject({ ok: false, code: 'ORDER_NOT_PENDING' });
  expect((await readOrder(w.tc.cloud, order!._id))!).toMatchObject({ status: 'CLOSED', closeReason: 'CANCELLED', wxClose: 'NEEDED' });
  expect((await readOrder(w.tc.cloud, order!._id))!.payment ?? null).toBeNull();
  expect((await readBills(w.tc.cloud, ids)).map((b) => b.status)).toEqual(['UNPAID', 'UNPAID']);
  expect(w.sandbox.order(order!._id)!.state).toBe('NOTPAY');
  w.tc.cloud.clock.advance(5 * MINUTE + 1000);
  await w.sweep();
  expect(w.sandbox.order(order!._id)!.state).toBe('CLOSED');
});
