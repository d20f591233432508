/**
 * The finance office's writes to bills and the fee item catalogue: bills made by an import, and an
 * unpaid bill adjusted, waived or voided. Every change of a bill is conditional on what the person
 * saw (unpaid, in no order, this amount), so a bill a student has just put into an order is never
 * changed under them.
 */
import { collection, commands, type Database } from '../../runtime';
import type { Fen } from '../../kernel/money';
import { billStatusChange } from '../domain/billing';
import type { FeeItemDoc } from '../domain/bill-row';
import type { BillDoc } from '../domain/records';

export function officeWrites(db: Database) {
  const bills = collection(db, 'bills');
  const _ = commands(db);

  return {
    /** The new bills of an import, in one request. */
    async insertBills(docs: readonly BillDoc[]): Promise<void> {
      await bills.insertMany(docs);
    },

    /** A new amount for an unpaid bill in no order that still has `expected`; false when it changed meanwhile. */
    async adjustUnpaidBill(bill: Pick<BillDoc, '_id' | 'amount' | 'originalAmount'>, amount: Fen, at: Date): Promise<boolean> {
      const updated = await bills.updateWhere(
        { _id: bill._id, status: 'UNPAID', orderId: null, amount: bill.amount },
        { amount, originalAmount: bill.originalAmount ?? bill.amount, updatedAt: at },
      );
      return updated === 1;
    },

    /** 减免 or 作废 of an unpaid bill in no order; false when it changed meanwhile. */
    async closeUnpaidBill(billId: string, to: 'WAIVED' | 'VOID', at: Date): Promise<boolean> {
      const change = billStatusChange('UNPAID', to);
      const updated = await bills.updateWhere({ _id: billId, status: _.in([...change.froms]), orderId: null }, { ...change.set, updatedAt: at });
      return updated === 1;
    },

    /** An import withdrawn: its bills still unpaid and in no order are voided. Returns how many. */
    async voidUnpaidBillsOfBatch(importBatchId: string, at: Date): Promise<number> {
      const change = billStatusChange('UNPAID', 'VOID');
      return bills.updateWhere({ importBatchId, status: _.in([...change.froms]), orderId: null }, { ...change.set, updatedAt: at });
    },

    async saveFeeItem(item: FeeItemDoc): Promise<void> {
      const { _id, ...body } = item;
      await collection(db, 'feeItems').setById(_id, body);
    },
  };
}
