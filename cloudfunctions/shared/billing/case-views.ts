/** Review cases and WeChat's side of them as the console shows them. */
import { maskReference } from '../runtime';
import {
  CASE_KIND_TEXT,
  CASE_REASON_TEXT,
  CASE_RESOLUTION_TEXT,
  CASE_STATE_TEXT,
  ORDER_STATUS_TEXT,
  type CaseOrderView,
  type CasePaymentView,
  type CaseWechatView,
  type ConsoleCase,
} from './contract';
import type { QueriedOrder, QueryOrderResult, QueryRefundResult } from './cloudpay';
import { dashedDay } from './domain/reconciliation';
import { refundRetryable } from './domain/billing';
import { closingEndsOrder, confirmRefusal } from './domain/review-cases';
import type { OrderDoc, PaymentDoc, RefundDoc, ReviewCaseDoc } from './domain/records';

const iso = (value: Date | string): string => new Date(value).toISOString();

export function consoleCaseOf(reviewCase: ReviewCaseDoc): ConsoleCase {
  const resolution = reviewCase.resolution;
  return {
    caseId: reviewCase._id,
    kind: reviewCase.kind,
    kindText: CASE_KIND_TEXT[reviewCase.kind],
    reason: reviewCase.reason,
    reasonText: CASE_REASON_TEXT[reviewCase.reason],
    detail: reviewCase.note,
    state: reviewCase.status,
    stateText: CASE_STATE_TEXT[reviewCase.status],
    orderId: reviewCase.orderId,
    outTradeNo: reviewCase.outTradeNo,
    outRefundNo: reviewCase.outRefundNo,
    studentNo: reviewCase.studentNo,
    amount: reviewCase.amount,
    billDate: reviewCase.billDate ? dashedDay(reviewCase.billDate) : null,
    openedAt: iso(reviewCase.openedAt),
    awaitingRefundId: reviewCase.awaitingRefundId,
    resolution: resolution
      ? {
          action: resolution.action,
          actionText: CASE_RESOLUTION_TEXT[resolution.action],
          by: resolution.by.name,
          requestedBy: resolution.requestedBy?.name ?? null,
          reason: resolution.reason,
          refundId: resolution.refundId ?? null,
          at: iso(resolution.at),
        }
      : null,
  };
}

/** What the audit log keeps of a case before and after a decision. */
export const caseAuditView = (reviewCase: ReviewCaseDoc) => ({
  status: reviewCase.status,
  kind: reviewCase.kind,
  reason: reviewCase.reason,
  orderId: reviewCase.orderId,
  awaitingRefundId: reviewCase.awaitingRefundId,
  resolution: reviewCase.resolution ? { action: reviewCase.resolution.action, by: reviewCase.resolution.by.name, refundId: reviewCase.resolution.refundId ?? null } : null,
});

export function caseOrderView(order: OrderDoc, subMchId: string | null): CaseOrderView {
  const review = order.review && (order.status === 'PENDING' || order.status === 'CLOSED') ? order.review : null;
  return {
    orderId: order._id,
    outTradeNo: order.outTradeNo,
    status: order.status,
    statusText: ORDER_STATUS_TEXT[order.status],
    total: order.total,
    subMchId,
    transactionId: order.transactionId ? maskReference(order.transactionId) : null,
    createdAt: iso(order.createdAt),
    paidAt: order.paidAt ? iso(order.paidAt) : null,
    lines: order.lines.map((line) => ({ billId: line.billId, term: line.term, itemName: line.itemName, amount: line.amount })),
    reviewText: review ? CASE_REASON_TEXT[review.reason] : null,
  };
}

const VIA_TEXT: Readonly<Record<PaymentDoc['via'], string>> = { callback: '支付回调', query: '查询', reconcile: '对账' };

export function casePaymentView(payment: PaymentDoc): CasePaymentView {
  return {
    transactionId: maskReference(payment._id),
    orderId: payment.orderId,
    totalFee: payment.totalFee,
    subMchId: payment.subMchId,
    paidAt: iso(payment.paidAt),
    viaText: VIA_TEXT[payment.via],
  };
}

const TRADE_STATE_TEXT: Readonly<Record<string, string>> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};

const REFUND_STATUS_TEXT: Readonly<Record<string, string>> = {
  SUCCESS: '退款成功',
  PROCESSING: '退款处理中',
  REFUNDCLOSE: '退款关闭',
  CHANGE: '退款异常',
};

