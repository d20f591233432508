/**
 * A payment for an order that was already closed (cancelled or expired while its pay sheet was
 * open): the one write that looks at several documents at once, so it runs in a transaction, which
 * the cloud database serialises against every other write to the same documents.
 */
import { transaction, type Database } from '../../runtime';
import { billStatusChange, decideLatePayment, nextCheck, orderStatusChange, type ConfirmedPayment } from '../domain/billing';
import type { BillDoc, OrderDoc, RefundDoc, RefundReason, WxCloseState } from '../domain/records';
import { paidFields, type PaidVia } from './orders';
import { paymentRecord } from './payments';
import { addRefundIn } from './refunds';

export type LatePaymentResult =
  /** The transaction is recorded for another order: nothing applied. */
  | { kind: 'conflict'; otherOrderId: string }
  /** Every bill could still be paid as the order priced it: kept, its bills paid by it, open orders holding them closed. */
  | { kind: 'kept-late'; order: OrderDoc; superseded: string[] }
  /**
   * Another order paid (some of) its bills (`paidBy`), or the office changed some since the order
   * priced them (`changed`: waived, voided, re-priced): the payment is refunded in full.
   */
  | { kind: 'refunding'; order: OrderDoc; refund: RefundDoc; reason: RefundReason; paidBy: string[]; changed: string[] };

export function latePaymentWrites(db: Database) {
  return {
    /**
     * Applies a payment to a closed order, with all it decides (decideLatePayment), at once: the
     * transaction claimed, then either the order PAID with its bills (and any open order holding
     * them closed, its other bills released), or the order REFUNDING with its refund recorded (the
     * bills stay as they are: paid by the other order, or as the office left them). Null
     * when the order is no longer CLOSED (the caller looks again).
     */
    applyLatePayment(closedId: string, payment: ConfirmedPayment, via: PaidVia, at: Date): Promise<LatePaymentResult | null> {
      return transaction(db, async (tx): Promise<LatePaymentResult | null> => {
        const order = await tx.get('orders', closedId);
        if (!order || order.status !== 'CLOSED') return null;
        const claimed = await tx.get('payments', payment.transactionId);
        if (claimed && claimed.orderId !== order._id) return { kind: 'conflict', otherOrderId: claimed.orderId };
        if (!claimed) await tx.set('payments', payment.transactionId, paymentRecord(order._id, payment, via, at));
        const bills: (BillDoc | null)[] = [];
        for (const id of order.billIds) bills.push(await tx.get('bills', id));
        const holderIds = [...new Set(bills.map((bill) => bill?.orderId).filter((id): id is string => Boolean(id) && id !== order._id))];
        const holders: OrderDoc[] = [];
        for (const id of holderIds) {
          const holder = await tx.get('orders', id);
          if (holder) holders.push(holder);
        }
        const decision = decideLatePayment(order, bills, holders);
        const paid = { ...paidFields(order, payment, via, at), wxClose: 'NONE' as WxCloseState };

        if (decision.kind === 'refund') {
          const refunding = { ...orderStatusChange('CLOSED', 'REFUNDING').set, ...paid, nextCheckAt: nextCheck.never() };
          const { refund, summary } = await addRefundIn(
            tx,
            { ...order, ...refunding },
            { refundFee: order.total, billIds: order.billIds, reason: decision.reason },
            at,
            refunding,
          );
          return {
            kind: 'refunding',
            order: { ...order, ...refunding, refundSummary: summary, updatedAt: at },
            refund,
            reason: decision.reason,
            paidBy: decision.paidBy,
            changed: decision.changed,
          };
        }

        const kept = { ...orderStatusChange('CLOSED', 'PAID').set, ...paid };
        await tx.update('orders', order._id, kept);
        for (const bill of bills) {
          // Already marked paid by this very order: nothing to change.
          if (bill && !(bill.status === 'PAID' && bill.paidOrderId === order._id)) {
            await tx.update('bills', bill._id, { ...billStatusChange(bill.status, 'PAID').set, paidOrderId: order._id, orderId: null, updatedAt: at });
          }
        }
        const mine = new Set(order.billIds);
        for (const holder of holders.filter((h) => decision.supersede.includes(h._id))) {
          await tx.update('orders', holder._id, {
            ...orderStatusChange(holder.status, 'CLOSED').set,
            closeReason: 'SUPERSEDED',
            closedAt: at,
            wxClose: 'NEEDED',
            nextCheckAt: nextCheck.wechatClose(holder, at),
            updatedAt: at,
          });
          for (const id of holder.billIds.filter((billId) => !mine.has(billId))) {
            const other = await tx.get('bills', id);
            if (other && other.orderId === holder._id && other.status === 'PAYING') {
              await tx.update('bills', id, { ...billStatusChange(other.status, 'UNPAID').set, orderId: null, updatedAt: at });
            }
          }
        }
        return { kind: 'kept-late', order: { ...order, ...kept }, superseded: decision.supersede };
      });
    },
  };
}
