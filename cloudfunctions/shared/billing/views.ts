/**
 * What the bills and pay functions show of bills and orders: the views of the contract, and the
 * notices a student reads. Built here, beside the contract, so that the domain stays free of them.
 */
import { PAY_ERRORS, type BillView, type OrderLineView, type OrderView } from './contract';
import type { BillDoc, OrderDoc, OrderLine, OrderRefundSummary, RefundReason } from './domain/records';
import { RESUME_MIN_REMAINING_MS, termLabel } from './domain/billing';
import { closedAfterDeadline, type PayableCatalogue } from './domain/payable';

const ms = (value: Date | string | null | undefined): number => (value ? new Date(value).getTime() : Number.NaN);

const iso = (value: Date | string | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

/**
 * `catalogue`: the fee items, needed only when the bill is overdue (whether its item still takes
 * payments); 立即支付 refuses by the same rule.
 */
export function billView(bill: BillDoc, now: Date, catalogue: PayableCatalogue): BillView {
  const deadline = new Date(bill.deadline);
  const closed = bill.status === 'UNPAID' && closedAfterDeadline(bill, catalogue, now);
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
    payableOnline: bill.status === 'UNPAID' && !closed,
    notPayableReason: closed ? PAY_ERRORS.PAY_ITEM_CLOSED : null,
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

type RefundState = NonNullable<OrderView['refund']>['state'];

/**
 * Why the money goes back, and how it stands: worded by state, so that a refund done outside
 * WeChat Pay, or one that failed, is never described as going back the way it was paid.
 */
const REFUND_WHY: Record<RefundReason, { why: string; what: string; after?: string }> = {
  BILLS_ALREADY_PAID: { why: '所缴账单已由另一笔订单支付', what: '本次支付' },
  BILLS_CHANGED: { why: '订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废）', what: '本次支付', after: '，请以“待缴费”中的账单为准' },
  ARRANGED_BY_FINANCE: { why: '计划财务处办理的退款', what: '' },
};

const REFUND_HOW: Record<RefundState, string> = {
  REFUNDING: '将原路退回',
  REFUNDED: '已原路退回',
  REFUNDED_OFFLINE: '已线下退回',
  FAILED: '未能原路退回，计划财务处将人工办理',
};

/** Null before any refund the student is shown (requests still waiting for a 审核 are not). */
function refundStateOf(refunds: OrderRefundSummary): RefundState | null {
  if (refunds.requested <= 0) return null;
  if (refunds.manual > 0) return 'FAILED';
  if (refunds.refunded < refunds.requested) return 'REFUNDING';
  return (refunds.offline ?? 0) > 0 ? 'REFUNDED_OFFLINE' : 'REFUNDED';
}

function refundReasonText(reason: RefundReason, state: RefundState): string {
  const { why, what, after = '' } = REFUND_WHY[reason];
  return `${why}，${what}${REFUND_HOW[state]}${after}`;
}

/** Shown on an order whose payment WeChat reports differently from the order (it is not applied). */
export const REVIEW_NOTICE = '该订单的支付结果与微信支付记录不一致，已转计划财务处核实，期间账单不能重新支付。请联系计划财务处收费管理科。';
/** Shown on a second payment whose automatic refund did not go through. */
export const MANUAL_REFUND_NOTICE = '自动退款未成功，计划财务处将为您人工退款。如有疑问请联系计划财务处收费管理科。';
/** Shown on a refund 计划财务处 started that WeChat Pay did not complete (it was never automatic). */
export const FINANCE_REFUND_FAILED_NOTICE = '该退款未能通过微信支付原路退回，计划财务处将为您人工退款。如有疑问请联系计划财务处收费管理科。';

/** The order as the page shows it, to the WeChat account `viewerOpenid`. */
export function orderView(order: OrderDoc, now: Date, viewerOpenid: string, maskReference: (value: string) => string): OrderView {
  const underReview = Boolean(order.review) && (order.status === 'PENDING' || order.status === 'CLOSED');
  const pending = order.status === 'PENDING' && !underReview;
  const processing = pending && Boolean(order.clientPaidAt);
  const otherPayer = order.payerOpenid !== viewerOpenid;
  const refunds = order.refundSummary;
  const manualRefund = Boolean(refunds && refunds.manual > 0);
  const refundState = refunds ? refundStateOf(refunds) : null;
  // Who started it: the automatic refund of a payment that came too late, or 计划财务处.
  const manualRefundNotice = refunds?.latestReason === 'ARRANGED_BY_FINANCE' ? FINANCE_REFUND_FAILED_NOTICE : MANUAL_REFUND_NOTICE;
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
    notice: underReview ? REVIEW_NOTICE : manualRefund ? manualRefundNotice : null,
    refund:
      refunds && refundState
        ? {
            amount: refunds.requested,
            reason: refundReasonText(refunds.latestReason, refundState),
            // Once all of it is back.
            refundedAt: refunds.refunded >= refunds.requested ? iso(refunds.lastRefundedAt) : null,
            manual: manualRefund,
            state: refundState,
          }
        : null,
  };
}
