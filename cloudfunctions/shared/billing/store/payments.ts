/**
 * What WeChat told us: `payments/{transactionId}` records which order a WeChat transaction paid
 * (written before the order becomes PAID; the `_id` keeps one transaction on one order), and
 * `notifications` keeps every callback as it arrived (append-only).
 */
import { collection, isDuplicateKeyError, type Database, type DocumentBody } from '../../runtime';
import type { ConfirmedPayment } from '../domain/billing';
import type { NotificationDoc, PaymentDoc } from '../domain/records';
import type { PaidVia } from './orders';

/** The record that WeChat's transaction `payment` paid `orderId`. */
export function paymentRecord(orderId: string, payment: ConfirmedPayment, via: PaidVia, at: Date): DocumentBody<PaymentDoc> {
  return {
    orderId,
    outTradeNo: payment.outTradeNo,
    totalFee: payment.totalFee,
    subMchId: payment.subMchId,
    paidAt: payment.paidAt,
    via,
    recordedAt: at,
  };
}

export function paymentWrites(db: Database) {
  const payments = collection(db, 'payments');
  const notifications = collection(db, 'notifications');

  return {
    /**
     * Records WeChat's word that this transaction paid `orderId`. 'recorded': now it is; 'exists':
     * the transaction was recorded before (for this order or for another: the caller reads which).
     */
    async claimTransaction(orderId: string, payment: ConfirmedPayment, via: PaidVia, at: Date): Promise<'recorded' | 'exists'> {
      try {
        await payments.insert({ _id: payment.transactionId, ...paymentRecord(orderId, payment, via, at) });
        return 'recorded';
      } catch (error) {
        if (isDuplicateKeyError(error)) return 'exists';
        throw error;
      }
    },

    /** A payment or refund callback, as it arrived and with what it turned out to be. */
    async recordCallback(doc: DocumentBody<NotificationDoc>): Promise<void> {
      await notifications.insert(doc);
    },
  };
}
