/**
 * Writes to refunds: each refund is a record of its own (`refunds/{outRefundNo}`), the source of
 * truth about it. What changes the order's summary (a new refund, one confirmed, one handed to a
 * person) is written with the order in one transaction, which reads the order first: two refunds
 * of one order at once cannot together pass its limits, and the summary never drifts from the
 * records. The rest (submitted, still waiting) touches the record alone.
 */
import { collection, commands, transaction, type Database, type Transaction } from '../../runtime';
import {
  newRefund,
  nextCheck,
  orderStatusChange,
  refundCompletesOrder,
  refundRefusal,
  refundStatusChange,
  summaryAfterManual,
  summaryAfterRefunded,
  type NewRefundInput,
  type RefundRefusal,
} from '../domain/billing';
import type { OrderDoc, OrderRefundSummary, RefundDoc } from '../domain/records';

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
     * WeChat confirmed it: the record SUCCESS, the order's summary counts it, and a second payment
     * refunded in full becomes REFUNDED, in one transaction. Null when no such refund exists.
     */
    markRefundSucceeded(outRefundNo: string, note: string, at: Date): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status === 'SUCCESS',
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
          await tx.update('refunds', refund._id, fields);
          const summary = summaryAfterRefunded(summaryOf(order), refund, at);
          const completes = refundCompletesOrder(order, summary);
          const orderFields = {
            ...(completes ? { ...orderStatusChange('REFUNDING', 'REFUNDED').set, nextCheckAt: nextCheck.never() } : {}),
            refundSummary: summary,
            updatedAt: at,
          };
          await tx.update('orders', order._id, orderFields);
          return { refund: { ...refund, ...fields }, order: { ...order, ...orderFields }, changed: true };
        },
      );
    },

    /**
     * WeChat will not complete it (or never confirmed it): a person refunds it by hand. The record
     * MANUAL and the order's summary with it, in one transaction. Null when no such refund exists.
     */
    markRefundManual(outRefundNo: string, handOver: { reason: string; wechatStatus: string | null; attempts: number }, at: Date): Promise<SettledRefund | null> {
      return settle(
        outRefundNo,
        (refund) => refund.status === 'SUCCESS' || refund.status === 'MANUAL',
        async (tx, refund, order) => {
          const fields = {
            ...refundStatusChange(refund.status, 'MANUAL').set,
            manual: { reason: handOver.reason, since: at },
            wechatStatus: handOver.wechatStatus,
            note: handOver.reason,
            attempts: handOver.attempts,
            nextCheckAt: nextCheck.never(),
            updatedAt: at,
          };
          await tx.update('refunds', refund._id, fields);
          const orderFields = { refundSummary: summaryAfterManual(summaryOf(order)), updatedAt: at };
          await tx.update('orders', order._id, orderFields);
          return { refund: { ...refund, ...fields }, order: { ...order, ...orderFields }, changed: true };
        },
      );
    },

    /** The timer failed on it: again in a minute, if its status has not moved meanwhile. */
    async retryRefundAfterError(refund: Pick<RefundDoc, '_id' | 'status'>, at: Date): Promise<void> {
      await refunds.updateWhere({ _id: refund._id, status: refund.status }, { nextCheckAt: nextCheck.retryAfterError(at) });
    },
  };
}
