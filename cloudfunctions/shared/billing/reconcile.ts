/**
 * Reconciliation against WeChat's daily statement (downloadBill), by statement day, both ways:
 * WeChat's payments and refunds against ours (repairing what WeChat has and we missed), and the
 * orders paid here that day against the statement. Every difference is held by an open review case
 * (once: the case's id names the day and the payment or refund; a difference found again after its
 * case was resolved opens a new one); each day's totals on both sides, its
 * differences and their cases are kept in `reconciliations`, and a day done is recorded once in
 * auditLog. The payments timer runs it hourly; the console runs one day again on demand.
 */
import type { ReconcileDayReport, ReconcileReport } from './contract';
import { shanghaiDay, shanghaiDayBefore, shanghaiDayRange } from './domain/billing';
import type { OrderDoc, ReconcileDifference, ReconcileWait, ReconciliationDoc, RefundDoc, ReviewCaseDoc } from './domain/records';
import { statementReady, statementTotals, totalsOf } from './domain/reconciliation';
import { differenceCase, orderCase, refundCase } from './domain/review-cases';
import { parseStatement, StatementError, type StatementRow } from './domain/statement';
import { paymentFromStatement } from './domain/wechat-payment';
import type { PaymentContext } from './context';
import { confirmPayment, isPaidOutcome } from './orders';
import { applyRefundStatus } from './refunding';
import type { DifferenceCases } from './store/cases';
import { collection, commands, writeAudit } from '../runtime';
import type { Fen } from '../kernel/money';

/** Days looked back for statements not reconciled yet (a longer outage is left to finance). */
const RECONCILE_DAYS = 7;
/** A day WeChat still says has no statement this long after it ended had no transactions. */
const EMPTY_DAY_AFTER_MS = 12 * 3600_000;
/** …unless orders were paid here that day: then wait this long before recording them as missing. */
const MISSING_AFTER_MS = 3 * 24 * 3600_000;
/** Differences kept per day (in auditLog and the day's record), each with its case. */
const MAX_DIFFERENCES_KEPT = 200;
export const reconcileAuditKey = (billDate: string): string => `pay.reconcile:${billDate}`;

type DayReport = ReconcileDayReport;

async function paidOrdersOfDay(pc: PaymentContext, start: Date, end: Date): Promise<OrderDoc[]> {
  const _ = commands(pc.db);
  const out: OrderDoc[] = [];
  for (let skip = 0; skip < 20_000; skip += 1000) {
    const page = await pc.orders.find(
      { status: _.in(['PAID', 'REFUNDING', 'REFUNDED']), paidAt: _.and(_.gte(start), _.lt(end)) },
      { orderBy: [['paidAt', 'asc']], skip, limit: 1000, fields: ['_id', 'outTradeNo', 'status', 'total', 'transactionId', 'paidAt', 'studentNo'] },
    );
    out.push(...page);
    if (page.length < 1000) break;
  }
  return out;
}

/** Refunds WeChat accepted that day (what its statement lists as the day's refunds). */
async function refundsSubmittedOfDay(pc: PaymentContext, start: Date, end: Date): Promise<RefundDoc[]> {
  const _ = commands(pc.db);
  return pc.refunds.findAll({ submittedAt: _.and(_.gte(start), _.lt(end)) }, { fields: ['_id', 'refundFee', 'status'] });
}

