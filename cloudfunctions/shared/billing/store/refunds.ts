/**
 * Writes to refunds: each refund is a record of its own (`refunds/{outRefundNo}`), the source of
 * truth about it. What changes the order's summary (a new refund, one confirmed, one handed to a
 * person) is written with the order in one transaction, which reads the order first: two refunds
 * of one order at once cannot together pass its limits, and the summary never drifts from the
 * records. The rest (submitted, still waiting) touches the record alone.
 */
import { collection, commands, transaction, type Database, type Transaction } from '../../runtime';
import {
  approvalRefusal,
  approvedRefund,
  billStatusChange,
  newRefund,
  newRefundRequest,
  nextCheck,
  orderStatusChange,
  refundCompletesOrder,
  refundRefusal,
  refundRequestRefusal,
  refundRetryable,
  refundStatusChange,
  rejectedRefund,
  summaryAfterManual,
  summaryAfterRefunded,
  summaryAfterRetry,
  summaryAfterRetryRejected,
  type NewRefundInput,
  type RefundRefusal,
  type RefundRequestInput,
} from '../domain/billing';
import type { OrderDoc, OrderRefundSummary, RefundDecision, RefundDoc, RefundFailureCause, ReviewCaseDecision } from '../domain/records';
import { refundCase, resolvedCase } from '../domain/review-cases';
import { CaseRefusedError, caseTakingRefundIn, openCaseIn, settleCaseRefundIn, settleCasesOfRefundIn, type CaseChange } from './cases';

/** A refund the order cannot take (not paid, too many, more than was paid, bills not its own). */
export class RefundRefusedError extends Error {
  constructor(readonly refusal: RefundRefusal) {
    super(`refund refused: ${refusal}`);
    this.name = 'RefundRefusedError';
  }
}

/**
 * Inside a transaction that has just read `order`: one more refund of it, at once due for
 * submission. `order` is the order as this transaction leaves it (its status and payment included);
 * `orderFields` are written to it together with the new summary. Throws RefundRefusedError when the
 * order's limits do not allow it (nothing is written then).
 */
export async function addRefundIn(
  tx: Transaction,
  order: OrderDoc,
  input: NewRefundInput,
  at: Date,
  orderFields: Partial<OrderDoc> = {},
): Promise<{ refund: RefundDoc; summary: OrderRefundSummary }> {
  const refusal = refundRefusal(order, input);
  if (refusal) throw new RefundRefusedError(refusal);
  const { refund, summary } = newRefund(order, input, at);
  // Unique by its number: a refund is never recorded twice.
  await tx.insert('refunds', refund);
  await tx.update('orders', order._id, { ...orderFields, refundSummary: summary, updatedAt: at });
  return { refund, summary };
}

function summaryOf(order: OrderDoc): OrderRefundSummary {
  if (!order.refundSummary) throw new Error(`order ${order._id} has refunds but no refund summary`);
  return order.refundSummary;
}

export interface SettledRefund {
  refund: RefundDoc;
  order: OrderDoc;
  /** This call made the change (false: it was made before). */
  changed: boolean;
  /** The review case the decision settled with it (a refund asked for from a case). */
  caseChange?: CaseChange | null;
  /** Review cases WeChat's answer settled with it (its own 退款失败 case, a case waiting for it). */
  caseChanges?: CaseChange[];
}

/**
 * Inside a transaction that has read `refund` and its `order`: the money is back with the payer —
 * confirmed by WeChat, or refunded by finance outside WeChat Pay (`offline`). The record takes
 * `fields`, the order's summary counts it and an order refunded in full becomes REFUNDED. A console
 * refund also moves its bills (已退费, or 待缴费 again, as requested) and, when part of the order stays
 * paid, asks the receipts feature for the next edition of its receipt (marked OUTDATED).
 */
