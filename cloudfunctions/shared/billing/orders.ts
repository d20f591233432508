/**
 * The payment operations every payment function shares: get an order its payment parameters,
 * record that WeChat took the money (exactly once, whoever learns it first: the callback, the
 * page's sync, the sweep or reconciliation), close an order.
 *
 * Consistency without multi-document transactions on the common path (so an order of 50 bills
 * costs the same few database round trips as one of 1 bill), kept by the store's writes:
 * - an order's status changes only by a conditional update on its own document
 *   (`where status = <expected>`), so two writers cannot both win a transition;
 * - a WeChat transaction is claimed (`payments/{transactionId}`, unique by `_id`) before the order it
 *   paid becomes PAID, so one transaction is never recorded for two orders;
 * - bills follow their order with one conditional multi-update (`where orderId = <this order>`),
 *   which is idempotent: a retry after a crash between the two writes finishes the job;
 * - the rare case that needs to look at several documents at once (a payment for an order that was
 *   already closed) runs in a transaction, which the cloud database serialises against every other
 *   write to the same documents.
 * What follows a payment (the 缴费成功 message, the receipt) runs once, from the step that turned the
 * order PAID; the timers finish it for an order whose step stopped before it could.
 */
import {
  checkPaymentAgainstOrder,
  isExpired,
  nextCheck,
  orderUsable,
  PAY_CALLBACK_FUNCTION,
  wechatMayClose,
  type ConfirmedPayment,
} from './domain/billing';
import { paymentFromQuery } from './domain/wechat-payment';
import { orderCase } from './domain/review-cases';
import type { OrderCloseReason, OrderDoc, OrderReview, PaymentParamsRecord, ReviewReason, WxCloseState } from './domain/records';
import { writeAudit } from '../runtime/audit';
import { commands } from '../runtime/db';
import type { QueryOrderResult } from './cloudpay';
import { afterOrderPaid, receiptAfterPayment } from './after-paid';
import type { PaymentContext } from './context';
import type { PaidVia } from './store';
import { progressRefund } from './refunding';

export type ConfirmOutcome =
  /** This call turned the order PAID. */
  | { kind: 'paid'; order: OrderDoc }
  /** It was PAID already (a duplicate callback, a retry). */
  | { kind: 'already-paid'; order: OrderDoc }
  /** A payment for a closed order whose bills were still unpaid: kept. */
  | { kind: 'kept-late'; order: OrderDoc }
  /** A payment for bills another order had paid: being refunded. */
  | { kind: 'refunding'; order: OrderDoc }
  /**
   * WeChat's payment does not fit this order (amount, merchant, order number, a transaction already
   * recorded elsewhere). Nothing was applied; the order is set aside for finance (`review`).
   */
  | { kind: 'mismatch'; order: OrderDoc; note: string };

/** WeChat has the money for this order and it is accounted for here (paid, kept, or being refunded). */
export function isPaidOutcome(outcome: ConfirmOutcome | null | undefined): boolean {
  return Boolean(outcome) && outcome!.kind !== 'mismatch';
}

/**
 * Bills of a PAID order become PAID by it. Idempotent; checks them when fewer than all changed,
 * unless none did for an order paid before (a duplicate: they were marked, and checked, then).
 */
export async function markBillsPaid(pc: PaymentContext, order: OrderDoc, paidBefore = false): Promise<void> {
  const updated = await pc.store.markBillsPaid(order._id, pc.now());
  if (updated === order.billIds.length || (paidBefore && updated === 0)) return;
  const bills = await pc.bills.find({ _id: commands(pc.db).in(order.billIds) }, { limit: order.billIds.length });
  const wrong = order.billIds.filter((id) => {
    const bill = bills.find((b) => b._id === id);
    return !bill || bill.status !== 'PAID' || bill.paidOrderId !== order._id;
  });
  if (wrong.length > 0) {
    // Cannot happen while every bill change goes through the store; loud, for reconciliation.
    pc.log.error('paid order whose bills are not marked paid by it', { orderId: order._id, billIds: wrong });
  }
}

/**
 * WeChat's payment and the order disagree: nothing is applied, the timer stops asking (an open or
 * closed order keeps `review` and loses its nextCheckAt), finance gets a review case (待核实, once
 * per order and reason) and one auditLog entry.
 */