/** WeChat could not be asked (or not configured here): said plainly, with our record shown alone. */
export function wechatNotAsked(why: string): CaseWechatView {
  return { asked: false, message: `${why}；以下只有本系统的记录，请稍后刷新或在微信支付商户平台核对。`, order: null, refund: null };
}

/** WeChat's answers as the console shows them; not asked when either question could not be put. */
export function caseWechatView(query: QueryOrderResult | null, refundQuery: QueryRefundResult | null, ourMerchant: string): CaseWechatView {
  if (query?.kind === 'unavailable' || refundQuery?.kind === 'unavailable') return wechatNotAsked('微信支付暂时无法查询（网络或微信支付繁忙）');
  if (query?.kind === 'failed') return wechatNotAsked(`微信支付拒绝了查询（${query.description}）`);
  const order: CaseWechatView['order'] =
    query === null
      ? null
      : query.kind === 'found'
        ? {
            found: true,
            tradeState: query.tradeState,
            tradeStateText: TRADE_STATE_TEXT[query.tradeState] ?? query.tradeState,
            totalFee: query.totalFee,
            subMchId: query.subMchId,
            ourMerchant: query.subMchId === ourMerchant,
            transactionId: query.transactionId ? maskReference(query.transactionId) : null,
            paidAt: query.paidAt ? iso(query.paidAt) : null,
          }
        : { found: false, tradeState: null, tradeStateText: '微信支付没有该订单', totalFee: null, subMchId: null, ourMerchant: null, transactionId: null, paidAt: null };
  const refund: CaseWechatView['refund'] =
    refundQuery === null
      ? null
      : refundQuery.kind === 'found'
        ? { state: 'FOUND', status: refundQuery.status, statusText: REFUND_STATUS_TEXT[refundQuery.status] ?? refundQuery.status }
        : refundQuery.kind === 'not-found'
          ? { state: 'NOT_FOUND', status: null, statusText: '微信支付没有该退款' }
          : refundQuery.kind === 'failed'
            ? // WeChat's REFUNDNOTEXIST reaches us only as its description (退款订单查询失败).
              { state: 'NOT_FOUND', status: null, statusText: `微信支付查不到该退款（${refundQuery.description}）` }
            : { state: 'UNKNOWN', status: null, statusText: '微信支付答复了查询，但没有给出该退款的状态，请稍后刷新' };
  return { asked: true, message: null, order, refund };
}

const PAID_HERE: ReadonlySet<OrderDoc['status']> = new Set(['PAID', 'REFUNDING', 'REFUNDED']);
const PAID_THERE: ReadonlySet<string> = new Set(['SUCCESS', 'REFUND']);

/** Where our record and WeChat's disagree, by the field's name; nothing when WeChat could not be asked. */
export function caseDifferences(
  order: OrderDoc | null,
  refund: RefundDoc | null,
  query: QueryOrderResult | null,
  refundQuery: QueryRefundResult | null,
  ourMerchant: string,
): string[] {
  if (query?.kind === 'unavailable' || query?.kind === 'failed' || refundQuery?.kind === 'unavailable') return [];
  const out: string[] = [];
  if (query) {
    const theirs = query.kind === 'found' ? query : null;
    const paidThere = theirs !== null && PAID_THERE.has(theirs.tradeState);
    if (!order) {
      if (paidThere) out.push('订单');
    } else {
      if (PAID_HERE.has(order.status) !== paidThere) out.push('支付状态');
      if (theirs && theirs.totalFee !== order.total) out.push('金额');
      if (theirs && theirs.subMchId !== ourMerchant) out.push('商户号');
      if (theirs?.transactionId && order.transactionId && theirs.transactionId !== order.transactionId) out.push('微信支付单号');
    }
  }
  if (refundQuery && refundQuery.kind !== 'unknown') {
    const doneThere = refundQuery.kind === 'found' && refundQuery.status === 'SUCCESS';
    if (refund ? (refund.status === 'SUCCESS') !== doneThere : doneThere) out.push('退款状态');
  }
  return out;
}

