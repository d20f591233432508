/** Bills as the console shows, finds and exports them. */
import type { commands } from '../runtime';
import { parseChinaDateEndOfDay } from '../kernel/china-time';
import { BILL_STATUS_TEXT, type ConsoleBill } from './contract';
import type { BillDoc, BillStatus } from './domain/records';

export function consoleBillOf(bill: BillDoc, now: Date): ConsoleBill {
  const deadline = new Date(bill.deadline);
  return {
    billId: bill._id,
    studentNo: bill.studentNo,
    studentName: bill.studentName ?? '',
    college: bill.college ?? '',
    major: bill.major ?? '',
    grade: bill.grade ?? '',
    className: bill.className ?? '',
    term: bill.term,
    itemCode: bill.itemCode,
    itemName: bill.itemName,
    amount: bill.amount,
    originalAmount: bill.originalAmount ?? null,
    deadline: deadline.toISOString(),
    overdue: bill.status === 'UNPAID' && deadline.getTime() < now.getTime(),
    mandatory: bill.mandatory,
    status: bill.status,
    statusText: BILL_STATUS_TEXT[bill.status],
    orderId: bill.orderId,
    paidOrderId: bill.paidOrderId,
    importBatchId: bill.importBatchId ?? null,
    createdAt: new Date(bill.createdAt).toISOString(),
    updatedAt: new Date(bill.updatedAt ?? bill.createdAt).toISOString(),
  };
}

export interface BillFilterInput {
  studentNo?: string;
  studentName?: string;
  college?: string;
  major?: string;
  grade?: string;
  term?: string;
  itemCode?: string;
  status?: BillStatus;
  deadlineFrom?: string;
  deadlineTo?: string;
}

/** The query for a filter as the console sends it; exact matches, the deadline as China-time days. */
export function billQuery(filters: BillFilterInput, _: ReturnType<typeof commands>): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  for (const field of ['studentNo', 'studentName', 'college', 'major', 'grade', 'term', 'itemCode', 'status'] as const) {
    const value = filters[field]?.trim();
    if (value) where[field] = field === 'studentNo' || field === 'itemCode' ? value.toUpperCase() : value;
  }
  const from = filters.deadlineFrom ? parseChinaDateEndOfDay(filters.deadlineFrom) : null;
  const to = filters.deadlineTo ? parseChinaDateEndOfDay(filters.deadlineTo) : null;
  if (from && to) where.deadline = _.and(_.gte(new Date(from.getTime() - 24 * 3600_000 + 1000)), _.lte(to));
  else if (from) where.deadline = _.gte(new Date(from.getTime() - 24 * 3600_000 + 1000));
  else if (to) where.deadline = _.lte(to);
  return where;
}
