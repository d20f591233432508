/**
 * Bills a student may not pay again yet: those of a closed order whose late payment WeChat reports
 * differently from the order, until 计划财务处 resolves its review case. Read by the 待缴费 list and by
 * 立即支付 alike.
 */
import { commands, type Database } from '../runtime';
import type { OrderDoc } from './domain/records';
import { orderCaseId } from './domain/review-cases';
import { billingReads } from './store';

const caseIdOf = (order: OrderDoc): string => orderCaseId(order._id, order.review!.reason);

/**
 * Of these orders, the closed ones whose late payment WeChat reports differently and whose review
 * case 计划财务处 has not resolved: their bills, released when the order closed, may have been paid
 * through it, so they are not paid again meanwhile. Closing such a case leaves the order's `review`
 * as the record of what happened, so the case says whether the hold stands. One read, only when
 * some closed order was set aside.
 */
export async function closedOrdersUnderReview(db: Database, orders: readonly OrderDoc[]): Promise<OrderDoc[]> {
  const flagged = orders.filter((order) => order.status === 'CLOSED' && order.review);
  if (flagged.length === 0) return [];
  const caseIds = flagged.map(caseIdOf);
  const resolved = await billingReads(db).reviewCases.find({ _id: commands(db).in(caseIds), status: 'RESOLVED' }, { limit: caseIds.length, fields: ['_id'] });
  const done = new Set(resolved.map((reviewCase) => reviewCase._id));
  // A case not opened yet (the hourly run opens it) holds them as an open one does.
  return flagged.filter((order) => !done.has(caseIdOf(order)));
}

