/**
 * The payment operations every payment function shares: get an order its payment parameters,
 * record that WeChat took the money (exactly once, whoever learns it first: the callback, the
 * page's sync, the sweep or reconciliation), close an order, refund a second payment.
 *
 * Consistency without multi-document transactions on the common path (so an order of 50 bills
 * costs the same few database round trips as one of 1 bill):
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
 * order PAID; the sweep finishes it for an order whose step stopped before it could.
 */
import {
  billStatusChange,
  checkPaymentAgainstOrder,
  decideLatePayment,
  isExpired,
  orderUsable,
  outRefundNoFor,
  PAY_CALLBACK_FUNCTION,
  REFUND_MAX_UNCERTAIN_ROUNDS,
  wechatMayClose,
  nextCheck,
  orderStatusChange,
  type ConfirmedPayment,
} from './domain/billing';
import { paymentFromQuery } from './domain/wechat-payment';
import type {
  BillDoc,
  OrderCloseReason,
  OrderDoc,
  OrderRefund,
  OrderReview,
  PaymentDoc,
  PaymentParamsRecord,
  RefundDoc,
  ReviewReason,
  WxCloseState,
} from './domain/records';
import { commands, transaction } from '../runtime/db';
import { isDuplicateKeyError } from '../runtime/errors';
import { writeAudit } from '../runtime/audit';
import type { QueryOrderResult, RefundState } from './cloudpay';
import { afterOrderPaid } from './after-paid';
import type { PaymentContext } from './context';

export type PaidVia = 'callback' | 'query' | 'reconcile';

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


/** Bills of a PAID order become PAID by it. Idempotent; checks the result when it is not the expected count. */
export async function markBillsPaid(pc: PaymentContext, order: OrderDoc): Promise<void> {
  const _ = commands(pc.db);
  const paid = billStatusChange('PAYING', 'PAID');
  const updated = await pc.bills.updateWhere(
    { _id: _.in(order.billIds), orderId: order._id, status: _.in([...paid.froms]) },
    { ...paid.set, paidOrderId: order._id, orderId: null, updatedAt: pc.now() },
  );
  if (updated === order.billIds.length) return;
  const bills = await pc.bills.find({ _id: _.in(order.billIds) }, { limit: order.billIds.length });
  const wrong = order.billIds.filter((id) => {
    const bill = bills.find((b) => b._id === id);
    return !bill || bill.status !== 'PAID' || bill.paidOrderId !== order._id;
  });
  if (wrong.length > 0) {
    // Cannot happen while every bill change goes through this module; loud, for reconciliation.
    pc.log.error('paid order whose bills are not marked paid by it', { orderId: order._id, billIds: wrong });
  }
}

/** Bills held by an order that is no longer open go back to 待缴费. Idempotent. */
export async function releaseBills(pc: PaymentContext, order: Pick<OrderDoc, '_id' | 'billIds'>): Promise<number> {
  const _ = commands(pc.db);
  const release = billStatusChange('PAYING', 'UNPAID');
  return pc.bills.updateWhere(
    { _id: _.in(order.billIds), orderId: order._id, status: _.in([...release.froms]) },
    { ...release.set, orderId: null, updatedAt: pc.now() },
  );
}

/**
 * WeChat's payment and the order disagree: nothing is applied, the sweep stops asking (an open or
 * closed order keeps `review` and loses its nextCheckAt), and finance gets one auditLog entry.
 */
