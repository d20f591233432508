/** Bills: search and detail (every role); adjust, 减免 and 作废 an unpaid bill in no order (收费员, with a reason). */
import { call, type ConsoleRequest } from './client';
import type { BillDetail, BillPage, ConsoleBill } from './types';

export type BillSearch = ConsoleRequest<'searchBills'>;
export type BillFilters = Omit<BillSearch, 'page' | 'pageSize'>;

export function searchBills(search: BillSearch): Promise<BillPage> {
  return call('searchBills', search);
}

export function billDetail(billId: string): Promise<BillDetail> {
  return call('billDetail', { billId });
}

/** `amount` in fen. */
export function adjustBill(billId: string, amount: number, reason: string): Promise<ConsoleBill> {
  return call('adjustBill', { billId, amount, reason });
}

export function waiveBill(billId: string, reason: string): Promise<ConsoleBill> {
  return call('waiveBill', { billId, reason });
}

export function voidBill(billId: string, reason: string): Promise<ConsoleBill> {
  return call('voidBill', { billId, reason });
}
