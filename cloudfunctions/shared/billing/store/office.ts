/**
 * The finance office's writes to bills and the fee item catalogue: bills made by an import, and an
 * unpaid bill adjusted, waived or voided. Every change of a bill is conditional on what the person
 * saw (unpaid, in no order, this amount), so a bill a student has just put into an order is never
 * changed under them.
 */
import { collection, commands, type Database } from '../../runtime';
import type { Fen } from '../../kernel/money';
import { billStatusChange, type ReissuedBill } from '../domain/billing';
import type { FeeItemDoc } from '../domain/bill-row';
import type { BillDoc } from '../domain/records';

/** Reissue writes sent together: a chunk of a file imported again after its withdrawal is written at once, within the database's concurrency. */
const REISSUE_WRITES_AT_ONCE = 10;

export function officeWrites(db: Database) {
  const bills = collection(db, 'bills');
  const _ = commands(db);

  return {
    /** The new bills of an import, in one request. */
    async insertBills(docs: readonly BillDoc[]): Promise<void> {
      await bills.insertMany(docs);
    },

    /**
     * Voided bills issued again by an import, each only while still VOID. Bills that take the same
     * fields (the same amount, deadline and batch, as in a withdrawn file imported again) share one
     * write. Returns the ids that were no longer void, so not reissued (a read only when a write
     * matched fewer bills than it named).
     */
    async reissueVoidBills(reissued: readonly ReissuedBill[]): Promise<string[]> {
      const groups = new Map<string, { set: ReissuedBill['set']; billIds: string[] }>();
      for (const { billId, set } of reissued) {
        const key = JSON.stringify(set);
        const group = groups.get(key) ?? { set, billIds: [] };
        group.billIds.push(billId);
        groups.set(key, group);
      }
      const from = billStatusChange('VOID', 'UNPAID').froms;
      const notReissued: string[] = [];
      const pending = [...groups.values()];
      for (let start = 0; start < pending.length; start += REISSUE_WRITES_AT_ONCE) {
        await Promise.all(
          pending.slice(start, start + REISSUE_WRITES_AT_ONCE).map(async ({ set, billIds }) => {
            const updated = await bills.updateWhere({ _id: _.in(billIds), status: _.in([...from]) }, { ...set, originalAmount: _.remove() });
            if (updated === billIds.length) return;
            // The batch is new: a bill that carries it was reissued by this write.
            const stored = await bills.find({ _id: _.in(billIds) }, { limit: billIds.length, fields: ['_id', 'importBatchId'] });
            const mine = new Set(stored.filter((bill) => bill.importBatchId === set.importBatchId).map((bill) => bill._id));
            notReissued.push(...billIds.filter((id) => !mine.has(id)));
          }),
        );
      }
      return notReissued;
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
