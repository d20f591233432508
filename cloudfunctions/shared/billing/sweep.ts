import { performance } from 'node:perf_hooks';
import type { paymentsSweepContract, ReconcileDayReport, ReconcileReport, SweepReport } from './contract';
import { isExpired, shanghaiDay, shanghaiDayBefore, shanghaiDayRange } from './domain/billing';
import type { OrderDoc, ReconcileDifference, RefundDoc } from './domain/records';
import { parseStatement, StatementError, type StatementRow } from './domain/statement';
import { paymentFromStatement } from './domain/wechat-payment';
import { afterOrderPaid } from './after-paid';
import { paymentContextOf, type PaymentContext } from './context';
import { closeLocally, confirmPayment, finishWechatClose, isPaidOutcome, retireOrder, syncWithWechat } from './orders';
import { applyRefundStatus, progressRefund } from './refunding';
import { collection, commands, writeAudit, type BaseDoc, type Handlers, type Query } from '../runtime';
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

// ---- reconciliation -----------------------------------------------------------------------------

/** Days looked back for statements not reconciled yet (a longer outage is left to finance). */
const RECONCILE_DAYS = 7;
/** WeChat builds a day's statement from 09:00 the next day and advises fetching it after 10:00. */
const STATEMENT_READY_MS = 10 * 3600_000;
/** A day WeChat still says has no statement this long after it ended had no transactions. */
const EMPTY_DAY_AFTER_MS = 12 * 3600_000;
/** …unless orders were paid here that day: then wait this long before recording them as missing. */
const MISSING_AFTER_MS = 3 * 24 * 3600_000;
const MAX_DIFFERENCES_KEPT = 200;
const auditKey = (billDate: string): string => `pay.reconcile:${billDate}`;

type DayReport = ReconcileDayReport;

async function paidOrdersOfDay(pc: PaymentContext, start: Date, end: Date): Promise<OrderDoc[]> {
  const _ = commands(pc.db);
  const out: OrderDoc[] = [];
  for (let skip = 0; skip < 20_000; skip += 1000) {
    const page = await pc.orders.find(
      { status: _.in(['PAID', 'REFUNDING', 'REFUNDED']), paidAt: _.and(_.gte(start), _.lt(end)) },
      { orderBy: [['paidAt', 'asc']], skip, limit: 1000, fields: ['_id', 'outTradeNo', 'status', 'total', 'transactionId', 'paidAt'] },
    );
    out.push(...page);
    if (page.length < 1000) break;
  }
  return out;
}

