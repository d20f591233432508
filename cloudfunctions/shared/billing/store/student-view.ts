/**
 * What 账单缴费 shows a student, read in one request whatever the number of bills: the bills grouped
 * into one result, with their orders and, from the student's record, who pays and the address
 * joined to it.
 */
import { collection, type Database } from '../../runtime';
import type { BillDoc, OrderDoc, OrderStatus } from '../domain/records';

/** Who pays, as the student's record has it (the ID number only masked: it is stored no other way). */
export interface PayerOnRecord {
  name: string;
  idMasked: string;
  studentNo: string;
}

export interface StudentBillingView {
  /** Null only when the student's record is gone. */
  payer: PayerOnRecord | null;
  /** Every bill of the student (one result holds them all: no page of 1,000 cuts them short). */
  bills: BillDoc[];
  /** The student's orders in the statuses asked for, in no particular order. */
  orders: OrderDoc[];
  /** The address on the student's record (from the roster), offered before their first order. */
  emailOnRecord: string | null;
}

interface Row {
  bills: BillDoc[];
  orders: OrderDoc[];
  emailOnRecord?: string | null;
  payer?: Partial<PayerOnRecord>;
}

/**
 * Null when the student has no bill at all (then there is no order either). Both joins are
 * equality lookups (orders by studentId, the student by _id), which the database answers from an
 * index; the orders are cut to `statuses` before they leave it.
 */
export async function studentBillingView(db: Database, studentId: string, statuses: readonly OrderStatus[]): Promise<StudentBillingView | null> {
  const [row] = await collection(db, 'bills').aggregate<Row>([
    { match: { studentId } },
    { group: { _id: '$studentId', bills: { $push: '$$ROOT' } } },
    { lookup: { from: 'orders', localField: '_id', foreignField: 'studentId', as: 'orders' } },
    { lookup: { from: 'students', localField: '_id', foreignField: '_id', as: 'student' } },
    {
      project: {
        bills: 1,
        orders: { $filter: { input: '$orders', as: 'order', cond: { $in: ['$$order.status', [...statuses]] } } },
        emailOnRecord: { $arrayElemAt: ['$student.email', 0] },
        payer: {
          name: { $arrayElemAt: ['$student.name', 0] },
          idMasked: { $arrayElemAt: ['$student.idMasked', 0] },
          studentNo: { $arrayElemAt: ['$student.studentNo', 0] },
        },
      },
    },
    // Without a limit the cloud answers with at most 20 results.
    { limit: 1 },
  ]);
  if (!row) return null;
  const { name, idMasked, studentNo } = row.payer ?? {};
  const payer = name !== undefined && idMasked !== undefined && studentNo !== undefined ? { name, idMasked, studentNo } : null;
  return { payer, bills: row.bills, orders: row.orders, emailOnRecord: row.emailOnRecord ?? null };
}
