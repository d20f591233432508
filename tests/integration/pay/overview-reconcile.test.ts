/**
 * What the 账单缴费 page reads (reconciliation against WeChat's statement: reconcile.test.ts).
 */
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world), new Date('2026-11-28T02:00:00Z'));

test('the overview: 待缴费 bills, 缴费中 and 已完成 orders, the remembered email', async () => {
  const { student, bills } = await w.student(3);
  const empty = await w.overview(student);
  expect(empty.unpaid.map((b) => [b.itemName, b.amount, b.termLabel, b.mandatory])).toEqual([
    // Same term, all mandatory (the fixture's), same deadline: the larger amount first.
    ['学费', 320000, '2026-2027学年第一学期', true],
    ['住宿费', 120000, '2026-2027学年第一学期', true],
    ['教材费', 45050, '2026-2027学年第一学期', true],
  ]);
  expect(empty.email).toBeNull();
  expect(empty.serverTime).toBe(new Date(empty.serverTime).toISOString());

  const paid = ok(await w.create(student, [bills[0]!._id], { email: 'me@example.com' })).order;
  await w.sandbox.pay(paid.id);
  await w.sandbox.settle();
  const open = ok(await w.create(student, [bills[1]!._id], { email: 'me@example.com' })).order;

  const overview = await w.overview(student);
  expect(overview.unpaid.map((b) => b.id)).toEqual([bills[2]!._id]);
  expect(overview.paying.map((o) => [o.id, o.status, o.canResume, o.canCancel, o.processing])).toEqual([[open.id, 'PENDING', true, true, false]]);
  expect(overview.done).toHaveLength(1);
  const done = overview.done[0]!;
  expect(done).toMatchObject({ id: paid.id, status: 'PAID', total: 320000, canResume: false, canCancel: false });
  expect(done.paidAt).not.toBeNull();
  const transactionId = w.sandbox.order(paid.id)!.transactionId!;
  expect(done.transactionIdMasked).toBe(`${transactionId.slice(0, 4)}****${transactionId.slice(-4)}`);
  expect(JSON.stringify(overview)).not.toContain(transactionId);
  expect(overview.email).toBe('me@example.com');

  const detail = ok(await w.call<{ order: typeof done }>('bills', { action: 'order', orderId: paid.id }, student.openid)).order;
  expect(detail).toEqual(done);
});

test('the timer actions refuse callers that are not the timer', async () => {
  const { student } = await w.student(0);
  expect(await w.call('paymentsSweep', { action: 'sweep', Type: 'Timer', TriggerName: 'sweep' }, student.openid)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
  expect(await w.tc.cloud.invoke('paymentsSweep', { Type: 'Timer', TriggerName: 'sweep' }, { source: 'wx_paycallback', openid: 'x' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
});
