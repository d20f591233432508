/**
 * Writes to bills. A bill follows the order holding it with one conditional multi-update (`where
 * orderId = <the order>`), the same request however many bills it holds; each is idempotent, so a
 * retry after a crash between an order's write and its bills' finishes the job.
 */
import { collection, commands, type Database } from '../../runtime';
import type { Fen } from '../../kernel/money';
import { billStatusChange } from '../domain/billing';
import type { BillDoc, OrderDoc } from '../domain/records';

/**
 * A bill as its order was priced from it: the amount on the order's line and, when the tap read the
 * bill itself, the deadline and 必缴 flag the fee rules were checked with. An order takes a bill only
 * while it is still so, which keeps what the student pays (the order) and what is recorded paid (the
 * bills) the same.
 */
export interface BillAsPriced {
  _id: string;
  amount: Fen;
  deadline?: Date;
  mandatory?: boolean;
}

/** The order's bills as it was priced: its lines, with the rules' fields of the bills it was made from when given. */
export function billsAsPriced(order: Pick<OrderDoc, 'lines'>, read: readonly Pick<BillDoc, '_id' | 'deadline' | 'mandatory'>[] = []): BillAsPriced[] {
  const readById = new Map(read.map((bill) => [bill._id, bill]));
  return order.lines.map((line) => {
    const bill = readById.get(line.billId);
    const priced: BillAsPriced = { _id: line.billId, amount: line.amount };
    if (bill?.deadline !== undefined) priced.deadline = bill.deadline;
    if (bill?.mandatory !== undefined) priced.mandatory = bill.mandatory;
    return priced;
  });
}

/** Whether the bill still has what its order was priced and checked from. */
export function stillAsPriced(bill: Pick<BillDoc, 'amount' | 'deadline' | 'mandatory'>, priced: BillAsPriced): boolean {
  if (bill.amount !== priced.amount) return false;
  if (priced.deadline !== undefined && new Date(bill.deadline).getTime() !== new Date(priced.deadline).getTime()) return false;
  return priced.mandatory === undefined || bill.mandatory === priced.mandatory;
}

export function billWrites(db: Database) {
  const bills = collection(db, 'bills');
  const _ = commands(db);

  return {
    /**
     * The new order takes its bills: only those of the student still unpaid, in no order (so a bill
     * is in at most one open order) and as the order was priced (an amount adjusted meanwhile is
     * never recorded paid by an order that charged the old one). One conditional multi-update, each
     * bill on its own condition. Returns how many it took (fewer than its bills: one changed
     * meanwhile, and the caller gives back what was taken).
     */
    async takeBills(order: Pick<OrderDoc, '_id' | 'studentId'>, priced: readonly BillAsPriced[], at: Date): Promise<number> {
      const take = billStatusChange('UNPAID', 'PAYING');
      const unchanged = priced.map((bill) => ({
        ...bill,
        studentId: order.studentId,
        status: _.in([...take.froms]),
        orderId: null,
      }));
      return bills.updateWhere(_.or(unchanged), { ...take.set, orderId: order._id, updatedAt: at });
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
