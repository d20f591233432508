/**
 * Writes to bills. A bill follows the order holding it with one conditional multi-update (`where
 * orderId = <the order>`), the same request however many bills it holds; each is idempotent, so a
 * retry after a crash between an order's write and its bills' finishes the job.
 */
import { collection, commands, type Database } from '../../runtime';
import { billStatusChange } from '../domain/billing';
import type { OrderDoc } from '../domain/records';

export function billWrites(db: Database) {
  const bills = collection(db, 'bills');
  const _ = commands(db);

  return {
    /**
     * The new order takes its bills: only those of the student still unpaid and in no order, so a
     * bill is in at most one open order. Returns how many it took (fewer than its bills: one changed
     * meanwhile, and the caller gives back what was taken).
     */
    async takeBills(order: Pick<OrderDoc, '_id' | 'billIds' | 'studentId'>, at: Date): Promise<number> {
      const take = billStatusChange('UNPAID', 'PAYING');
      return bills.updateWhere(
        { _id: _.in(order.billIds), studentId: order.studentId, status: _.in([...take.froms]), orderId: null },
        { ...take.set, orderId: order._id, updatedAt: at },
      );
    },

    /** The bills held by an order that is no longer open go back to 待缴费. Returns how many. */
    async releaseBills(orderId: string, at: Date): Promise<number> {
      const release = billStatusChange('PAYING', 'UNPAID');
      return bills.updateWhere({ orderId, status: _.in([...release.froms]) }, { ...release.set, orderId: null, updatedAt: at });
    },

    /** The bills held by a PAID order become paid by it. Returns how many changed now. */
    async markBillsPaid(orderId: string, at: Date): Promise<number> {
      const paid = billStatusChange('PAYING', 'PAID');
      return bills.updateWhere({ orderId, status: _.in([...paid.froms]) }, { ...paid.set, paidOrderId: orderId, orderId: null, updatedAt: at });
    },
  };
}
