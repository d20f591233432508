/**
 * What the bills and pay functions show of bills and orders: the views of the contract, and the
 * notices a student reads. Built here, beside the contract, so that the domain stays free of them.
 */
import type { BillView, OrderLineView, OrderView } from './contract';
import type { BillDoc, OrderDoc, OrderLine, RefundReason } from './domain/records';
import { RESUME_MIN_REMAINING_MS, termLabel } from './domain/billing';

const ms = (value: Date | string | null | undefined): number => (value ? new Date(value).getTime() : Number.NaN);

const iso = (value: Date | string | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

export function billView(bill: BillDoc, now: Date): BillView {
  const deadline = new Date(bill.deadline);
  return {
    id: bill._id,
    term: bill.term,
    termLabel: termLabel(bill.term),
    itemCode: bill.itemCode,
    itemName: bill.itemName,
    amount: bill.amount,
    deadline: deadline.toISOString(),
    mandatory: bill.mandatory,
    status: bill.status,
    overdue: bill.status === 'UNPAID' && deadline.getTime() < now.getTime(),
  };
}

export function lineView(line: OrderLine): OrderLineView {
  return {
    billId: line.billId,
    term: line.term,
    termLabel: termLabel(line.term),
    itemCode: line.itemCode,
    itemName: line.itemName,
    amount: line.amount,
  };
}

const REFUND_REASONS: Record<RefundReason, string> = {
  BILLS_ALREADY_PAID: '所缴账单已由另一笔订单支付，本次支付将原路退回',
  BILLS_CHANGED: '订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废），本次支付将原路退回，请以“待缴费”中的账单为准',
  ARRANGED_BY_FINANCE: '计划财务处办理的退款，将原路退回',
};

/** Shown on an order whose payment WeChat reports differently from the order (it is not applied). */
export const REVIEW_NOTICE = '该订单的支付结果与微信支付记录不一致，已转计划财务处核实，期间账单不能重新支付。请联系计划财务处收费管理科。';
/** Shown on a second payment whose automatic refund did not go through. */
export const MANUAL_REFUND_NOTICE = '自动退款未成功，计划财务处将为您人工退款。如有疑问请联系计划财务处收费管理科。';

/** The order as the page shows it, to the WeChat account `viewerOpenid`. */
export function orderView(order: OrderDoc, now: Date, viewerOpenid: string, maskReference: (value: string) => string): OrderView {
  const underReview = Boolean(order.review) && (order.status === 'PENDING' || order.status === 'CLOSED');
  const pending = order.status === 'PENDING' && !underReview;
  const processing = pending && Boolean(order.clientPaidAt);
  const otherPayer = order.payerOpenid !== viewerOpenid;
  const refunds = order.refundSummary;
  const manualRefund = Boolean(refunds && refunds.manual > 0);
  return {
    id: order._id,
    outTradeNo: order.outTradeNo,
    status: order.status,
    total: order.total,
    lines: order.lines.map(lineView),
    email: order.email,
    createdAt: iso(order.createdAt) as string,
    expiresAt: iso(order.expiresAt) as string,
    paidAt: iso(order.paidAt),
    transactionIdMasked: order.transactionId ? maskReference(order.transactionId) : null,
    processing,
    canResume: pending && !processing && !otherPayer && ms(order.expiresAt) - now.getTime() >= RESUME_MIN_REMAINING_MS,
    canCancel: pending && !processing,
    otherPayer,
    underReview,
    notice: underReview ? REVIEW_NOTICE : manualRefund ? MANUAL_REFUND_NOTICE : null,
    refund:
      refunds && refunds.requested > 0
        ? {
            amount: refunds.requested,
            reason: REFUND_REASONS[refunds.latestReason],
            // Once all of it is back.
            refundedAt: refunds.refunded >= refunds.requested ? iso(refunds.lastRefundedAt) : null,
            manual: manualRefund,
            state: manualRefund ? 'FAILED' : refunds.refunded >= refunds.requested ? ((refunds.offline ?? 0) > 0 ? 'REFUNDED_OFFLINE' : 'REFUNDED') : 'REFUNDING',
          }
        : null,
  };
}
