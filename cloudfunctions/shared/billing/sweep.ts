import { performance } from 'node:perf_hooks';
import type { paymentsSweepContract, SweepReport } from './contract';
import { isExpired } from './domain/billing';
import type { OrderDoc, RefundDoc } from './domain/records';
import { afterOrderPaid } from './after-paid';
import { paymentContextOf, type PaymentContext } from './context';
import { closeLocally, finishWechatClose, isPaidOutcome, retireOrder, syncWithWechat } from './orders';
import { progressRefund } from './refunding';
import { reconcileDue } from './reconcile';
import { commands, type BaseDoc, type Handlers, type Query } from '../runtime';
import type { Reader } from './store';

/** Due orders read per page; pages are read until none is due or the time budget is spent. */
const PAGE = 50;
/** Orders handled at once (each is a few cloudPay calls). */
const PARALLEL = 5;
/** Of the function's 60 s timeout (config.json), the time the sweep spends starting new work. */
const SWEEP_BUDGET_MS = 40_000;
/** …when the same run also reconciles (minute 30 of each hour). */
const SWEEP_BUDGET_WITH_RECONCILE_MS = 25_000;
/** The minute of each hour at which the sweep run also reconciles. */
const RECONCILE_MINUTE = 30;
/** The order statuses whose nextCheckAt the sweep follows. */
const FOLLOWED = ['PENDING', 'CLOSED', 'PAID'] as const;
/** The refund statuses whose nextCheckAt it follows (each refund record on its own). */
const FOLLOWED_REFUNDS = ['PENDING', 'SUBMITTED'] as const;

/** Runs `run` over `items`, at most PARALLEL at a time, starting nothing once `stop()` says so. */
async function pooled<T>(items: readonly T[], stop: () => boolean, run: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const item = items[next] as T;
      next += 1;
      started += 1;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return started;
}

/**
 * Oldest due first, page after page: what waited longest (an expired order, a payment whose callback
 * was lost) is never starved by newer ones. Each handled document leaves the due set.
 */
async function followDue<T extends BaseDoc>(
  source: Reader<T>,
  due: Query,
  outOfTime: () => boolean,
  handle: (doc: T) => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  while (!outOfTime()) {
    const page = await source.find(due, { orderBy: [['nextCheckAt', 'asc']], limit: PAGE });
    const fresh = page.filter((doc) => !seen.has(doc._id));
    if (fresh.length === 0) break;
    for (const doc of fresh) seen.add(doc._id);
    await pooled(fresh, outOfTime, handle);
    if (page.length < PAGE) break;
  }
}

/** An open order: paid at WeChat (a lost callback)? expired? or look again later (backing off). */
async function checkOpenOrder(pc: PaymentContext, order: OrderDoc, report: SweepReport): Promise<void> {
  report.checked += 1;
  const now = pc.now();
  if (order.review) {
    await pc.store.stopFollowing(order);
    return;
  }
  if (!order.payment) {
    // Never handed payment parameters to the student, so it cannot have been paid: no need to ask.
    if (isExpired(order, now)) {
      if (await closeLocally(pc, order, 'EXPIRED', 'NONE')) {
        report.closed += 1;
        report.closedUnasked += 1;
      }
      return;
    }
    // Asked about once it is payable (ensurePayment sets nextCheckAt) or when it expires; not if it
    // got its parameters meanwhile (then ensurePayment's nextCheckAt stands).
    await pc.store.checkAtExpiry(order);
    report.deferred += 1;
    return;
  }
  const { query, outcome } = await syncWithWechat(pc, order);
  if (outcome) {
    if (isPaidOutcome(outcome)) report.paid += 1;
    else report.review += 1;
    return;
  }
  const userPaying = query.kind === 'found' && query.tradeState === 'USERPAYING';
  if (isExpired(order, now) && !userPaying) {
    if (query.kind === 'not-found') {
      if (await closeLocally(pc, order, 'EXPIRED', 'NONE')) report.closed += 1;
      return;
    }
    if (query.kind === 'found') {
      const retired = await retireOrder(pc, order, 'EXPIRED', query);
      if (retired.kind === 'paid') report.paid += 1;
      else if (retired.kind === 'closed') report.closed += 1;
      else if (retired.kind === 'review') report.review += 1;
      else report.deferred += 1;
      return;
    }
  }
  if (query.kind === 'found' && (query.tradeState === 'CLOSED' || query.tradeState === 'REVOKED')) {
    if (await closeLocally(pc, order, 'EXPIRED', 'DONE')) report.closed += 1;
    return;
  }
  await pc.store.checkOpenOrderLater(order, userPaying, now);
  report.deferred += 1;
}