export async function flagForReview(pc: PaymentContext, order: OrderDoc, reason: ReviewReason, note: string): Promise<OrderDoc> {
  const at = pc.now();
  let flagged = order;
  if (!order.review && (order.status === 'PENDING' || order.status === 'CLOSED')) {
    const review: OrderReview = { reason, note, since: at };
    if (await pc.store.setAsideForReview(order._id, review, at)) flagged = { ...order, review, nextCheckAt: nextCheck.never() };
  }
  pc.log.error('payment does not match its order: set aside for finance', { orderId: order._id, reason, note });
  try {
    await pc.store.openCase(orderCase(order, reason, note, at));
  } catch (error) {
    // The hourly reconciliation run opens a case for every order set aside without one.
    pc.log.error('review case not opened yet', { orderId: order._id, reason, error });
  }
  try {
    await writeAudit(pc.db, {
      key: `pay.review:${order._id}`,
      at,
      actor: 'payments',
      action: 'pay.review',
      details: { orderId: order._id, outTradeNo: order.outTradeNo, studentNo: order.studentNo, status: order.status, total: order.total, reason, note },
    });
  } catch (error) {
    pc.log.error('review not written to auditLog', { orderId: order._id, error });
  }
  return flagged;
}

/**
 * Records that this WeChat transaction paid this order (`payments/{transactionId}`). Returns the id
 * of another order it is already recorded for, or null when it is (now) this order's.
 */
async function claimedElsewhere(pc: PaymentContext, orderId: string, payment: ConfirmedPayment, via: PaidVia): Promise<string | null> {
  if ((await pc.store.claimTransaction(orderId, payment, via, pc.now())) === 'recorded') return null;
  const existing = await pc.payments.findById(payment.transactionId);
  return existing && existing.orderId !== orderId ? existing.orderId : null;
}

/**
 * The common payment callback in four writes, without reading the order first: the transaction
 * claimed for the order, the order PAID only if it is exactly what WeChat says was paid (open, not
 * set aside, the amount, no 缴费成功 message to send), then its bills; its receipt is asked for. 'paid'
 * when this call applied it; otherwise the caller reads the order and confirms the payment the
 * careful way ('claimed': the transaction is now recorded for this order, so that need not be done
 * again; null: nothing was written, as for a duplicate or a transaction recorded before).
 */
export async function confirmPlainPayment(pc: PaymentContext, orderId: string, payment: ConfirmedPayment, via: PaidVia): Promise<'paid' | 'claimed' | null> {
  if (payment.outTradeNo !== orderId || payment.subMchId !== pc.pay.subMchId) return null;
  const at = pc.now();
  if ((await pc.store.claimTransaction(orderId, payment, via, at)) !== 'recorded') return null;
  if (!(await pc.store.markPaidIfPlain(orderId, payment, via, at))) return 'claimed';
  pc.log.info('order paid', { orderId, via });
  await pc.store.markBillsPaid(orderId, at);
  await receiptAfterPayment(pc, orderId);
  return 'paid';
}

/**
 * WeChat says it took this payment for this order: apply it once. Safe to call any number of
 * times, from anywhere, concurrently.
 */
export async function confirmPayment(
  pc: PaymentContext,
  orderId: string,
  payment: ConfirmedPayment,
  via: PaidVia,
  /** The order as just read, to save reading it again; every later round reads afresh. */
  known?: OrderDoc,
  /** The transaction is already recorded for this order (confirmPlainPayment did it). */
  claimed = false,
): Promise<ConfirmOutcome> {
  for (let round = 0; round < 5; round += 1) {
    const order = round === 0 && known?._id === orderId ? known : await pc.orders.findById(orderId);
    if (!order) throw new Error(`order ${orderId} does not exist`);
    if (order.review && (order.status === 'PENDING' || order.status === 'CLOSED')) {
      return { kind: 'mismatch', order, note: `set aside for finance: ${order.review.note}` };
    }
    const check = checkPaymentAgainstOrder(order, payment, pc.pay.subMchId);
    if (!check.ok) {
      return { kind: 'mismatch', order: await flagForReview(pc, order, check.reason, check.note), note: check.note };
    }
    switch (order.status) {
      case 'PAID': {
        if (order.transactionId && order.transactionId !== payment.transactionId) {
          const note = 'a different transaction already paid this order';
          return { kind: 'mismatch', order: await flagForReview(pc, order, 'TRANSACTION_CONFLICT', note), note };
        }
        // Cheap and idempotent: finishes a payment whose bills were not marked yet. What follows a
        // payment is not repeated here; it ran (or a timer runs it) once.
        await markBillsPaid(pc, order, true);
        return { kind: 'already-paid', order };
      }
      case 'REFUNDING':
      case 'REFUNDED':
        // Followed by the refund callback and the timer, not by every duplicate payment callback.
        return { kind: 'refunding', order };
      case 'PENDING': {
        const other = claimed ? null : await claimedElsewhere(pc, order._id, payment, via);
        if (other) {
          const note = `transaction ${payment.transactionId} is recorded for order ${other}`;
          return { kind: 'mismatch', order: await flagForReview(pc, order, 'TRANSACTION_CONFLICT', note), note };
        }
        const fields = await pc.store.markPaid(order, payment, via, pc.now());
        if (!fields) continue; // cancelled or paid meanwhile: look again
        const updated: OrderDoc = { ...order, ...fields };
        pc.log.info('order paid', { orderId, via });
        await markBillsPaid(pc, updated);
        await afterOrderPaid(pc, updated);
        return { kind: 'paid', order: updated };
      }
      case 'CLOSED': {
        const outcome = await applyLatePayment(pc, order, payment, via);
        if (outcome) return outcome;
        continue;
      }
    }
  }
  throw new Error(`order ${orderId} kept changing while its payment was applied`);
}

