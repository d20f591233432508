/**
 * 重新申请退款 from a 退款失败 case: the bills of the failed refund, and only those, are offered again
 * (the server frees them from the failed refund when the new request is made).
 */
import type { CaseDetail } from '../../api/types';
import type { RefundableOrder } from '../../utils/refundable-order';

export function retryableOrderOfCase(detail: CaseDetail): RefundableOrder | null {
  const order = detail.ours.order;
  const failed = detail.ours.refunds.find((refund) => refund.refundId === detail.case.outRefundNo);
  if (!order || !failed) return null;
  const again = new Set(failed.lines.map((line) => line.billId));
  const student = detail.ours.bills[0];
  const bills = order.lines.map((line) => ({
    billId: line.billId,
    term: line.term,
    itemName: line.itemName,
    amount: line.amount,
    unavailable: again.has(line.billId) ? null : '不在这笔失败的退款中',
  }));
  return {
    orderId: order.orderId,
    outTradeNo: order.outTradeNo,
    total: order.total,
    paidAt: order.paidAt,
    studentNo: detail.case.studentNo ?? student?.studentNo ?? '',
    studentName: student?.studentName ?? '',
    bills,
    wholeOrder: failed.amount === order.total && bills.every((bill) => bill.unavailable === null),
  };
}
