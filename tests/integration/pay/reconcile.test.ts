/**
 * Reconciliation against WeChat's daily statement (downloadBill): hourly, every recent day not
 * yet done once its statement should exist; both directions (WeChat's payments and refunds against
 * the orders, the orders paid that day against the statement); repairs take the statement's
 * 交易时间; every reconciled day is recorded once in auditLog with its differences.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ReconcileReport } from '../../../cloudfunctions/shared/billing/contract';
import type { OrderDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { dump, MINUTE, readOrder } from '../../support/billing-fixtures';
import { fireTimer, ok, startPayWorld, type PayWorld } from './helpers';

const START = new Date('2026-11-28T02:00:00Z'); // 10:00 Beijing
const HOUR = 60 * MINUTE;

let w: PayWorld;
beforeEach(async () => {
  w = await startPayWorld(START);
});
afterEach(async () => {
  await w.stop();
});

const reconcile = async (): Promise<ReconcileReport> => ok((await fireTimer(w.tc, 'reconcile')) as ApiResult<ReconcileReport>);
type Audit = { _id: string; action: string; details: { billDate: string; repaired: number; differences: { kind: string; outTradeNo: string }[] } };
const reconciled = async (): Promise<Audit[]> => (await dump<Audit>(w.tc.cloud, 'auditLog')).filter((a) => a.action === 'pay.reconcile');

test('next morning: the payment nobody told us about is repaired with the statement’s 交易时间, and the day recorded once', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  w.tc.cloud.clock.advance(3 * MINUTE);
  await w.sandbox.pay(order.id);
  const paidAtWechat = w.sandbox.order(order.id)!.paidAtMs!;
  // Nobody syncs and the sweep does not run; the next day after 10:00 the statement is read.
  w.tc.cloud.clock.advance(24 * HOUR + 30 * MINUTE);
  const report = await reconcile();
  const day = report.days.find((d) => d.billDate === '20261128')!;
  expect(day).toMatchObject({ done: true, repaired: 1, mismatches: 0 });
  const stored = (await readOrder(w.tc.cloud, order.id))!;
  expect(stored).toMatchObject({ status: 'PAID', paidVia: 'reconcile' });
  // 交易时间 is to the second, in Beijing time.
  expect(new Date(stored.paidAt!).getTime()).toBe(Math.floor(paidAtWechat / 1000) * 1000);
  expect((await reconciled()).filter((a) => a.details.billDate === '20261128')).toHaveLength(1);
  // The next hour it is not read again.
  const downloads = w.sandbox.calls.downloadBill;
  w.tc.cloud.clock.advance(HOUR);
  expect((await reconcile()).days.map((d) => d.billDate)).not.toContain('20261128');
  expect(w.sandbox.calls.downloadBill).toBe(downloads);
});

test('WeChat unreachable at 10:30: the day stays open and is done at 11:30', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(order.id);
  // Before 10:00 the next day the statement is not asked for.
  w.tc.cloud.clock.advance(23 * HOUR + 30 * MINUTE); // 09:30
  expect((await reconcile()).days.map((d) => d.billDate)).not.toContain('20261128');
  w.tc.cloud.clock.advance(HOUR); // 10:30
  w.sandbox.failNext('downloadBill', 'timeout');
  const first = (await reconcile()).days.find((d) => d.billDate === '20261128')!;
  expect(first).toMatchObject({ done: false });
  expect((await reconciled()).filter((a) => a.details.billDate === '20261128')).toEqual([]);
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PENDING');
  w.tc.cloud.clock.advance(HOUR); // 11:30
  const second = (await reconcile()).days.find((d) => d.billDate === '20261128')!;
  expect(second).toMatchObject({ done: true, repaired: 1 });
  expect((await reconciled()).filter((a) => a.details.billDate === '20261128')).toHaveLength(1);
});

test('both directions: an order paid here that WeChat’s statement lacks is recorded; a refund the statement shows done is completed here', async () => {
  // A second payment being refunded, whose result never reached us.
  const { student, bills } = await w.student(1);
  const ids = [bills[0]!._id];
  const first = ok(await w.create(student, ids)).order;
  ok(await w.cancel(student, first.id));
  const second = ok(await w.create(student, ids)).order;
  await w.sandbox.pay(second.id);
  await w.sandbox.settle();
  w.sandbox.setCallbackMode('hold');
  await w.sandbox.pay(first.id);
  await w.sandbox.releaseCallbacks(first.id);
  expect((await readOrder(w.tc.cloud, first.id))!.status).toBe('REFUNDING');
  // An order recorded as paid here that WeChat never had.
  const ghost = { ...(await readOrder(w.tc.cloud, second.id))!, _id: 'ZJ20261128110000GHOST00000', outTradeNo: 'ZJ20261128110000GHOST00000', transactionId: '4200000000000000000000009999' } as OrderDoc;
  await collection(w.tc.cloud.sdkDatabase(), 'orders').insert(ghost);
  w.tc.cloud.clock.advance(2 * MINUTE); // the refund settles at WeChat; its result callback stays held
  await w.sandbox.tick();
  w.tc.cloud.clock.advance(24 * HOUR + 30 * MINUTE);
  const report = await reconcile();
  const day = report.days.find((d) => d.billDate === '20261128')!;
  expect(day.done).toBe(true);
  const audit = (await reconciled()).find((a) => a.details.billDate === '20261128')!;
  expect(audit.details.differences).toEqual([expect.objectContaining({ kind: 'MISSING_AT_WECHAT', outTradeNo: ghost.outTradeNo })]);
  expect(day.mismatches).toBe(1);
  expect((await readOrder(w.tc.cloud, first.id))!.status).toBe('REFUNDED');
  expect((await dump<RefundDoc>(w.tc.cloud, 'refunds')).find((r) => r.orderId === first.id)).toMatchObject({ status: 'SUCCESS' });
});

test('days without any transaction are recorded as reconciled, not asked about every hour', async () => {
  // 10:00: yesterday's statement should exist, but WeChat says "No Bill Exist" — maybe not built yet.
  w.tc.cloud.clock.advance(3 * 24 * HOUR);
  const early = await reconcile();
  expect(early.days.find((d) => d.billDate === '20261130')).toMatchObject({ done: false });
  // By noon a day WeChat still has no statement for had no transactions.
  w.tc.cloud.clock.advance(3 * HOUR);
  const report = await reconcile();
  expect(report.days.map((d) => d.billDate)).toEqual(['20261130']);
  expect((await reconciled()).map((a) => a.details.billDate).sort()).toEqual(['20261124', '20261125', '20261126', '20261127', '20261128', '20261129', '20261130']);
  expect(report.days.every((d) => d.done && d.rows === 0 && d.mismatches === 0)).toBe(true);
  const downloads = w.sandbox.calls.downloadBill;
  w.tc.cloud.clock.advance(HOUR);
  expect((await reconcile()).days).toEqual([]);
  expect(w.sandbox.calls.downloadBill).toBe(downloads);
});

test('the function’s one timer trigger: the minute-30 sweep also reconciles, other minutes do not', async () => {
  const { student, bills } = await w.student(1);
  const { order } = ok(await w.create(student, [bills[0]!._id]));
  w.sandbox.dropNextCallbacks();
  await w.sandbox.pay(order.id);
  w.tc.cloud.clock.advance(24 * HOUR + 10 * MINUTE); // 10:10 the next day
  expect((await w.sweep()).reconcile).toBeUndefined();
  w.tc.cloud.clock.advance(20 * MINUTE); // 10:30
  const report = await w.sweep();
  expect(report.reconcile?.days.find((d) => d.billDate === '20261128')).toMatchObject({ done: true });
  expect((await reconciled()).filter((a) => a.details.billDate === '20261128')).toHaveLength(1);
  expect((await readOrder(w.tc.cloud, order.id))!.status).toBe('PAID');
});