/** One statement day, both directions: WeChat's rows against the orders, the orders paid that day against the rows. */
export async function reconcileDay(pc: PaymentContext, billDate: string): Promise<DayReport> {
  const _ = commands(pc.db);
  const now = pc.now();
  const range = shanghaiDayRange(billDate)!;
  const report: DayReport = { billDate, rows: 0, repaired: 0, mismatches: 0, done: false, note: null };
  const statement = await pc.pay.downloadBill(billDate, 'ALL');
  let rows: StatementRow[] = [];
  const [localPaid, localRefunds] = await Promise.all([paidOrdersOfDay(pc, range.start, range.end), refundsSubmittedOfDay(pc, range.start, range.end)]);
  const ourRefunds = localRefunds.map((refund) => refund.refundFee);
  const notYet = async (waitingFor: ReconcileWait, note: string): Promise<DayReport> => {
    report.note = note;
    await pc.store.saveReconciliation(
      dayRecord(billDate, { done: false, waitingFor, note, rows: 0, wechat: null, ours: totalsOf(localPaid.map((order) => order.total), ourRefunds), repaired: 0, differences: [], differenceCount: 0 }, now),
    );
    return report;
  };
  if (statement.kind === 'unavailable') return notYet('WECHAT_UNAVAILABLE', `WeChat unavailable: ${statement.error}`);
  if (statement.kind === 'none') {
    // WeChat answers "No Bill Exist" both before the statement is built and for a day without
    // transactions: only late enough, and with nothing paid here that day, is it an empty day.
    const late = now.getTime() >= range.end.getTime() + EMPTY_DAY_AFTER_MS;
    const noBill = /No Bill Exist|20002|不存在/i.test(statement.description);
    const waitedForMissing = now.getTime() >= range.end.getTime() + MISSING_AFTER_MS;
    if (!late || !noBill || (localPaid.length > 0 && !waitedForMissing)) return notYet('NO_STATEMENT_YET', `no statement yet: ${statement.description}`);
  } else {
    try {
      rows = parseStatement(statement.text);
    } catch (error) {
      return notYet('STATEMENT_UNREADABLE', error instanceof StatementError ? `statement unreadable: ${error.message}` : 'statement unreadable');
    }
  }
  report.rows = rows.length;
  const differences: ReconcileDifference[] = [];
  /** The cases that may hold each kept difference: the case of the order it set aside, and its own. */
  const holders: DifferenceCases[] = [];
  const found = (difference: ReconcileDifference, orderCaseDoc?: ReviewCaseDoc): void => {
    differences.push(difference);
    if (differences.length <= MAX_DIFFERENCES_KEPT) holders.push({ orderCase: orderCaseDoc ?? null, own: differenceCase(billDate, difference, now) });
  };
  const repairedAmounts: Fen[] = [];

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
        found({ kind: 'UNKNOWN_PAYMENT', outTradeNo: row.outTradeNo, amount: row.orderFee, note: `WeChat has a payment (${row.transactionId}) for an order unknown here` });
        continue;
      }
      const about = { outTradeNo: row.outTradeNo, orderId: order._id, studentNo: order.studentNo, amount: row.orderFee };
      if (order.status === 'PENDING' || order.status === 'CLOSED') {
        const outcome = await confirmPayment(pc, order._id, paymentFromStatement(row, range.start), 'reconcile', order);
        if (isPaidOutcome(outcome)) {
          report.repaired += 1;
          repairedAmounts.push(order.total);
          continue;
        }
        const note = outcome.kind === 'mismatch' ? outcome.note : outcome.kind;
        // Set aside for finance by confirmPayment: the order's own case holds it.
        const review = outcome.order.review;
        found({ kind: 'PAYMENT_MISMATCH', ...about, note }, review ? orderCase(order, review.reason, review.note, new Date(review.since)) : undefined);
        continue;
      }
      if (order.transactionId !== row.transactionId || order.total !== row.orderFee) {
        found({ kind: 'PAYMENT_MISMATCH', ...about, note: 'transaction or amount differs from the order' });
      }
    }
  }

  // Here → WeChat: every order paid here that day must be in the statement.
  for (const order of localPaid) {
    if (!inStatement.has(order.outTradeNo)) {
      found({ kind: 'MISSING_AT_WECHAT', outTradeNo: order.outTradeNo, orderId: order._id, studentNo: order.studentNo, amount: order.total, note: `paid here (${order.status}) but not in WeChat's statement` });
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
        found({ kind: 'UNKNOWN_REFUND', outTradeNo: row.outTradeNo, outRefundNo: row.outRefundNo, amount: row.refundFee, note: 'WeChat has a refund unknown here' });
        continue;
      }
      const about = { outTradeNo: row.outTradeNo, outRefundNo: row.outRefundNo, orderId: refund.orderId, amount: row.refundFee, ...(refund.studentNo ? { studentNo: refund.studentNo } : {}) };
      if (refund.refundFee !== row.refundFee || refund.outTradeNo !== row.outTradeNo) {
        found({ kind: 'REFUND_MISMATCH', ...about, note: 'refund amount or order differs' });
        continue;
      }
      if (row.refundStatus === 'SUCCESS' && refund.status !== 'SUCCESS') {
        if ((await applyRefundStatus(pc, refund, 'SUCCESS', 'statement')) === 'refunded') {
          report.repaired += 1;
          continue;
        }
        found({ kind: 'REFUND_NOT_RECORDED', ...about, note: `statement says SUCCESS, recorded as ${refund.status}` });
      }
    }
  }

  // The cases first: a day is recorded done only once every difference it keeps has its case.
  const caseIds = await pc.store.holdDifferences(billDate, holders);
  report.mismatches = differences.length;
  report.done = true;
  const kept = differences.slice(0, MAX_DIFFERENCES_KEPT).map((difference, index) => ({ ...difference, caseId: caseIds[index] }));
  await writeAudit(pc.db, {
    key: reconcileAuditKey(billDate),
    at: now,
    actor: 'paymentsSweep',
    action: 'pay.reconcile',
    details: { billDate, rows: report.rows, repaired: report.repaired, mismatches: report.mismatches, paidHere: localPaid.length, differences: kept },
  });
  await pc.store.saveReconciliation(
    dayRecord(
      billDate,
      {
        done: true,
        waitingFor: null,
        note: null,
        rows: rows.length,
        wechat: statementTotals(rows),
        ours: totalsOf([...localPaid.map((order) => order.total), ...repairedAmounts], ourRefunds),
        repaired: report.repaired,
        differences: kept,
        differenceCount: differences.length,
      },
      now,
    ),
  );
  if (differences.length > 0) pc.log.error('reconciliation found differences', { billDate, count: differences.length });
  return report;
}