async function moneyBackIn(tx: Transaction, refund: RefundDoc, order: OrderDoc, fields: Partial<RefundDoc>, at: Date, offline: boolean): Promise<SettledRefund> {
  await tx.update('refunds', refund._id, fields);
  const summary = summaryAfterRefunded(summaryOf(order), refund, at, { offline });
  const completes = refundCompletesOrder(order, summary);
  if (refund.request) {
    const becomes = refund.request.billsBecome;
    for (const billId of refund.billIds) {
      const bill = await tx.get('bills', billId);
      // Paid by this order still (never a bill some other payment holds now).
      if (bill && bill.status === 'PAID' && bill.paidOrderId === order._id) {
        await tx.update('bills', billId, { ...billStatusChange('PAID', becomes).set, paidOrderId: becomes === 'UNPAID' ? null : bill.paidOrderId, orderId: null, updatedAt: at });
      }
    }
  }
  const reissue = Boolean(refund.request) && !completes && order.status === 'PAID' && order.receiptState !== 'VOIDED';
  const orderFields = {
    ...(completes && (order.status === 'PAID' || order.status === 'REFUNDING') ? { ...orderStatusChange(order.status, 'REFUNDED').set, nextCheckAt: nextCheck.never() } : {}),
    ...(reissue ? { receiptState: 'OUTDATED' as const, receiptEdition: (order.receiptEdition ?? 1) + 1 } : {}),
    refundSummary: summary,
    updatedAt: at,
  };
  await tx.update('orders', order._id, orderFields);
  return { refund: { ...refund, ...fields }, order: { ...order, ...orderFields }, changed: true };
}

/**
 * Inside a transaction that has read `order`: the failed refund a new request replaces, refused
 * (CaseRefusedError NOT_FITTING) unless it is this order's, still with a person, failed for good at
 * WeChat, and the new request covers only its bills.
 */
async function retriedIn(tx: Transaction, outRefundNo: string, order: OrderDoc, billIds: readonly string[]): Promise<RefundDoc> {
  const failed = await tx.get('refunds', outRefundNo);
  if (!failed || failed.orderId !== order._id || !refundRetryable(failed)) throw new CaseRefusedError('NOT_FITTING');
  const own = new Set(failed.billIds);
  if (!billIds.every((id) => own.has(id))) throw new RefundRefusedError('NOT_THE_ORDERS_BILLS');
  return failed;
}

