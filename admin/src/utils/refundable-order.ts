/**
 * A paid order as the 申请退款 dialog offers it: each of its bills, and whether it can still be
 * refunded (the server decides again; this only keeps the person from picking what it would refuse).
 * Built from the 账单 page (the bill's order) or from a review case's detail.
 */
import { searchBills } from '../api/bills';
import { listRefunds } from '../api/refunds';
import type { CaseDetail, ConsoleBill, ConsoleBillOrder, ConsoleRefund, RefundStateView } from '../api/types';

export interface RefundableBill {
  billId: string;
  term: string;
  itemName: string;
  amount: number;
  /** Why it cannot be chosen (already refunded, in another request…); null when it can. */
  unavailable: string | null;
}

export interface RefundableOrder {
  orderId: string;
  outTradeNo: string;
  total: number;
  paidAt: string | null;
  studentNo: string;
  studentName: string;
  bills: RefundableBill[];
  /** Every bill of the order can still be refunded, so the whole order can be asked for. */
  wholeOrder: boolean;
}

/** A refund holds its bills from the request on; only a rejected request lets them go. */
const HOLDING_TEXT: Readonly<Record<Exclude<RefundStateView, 'REJECTED'>, string>> = {
  REQUESTED: '已在待审核的退款申请中',
  REFUNDING: '正在退款',
  REFUNDED: '已退款',
  FAILED: '退款失败，待人工处理',
};

function heldBills(refunds: readonly ConsoleRefund[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const refund of refunds) {
    if (refund.state === 'REJECTED') continue;
    for (const line of refund.lines) held.set(line.billId, HOLDING_TEXT[refund.state]);
  }
  return held;
}

function refundable(
  order: Omit<RefundableOrder, 'bills' | 'wholeOrder'>,
  lines: readonly { billId: string; term: string; itemName: string; amount: number; status: ConsoleBill['status'] | null }[],
  refunds: readonly ConsoleRefund[],
): RefundableOrder {
  const held = heldBills(refunds);
  const bills = lines.map((line) => ({
    billId: line.billId,
    term: line.term,
    itemName: line.itemName,
    amount: line.amount,
    unavailable: held.get(line.billId) ?? (line.status !== 'PAID' ? '已不是已缴费状态' : null),
  }));
  const listed = bills.reduce((sum, bill) => sum + bill.amount, 0);
  return { ...order, bills, wholeOrder: listed === order.total && bills.every((bill) => bill.unavailable === null) };
}

/** The student's bills, page by page (a student has tens of bills at most). */
async function billsOfStudent(studentNo: string): Promise<ConsoleBill[]> {
  const pageSize = 100;
  const all: ConsoleBill[] = [];
  for (let page = 1; ; page += 1) {
    const found = await searchBills({ studentNo, page, pageSize });
    all.push(...found.items);
    if (all.length >= found.total || found.items.length < pageSize) return all;
  }
}

/**
 * The order a bill was paid by. Its bills are the student's bills that name it as the order that
 * paid them; a bill already refunded back to 待缴费 no longer does, and is covered by the refunds.
 */
export async function refundableOrderOfBill(bill: ConsoleBill, order: ConsoleBillOrder): Promise<RefundableOrder> {
  const [bills, refunds] = await Promise.all([billsOfStudent(bill.studentNo), listRefunds({ orderId: order.orderId, page: 1, pageSize: 100 })]);
  const lines = bills
    .filter((one) => one.paidOrderId === order.orderId)
    .map((one) => ({ billId: one.billId, term: one.term, itemName: one.itemName, amount: one.amount, status: one.status }));
  return refundable(
    { orderId: order.orderId, outTradeNo: order.outTradeNo, total: order.total, paidAt: order.paidAt, studentNo: bill.studentNo, studentName: bill.studentName },
    lines,
    refunds.items,
  );
}

/** A review case's order and whose it is, as the refund dialog heads it; null when the case has no order. */
export function caseOrderHeading(detail: CaseDetail): Omit<RefundableOrder, 'bills' | 'wholeOrder'> | null {
  const order = detail.ours.order;
  if (!order) return null;
  const student = detail.ours.bills[0];
  return {
    orderId: order.orderId,
    outTradeNo: order.outTradeNo,
    total: order.total,
    paidAt: order.paidAt,
    studentNo: detail.case.studentNo ?? student?.studentNo ?? '',
    studentName: student?.studentName ?? '',
  };
}

/** The order of a review case, from its detail (its lines, its bills as they stand, its refunds). */
export function refundableOrderOfCase(detail: CaseDetail): RefundableOrder | null {
  const heading = caseOrderHeading(detail);
  if (!heading || !detail.ours.order) return null;
  const statusOf = new Map(detail.ours.bills.map((bill) => [bill.billId, bill.status]));
  return refundable(
    heading,
    detail.ours.order.lines.map((line) => ({ ...line, status: statusOf.get(line.billId) ?? null })),
    detail.ours.refunds,
  );
}
