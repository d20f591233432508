/**
 * What 账单缴费 shows a student, read in one request whatever the number of bills: the bills grouped
 * into one result, with their orders. Who pays and the address on record come from the student's
 * record, which the session check has already read (StudentSession.record).
 */
import { collection, type Database } from '../../runtime';
import type { BillDoc, OrderDoc, OrderStatus } from '../domain/records';

export interface StudentBillingView {
  /** Every bill of the student (one result holds them all: no page of 1,000 cuts them short). */
  bills: BillDoc[];
  /** The student's orders in the statuses asked for, in no particular order. */
  orders: OrderDoc[];
}

interface Row {
  bills: BillDoc[];
  orders: OrderDoc[];
}

/**
 * Null when the student has no bill at all (then there is no order either). The join is an
 * equality lookup (orders by studentId), which the database answers from an index; the orders are
 * cut to `statuses` before they leave it.
 */
export async function studentBillingView(db: Database, studentId: string, statuses: readonly OrderStatus[]): Promise<StudentBillingView | null> {
  const [row] = await collection(db, 'bills').aggregate<Row>([
    { match: { studentId } },
    { group: { _id: '$studentId', bills: { $push: '$$ROOT' } } },
    { lookup: { from: 'orders', localField: '_id', foreignField: 'studentId', as: 'orders' } },
    {
      project: {
        bills: 1,
        orders: { $filter: { input: '$orders', as: 'order', cond: { $in: ['$$order.status', [...statuses]] } } },
      },
    },
    // Without a limit the cloud answers with at most 20 results.
    { limit: 1 },
  ]);
  if (!row) return null;
  return { bills: row.bills, orders: row.orders };
}
