/**
 * What billing's application code reads through: its collections as handles that can only read.
 * Writes go through the store's named operations; a handle from here cannot make one.
 */
import { collection, type BaseDoc, type Collection, type Database } from '../../runtime';
import type { FeeItemDoc } from '../domain/bill-row';
import type { BillDoc, OrderDoc, PaymentDoc, ReconciliationDoc, RefundDoc, ReviewCaseDoc } from '../domain/records';

export type Reader<T extends BaseDoc> = Pick<Collection<T>, 'find' | 'findAll' | 'findOne' | 'findById' | 'count' | 'aggregate'>;

function reader<T extends BaseDoc>(source: Collection<T>): Reader<T> {
  return { find: source.find, findAll: source.findAll, findOne: source.findOne, findById: source.findById, count: source.count, aggregate: source.aggregate };
}

export interface BillingReads {
  readonly orders: Reader<OrderDoc>;
  readonly bills: Reader<BillDoc>;
  readonly refunds: Reader<RefundDoc>;
  readonly payments: Reader<PaymentDoc>;
  readonly feeItems: Reader<FeeItemDoc>;
  readonly reviewCases: Reader<ReviewCaseDoc>;
  readonly reconciliations: Reader<ReconciliationDoc>;
}

export function billingReads(db: Database): BillingReads {
  return {
    orders: reader(collection(db, 'orders')),
    bills: reader(collection(db, 'bills')),
    refunds: reader(collection(db, 'refunds')),
    payments: reader(collection(db, 'payments')),
    feeItems: reader(collection(db, 'feeItems')),
    reviewCases: reader(collection(db, 'reviewCases')),
    reconciliations: reader(collection(db, 'reconciliations')),
  };
}