/** One due order, whatever its status. A failure puts it back a minute and never stops the run. */
async function handleDue(pc: PaymentContext, order: OrderDoc, report: SweepReport): Promise<void> {
  try {
    switch (order.status) {
      case 'PENDING':
        await checkOpenOrder(pc, order, report);
        return;
      case 'CLOSED': {
        if (order.wxClose !== 'NEEDED') break;
        const result = await finishWechatClose(pc, order);
        if (result === 'closed') report.wechatClosed += 1;
        else if (result === 'paid') report.paid += 1;
        else if (result === 'review') report.review += 1;
        else report.deferred += 1;
        return;
      }
      case 'PAID':
        // The step that paid it stopped before its 缴费成功 message: finish it (clears nextCheckAt).
        await afterOrderPaid(pc, order);
        report.followedUp += 1;
        return;
      default:
        break;
    }
    await pc.store.stopFollowing(order);
  } catch (error) {
    pc.log.error('sweep could not handle an order; trying again in a minute', { orderId: order._id, status: order.status, error });
    try {
      await pc.store.retryAfterError(order, pc.now());
    } catch {
      // The next run reads it again anyway.
    }
    report.deferred += 1;
  }
}

/** One due refund: submitted if it is not yet, asked about, or handed to finance. A failure puts it back a minute. */
async function handleDueRefund(pc: PaymentContext, refund: RefundDoc, report: SweepReport): Promise<void> {
  try {
    const result = await progressRefund(pc, refund);
    if (result === 'refunded') report.refunded += 1;
    else if (result === 'manual') report.manualRefunds += 1;
    else report.deferred += 1;
  } catch (error) {
    pc.log.error('sweep could not follow a refund; trying again in a minute', { orderId: refund.orderId, outRefundNo: refund.outRefundNo, error });
    try {
      await pc.store.retryRefundAfterError(refund, pc.now());
    } catch {
      // The next run reads it again anyway.
    }
    report.deferred += 1;
  }
}

/** The minute (0–59) of the timer event, or of now. */
function minuteOf(time: string | undefined, now: Date): number {
  const at = time ? new Date(time) : now;
  return Number.isNaN(at.getTime()) ? now.getUTCMinutes() : at.getUTCMinutes();
}

export const paymentsSweepHandlers: Handlers<typeof paymentsSweepContract> = {
  async sweep(request, ctx) {
    const pc = paymentContextOf(ctx);
    const _ = commands(ctx.db);
    const now = ctx.now();
    const reconcileToo = minuteOf(request.Time, now) === RECONCILE_MINUTE;
    const budgetMs = reconcileToo ? SWEEP_BUDGET_WITH_RECONCILE_MS : SWEEP_BUDGET_MS;
    const report: SweepReport = {
      checked: 0,
      paid: 0,
      closed: 0,
      closedUnasked: 0,
      wechatClosed: 0,
      refunded: 0,
      manualRefunds: 0,
      followedUp: 0,
      review: 0,
      deferred: 0,
      leftOver: 0,
    };
    const startedAt = performance.now();
    const outOfTime = (): boolean => performance.now() - startedAt >= budgetMs;
    const dueOrders = { status: _.in([...FOLLOWED]), nextCheckAt: _.lte(now) };
    const dueRefunds = { status: _.in([...FOLLOWED_REFUNDS]), nextCheckAt: _.lte(now) };
    await followDue(pc.orders, dueOrders, outOfTime, (order) => handleDue(pc, order, report));
    await followDue(pc.refunds, dueRefunds, outOfTime, (refund) => handleDueRefund(pc, refund, report));
    if (outOfTime()) report.leftOver = (await pc.orders.count(dueOrders)) + (await pc.refunds.count(dueRefunds));
    const worked = report.checked + report.wechatClosed + report.refunded + report.manualRefunds + report.followedUp + report.deferred;
    if (worked > 0 || report.leftOver > 0) ctx.log.info('sweep', { ...report, ms: Math.round(performance.now() - startedAt) });
    if (report.leftOver > 0) ctx.log.warn('sweep ran out of time; the next run goes on oldest first', { leftOver: report.leftOver });
    if (reconcileToo) report.reconcile = await reconcileDue(pc);
    return report;
  },

  async reconcile(_request, ctx) {
    return reconcileDue(paymentContextOf(ctx));
  },
};