/**
 * A payment for a closed order. Kept when every bill can still be paid by it as the order priced
 * it (they become paid by it and any open order holding them is closed); refunded in full when
 * another order paid any of them, or the office changed one since (waived, voided, re-priced).
 * Returns null when the order is no longer CLOSED (the caller looks again).
 */
async function applyLatePayment(pc: PaymentContext, closed: OrderDoc, payment: ConfirmedPayment, via: PaidVia): Promise<ConfirmOutcome | null> {
  const result = await pc.store.applyLatePayment(closed._id, payment, via, pc.now());
  if (!result) return null;
  if (result.kind === 'conflict') {
    const note = `transaction ${payment.transactionId} is recorded for order ${result.otherOrderId}`;
    return { kind: 'mismatch', order: await flagForReview(pc, closed, 'TRANSACTION_CONFLICT', note), note };
  }
  if (result.kind === 'kept-late') {
    pc.log.info('payment for a closed order kept', { orderId: closed._id, superseded: result.superseded });
    await afterOrderPaid(pc, result.order);
    return { kind: 'kept-late', order: result.order };
  }
  pc.log.warn('payment for a closed order whose bills are paid or changed: refunding', {
    orderId: closed._id,
    reason: result.reason,
    paidBy: result.paidBy,
    changed: result.changed,
    outRefundNo: result.refund.outRefundNo,
  });
  await progressRefund(pc, result.refund);
  return { kind: 'refunding', order: (await pc.orders.findById(closed._id)) ?? result.order };
}

/**
 * Asks WeChat and applies the payment if it has one. `outcome` is null when WeChat has no payment
 * (or could not be asked); callers treat only `isPaidOutcome` as paid.
 */
export async function syncWithWechat(pc: PaymentContext, order: OrderDoc): Promise<{ query: QueryOrderResult; outcome: ConfirmOutcome | null }> {
  const query = await pc.pay.queryOrder(order.outTradeNo);
  const payment = paymentFromQuery(query, pc.now());
  if (!payment) return { query, outcome: null };
  return { query, outcome: await confirmPayment(pc, order._id, payment, 'query', order) };
}

// ---- payment parameters -----------------------------------------------------------------------

export type PrepayOutcome =
  | { kind: 'ok'; order: OrderDoc; payment: PaymentParamsRecord }
  /** It turned out to be paid already. */
  | { kind: 'paid'; order: OrderDoc }
  /** It was closed (cancelled, superseded) while its payment was being prepared. */
  | { kind: 'closed'; order: OrderDoc }
  /** WeChat's record of its payment disagrees with it: set aside for finance. */
  | { kind: 'review'; order: OrderDoc }
  /** Too close to (or past) its expiry to be paid through this system. */
  | { kind: 'stale' }
  /** WeChat refused it for good; it has been closed here. */
  | { kind: 'rejected'; description: string }
  /** WeChat could not be reached or failed: try again later; nothing is lost. */
  | { kind: 'unavailable' };

const PAYMENT_FIELDS = ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const;