/** One statement day, both directions: WeChat's rows against the orders, the orders paid that day against the rows. */
async function reconcileDay(pc: PaymentContext, billDate: string): Promise<DayReport> {
  const _ = commands(pc.db);
  const now = pc.now();
  const range = shanghaiDayRange(billDate)!;
  const report: DayReport = { billDate, rows: 0, repaired: 0, mismatches: 0, done: false, note: null };
  const statement = await pc.pay.downloadBill(billDate, 'ALL');
  let rows: StatementRow[] = [];
  const localPaid = await paidOrdersOfDay(pc, range.start, range.end);
  if (statement.kind === 'unavailable') {
    report.note = `WeChat unavailable: ${statement.error}`;
    return report;
  }
  if (statement.kind === 'none') {
    // WeChat answers "No Bill Exist" both before the statement is built and for a day without
    // transactions: only late enough, and with nothing paid here that day, is it an empty day.
    const late = now.getTime() >= range.end.getTime() + EMPTY_DAY_AFTER_MS;
    const noBill = /No Bill Exist|20002|不存在/i.test(statement.description);
    const waitedForMissing = now.getTime() >= range.end.getTime() + MISSING_AFTER_MS;
    if (!late || !noBill || (localPaid.length > 0 && !waitedForMissing)) {
      report.note = `no statement yet: ${statement.description}`;
      return report;
    }
  } else {
    try {
      rows = parseStatement(statement.text);
    } catch (error) {
      report.note = error instanceof StatementError ? `statement unreadable: ${error.message}` : 'statement unreadable';
      return report;
    }
  }
  report.rows = rows.length;
  const differences: ReconcileDifference[] = [];

  // WeChat → here: payments.
  const payments = rows.filter((row) => row.tradeState === 'SUCCESS');
  const inStatement = new Set(payments.map((row) => row.outTradeNo));
  for (let i = 0; i < payments.length; i += 500) {
    const chunk = payments.slice(i, i + 500);
    const orders = await pc.orders.find({ _id: _.in(chunk.map((row) => row.outTradeNo)) }, { limit: chunk.length });
    const byId = new Map(orders.map((order) => [order._id, order]));
    for (const row of chunk) {
      const order = byId.get(row.outTradeNo);
      if (!order) {
        differences.push({ kind: 'UNKNOWN_PAYMENT', outTradeNo: row.outTradeNo, note: `WeChat has a payment (${row.transactionId}) for an order unknown here` });
        continue;
      }
      if (order.status === 'PENDING' || order.status === 'CLOSED') {
        const outcome = await confirmPayment(
          pc,
          order._id,
          paymentFromStatement(row, range.start),
          'reconcile',
          order,
        );
        if (isPaidOutcome(outcome)) report.repaired += 1;
        else differences.push({ kind: 'PAYMENT_MISMATCH', outTradeNo: row.outTradeNo, note: outcome.kind === 'mismatch' ? outcome.note : outcome.kind });
        continue;
      }
      if (order.transactionId !== row.transactionId || order.total !== row.orderFee) {
        differences.push({ kind: 'PAYMENT_MISMATCH', outTradeNo: row.outTradeNo, note: 'transaction or amount differs from the order' });
      }
    }
  }

  // Here → WeChat: every order paid here that day must be in the statement.
  for (const order of localPaid) {
    if (!inStatement.has(order.outTradeNo)) {
      differences.push({ kind: 'MISSING_AT_WECHAT', outTradeNo: order.outTradeNo, note: `paid here (${order.status}) but not in WeChat's statement` });
    }
  }

  // WeChat → here: refunds.
  const refundRows = rows.filter((row) => row.tradeState === 'REFUND' && row.outRefundNo !== '' && row.outRefundNo !== '0');
  for (let i = 0; i < refundRows.length; i += 500) {
    const chunk = refundRows.slice(i, i + 500);
    const refunds = await pc.refunds.find({ _id: _.in(chunk.map((row) => row.outRefundNo)) }, { limit: chunk.length });
    const byId = new Map<string, RefundDoc>(refunds.map((refund) => [refund._id, refund]));
    for (const row of chunk) {
      const refund = byId.get(row.outRefundNo);
      if (!refund) {
        differences.push({ kind: 'UNKNOWN_REFUND', outTradeNo: row.outTradeNo, outRefundNo: row.outRefundNo, note: 'WeChat has a refund unknown here' });
        continue;
      }
      if (refund.refundFee !== row.refundFee || refund.outTradeNo !== row.outTradeNo) {
        differences.push({ kind: 'REFUND_MISMATCH', outTradeNo: row.outTradeNo, outRefundNo: row.outRefundNo, note: 'refund amount or order differs' });
        continue;
      }
      if (row.refundStatus === 'SUCCESS' && refund.status !== 'SUCCESS') {
        if ((await applyRefundStatus(pc, refund, 'SUCCESS', 'statement')) === 'refunded') {
          report.repaired += 1;
          continue;
        }
        differences.push({ kind: 'REFUND_NOT_RECORDED', outTradeNo: row.outTradeNo, outRefundNo: row.outRefundNo, note: `statement says SUCCESS, recorded as ${refund.status}` });
      }
    }
  }

  report.mismatches = differences.length;
  report.done = true;
  await writeAudit(pc.db, {
    key: auditKey(billDate),
    at: now,
    actor: 'paymentsSweep',
    action: 'pay.reconcile',
    details: {
      billDate,
      rows: report.rows,
      repaired: report.repaired,
      mismatches: report.mismatches,
      paidHere: localPaid.length,
      differences: differences.slice(0, MAX_DIFFERENCES_KEPT),
    },
  });
  if (differences.length > 0) pc.log.error('reconciliation found differences', { billDate, count: differences.length });
  return report;
}

/** Reconciles every recent day not done yet whose statement should exist by now. */
async function reconcileDue(pc: PaymentContext): Promise<ReconcileReport> {
  const _ = commands(pc.db);
  const now = pc.now();
  const today = shanghaiDay(now);
  // Recent days whose statement should exist by now, oldest first.
  const candidates: string[] = [];
  for (let back = RECONCILE_DAYS; back >= 1; back -= 1) {
    const day = shanghaiDayBefore(today, back);
    if (now.getTime() >= shanghaiDayRange(day)!.end.getTime() + STATEMENT_READY_MS) candidates.push(day);
  }
  const done = new Set(
    (await collection(pc.db, 'auditLog').find({ _id: _.in(candidates.map(auditKey)) }, { limit: candidates.length, fields: ['_id'] })).map(
      (entry) => entry._id,
    ),
  );
  const report: ReconcileReport = { days: [] };
  for (const day of candidates.filter((d) => !done.has(auditKey(d)))) {
    const result = await reconcileDay(pc, day);
    report.days.push(result);
    if (!result.done) pc.log.info('day not reconciled yet; trying again next hour', { billDate: day, note: result.note });
  }
  return report;
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
