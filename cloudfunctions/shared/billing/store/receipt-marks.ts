/**
 * The receipt mark on an order (`receiptState`), the one part of an order the receipts feature
 * needs to set: ISSUED once its receipt exists, VOIDED when a refund voids it (before or after
 * issuing). Billing's store owns the orders collection, so these are its writes, offered to the
 * receipts feature through the billing index.
 */
import { collection, commands, type AggregateStage, type Database } from '../../runtime';
import type { OrderDoc } from '../domain/records';

export type ReceiptMark = NonNullable<OrderDoc['receiptState']>;

const orders = (db: Database) => collection(db, 'orders');

export const receiptMarks = {
  /**
   * The order with what the receipts feature joins to it (`joins`: lookups and the fields they
   * add, such as its payer or the last number issued), in one request; null when there is no such order.
   */
  async findJoined<J extends object>(db: Database, orderId: string, joins: readonly AggregateStage[]): Promise<(OrderDoc & J) | null> {
    const [order] = await orders(db).aggregate<OrderDoc & J>([{ match: { _id: orderId } }, ...joins, { limit: 1 }]);
    return order ?? null;
  },

  find: (db: Database, orderId: string): Promise<OrderDoc | null> => orders(db).findById(orderId),

  /** The marks of these orders (ids and marks only). */
  marksOf(db: Database, orderIds: readonly string[]): Promise<Pick<OrderDoc, '_id' | 'receiptState'>[]> {
    const _ = commands(db);
    return orders(db).find({ _id: _.in(orderIds) }, { limit: orderIds.length, fields: ['_id', 'receiptState'] });
  },

  /**
   * Sets `mark` only where the order has none yet; true when this call set it: of a void and an
   * issue racing, exactly one mark wins (the loser then reads the winner's).
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
    return orders(db).find({ status: _.in(['REFUNDING', 'REFUNDED']), receiptState: _.in(['ISSUED', 'OUTDATED']) }, { orderBy: [['_id', 'asc']], limit, fields: ['_id'] });
  },

  /** Paid orders refunded in part whose receipt is still the edition before (to be voided and issued anew). */
  outdated(db: Database, limit: number): Promise<Pick<OrderDoc, '_id'>[]> {
    return orders(db).find({ status: 'PAID', receiptState: 'OUTDATED' }, { orderBy: [['_id', 'asc']], limit, fields: ['_id'] });
  },

  /** The edition the order must have is now issued: true when this call marked it (no later refund outdated it meanwhile). */
  async setReissued(db: Database, orderId: string, edition: number): Promise<boolean> {
    return (await orders(db).updateWhere({ _id: orderId, receiptState: 'OUTDATED', receiptEdition: edition }, { receiptState: 'ISSUED' })) === 1;
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
