/**
 * Bills still owed (待缴费, or in an order not yet paid), for the deadline reminders: read here so
 * that no other feature reads the bills collection.
 */
import type { Fen } from '../kernel/money';
import { commands, type Database } from '../runtime';
import { billingReads } from './store/reads';

export interface OwedBillRead {
  _id: string;
  studentId: string;
  studentNo: string;
  term: string;
  itemName: string;
  amount: Fen;
  deadline: Date;
}

const OWED_FIELDS = ['studentId', 'studentNo', 'term', 'itemName', 'amount', 'deadline'] as const;

/** The owed bills of these students whose deadline falls within [from, to]; every one (read in pages). */
export async function owedBills(db: Database, studentIds: readonly string[], window: { from: Date; to?: Date }): Promise<OwedBillRead[]> {
  if (studentIds.length === 0) return [];
  const _ = commands(db);
  const owed = { studentId: _.in([...studentIds]), status: _.in(['UNPAID', 'PAYING']), deadline: _.gte(window.from) };
  const query = window.to ? _.and(owed, { deadline: _.lte(window.to) }) : owed;
  return billingReads(db).bills.findAll(query, { fields: OWED_FIELDS });
}
