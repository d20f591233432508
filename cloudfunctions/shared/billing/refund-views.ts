/** Refunds as the console shows them (and the states the student reads on an order). */
import { REFUND_STATE_TEXT, type ConsoleRefund, type RefundStateView } from './contract';
import type { OrderDoc, RefundDoc, RefundReason, RefundStatus } from './domain/records';

const iso = (value: Date | string | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

/** The state a refund record is shown in. */
export function refundStateOf(status: RefundStatus): RefundStateView {
  switch (status) {
    case 'REQUESTED':
      return 'REQUESTED';
    case 'REJECTED':
      return 'REJECTED';
    case 'SUCCESS':
    case 'OFFLINE':
      return 'REFUNDED';
    case 'MANUAL':
    case 'RETRIED':
      return 'FAILED';
    default:
      return 'REFUNDING';
  }
}

/** The record statuses behind each state (the console filters by state). */
export const REFUND_STATUSES_OF_STATE: Readonly<Record<RefundStateView, readonly RefundStatus[]>> = {
  REQUESTED: ['REQUESTED'],
  REJECTED: ['REJECTED'],
  REFUNDING: ['PENDING', 'SUBMITTED'],
  REFUNDED: ['SUCCESS', 'OFFLINE'],
  FAILED: ['MANUAL', 'RETRIED'],
};

/** The states whose records say more than the state's name: how the money went back, or what replaced it. */
const STATUS_TEXT: Readonly<Partial<Record<RefundStatus, string>>> = {
  OFFLINE: '已退款（线下办理）',
  RETRIED: '退款失败（已重新申请）',
};

/** Why the payments refunded by themselves, for a refund nobody requested. */
const AUTOMATIC_REASONS: Readonly<Record<RefundReason, string>> = {
  BILLS_ALREADY_PAID: '重复缴费（账单已由另一笔订单支付），自动原路退回',
  BILLS_CHANGED: '订单取消后账单已调整（减免、改金额或作废），自动原路退回',
  ARRANGED_BY_FINANCE: '计划财务处办理的退款',
};

export function consoleRefundOf(refund: RefundDoc, order: Pick<OrderDoc, 'lines' | 'total' | 'studentNo'> | null): ConsoleRefund {
  const wanted = new Set(refund.billIds);
  const state = refundStateOf(refund.status);
  return {
    refundId: refund._id,
    orderId: refund.orderId,
    outTradeNo: refund.outTradeNo,
    studentNo: refund.studentNo ?? order?.studentNo ?? '',
    amount: refund.refundFee,
    orderTotal: order?.total ?? refund.totalFee,
    lines: (order?.lines ?? [])
      .filter((line) => wanted.has(line.billId))
      .map((line) => ({ billId: line.billId, term: line.term, itemName: line.itemName, amount: line.amount })),
    billsBecome: refund.request?.billsBecome ?? null,
    state,
    stateText: STATUS_TEXT[refund.status] ?? REFUND_STATE_TEXT[state],
    reason: refund.request?.reason ?? AUTOMATIC_REASONS[refund.reason],
    requestedBy: refund.request?.by.name ?? null,
    requestedByStaffId: refund.request?.by.staffId ?? null,
    requestedAt: iso(refund.request?.at ?? refund.createdAt) as string,
    decidedBy: refund.decision?.by.name ?? null,
    decidedAt: iso(refund.decision?.at),
    decisionNote: refund.decision?.note ?? null,
    refundedAt: iso(refund.refundedAt),
    failure: refund.status === 'MANUAL' || refund.status === 'RETRIED' ? (refund.manual?.reason ?? refund.note) : null,
    caseId: refund.request?.caseId ?? null,
    retriedAs: refund.status === 'RETRIED' ? (refund.retriedAs ?? null) : null,
    retryOf: refund.request?.retryOf ?? null,
    offline: refund.status === 'OFFLINE',
  };
}
