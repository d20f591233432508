/**
 * Refunds with four eyes: a 收费员 requests one for a paid order (whole, or some of its bills); a
 * 审核 who did not request it approves (the money goes back through WeChat Pay) or rejects it.
 * Every role may list them; the server checks who may do what.
 */
import { call, type ConsoleRequest } from './client';
import type { ConsoleRefund, RefundedBillsView, RefundPage } from './types';

export type RefundSearch = ConsoleRequest<'listRefunds'>;
export type RefundFilters = Omit<RefundSearch, 'page' | 'pageSize'>;

export function listRefunds(search: RefundSearch): Promise<RefundPage> {
  return call('listRefunds', search);
}

export interface RefundAsk {
  /** Some of the order's bills; the whole order when absent. */
  billIds?: string[];
  billsBecome: RefundedBillsView;
  reason: string;
}

export function requestRefund(orderId: string, ask: RefundAsk): Promise<ConsoleRefund> {
  return call('requestRefund', { orderId, ...ask });
}

/** `note` is optional: what the 审核 wants kept with the approval. */
export function approveRefund(refundId: string, note: string): Promise<ConsoleRefund> {
  return call('approveRefund', note ? { refundId, reason: note } : { refundId });
}

export function rejectRefund(refundId: string, reason: string): Promise<ConsoleRefund> {
  return call('rejectRefund', { refundId, reason });
}
