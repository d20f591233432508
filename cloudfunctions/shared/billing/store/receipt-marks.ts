/**
 * The receipt mark on an order (`receiptState`), the one part of an order the receipts feature
 * needs to set: ISSUED in the transaction that numbers the receipt, VOIDED when a refund voids it
 * (before or after issuing). Billing's store owns the orders collection, so these are its writes,
 * offered to the receipts feature through the billing index.
 */
import { collection, commands, type Database, type Transaction } from '../../runtime';
import type { OrderDoc } from '../domain/records';

export type ReceiptMark = NonNullable<OrderDoc['receiptState']>;

const orders = (db: Database) => collection(db, 'orders');

export const receiptMarks = {
  /** The order as the receipts feature reads it (inside its numbering transaction). */
  getIn: (tx: Transaction, orderId: string): Promise<OrderDoc | null> => tx.get('orders', orderId),

  /** Inside the transaction that makes the receipt. */
  async setIssuedIn(tx: Transaction, orderId: string): Promise<void> {
    await tx.update('orders', orderId, { receiptState: 'ISSUED' });
  },

  find: (db: Database, orderId: string): Promise<OrderDoc | null> => orders(db).findById(orderId),

  /**
   * Sets `mark` only where the order has none yet; true when this call set it. Issuing sets ISSUED
   * in its transaction, so of a void and an issue racing, exactly one mark wins.
   */
  async setIfUnmarked(db: Database, orderId: string, mark: ReceiptMark): Promise<boolean> {
    const _ = commands(db);
    return (await orders(db).updateWhere({ _id: orderId, receiptState: _.exists(false) }, { receiptState: mark })) === 1;
  },

  async setVoided(db: Database, orderId: string): Promise<void> {
    const _ = commands(db);
    await orders(db).updateWhere({ _id: orderId, receiptState: _.neq('VOIDED') }, { receiptState: 'VOIDED' });
  },

  /** Orders being or already refunded whose receipt is still issued (to be voided). */
  refundedIssued(db: Database, limit: number): Promise<Pick<OrderDoc, '_id'>[]> {
    const _ = commands(db);
    return orders(db).find({ status: _.in(['REFUNDING', 'REFUNDED']), receiptState: 'ISSUED' }, { orderBy: [['_id', 'asc']], limit, fields: ['_id'] });
  },

  /** A page of paid orders without a mark, in id order after `after` (ids only). */
  paidUnmarked(db: Database, after: string, limit: number): Promise<Pick<OrderDoc, '_id'>[]> {
    const _ = commands(db);
    return orders(db).find(
      { status: 'PAID', receiptState: _.exists(false), ...(after ? { _id: _.gt(after) } : {}) },
      { orderBy: [['_id', 'asc']], limit, fields: ['_id'] },
    );
  },
};
