/** Reconciliation per statement day (every role reads it); a day reconciled again on demand (收费员, 审核). */
import { call } from './client';
import type { ReconciliationDay } from './types';

/** Newest first; without dates, the last 30 days up to yesterday. Dates are YYYY-MM-DD (Beijing). */
export async function reconciliationDays(range: { from?: string; to?: string } = {}): Promise<ReconciliationDay[]> {
  return (await call('reconciliationDays', range)).days;
}

export function rerunReconciliation(date: string): Promise<ReconciliationDay> {
  return call('rerunReconciliation', { date });
}