function paymentParams(raw: Record<string, unknown>): PaymentParamsRecord | null {
  const out: Record<string, string> = {};
  for (const field of PAYMENT_FIELDS) {
    if (typeof raw[field] !== 'string' || raw[field] === '') return null;
    out[field] = raw[field] as string;
  }
  if (typeof raw.appId === 'string') out.appId = raw.appId;
  return out as unknown as PaymentParamsRecord;
}

/**
 * The order's payment parameters: the stored ones while the order is valid, else a prepay from
 * WeChat with the order's stored request (the same out_trade_no and parameters, so a retry after a
 * timeout gets the same prepay back instead of a second order or 商户订单号重复). Parameters are
 * handed out only once they are stored on the order while it is still open: an order cancelled
 * meanwhile never gets them.
 */
export async function ensurePayment(pc: PaymentContext, order: OrderDoc): Promise<PrepayOutcome> {
  const now = pc.now();
  if (order.review) return { kind: 'review', order };
  if (!orderUsable(order, now)) return { kind: 'stale' };
  if (order.payment) return { kind: 'ok', order, payment: order.payment };
  if (!order.prepayRequest) return { kind: 'rejected', description: 'order has no prepay request' };
  const res = await pc.pay.unifiedOrder(order.prepayRequest, { envId: pc.envId, functionName: PAY_CALLBACK_FUNCTION });
  if (res.kind === 'unavailable') {
    pc.log.warn('unifiedOrder unavailable', { orderId: order._id, error: res.error });
    return { kind: 'unavailable' };
  }
  if (res.kind === 'rejected') {
    pc.log.warn('unifiedOrder refused', { orderId: order._id, description: res.description });
    // ORDERPAID, ORDERCLOSED, 商户订单号重复…: the business code does not survive the SDK, so ask.
    const { query, outcome } = await syncWithWechat(pc, order);
    if (outcome) {
      if (outcome.kind === 'mismatch') return { kind: 'review', order: outcome.order };
      return outcome.kind === 'refunding' ? { kind: 'closed', order: outcome.order } : { kind: 'paid', order: outcome.order };
    }
    if (query.kind === 'unavailable' || (query.kind === 'failed' && /SYSTEMERROR|系统/.test(`${query.code ?? ''}${query.description}`))) {
      return { kind: 'unavailable' };
    }
    if (/SYSTEMERROR|系统超时|系统繁忙/.test(`${res.code ?? ''}${res.description}`)) return { kind: 'unavailable' };
    await closeLocally(pc, order, 'REJECTED', query.kind === 'found' && query.tradeState === 'CLOSED' ? 'DONE' : 'NEEDED');
    return { kind: 'rejected', description: res.description };
  }
  const payment = paymentParams(res.payment);
  if (!payment) return { kind: 'rejected', description: 'unifiedOrder returned incomplete payment parameters' };
  const stored = await pc.store.storePrepay(order, { payment, prepayId: res.prepayId }, now);
  if (stored) return { kind: 'ok', order: { ...order, ...stored }, payment };
  // Not stored: cancelled, closed or paid meanwhile (or a concurrent call stored its own). Hand out
  // only what the order holds now.
  const current = await pc.orders.findById(order._id);
  if (!current) return { kind: 'rejected', description: 'order disappeared' };
  if (current.status === 'PENDING' && !current.review) {
    if (current.payment) return { kind: 'ok', order: current, payment: current.payment };
    return { kind: 'unavailable' };
  }
  if (current.review) return { kind: 'review', order: current };
  if (current.status === 'PAID') return { kind: 'paid', order: current };
  pc.log.info('payment parameters withheld: the order was closed meanwhile', { orderId: order._id, status: current.status });
  return { kind: 'closed', order: current };
}

// ---- closing ----------------------------------------------------------------------------------

/**
 * PENDING → CLOSED here, and its bills back to 待缴费. `wxClose` says whether WeChat still has to
 * close it (the sweep does it once WeChat allows). Returns false when the order was no longer open.
 */
export async function closeLocally(pc: PaymentContext, order: OrderDoc, reason: OrderCloseReason, wxClose: WxCloseState): Promise<boolean> {
  const at = pc.now();
  if (!(await pc.store.closeOrder(order, reason, wxClose, at))) return false;
  await pc.store.releaseBills(order._id, at);
  pc.log.info('order closed', { orderId: order._id, reason, wxClose });
  return true;
}

export type RetireOutcome =
  | { kind: 'closed'; order: OrderDoc }
  | { kind: 'paid'; order: OrderDoc; outcome: ConfirmOutcome }
  /** The student is entering the password right now (USERPAYING): leave it. */
  | { kind: 'busy'; order: OrderDoc }
  /** WeChat's record of its payment disagrees with it: set aside for finance, nothing closed. */
  | { kind: 'review'; order: OrderDoc };

