/**
 * What follows a payment (the 缴费成功 message, the receipt through the receipts function) runs
 * once, from the step that made the order PAID — not on every duplicate callback — and a slow
 * receipt never makes the payment callback slow or failed (WeChat would retry it).
 */
import { performance } from 'node:perf_hooks';
import type { Caller } from '../../../local/cloud';
import type { NotificationDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { RECEIPT_WAIT_ENV, type SubscribeMessageDoc } from '../../../cloudfunctions/shared/billing/after-paid';
import { dump, MINUTE, readOrder } from '../../support/billing-fixtures';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

type Invoke = (name: string, event: unknown, caller?: Caller) => Promise<unknown>;

/** Watches the functions the payment code calls; `slowReceipts` makes the receipts function take a minute. */
function watchReceipts(options: { slowReceipts?: boolean } = {}) {
  const original: Invoke = w.tc.cloud.invoke.bind(w.tc.cloud);
  const calls: string[] = [];
  const spy = jest.spyOn(w.tc.cloud, 'invoke').mockImplementation(async (name: string, event: unknown, caller?: Caller) => {
    if (name === 'receipts') {
      calls.push((event as { orderId: string }).orderId);
      if (options.slowReceipts) return new Promise((resolve) => setTimeout(() => resolve({ ok: true, data: {} }), 60_000).unref());
    }
    return original(name, event, caller);
  });
  return { calls, restore: () => spy.mockRestore() };
}

afterEach(() => {
  delete process.env[RECEIPT_WAIT_ENV];
});

test('duplicate callbacks and later syncs: the receipt is asked for once, the message sent once', async () => {
  const watch = watchReceipts();
  try {
    const { student, bills } = await w.student(2);
    const { order } = ok(await w.create(student, bills.map((b) => b._id), { subscribed: true }));
    w.sandbox.duplicateNextCallbacks(3);
    await w.sandbox.pay(order.id);
    await w.sandbox.settle();
    await w.sandbox.sendCallback(w.sandbox.callbackEventFor(order.id));
    await w.sync(student, order.id);
    await w.sync(student, order.id, true);
    w.tc.cloud.clock.advance(10 * MINUTE);
    await w.sweep();
    const verdicts = (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).filter((n) => n.outTradeNo === order.id).map((n) => n.verdict);
    expect(verdicts.sort()).toEqual(['ALREADY_APPLIED', 'ALREADY_APPLIED', 'ALREADY_APPLIED', 'ALREADY_APPLIED', 'APPLIED']);
    expect(watch.calls.filter((id) => id === order.id)).toHaveLength(1);
    expect((await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === order.id)).toHaveLength(1);
    expect((await readOrder(w.tc.cloud, order.id))!.nextCheckAt).toBeNull();
  } finally {
    watch.restore();
  }
});

test('a slow receipt: the callback still answers 0 promptly and the order is paid', async () => {
  process.env[RECEIPT_WAIT_ENV] = '200';
  const watch = watchReceipts({ slowReceipts: true });
  try {
    const { student, bills } = await w.student(1);
    const { order } = ok(await w.create(student, [bills[0]!._id], { subscribed: true }));
    w.sandbox.setCallbackMode('hold');
    await w.sandbox.pay(order.id);
    const started = performance.now();
    const answers = await Promise.all([w.sandbox.sendCallback(w.sandbox.callbackEventFor(order.id)), w.sandbox.sendCallback(w.sandbox.callbackEventFor(order.id))]);
    const took = performance.now() - started;
    expect(answers).toEqual([
      { errcode: 0, errmsg: 'OK' },
      { errcode: 0, errmsg: 'OK' },
    ]);
    expect(took).toBeLessThan(3000);
    expect((await readOrder(w.tc.cloud, order.id))!).toMatchObject({ status: 'PAID', nextCheckAt: null });
    expect((await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.orderId === order.id)).toMatchObject([{ status: 'SENT' }]);
    expect(watch.calls.filter((id) => id === order.id)).toHaveLength(1);
    expect(w.tc.logs.some((line) => line.includes('receipt still being issued') && line.includes(order.id))).toBe(true);
  } finally {
    watch.restore();
  }
});
