/**
 * Writes to orders. Each is one conditional update on the order's own document (`where status =
 * <expected>`), so two writers can never both win a change; a status moves only through the
 * transition table, and when the payments timer looks next is decided by nextCheck.
 */
import { collection, commands, type Database } from '../../runtime';
import { nextCheck, orderStatusChange, type ConfirmedPayment } from '../domain/billing';
import type { OrderCloseReason, OrderDoc, OrderReview, OrderStatus, PaymentParamsRecord, WxCloseState } from '../domain/records';

export type PaidVia = NonNullable<OrderDoc['paidVia']>;

/** The fields a payment sets on the order it paid. */
export function paidFields(order: Pick<OrderDoc, 'notifyOnPaid'>, payment: ConfirmedPayment, via: PaidVia, at: Date) {
  return {
    paidAt: payment.paidAt,
    transactionId: payment.transactionId,
    paidVia: via,
    // The timer sends the 缴费成功 message if the step that paid it stops before it does.
    nextCheckAt: nextCheck.afterPayment(order, at),
    checkAttempts: 0,
    updatedAt: at,
  };
}

export function orderWrites(db: Database) {
  const orders = collection(db, 'orders');
  const _ = commands(db);

  return {
    /** 立即支付: a new order (its bills are taken right after). */
    async insertOrder(order: OrderDoc): Promise<void> {
      await orders.insert(order);
    },

    /**
     * The payment parameters WeChat returned, stored only while the order is still open and has
     * none yet (of two taps asking at once, the first stored is the one both hand out): returns the
     * fields written, or null when it was cancelled, closed or paid meanwhile, or another call stored its own.
     */
    async storePrepay(order: Pick<OrderDoc, '_id' | 'prepayAt'>, prepay: { payment: PaymentParamsRecord; prepayId: string }, at: Date): Promise<Partial<OrderDoc> | null> {
      const fields = {
        payment: prepay.payment,
        prepayId: prepay.prepayId,
        prepayAt: order.prepayAt ?? at,
        // Payable from now on: the timer starts asking WeChat about it.
        nextCheckAt: nextCheck.afterPrepay(at),
        updatedAt: at,
      };
      return (await orders.updateWhere({ _id: order._id, status: 'PENDING', prepayId: null }, fields)) === 1 ? fields : null;
    },

    /** The pay sheet said it went through: shown as 处理中, never offered again, confirmed soon. */
    async markPaySheetDone(orderId: string, at: Date): Promise<void> {
      await orders.updateWhere({ _id: orderId, status: 'PENDING' }, { clientPaidAt: at, nextCheckAt: nextCheck.afterPaySheet(at) });
    },

    /** PENDING → PAID by this payment (its transaction claimed already). Returns the fields set, or null when it was no longer PENDING. */
    async markPaid(order: Pick<OrderDoc, '_id' | 'notifyOnPaid'>, payment: ConfirmedPayment, via: PaidVia, at: Date): Promise<Partial<OrderDoc> | null> {
      const move = orderStatusChange('PENDING', 'PAID');
      const fields = { ...move.set, ...paidFields(order, payment, via, at) };
      return (await orders.updateWhere({ _id: order._id, ...move.where }, fields)) === 1 ? fields : null;
    },

    /**
     * PENDING → PAID without the order having been read: only if it is exactly what the payment
     * says (order number, amount), not set aside for finance, and asked for no 缴费成功 message (so
     * nothing but its receipt follows, which the receipts timer guarantees). False otherwise: the
     * caller reads the order and decides.
     */
    async markPaidIfPlain(orderId: string, payment: ConfirmedPayment, via: PaidVia, at: Date): Promise<boolean> {
      const move = orderStatusChange('PENDING', 'PAID');
      const plain = { _id: orderId, outTradeNo: payment.outTradeNo, total: payment.totalFee, notifyOnPaid: false, review: _.exists(false) };
      return (await orders.updateWhere({ ...plain, ...move.where }, { ...move.set, ...paidFields({ notifyOnPaid: false }, payment, via, at) })) === 1;
    },

    /**
     * WeChat's payment and the order disagree: the order (open or closed) keeps `review` and the
     * timer stops asking. True when this call set it aside.
     */
    async setAsideForReview(orderId: string, review: OrderReview, at: Date): Promise<boolean> {
      return (await orders.updateWhere({ _id: orderId, status: _.in(['PENDING', 'CLOSED']) }, { review, nextCheckAt: nextCheck.never(), updatedAt: at })) === 1;
    },

    /**
     * A 审核 checked WeChat's record and found it fits the order: it is no longer set aside, and the
     * timer asks WeChat about it at once (so the payment is applied even if the caller stops here).
     * False when it was not set aside (any more).
     */
    async releaseFromReview(orderId: string, at: Date): Promise<boolean> {
      const fields = { review: null, nextCheckAt: nextCheck.afterReview(at), checkAttempts: 0, updatedAt: at };
      return (await orders.updateWhere({ _id: orderId, status: _.in(['PENDING', 'CLOSED']), review: _.neq(null) }, fields)) === 1;
    },

    /**
     * PENDING → CLOSED. `wxClose` NEEDED: the timer closes it at WeChat once WeChat allows. False
     * when it was no longer open. Its bills are released separately (releaseBills).
     */
    async closeOrder(order: Pick<OrderDoc, '_id' | 'createdAt' | 'prepayAt'>, reason: OrderCloseReason, wxClose: WxCloseState, at: Date): Promise<boolean> {
      const close = orderStatusChange('PENDING', 'CLOSED');
      const fields = {
        ...close.set,
        closeReason: reason,
        closedAt: at,
        wxClose,
        nextCheckAt: wxClose === 'NEEDED' ? nextCheck.wechatClose(order, at) : nextCheck.never(),
        updatedAt: at,
      };
      return (await orders.updateWhere({ _id: order._id, ...close.where }, fields)) === 1;
    },

    /** WeChat has closed it (or never had it): nothing left to follow. */
    async markWechatClosed(orderId: string, at: Date): Promise<void> {
      await orders.updateWhere({ _id: orderId, status: 'CLOSED', wxClose: 'NEEDED' }, { wxClose: 'DONE', nextCheckAt: nextCheck.never(), updatedAt: at });
    },

    /** WeChat could not close it yet: again later, backing off. */
    async deferWechatClose(order: Pick<OrderDoc, '_id' | 'createdAt' | 'prepayAt' | 'checkAttempts'>, at: Date): Promise<void> {
      const attempts = (order.checkAttempts ?? 0) + 1;
      await orders.updateWhere(
        { _id: order._id, status: 'CLOSED', wxClose: 'NEEDED' },
        { nextCheckAt: nextCheck.wechatCloseRetry(order, attempts, at), checkAttempts: attempts },
      );
    },

    /** What follows the payment is done: the timer has nothing more to do for this paid order. */
    async clearFollowUp(orderId: string): Promise<void> {
      await orders.updateWhere({ _id: orderId, status: 'PAID' }, { nextCheckAt: nextCheck.never() });
    },

    /** The timer has nothing to do for it in this status (set aside for finance, or a status it does not follow). */
    async stopFollowing(order: Pick<OrderDoc, '_id' | 'status'>): Promise<void> {
      await orders.updateWhere({ _id: order._id, status: order.status }, { nextCheckAt: nextCheck.never() });
    },

    /** Open, never given payment parameters: looked at when it expires (unless it gets them meanwhile). */
    async checkAtExpiry(order: Pick<OrderDoc, '_id' | 'expiresAt'>): Promise<void> {
      await orders.updateWhere({ _id: order._id, status: 'PENDING', prepayId: null }, { nextCheckAt: nextCheck.atExpiry(order) });
    },

    /** Still open at WeChat after another look: again later, backing off. */
    async checkOpenOrderLater(order: Pick<OrderDoc, '_id' | 'expiresAt' | 'checkAttempts'>, userPaying: boolean, at: Date): Promise<void> {
      const attempts = (order.checkAttempts ?? 0) + 1;
      await orders.updateWhere({ _id: order._id, status: 'PENDING' }, { nextCheckAt: nextCheck.pending(order, attempts, at, userPaying), checkAttempts: attempts });
    },

    /** The timer failed on it: again in a minute, if its status has not moved meanwhile. */
    async retryAfterError(order: { _id: string; status: OrderStatus }, at: Date): Promise<void> {
      await orders.updateWhere({ _id: order._id, status: order.status }, { nextCheckAt: nextCheck.retryAfterError(at) });
    },
  };
}