function dayRecord(billDate: string, result: Omit<ReconciliationDoc, '_id' | 'billDate' | 'reconciledAt' | 'updatedAt'>, at: Date): ReconciliationDoc {
  return { _id: billDate, billDate, ...result, reconciledAt: at, updatedAt: at };
}

/**
 * Orders set aside and refunds handed to a person without a review case — set aside before cases
 * were kept, or whose case could not be opened at the time — get theirs. Both are rare, so all of
 * them are read.
 */
export async function openMissingCases(pc: PaymentContext): Promise<number> {
  const _ = commands(pc.db);
  const [orders, refunds] = await Promise.all([
    pc.orders.findAll({ review: _.neq(null), status: _.in(['PENDING', 'CLOSED']) }, { fields: ['_id', 'outTradeNo', 'studentNo', 'total', 'review'] }),
    pc.refunds.findAll({ status: 'MANUAL' }, { fields: ['_id', 'outRefundNo', 'orderId', 'outTradeNo', 'refundFee', 'studentNo', 'manual', 'note', 'updatedAt'] }),
  ]);
  const docs = [
    ...orders.filter((order) => order.review).map((order) => orderCase(order, order.review!.reason, order.review!.note, new Date(order.review!.since))),
    ...refunds.map((refund) => refundCase(refund, null, refund.manual?.reason ?? refund.note ?? '', new Date(refund.manual?.since ?? refund.updatedAt))),
  ];
  return pc.store.openCases(docs);
}

/** Reconciles every recent day not done yet whose statement should exist by now. */
export async function reconcileDue(pc: PaymentContext): Promise<ReconcileReport> {
  const _ = commands(pc.db);
  const now = pc.now();
  try {
    const opened = await openMissingCases(pc);
    if (opened > 0) pc.log.warn('review cases opened for what was set aside without one', { opened });
  } catch (error) {
    pc.log.error('review cases of earlier records not checked; next hour', { error });
  }
  const today = shanghaiDay(now);
  // Recent days whose statement should exist by now, oldest first.
  const candidates: string[] = [];
  for (let back = RECONCILE_DAYS; back >= 1; back -= 1) {
    const day = shanghaiDayBefore(today, back);
    if (statementReady(day, now)) candidates.push(day);
  }
  const done = new Set(
    (await collection(pc.db, 'auditLog').find({ _id: _.in(candidates.map(reconcileAuditKey)) }, { limit: candidates.length, fields: ['_id'] })).map(
      (entry) => entry._id,
    ),
  );
  const report: ReconcileReport = { days: [] };
  for (const day of candidates.filter((d) => !done.has(reconcileAuditKey(d)))) {
    let result: DayReport;
    try {
      result = await reconcileDay(pc, day);
    } catch (error) {
      pc.log.error('day not reconciled: failed; trying again next hour', { billDate: day, error });
      result = { billDate: day, rows: 0, repaired: 0, mismatches: 0, done: false, note: 'failed' };
    }
    report.days.push(result);
    if (!result.done) pc.log.info('day not reconciled yet; trying again next hour', { billDate: day, note: result.note });
  }
  return report;
}