/**
 * Ends an open order that will not be paid through this system (cancelled, expired, replaced):
 * makes sure WeChat has not taken the money, closes it there if WeChat allows it yet, and closes it
 * here with its bills released. A payment that still arrives afterwards is kept or refunded.
 * `known`: a queryOrder answer the caller just had (saves asking again).
 */
export async function retireOrder(pc: PaymentContext, order: OrderDoc, reason: OrderCloseReason, known?: QueryOrderResult): Promise<RetireOutcome> {
  const reread = async (): Promise<OrderDoc> => (await pc.orders.findById(order._id)) ?? order;
  if (order.review) return { kind: 'review', order };
  const settled = (outcome: ConfirmOutcome): RetireOutcome =>
    isPaidOutcome(outcome) ? { kind: 'paid', order: outcome.order, outcome } : { kind: 'review', order: outcome.order };
  const first = known && !paymentFromQuery(known, pc.now()) ? { query: known, outcome: null } : await syncWithWechat(pc, order);
  const { query, outcome } = first;
  if (outcome) return settled(outcome);
  let wxClose: WxCloseState = 'NEEDED';
  if (query.kind === 'found' && query.tradeState === 'USERPAYING') return { kind: 'busy', order };
  if (query.kind === 'found' && (query.tradeState === 'CLOSED' || query.tradeState === 'REVOKED')) wxClose = 'DONE';
  else if (query.kind === 'not-found') {
    // WeChat never had it: nothing to close there once it could no longer be created.
    if (isExpired(order, pc.now())) wxClose = 'NONE';
  } else if (wechatMayClose(order, pc.now())) {
    // NOTPAY, or WeChat could not be asked: closing there is what makes a late payment impossible.
    const closed = await pc.pay.closeOrder(order.outTradeNo);
    if (closed.kind === 'closed') wxClose = 'DONE';
    else if (closed.kind === 'refused') {
      // ORDERPAID / ORDERCLOSED / too soon: the answer cannot tell which, so ask.
      const again = await syncWithWechat(pc, order);
      if (again.outcome) return settled(again.outcome);
      if (again.query.kind === 'found' && again.query.tradeState === 'USERPAYING') return { kind: 'busy', order };
      if (again.query.kind === 'found' && again.query.tradeState === 'CLOSED') wxClose = 'DONE';
    }
  }
  const closed = await closeLocally(pc, order, reason, wxClose);
  const current = await reread();
  if (!closed && current.status === 'PAID') return { kind: 'paid', order: current, outcome: { kind: 'already-paid', order: current } };
  if (!closed && current.review) return { kind: 'review', order: current };
  return { kind: 'closed', order: current };
}

/**
 * For an order closed here while WeChat may still have it open: once WeChat allows, close it there
 * too, or apply the payment it took meanwhile. Returns what happened.
 */
export async function finishWechatClose(pc: PaymentContext, order: OrderDoc): Promise<'closed' | 'paid' | 'deferred' | 'review'> {
  await pc.store.releaseBills(order._id, pc.now()); // finishes a close that stopped between its two writes
  if (order.review) return 'review';
  const done = async (): Promise<'closed'> => {
    await pc.store.markWechatClosed(order._id, pc.now());
    return 'closed';
  };
  const defer = async (): Promise<'deferred'> => {
    await pc.store.deferWechatClose(order, pc.now());
    return 'deferred';
  };
  const settled = (outcome: ConfirmOutcome): 'paid' | 'review' => (isPaidOutcome(outcome) ? 'paid' : 'review');
  const { query, outcome } = await syncWithWechat(pc, order);
  if (outcome) return settled(outcome);
  if (query.kind === 'not-found') return done();
  if (query.kind !== 'found') return defer();
  if (query.tradeState === 'CLOSED' || query.tradeState === 'REVOKED') return done();
  if (query.tradeState === 'USERPAYING' || !wechatMayClose(order, pc.now())) return defer();
  const closed = await pc.pay.closeOrder(order.outTradeNo);
  if (closed.kind === 'closed') return done();
  const again = await syncWithWechat(pc, order);
  if (again.outcome) return settled(again.outcome);
  if (again.query.kind === 'found' && again.query.tradeState === 'CLOSED') return done();
  return defer();
}
