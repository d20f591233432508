/**
 * What the school's fee rules allow a student to put into one order, checked by the server (the
 * bills overview marks bills that can no longer be paid here with the same rule):
 * - a bill past its deadline whose fee item closes at the deadline can no longer be paid here;
 * - a term's mandatory bills are paid before, or together with, its optional ones, except a
 *   mandatory bill that can no longer be paid here: it is settled with 计划财务处, and requiring it
 *   would leave the term's optional bills unpayable for good.
 * Pure: the bills and the catalogue are read by the caller.
 */
import type { FeeItemDoc } from './bill-row';
import type { BillDoc } from './records';

export type PayabilityProblem =
  /** Optional bills of `term` chosen while mandatory ones of that term stay unpaid. */
  | { kind: 'MANDATORY_FIRST'; term: string; mandatoryItems: string[] }
  /** The bill's item is not payable after its deadline, which has passed. */
  | { kind: 'CLOSED_AFTER_DEADLINE'; billId: string; itemName: string };

export type PayableCatalogue = readonly Pick<FeeItemDoc, '_id' | 'payableAfterDeadline'>[];

/** The bill's fee item closes at its deadline and the deadline has passed: it cannot be paid online any more. */
export function closedAfterDeadline(bill: Pick<BillDoc, 'itemCode' | 'deadline'>, catalogue: PayableCatalogue, now: Date): boolean {
  if (new Date(bill.deadline).getTime() >= now.getTime()) return false;
  return catalogue.some((item) => item._id === bill.itemCode && !item.payableAfterDeadline);
}

export function payabilityProblems(
  chosen: readonly Pick<BillDoc, '_id' | 'term' | 'itemCode' | 'itemName' | 'mandatory' | 'deadline'>[],
  unpaidOfStudent: readonly Pick<BillDoc, '_id' | 'term' | 'itemCode' | 'itemName' | 'mandatory' | 'deadline'>[],
  catalogue: PayableCatalogue,
  now: Date,
): PayabilityProblem[] {
  const problems: PayabilityProblem[] = [];
  const chosenIds = new Set(chosen.map((bill) => bill._id));
  const termsWithOptional = new Set(chosen.filter((bill) => !bill.mandatory).map((bill) => bill.term));
  for (const term of [...termsWithOptional].sort()) {
    const left = unpaidOfStudent.filter(
      (bill) => bill.term === term && bill.mandatory && !chosenIds.has(bill._id) && !closedAfterDeadline(bill, catalogue, now),
    );
    if (left.length > 0) problems.push({ kind: 'MANDATORY_FIRST', term, mandatoryItems: left.map((bill) => bill.itemName) });
  }
  for (const bill of chosen) {
    if (closedAfterDeadline(bill, catalogue, now)) problems.push({ kind: 'CLOSED_AFTER_DEADLINE', billId: bill._id, itemName: bill.itemName });
  }
  return problems;
}
