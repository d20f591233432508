import type { ApiResponse } from '../../cloudfunctions/shared/contracts';
import type { BillView, OrderLineView, OrderView } from '../../cloudfunctions/shared/billing/contract';
import { callFunction } from './call';

export type BillsOverview = ApiResponse<'bills', 'overview'>;
export type { BillView, OrderLineView, OrderView };

/** 账单缴费: 待缴费 bills, 缴费中 and 已完成 orders, and the email remembered for receipts. */
export function getBillsOverview(): Promise<BillsOverview> {
  return callFunction('bills', 'overview', {});
}

/** One of the student's orders (order detail). */
export async function getOrder(orderId: string): Promise<OrderView> {
  return (await callFunction('bills', 'order', { orderId })).order;
}
