/**
 * Review cases (待核实): what the payments set aside for 计划财务处 — an order WeChat's record
 * disagrees with, a refund WeChat will not complete, a difference in the daily statement — as one
 * record each, named by its subject so that seeing it again opens nothing new, and the decisions
 * that fit it. Pure: the clock is passed in.
 */
import { checkPaymentAgainstOrder, isExpired, refundRetryable, reviewCaseStatusChange, type ConfirmedPayment } from './billing';
import type {
  OrderCloseReason,
  OrderDoc,
  ReconcileDifference,
  RefundDoc,
  ReviewCaseDecision,
  ReviewCaseDoc,
  ReviewReason,
  StaffRef,
  WxCloseState,
} from './records';

/** Who settles a case when WeChat settles its subject (a failed refund confirmed after all, a retry's outcome). */
export const SYSTEM_STAFF: StaffRef = { staffId: 'system', name: '系统' };

export const orderCaseId = (orderId: string, reason: ReviewReason): string => `order:${orderId}:${reason}`;
export const refundCaseId = (outRefundNo: string): string => `refund:${outRefundNo}`;
/** A difference is about a refund when it names one, else about a payment. */
export const differenceCaseId = (billDate: string, difference: Pick<ReconcileDifference, 'outTradeNo' | 'outRefundNo'>): string =>
  `recon:${billDate}:${difference.outRefundNo || difference.outTradeNo}`;

type CaseBody = Omit<ReviewCaseDoc, '_id' | 'kind' | 'reason' | 'note' | 'status' | 'awaitingRefundId' | 'resolvedAt' | 'openedAt' | 'updatedAt'>;

function openCase(id: string, kind: ReviewCaseDoc['kind'], reason: ReviewCaseDoc['reason'], note: string, body: CaseBody, at: Date): ReviewCaseDoc {
  return { _id: id, kind, reason, status: 'OPEN', note, ...body, openedAt: at, awaitingRefundId: null, resolvedAt: null, updatedAt: at };
}

/** The order was set aside: WeChat's payment does not fit it. */
export function orderCase(order: Pick<OrderDoc, '_id' | 'outTradeNo' | 'studentNo' | 'total'>, reason: ReviewReason, note: string, at: Date): ReviewCaseDoc {
  return openCase(
    orderCaseId(order._id, reason),
    'PAYMENT',
    reason,
    note,
    { orderId: order._id, outTradeNo: order.outTradeNo, outRefundNo: null, studentNo: order.studentNo, amount: order.total, billDate: null },
    at,
  );
}

/** WeChat will not complete the refund (退款失败): a person takes it over. */
export function refundCase(
  refund: Pick<RefundDoc, 'outRefundNo' | 'orderId' | 'outTradeNo' | 'refundFee' | 'studentNo'>,
  order: Pick<OrderDoc, 'studentNo'> | null,
  note: string,
  at: Date,
): ReviewCaseDoc {
  return openCase(
    refundCaseId(refund.outRefundNo),
    'REFUND',
    'REFUND_FAILED',
    note,
    { orderId: refund.orderId, outTradeNo: refund.outTradeNo, outRefundNo: refund.outRefundNo, studentNo: refund.studentNo ?? order?.studentNo ?? null, amount: refund.refundFee, billDate: null },
    at,
  );
}

/** A difference the statement of `billDate` showed. */
export function differenceCase(billDate: string, difference: ReconcileDifference, at: Date): ReviewCaseDoc {
  return openCase(
    differenceCaseId(billDate, difference),
    'RECONCILIATION',
    difference.kind,
    difference.note,
    {
      orderId: difference.orderId ?? null,
      outTradeNo: difference.outTradeNo || null,
      outRefundNo: difference.outRefundNo || null,
      studentNo: difference.studentNo ?? null,
      amount: difference.amount ?? null,
      billDate,
    },
    at,
  );
}

/** What a 审核 or a 收费员 can do with a case now. */
export type CaseAction = 'confirmPaid' | 'refund' | 'retryRefund' | 'refundedOffline' | 'close';

/**
 * The decisions that fit the case as things stand: confirm as paid (a payment case whose order was
 * never applied), refund (some of its order's bills paid and in no refund yet), close with a reason.
 * A 退款失败 case whose refund is still with a person also offers 已线下退款, and 重新申请退款 when
 * the failure is final at WeChat (in place of a refund of other bills: one request at a time).
 * None once it is resolved, and none but waiting while a refund asked for from it is under way.
 * `wechatTradeState`: WeChat's state of the order when it was just asked (null when it was not, or
 * has no such order): a payment case whose open order WeChat reports paid is not offered close,
 * since closing it would leave the student's money unaccounted for.
 */