export function refundWrites(db: Database) {
  const refunds = collection(db, 'refunds');
  const _ = commands(db);

  /** Reads the record and its order in a transaction and applies `change` unless `settled` says it is done. */
  const settle = (outRefundNo: string, settled: (refund: RefundDoc) => boolean, change: (tx: Transaction, refund: RefundDoc, order: OrderDoc) => Promise<SettledRefund>) =>
    transaction(db, async (tx): Promise<SettledRefund | null> => {
      const refund = await tx.get('refunds', outRefundNo);
      if (!refund) return null;
      const order = await tx.get('orders', refund.orderId);
      if (!order) throw new Error(`refund ${outRefundNo}: its order ${refund.orderId} is missing`);
      if (settled(refund)) return { refund, order, changed: false };
      return change(tx, refund, order);
    });

  return {
    /**
     * A refund of (part of) a paid order, in its own transaction: at most MAX_REFUNDS_PER_ORDER per
     * order, together never above what was paid, covering the order's own bills. The payments
     * timer submits it to WeChat and follows it. Throws RefundRefusedError when not allowed.
     */
    requestRefund(orderId: string, input: NewRefundInput, at: Date): Promise<RefundDoc> {
      return transaction(db, async (tx) => {
        const order = await tx.get('orders', orderId);
        if (!order) throw new RefundRefusedError('NOT_PAID');
        return (await addRefundIn(tx, order, input, at)).refund;
      });
    },

    /**
     * A console request for some of a paid order's bills, in a transaction that reads the order:
     * its bills are claimed at once (a second request for one of them is refused) and its number
     * is taken, but nothing goes to WeChat before a 审核 approves. Throws RefundRefusedError. Asked
     * for from a review case (`input.request.caseId`): the case must be open and waiting for no other
     * refund (CaseRefusedError), and waits for this one from now on.
     */
    requestConsoleRefund(orderId: string, input: RefundRequestInput, at: Date): Promise<{ refund: RefundDoc; order: OrderDoc; caseChange: CaseChange | null }> {
      return transaction(db, async (tx) => {
        const caseId = input.request.caseId;
        const reviewCase = caseId ? await caseTakingRefundIn(tx, caseId) : null;
        const stored = await tx.get('orders', orderId);
        if (!stored) throw new RefundRefusedError('NOT_PAID');
        // Asked for again in place of a refund that failed for good: that one stops counting and
        // frees its bills, in this transaction, so the order's limits see only the new one.
        const retried = input.request.retryOf ? await retriedIn(tx, input.request.retryOf, stored, input.billIds) : null;
        const order = retried ? { ...stored, refundSummary: summaryAfterRetry(summaryOf(stored), retried) } : stored;
        const refusal = refundRequestRefusal(order, input.billIds, at);
        if (refusal) throw new RefundRefusedError(refusal);
        const { refund, summary } = newRefundRequest(order, input, at);
        // Unique by its number: a request is never recorded twice.
        await tx.insert('refunds', refund);
        if (retried) await tx.update('refunds', retried._id, { ...refundStatusChange('MANUAL', 'RETRIED').set, retriedAs: refund._id, updatedAt: at });
        await tx.update('orders', order._id, { refundSummary: summary, updatedAt: at });
        let caseChange: CaseChange | null = null;
        if (reviewCase) {
          const waiting = { awaitingRefundId: refund._id, updatedAt: at };
          await tx.update('reviewCases', reviewCase._id, waiting);
          caseChange = { before: reviewCase, after: { ...reviewCase, ...waiting } };
        }
        return { refund, order: { ...order, refundSummary: summary, updatedAt: at }, caseChange };
      });
    },

    /**
     * A 审核 approved the request: due for submission at once, counted into what the order returns.
     * In one transaction with the order, so two approvals at once make one refund, and approvals of
     * different requests never together pass what was paid (RefundRefusedError). `changed` false:
     * it was decided before (the record as it stands is returned). Null when there is no such record.
     */
    approveRefundRequest(outRefundNo: string, decision: RefundDecision, at: Date): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status !== 'REQUESTED',
        async (tx, refund, order) => {
          const refusal = approvalRefusal(order, refund, at);
          if (refusal) throw new RefundRefusedError(refusal);
          const { fields, summary } = approvedRefund(summaryOf(order), refund, decision, at);
          await tx.update('refunds', refund._id, fields);
          await tx.update('orders', order._id, { refundSummary: summary, updatedAt: at });
          const request = refund.request;
          // Asked for again after a failure: the case waits for WeChat's answer (it is settled with it).
          const caseChange = request?.caseId && !request.retryOf
            ? await settleCaseRefundIn(
                tx,
                request.caseId,
                refund._id,
                { approved: true, decision: { action: 'REFUND', by: decision.by, requestedBy: request.by, reason: request.reason, refundId: refund._id, at } },
                at,
              )
            : null;
          return { refund: { ...refund, ...fields }, order: { ...order, refundSummary: summary, updatedAt: at }, changed: true, caseChange };
        },
      );
    },

    /** A 审核 rejected the request: nothing goes back, its bills are free again. Same answers as approving. */
    rejectRefundRequest(outRefundNo: string, decision: RefundDecision, at: Date): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status !== 'REQUESTED',
        async (tx, refund, order) => {
          const rejected = rejectedRefund(summaryOf(order), refund, decision, at);
          const { fields } = rejected;
          let summary: OrderRefundSummary = rejected.summary;
          await tx.update('refunds', refund._id, fields);
          const retryOf = refund.request?.retryOf;
          const failed = retryOf ? await tx.get('refunds', retryOf) : null;
          if (failed && failed.status === 'RETRIED' && failed.retriedAs === refund._id) {
            await tx.update('refunds', failed._id, { ...refundStatusChange('RETRIED', 'MANUAL').set, retriedAs: null, updatedAt: at });
            summary = summaryAfterRetryRejected(summary, failed);
          }
          await tx.update('orders', order._id, { refundSummary: summary, updatedAt: at });
          const caseId = refund.request?.caseId;
          const caseChange = caseId ? await settleCaseRefundIn(tx, caseId, refund._id, { approved: false }, at) : null;
          return { refund: { ...refund, ...fields }, order: { ...order, refundSummary: summary, updatedAt: at }, changed: true, caseChange };
        },
      );
    },

    /** WeChat accepted it. False when it had moved on meanwhile (confirmed, or with a person). */
    async markRefundSubmitted(refund: Pick<RefundDoc, '_id'>, refundId: string | null, at: Date): Promise<boolean> {
      const submitted = refundStatusChange('PENDING', 'SUBMITTED');
      const fields = { ...submitted.set, refundId, submittedAt: at, updatedAt: at };
      return (await refunds.updateWhere({ _id: refund._id, status: _.in([...submitted.froms]) }, fields)) === 1;
    },

    /** Nothing definite this round: asked again later, backing off. `processing`: WeChat said PROCESSING. */
    async noteRefundWaiting(refund: Pick<RefundDoc, '_id'>, round: { attempts: number; checks: number; processing: boolean }, at: Date): Promise<void> {
      await refunds.updateWhere(
        { _id: refund._id, status: _.in(['PENDING', 'SUBMITTED']) },
        {
          attempts: round.attempts,
          checkAttempts: round.checks,
          nextCheckAt: nextCheck.refundRetry(round.checks, at),
          ...(round.processing ? { wechatStatus: 'PROCESSING' } : {}),
          updatedAt: at,
        },
      );
    },

    /**
     * WeChat confirmed it: the record SUCCESS and the money counted back (moneyBackIn), and the
     * review cases about it settled, in one transaction. Nothing changes for a refund already
     * settled otherwise: refunded outside WeChat Pay, or given up for a new one (`changed` false).
     * Null when no such refund exists.
     */
    markRefundSucceeded(outRefundNo: string, note: string, at: Date): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status === 'SUCCESS' || refund.status === 'OFFLINE' || refund.status === 'RETRIED',
        async (tx, refund, order) => {
          const fields = {
            ...refundStatusChange(refund.status, 'SUCCESS').set,
            wechatStatus: 'SUCCESS',
            note,
            submittedAt: refund.submittedAt ?? at,
            refundedAt: at,
            nextCheckAt: nextCheck.never(),
            updatedAt: at,
          };
          const settled = await moneyBackIn(tx, refund, order, fields, at, false);
          return { ...settled, caseChanges: await settleCasesOfRefundIn(tx, settled.refund, 'REFUNDED', at) };
        },
      );
    },

    /**
     * A 审核 recorded that finance refunded it outside WeChat Pay (已线下退款): the record OFFLINE,
     * the money counted back as any refund's (moneyBackIn), and its 退款失败 case resolved with
     * `decision`, in one transaction. Refused (CaseRefusedError) unless the case is open and free and
     * the refund is still with a person. Null when no such refund exists.
     */
    settleRefundOffline(outRefundNo: string, caseId: string, decision: ReviewCaseDecision, at: Date): Promise<(SettledRefund & { caseChange: CaseChange }) | null> {
      return transaction(db, async (tx) => {
        const reviewCase = await caseTakingRefundIn(tx, caseId);
        const refund = await tx.get('refunds', outRefundNo);
        if (!refund) return null;
        if (refund.status !== 'MANUAL' || reviewCase.outRefundNo !== refund._id) throw new CaseRefusedError('NOT_FITTING');
        const order = await tx.get('orders', refund.orderId);
        if (!order) throw new Error(`refund ${outRefundNo}: its order ${refund.orderId} is missing`);
        const fields = {
          ...refundStatusChange('MANUAL', 'OFFLINE').set,
          offline: { by: decision.by, reason: decision.reason, at },
          note: 'refunded outside WeChat Pay by finance',
          refundedAt: at,
          nextCheckAt: nextCheck.never(),
          updatedAt: at,
        };
        const settled = await moneyBackIn(tx, refund, order, fields, at, true);
        const caseFields = resolvedCase(decision, at);
        await tx.update('reviewCases', reviewCase._id, caseFields);
        return { ...settled, caseChange: { before: reviewCase, after: { ...reviewCase, ...caseFields } } };
      });
    },

    /**
     * WeChat will not complete it (or never confirmed it): a person refunds it by hand. The record
     * MANUAL, the order's summary and its review case (退款失败) with it, in one transaction. Null
     * when no such refund exists.
     */
    markRefundManual(
      outRefundNo: string,
      handOver: { reason: string; cause: RefundFailureCause; wechatStatus: string | null; attempts: number },
      at: Date,
    ): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status !== 'PENDING' && refund.status !== 'SUBMITTED',
        async (tx, refund, order) => {
          const fields = {
            ...refundStatusChange(refund.status, 'MANUAL').set,
            manual: { reason: handOver.reason, since: at, cause: handOver.cause },
            wechatStatus: handOver.wechatStatus,
            note: handOver.reason,
            attempts: handOver.attempts,
            nextCheckAt: nextCheck.never(),
            updatedAt: at,
          };
          await tx.update('refunds', refund._id, fields);
          const orderFields = { refundSummary: summaryAfterManual(summaryOf(order)), updatedAt: at };
          await tx.update('orders', order._id, orderFields);
          await openCaseIn(tx, refundCase(refund, order, handOver.reason, at));
          const caseChanges = await settleCasesOfRefundIn(tx, { ...refund, ...fields }, 'FAILED', at);
          return { refund: { ...refund, ...fields }, order: { ...order, ...orderFields }, changed: true, caseChanges };
        },
      );
    },

    /** The timer failed on it: again in a minute, if its status has not moved meanwhile. */
    async retryRefundAfterError(refund: Pick<RefundDoc, '_id' | 'status'>, at: Date): Promise<void> {
      await refunds.updateWhere({ _id: refund._id, status: refund.status }, { nextCheckAt: nextCheck.retryAfterError(at) });
    },
  };
}
