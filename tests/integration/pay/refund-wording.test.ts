/**
 * What a student reads about a refund on 已完成: why the money goes back and how it stands, worded
 * by the refund's state (将原路退回 while under way, 已原路退回, 已线下退回, or not returned and taken
 * over by 计划财务处), and a failure notice that says who started the refund.
 */
import type { OrderRefundSummary, RefundReason } from '../../../cloudfunctions/shared/billing/domain/records';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));

const AMOUNT = 120000;

/** A paid order of a new student whose refunds stand as `summary` says; what the student is shown of it. */
async function shownWithRefunds(summary: Partial<OrderRefundSummary> & { latestReason: RefundReason }) {
  const { student, bills } = await w.student(1);
  const order = ok(await w.create(student, [bills[0]!._id])).order;
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  const refundSummary: OrderRefundSummary = { count: 1, requested: fen(AMOUNT), refunded: fen(0), manual: 0, lastRefundedAt: null, ...summary };
  await collection(w.tc.cloud.sdkDatabase(), 'orders').updateById(order.id, { refundSummary });
  const shown = (await w.overview(student)).done.find((o) => o.id === order.id);
  if (!shown) throw new Error('the paid order is not under 已完成');
  return shown;
}

const refunded = { refunded: fen(AMOUNT), lastRefundedAt: new Date('2026-11-28T02:30:00Z') };

test('a refund 计划财务处 arranged: 将原路退回, then 已原路退回, or 已线下退回 when done outside WeChat Pay', async () => {
  const underWay = await shownWithRefunds({ latestReason: 'ARRANGED_BY_FINANCE' });
  expect(underWay.refund).toMatchObject({ state: 'REFUNDING', reason: '计划财务处办理的退款，将原路退回' });
  expect(underWay.notice).toBeNull();

  const back = await shownWithRefunds({ latestReason: 'ARRANGED_BY_FINANCE', ...refunded });
  expect(back.refund).toMatchObject({ state: 'REFUNDED', reason: '计划财务处办理的退款，已原路退回' });

  const offline = await shownWithRefunds({ latestReason: 'ARRANGED_BY_FINANCE', ...refunded, offline: fen(AMOUNT) });
  expect(offline.refund).toMatchObject({ state: 'REFUNDED_OFFLINE', reason: '计划财务处办理的退款，已线下退回' });
  expect(offline.refund!.reason).not.toContain('原路');
});

test('a refund that failed is never said to go back the way it was paid; the notice names who started it', async () => {
  const byFinance = await shownWithRefunds({ latestReason: 'ARRANGED_BY_FINANCE', manual: 1 });
  expect(byFinance.refund).toMatchObject({ state: 'FAILED', manual: true, reason: '计划财务处办理的退款，未能原路退回，计划财务处将人工办理' });
  expect(byFinance.notice).toContain('计划财务处将为您人工退款');
  expect(byFinance.notice).not.toContain('自动退款');

  const automatic = await shownWithRefunds({ latestReason: 'BILLS_ALREADY_PAID', manual: 1 });
  expect(automatic.refund).toMatchObject({ state: 'FAILED', reason: '所缴账单已由另一笔订单支付，本次支付未能原路退回，计划财务处将人工办理' });
  expect(automatic.notice).toContain('自动退款未成功');
});

test('a late payment refunded because its bills were changed: 已原路退回 once back, and where to look now', async () => {
  const back = await shownWithRefunds({ latestReason: 'BILLS_CHANGED', ...refunded });
  expect(back.refund).toMatchObject({
    state: 'REFUNDED',
    reason: '订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废），本次支付已原路退回，请以“待缴费”中的账单为准',
  });
});