export function caseActions(
  reviewCase: Pick<ReviewCaseDoc, 'status' | 'kind' | 'awaitingRefundId'>,
  order: Pick<OrderDoc, 'status' | 'billIds' | 'refundSummary' | 'review'> | null,
  refund: Pick<RefundDoc, 'status' | 'manual' | 'wechatStatus' | 'request'> | null = null,
  wechatTradeState: string | null = null,
): CaseAction[] {
  if (reviewCase.status !== 'OPEN' || reviewCase.awaitingRefundId) return [];
  const actions: CaseAction[] = [];
  if (reviewCase.kind === 'PAYMENT' && order && (order.status === 'PENDING' || order.status === 'CLOSED')) actions.push('confirmPaid');
  const failedRefund = reviewCase.kind === 'REFUND' && refund?.status === 'MANUAL' ? refund : null;
  if (failedRefund && order?.status === 'PAID' && refundRetryable(failedRefund)) actions.push('retryRefund');
  else if (order && refundableBillIds(order).length > 0) actions.push('refund');
  if (failedRefund) actions.push('refundedOffline');
  if (!(order && closingEndsOrder(reviewCase, order) && wechatTradeState === 'SUCCESS')) actions.push('close');
  return actions;
}

/**
 * Whether closing the case also ends its order: a payment case whose order is still open and set
 * aside. Nothing else would ever end that order — the timer no longer asks about it and the student
 * may neither pay nor cancel it — so its bills would stay 缴费中 for good.
 */
export function closingEndsOrder(reviewCase: Pick<ReviewCaseDoc, 'kind'>, order: Pick<OrderDoc, 'status' | 'review'>): boolean {
  return reviewCase.kind === 'PAYMENT' && order.status === 'PENDING' && Boolean(order.review);
}

/** What closing a payment case does to its open order, by WeChat's record of that order. */
export type OrderEndingOnClose =
  /** Closed here with its bills back to 待缴费; `wxClose` NEEDED: the timer closes it at WeChat too. */
  | { kind: 'close'; reason: OrderCloseReason; wxClose: WxCloseState }
  /** WeChat took the money: it is settled first (confirmed as paid, or refunded at WeChat). */
  | { kind: 'paid-at-wechat' }
  /** The student is in the pay sheet right now (USERPAYING): not while the outcome is unknown. */
  | { kind: 'paying-now' };

/**
 * How a payment case's open order ends when the case is closed. `wechat`: WeChat's record of the
 * order, null when WeChat has none. A payment refunded at WeChat (REFUND) is settled there: the
 * order may close, and WeChat can no longer take money for it, as for one closed there.
 */
export function orderEndingOnClose(order: Pick<OrderDoc, 'expiresAt'>, wechat: { tradeState: string } | null, now: Date): OrderEndingOnClose {
  // Nearly every order set aside has long passed its pay window; one that has not is cancelled for the student.
  const reason: OrderCloseReason = isExpired(order, now) ? 'EXPIRED' : 'CANCELLED';
  if (!wechat) return { kind: 'close', reason, wxClose: isExpired(order, now) ? 'NONE' : 'NEEDED' };
  switch (wechat.tradeState) {
    case 'SUCCESS':
      return { kind: 'paid-at-wechat' };
    case 'USERPAYING':
      return { kind: 'paying-now' };
    case 'REFUND':
    case 'CLOSED':
    case 'REVOKED':
      return { kind: 'close', reason, wxClose: 'DONE' };
    default:
      // NOTPAY, PAYERROR: closing it at WeChat is what makes a late payment impossible.
      return { kind: 'close', reason, wxClose: 'NEEDED' };
  }
}

/** The bills of a paid order that no refund (requested, under way or done) covers yet. */
export function refundableBillIds(order: Pick<OrderDoc, 'status' | 'billIds' | 'refundSummary'>): string[] {
  if (order.status !== 'PAID') return [];
  const taken = new Set(order.refundSummary?.billIds ?? []);
  return order.billIds.filter((id) => !taken.has(id));
}

/** Why WeChat's record does not allow confirming the order as paid. */
export type ConfirmRefusal =
  | { kind: 'NOT_PAID'; tradeState: string }
  | { kind: 'AMOUNT_DIFFERS'; wechat: number; order: number }
  | { kind: 'MERCHANT_DIFFERS'; wechat: string }
  | { kind: 'ORDER_DIFFERS'; wechat: string };

/**
 * Whether WeChat's answer to queryOrder lets a 审核 confirm the order as paid: SUCCESS, for this
 * order's number and amount, with our merchant. (A payment since refunded, REFUND, is not one to
 * confirm.)
 */
export function confirmRefusal(
  order: Pick<OrderDoc, 'outTradeNo' | 'total'>,
  wechat: { tradeState: string } & Pick<ConfirmedPayment, 'outTradeNo' | 'totalFee' | 'subMchId'>,
  merchantId: string,
): ConfirmRefusal | null {
  if (wechat.tradeState !== 'SUCCESS') return { kind: 'NOT_PAID', tradeState: wechat.tradeState };
  const check = checkPaymentAgainstOrder(order, wechat, merchantId);
  if (check.ok) return null;
  if (check.reason === 'AMOUNT_MISMATCH') return { kind: 'AMOUNT_DIFFERS', wechat: wechat.totalFee, order: order.total };
  if (check.reason === 'WRONG_MERCHANT') return { kind: 'MERCHANT_DIFFERS', wechat: wechat.subMchId };
  return { kind: 'ORDER_DIFFERS', wechat: wechat.outTradeNo };
}

/** The fields a resolution writes, through the case's status table. */
export function resolvedCase(decision: ReviewCaseDecision, at: Date) {
  return { ...reviewCaseStatusChange('OPEN', 'RESOLVED').set, resolution: decision, awaitingRefundId: null, resolvedAt: at, updatedAt: at };
}