export async function flagForReview(pc: PaymentContext, order: OrderDoc, reason: ReviewReason, note: string): Promise<OrderDoc> {
  const at = pc.now();
  let flagged = order;
  if (!order.review && (order.status === 'PENDING' || order.status === 'CLOSED')) {
    const review: OrderReview = { reason, note, since: at };
    const _ = commands(pc.db);
    const won = await pc.orders.updateWhere({ _id: order._id, status: _.in(['PENDING', 'CLOSED']) }, { review, nextCheckAt: nextCheck.never(), updatedAt: at });
    if (won === 1) flagged = { ...order, review, nextCheckAt: nextCheck.never() };
  }
  pc.log.error('payment does not match its order: set aside for finance', { orderId: order._id, reason, note });
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
/** payments/{transactionId}: the record that a WeChat transaction belongs to this order. */
function paymentRecord(order: OrderDoc, payment: ConfirmedPayment, via: PaidVia, at: Date): Omit<PaymentDoc, '_id'> {
  return {
    orderId: order._id,
    outTradeNo: payment.outTradeNo,
    totalFee: payment.totalFee,
    subMchId: payment.subMchId,
    paidAt: payment.paidAt,
    via,
    recordedAt: at,
  };
}

async function claimTransaction(pc: PaymentContext, order: OrderDoc, payment: ConfirmedPayment, via: PaidVia): Promise<string | null> {
  try {
    await pc.payments.insert({ _id: payment.transactionId, ...paymentRecord(order, payment, via, pc.now()) });
    return null;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const existing = await pc.payments.findById(payment.transactionId);
  return existing && existing.orderId !== order._id ? existing.orderId : null;
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
        // payment is not repeated here; it ran (or the sweep runs it) once.
        await markBillsPaid(pc, order);
        return { kind: 'already-paid', order };
      }
      case 'REFUNDING':
      case 'REFUNDED':
        // Followed by the refund callback and the sweep, not by every duplicate payment callback.
        return { kind: 'refunding', order };
      case 'PENDING': {
        const other = await claimTransaction(pc, order, payment, via);
        if (other) {
          const note = `transaction ${payment.transactionId} is recorded for order ${other}`;
          return { kind: 'mismatch', order: await flagForReview(pc, order, 'TRANSACTION_CONFLICT', note), note };
        }
        const at = pc.now();
        const move = orderStatusChange('PENDING', 'PAID');
        const paid: Partial<OrderDoc> = {
          ...move.set,
          paidAt: payment.paidAt,
          transactionId: payment.transactionId,
          paidVia: via,
          // The sweep finishes what follows the payment if this call stops before it does.
          nextCheckAt: nextCheck.afterPayment(at),
          checkAttempts: 0,
          updatedAt: at,
        };
        const won = await pc.orders.updateWhere({ _id: order._id, ...move.where }, paid);
        if (won !== 1) continue; // cancelled or paid meanwhile: look again
        const updated: OrderDoc = { ...order, ...paid };
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
 * A payment for a closed order. Kept when none of its bills is paid (they become paid by it and any
 * open order holding them is closed); refunded in full when another order paid any of them.
 * Returns null when the order is no longer CLOSED (the caller looks again).
 */
async function applyLatePayment(pc: PaymentContext, closed: OrderDoc, payment: ConfirmedPayment, via: PaidVia): Promise<ConfirmOutcome | null> {
  const at = pc.now();
  const result = await transaction(pc.db, async (tx) => {
    const order = await tx.get('orders', closed._id);
    if (!order || order.status !== 'CLOSED') return null;
    const claimed = await tx.get('payments', payment.transactionId);
    if (claimed && claimed.orderId !== order._id) return { kind: 'conflict' as const, otherOrderId: claimed.orderId };
    if (!claimed) {
      await tx.set('payments', payment.transactionId, paymentRecord(order, payment, via, at));
    }
    const bills: (BillDoc | null)[] = [];
    for (const id of order.billIds) bills.push(await tx.get('bills', id));
    const holderIds = [...new Set(bills.map((bill) => bill?.orderId).filter((id): id is string => Boolean(id) && id !== order._id))];
    const holders: OrderDoc[] = [];
    for (const id of holderIds) {
      const holder = await tx.get('orders', id);
      if (holder) holders.push(holder);
    }
    const decision = decideLatePayment(order, bills, holders);
    const paidFields = { paidAt: payment.paidAt, transactionId: payment.transactionId, paidVia: via, wxClose: 'NONE' as WxCloseState, updatedAt: at };
    if (decision.kind === 'keep') {
      const followUp = nextCheck.afterPayment(at);
      await tx.update('orders', order._id, { ...paidFields, ...orderStatusChange(order.status, 'PAID').set, nextCheckAt: followUp, checkAttempts: 0 });
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
      return {
        kind: 'kept-late' as const,
        order: { ...order, ...paidFields, status: 'PAID' as const, nextCheckAt: followUp, checkAttempts: 0 },
        superseded: decision.supersede,
      };
    }
    const refund: OrderRefund = {
      outRefundNo: outRefundNoFor(order.outTradeNo),
      refundFee: order.total,
      reason: 'BILLS_ALREADY_PAID',
      submittedAt: null,
      refundedAt: null,
      attempts: 0,
    };
    const submitAt = nextCheck.now(at);
    await tx.update('orders', order._id, { ...paidFields, ...orderStatusChange(order.status, 'REFUNDING').set, refund, nextCheckAt: submitAt, checkAttempts: 0 });
    const refundDoc: Omit<RefundDoc, '_id'> = {
      outRefundNo: refund.outRefundNo,
      orderId: order._id,
      outTradeNo: order.outTradeNo,
      transactionId: payment.transactionId,
      studentId: order.studentId,
      totalFee: order.total,
      refundFee: refund.refundFee,
      reason: refund.reason,
      status: 'PENDING',
      refundId: null,
      wechatStatus: null,
      note: null,
      createdAt: at,
      updatedAt: at,
    };
    await tx.set('refunds', refund.outRefundNo, refundDoc);
    return {
      kind: 'refunding' as const,
      order: { ...order, ...paidFields, status: 'REFUNDING' as const, refund, nextCheckAt: submitAt, checkAttempts: 0 },
      paidBy: decision.paidBy,
    };
  });
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
  pc.log.warn('payment for bills already paid: refunding', { orderId: closed._id, paidBy: result.paidBy });
  await progressRefund(pc, result.order);
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
  const fields: Partial<OrderDoc> = {
    payment,
    prepayId: res.prepayId,
    prepayAt: order.prepayAt ?? now,
    // Payable from now on: the sweep starts asking WeChat about it.
    nextCheckAt: nextCheck.afterPrepay(now),
    updatedAt: now,
  };
  const stored = await pc.orders.updateWhere({ _id: order._id, status: 'PENDING' }, fields);
  if (stored === 1) return { kind: 'ok', order: { ...order, ...fields }, payment };
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
  const close = orderStatusChange('PENDING', 'CLOSED');
  const won = await pc.orders.updateWhere(
    { _id: order._id, ...close.where },
    {
      ...close.set,
      closeReason: reason,
      closedAt: at,
      wxClose,
      nextCheckAt: wxClose === 'NEEDED' ? nextCheck.wechatClose(order, at) : nextCheck.never(),
      updatedAt: at,
    },
  );
  if (won !== 1) return false;
  await releaseBills(pc, order);
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
  await releaseBills(pc, order); // finishes a close that stopped between its two writes
  if (order.review) return 'review';
  const done = async (): Promise<'closed'> => {
    await pc.orders.updateWhere({ _id: order._id, status: 'CLOSED', wxClose: 'NEEDED' }, { wxClose: 'DONE', nextCheckAt: nextCheck.never(), updatedAt: pc.now() });
    return 'closed';
  };
  const defer = async (): Promise<'deferred'> => {
    const attempts = (order.checkAttempts ?? 0) + 1;
    await pc.orders.updateWhere(
      { _id: order._id, status: 'CLOSED', wxClose: 'NEEDED' },
      { nextCheckAt: nextCheck.wechatCloseRetry(order, attempts, pc.now()), checkAttempts: attempts },
    );
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

// ---- refunds ----------------------------------------------------------------------------------

export type RefundProgress = 'refunded' | 'submitted' | 'deferred' | 'manual';

/** What a refund's status says to do; null: nothing definite was learnt. */
export type RefundVerdict = RefundState | null;

async function markRefunded(pc: PaymentContext, order: OrderDoc, refund: OrderRefund, source: string): Promise<'refunded'> {
  const at = pc.now();
  const refunded = orderStatusChange('REFUNDING', 'REFUNDED');
  await pc.orders.updateWhere(
    { _id: order._id, ...refunded.where },
    { ...refunded.set, refund: { ...refund, submittedAt: refund.submittedAt ?? at, refundedAt: at, manual: null }, nextCheckAt: nextCheck.never(), updatedAt: at },
  );
  await pc.refunds.updateById(refund.outRefundNo, { status: 'SUCCESS', wechatStatus: 'SUCCESS', note: `confirmed by ${source}`, updatedAt: at });
  pc.log.info('second payment refunded', { orderId: order._id, source });
  return 'refunded';
}

/** WeChat will not finish this refund (or never confirmed it): finance refunds by hand. */
async function markManual(pc: PaymentContext, order: OrderDoc, refund: OrderRefund, reason: string, wechatStatus: string | null): Promise<'manual'> {
  const at = pc.now();
  await pc.orders.updateWhere(
    { _id: order._id, status: 'REFUNDING' },
    { refund: { ...refund, manual: { reason, at } }, nextCheckAt: nextCheck.never(), updatedAt: at },
  );
  await pc.refunds.updateById(refund.outRefundNo, { status: 'MANUAL', wechatStatus, note: reason, updatedAt: at });
  pc.log.error('refund needs finance: refund by hand', { orderId: order._id, outRefundNo: refund.outRefundNo, reason });
  try {
    await writeAudit(pc.db, {
      key: `pay.refund-manual:${refund.outRefundNo}`,
      at,
      actor: 'payments',
      action: 'pay.refund.manual',
      details: {
        orderId: order._id,
        outTradeNo: order.outTradeNo,
        outRefundNo: refund.outRefundNo,
        studentNo: order.studentNo,
        refundFee: refund.refundFee,
        transactionId: order.transactionId ?? null,
        wechatStatus,
        reason,
      },
    });
  } catch (error) {
    pc.log.error('manual refund not written to auditLog', { orderId: order._id, error });
  }
  return 'manual';
}

/**
 * Applies a refund status learnt from WeChat (queryRefund, the refund callback, the statement).
 * SUCCESS completes it; REFUNDCLOSE / CHANGE hand it to finance; PROCESSING waits. `uncertain`:
 * nothing definite was learnt this round (counts towards handing it to finance).
 */
export async function applyRefundStatus(
  pc: PaymentContext,
  order: OrderDoc,
  status: RefundVerdict,
  source: string,
  options: { uncertain?: boolean } = {},
): Promise<RefundProgress> {
  const refund = order.refund;
  if (order.status === 'REFUNDED') return 'refunded';
  if (!refund || order.status !== 'REFUNDING') return 'deferred';
  if (status === 'SUCCESS') return markRefunded(pc, order, refund, source);
  if (refund.manual) return 'manual';
  if (status === 'REFUNDCLOSE') return markManual(pc, order, refund, 'WeChat closed the refund (REFUNDCLOSE)', status);
  if (status === 'CHANGE') return markManual(pc, order, refund, 'WeChat reports the refund abnormal (CHANGE): the card or account may be closed', status);
  const checks = (order.checkAttempts ?? 0) + 1;
  const attempts = (refund.attempts ?? 0) + (options.uncertain ? 1 : 0);
  if (attempts >= REFUND_MAX_UNCERTAIN_ROUNDS) {
    return markManual(pc, order, { ...refund, attempts }, `WeChat did not confirm the refund after ${attempts} tries`, status);
  }
  const at = pc.now();
  await pc.orders.updateWhere(
    { _id: order._id, status: 'REFUNDING' },
    { refund: { ...refund, attempts }, nextCheckAt: nextCheck.refundRetry(checks, at), checkAttempts: checks, updatedAt: at },
  );
  if (status === 'PROCESSING') await pc.refunds.updateById(refund.outRefundNo, { wechatStatus: 'PROCESSING', updatedAt: at });
  return refund.submittedAt ? 'submitted' : 'deferred';
}

/**
 * Submits the order's refund (idempotent by its outRefundNo; WeChat sends the result to the
 * callback function) and asks WeChat how it stands.
 */
export async function progressRefund(pc: PaymentContext, order: OrderDoc): Promise<RefundProgress> {
  const original = order.refund;
  if (order.status === 'REFUNDED') return 'refunded';
  if (!original || order.status !== 'REFUNDING') return 'deferred';
  if (original.manual) return 'manual';
  let refund = original;
  let uncertain = false;
  if (!refund.submittedAt) {
    const res = await pc.pay.refund(
      {
        outTradeNo: order.outTradeNo,
        outRefundNo: refund.outRefundNo,
        totalFee: order.total,
        refundFee: refund.refundFee,
        refundDesc: '重复缴费，原路退回',
      },
      { envId: pc.envId, functionName: PAY_CALLBACK_FUNCTION },
    );
    if (res.kind === 'accepted') {
      const at = pc.now();
      refund = { ...refund, submittedAt: at };
      await pc.orders.updateWhere({ _id: order._id, status: 'REFUNDING' }, { refund, updatedAt: at });
      await pc.refunds.updateById(refund.outRefundNo, { status: 'SUBMITTED', refundId: res.refundId, updatedAt: at });
    } else {
      // Refused (already refunded earlier with a lost answer? a lasting refusal?) or unreachable:
      // queryRefund below tells; otherwise this round counts as uncertain.
      uncertain = true;
      pc.log.warn('refund not accepted', { orderId: order._id, outRefundNo: refund.outRefundNo, result: res.kind, description: res.kind === 'rejected' ? res.description : res.error });
    }
  }
  const state = await pc.pay.queryRefund(refund.outRefundNo);
  const current: OrderDoc = { ...order, refund };
  if (state.kind === 'found') return applyRefundStatus(pc, current, state.status, 'queryRefund', { uncertain: uncertain && state.status !== 'PROCESSING' });
  // Empty lists, not found, failed, unreachable: nothing definite; ask again later (backing off).
  return applyRefundStatus(pc, current, null, 'queryRefund', { uncertain: true });
}
