/**
 * 重新申请退款 from a 退款失败 case: the bills of the failed refund, and only those, are offered again
 * (the server frees them from the failed refund when the new request is made).
 */
import type { CaseDetail } from '../../api/types';
import { caseOrderHeading, type RefundableOrder } from '../../utils/refundable-order';

export function retryableOrderOfCase(detail: CaseDetail): RefundableOrder | null {
  const heading = caseOrderHeading(detail);
  const order = detail.ours.order;
  const failed = detail.ours.refunds.find((refund) => refund.refundId === detail.case.outRefundNo);
  if (!heading || !order || !failed) return null;
  const again = new Set(failed.lines.map((line) => line.billId));
  const bills = order.lines.map((line) => ({
    billId: line.billId,
    term: line.term,
    itemName: line.itemName,
    amount: line.amount,
    unavailable: again.has(line.billId) ? null : '不在这笔失败的退款中',
  }));
  return { ...heading, bills, wholeOrder: failed.amount === order.total && bills.every((bill) => bill.unavailable === null) };
}
