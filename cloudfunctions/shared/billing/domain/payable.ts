/**
 * What the school's fee rules allow a student to put into one order, checked by the server (the
 * page explains the same rules before the student taps 立即支付):
 * - a term's mandatory bills are paid before, or together with, its optional ones;
 * - a bill past its deadline whose fee item closes at the deadline can no longer be paid here.
 * Pure: the bills and the catalogue are read by the caller.
 */
import type { FeeItemDoc } from './bill-row';
import type { BillDoc } from './records';

export type PayabilityProblem =
  /** Optional bills of `term` chosen while mandatory ones of that term stay unpaid. */
  | { kind: 'MANDATORY_FIRST'; term: string; mandatoryItems: string[] }
  /** The bill's item is not payable after its deadline, which has passed. */
  | { kind: 'CLOSED_AFTER_DEADLINE'; billId: string; itemName: string };

export function payabilityProblems(
  chosen: readonly Pick<BillDoc, '_id' | 'term' | 'itemCode' | 'itemName' | 'mandatory' | 'deadline'>[],
  unpaidOfStudent: readonly Pick<BillDoc, '_id' | 'term' | 'itemName' | 'mandatory'>[],
  catalogue: readonly Pick<FeeItemDoc, '_id' | 'payableAfterDeadline'>[],
  now: Date,
): PayabilityProblem[] {
  const problems: PayabilityProblem[] = [];
  const chosenIds = new Set(chosen.map((bill) => bill._id));
  const termsWithOptional = new Set(chosen.filter((bill) => !bill.mandatory).map((bill) => bill.term));
  for (const term of [...termsWithOptional].sort()) {
    const left = unpaidOfStudent.filter((bill) => bill.term === term && bill.mandatory && !chosenIds.has(bill._id));
    if (left.length > 0) problems.push({ kind: 'MANDATORY_FIRST', term, mandatoryItems: left.map((bill) => bill.itemName) });
  }
  const closing = new Set(catalogue.filter((item) => !item.payableAfterDeadline).map((item) => item._id));
  for (const bill of chosen) {
    if (closing.has(bill.itemCode) && new Date(bill.deadline).getTime() < now.getTime()) {
      problems.push({ kind: 'CLOSED_AFTER_DEADLINE', billId: bill._id, itemName: bill.itemName });
    }
  }
  return problems;
}
