/**
 * Reconciliation by statement day: when WeChat's statement for a day can be asked for, which days a
 * range holds, and a day's payments and refunds counted and summed on either side. Pure.
 */
import { shanghaiDayBefore, shanghaiDayRange } from './billing';
import type { DayTotals } from './records';
import type { StatementRow } from './statement';
import { sumFen, type Fen } from '../../kernel/money';

/** WeChat builds a day's statement from 09:00 the next day and advises fetching it after 10:00. */
export const STATEMENT_READY_MS = 10 * 3600_000;
/** downloadBill serves statements of the last three months only. */
export const STATEMENT_KEPT_DAYS = 90;

/** Whether the statement of `billDate` (yyyyMMdd) should exist at `now`. */
export function statementReady(billDate: string, now: Date): boolean {
  const range = shanghaiDayRange(billDate);
  return range !== null && now.getTime() >= range.end.getTime() + STATEMENT_READY_MS;
}

/** Every day from `from` to `to` (yyyyMMdd, both included), newest first; at most `max`. */
export function daysNewestFirst(from: string, to: string, max: number): string[] {
  const days: string[] = [];
  for (let day = to; day >= from && days.length < max; day = shanghaiDayBefore(day)) days.push(day);
  return days;
}

export function totalsOf(payments: readonly Fen[], refunds: readonly Fen[]): DayTotals {
  return {
    payments: { count: payments.length, amount: sumFen(payments) },
    refunds: { count: refunds.length, amount: sumFen(refunds) },
  };
}

/** The statement's payments (交易状态 SUCCESS, 订单金额) and refunds (REFUND, 退款金额). */
export function statementTotals(rows: readonly StatementRow[]): DayTotals {
  return totalsOf(
    rows.filter((row) => row.tradeState === 'SUCCESS').map((row) => row.orderFee),
    rows.filter((row) => row.tradeState === 'REFUND').map((row) => row.refundFee),
  );
}

/** yyyyMMdd → YYYY-MM-DD, as the console writes days. */
export const dashedDay = (billDate: string): string => `${billDate.slice(0, 4)}-${billDate.slice(4, 6)}-${billDate.slice(6, 8)}`;
/** YYYY-MM-DD → yyyyMMdd. */
export const billDateOf = (day: string): string => day.replace(/-/g, '');