/** Where 退款异常 is handled: the money waits at WeChat, and only the merchant platform sends it on. */
export const ABNORMAL_REFUND_GUIDANCE =
  '微信支付显示退款异常（CHANGE）：多为学生的银行卡已注销或冻结，原路退回失败，款项停在微信支付。不能在本系统重新申请退款，请登录微信支付商户平台（pay.weixin.qq.com），在“交易中心 → 退款管理”中找到该退款并手动处理（退至学生的其他银行卡，或退回本校账户后线下退给学生），处理完成后在此关闭事项（已线下退款的选“已线下退款”）。';

/**
 * What the office should do about a 退款失败 case, by why the refund failed; null for other cases
 * and once the refund is no longer with a person.
 */
export function refundCaseGuidance(reviewCase: Pick<ReviewCaseDoc, 'kind' | 'status'>, refund: RefundDoc | null): string | null {
  if (reviewCase.kind !== 'REFUND' || reviewCase.status !== 'OPEN' || !refund || refund.status !== 'MANUAL') return null;
  const cause = refund.manual?.cause ?? (refund.wechatStatus === 'CHANGE' ? 'ABNORMAL' : refund.wechatStatus === 'REFUNDCLOSE' ? 'CLOSED' : 'UNCONFIRMED');
  if (cause === 'ABNORMAL') return ABNORMAL_REFUND_GUIDANCE;
  if (cause === 'UNCONFIRMED') {
    return '微信支付一直没有确认该退款的结果，退款可能仍会到账，因此不能重新申请。请在微信支付商户平台“交易中心 → 退款管理”中查询该退款：已退款的，系统收到微信支付的结果后自动办结；确认未退的，线下退款后选“已线下退款”。';
  }
  const why = cause === 'REFUSED' ? '微信支付拒绝受理该退款（例如子商户未授权云开发退款权限），没有生成退款单' : '微信支付已关闭该退款（退款关闭）';
  return refundRetryable(refund)
    ? `${why}。处理原因后（如授权退款权限、补足商户余额），可由收费员“重新申请退款”，经另一位审核人员批准后重新提交微信支付；已线下退款的选“已线下退款”。`
    : `${why}。请线下退款后选“已线下退款”，或写明原因关闭。`;
}

/** What settles a payment WeChat took for an order still set aside: confirmed as paid when it fits, refunded at WeChat first when not. */
export function paidAtWechatAdvice(order: OrderDoc, wechat: QueriedOrder, ourMerchant: string): string {
  return confirmRefusal(order, wechat, ourMerchant)
    ? '微信支付显示学生已为该订单付款，但款项与订单不一致，不能确认为已缴费，也不能直接关闭。请先在微信支付商户平台（pay.weixin.qq.com）的“交易中心 → 退款”中将该笔款项原路退还学生；微信支付显示已转入退款后，再关闭本事项并写明退款情况，订单随之关闭，账单恢复为待缴费。'
    : '微信支付显示该订单已支付成功，且金额、商户号与订单一致：请选择“确认已缴费”，账单将记为已缴费。';
}

/**
 * What the office should do about a 支付待核实 case whose order is still open and set aside, by
 * WeChat's record just asked: a payment WeChat took is settled first (confirmed, or refunded at
 * WeChat); without one, closing the case ends the order and gives the student the bills back. Null
 * for other cases, once decided, and when WeChat could not be asked.
 */
export function paymentCaseGuidance(
  reviewCase: Pick<ReviewCaseDoc, 'kind' | 'status' | 'awaitingRefundId'>,
  order: OrderDoc | null,
  query: QueryOrderResult | null,
  ourMerchant: string,
): string | null {
  if (reviewCase.status !== 'OPEN' || reviewCase.awaitingRefundId || !order || !closingEndsOrder(reviewCase, order)) return null;
  if (!query || query.kind === 'unavailable' || query.kind === 'failed') return null;
  if (query.kind === 'found' && query.tradeState === 'SUCCESS') return paidAtWechatAdvice(order, query, ourMerchant);
  if (query.kind === 'found' && query.tradeState === 'USERPAYING') return '微信支付显示学生正在支付该订单（用户支付中），请稍后刷新，待支付结果确定后再处理。';
  const there = query.kind === 'found' && query.tradeState === 'REFUND' ? '微信支付显示该订单的款项已转入退款' : '微信支付没有该订单的成功收款';
  return `${there}。关闭本事项时，该订单随之关闭（需要时由系统在微信支付一侧关单），账单恢复为待缴费，学生可以重新选择账单缴费。`;
}
