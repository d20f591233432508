import { action, access } from './define';
import { v } from './validate';

/** Codes the cron function returns besides the common ones. */
export const CRON_ERRORS = {} as const;

export interface SweepReport {
  /** Open orders asked about. */
  checked: number;
  /** Found paid at WeChat and marked paid here (a lost callback). */
  paid: number;
  /** Expired (or superseded) orders closed; their bills are back under 待缴费. */
  closed: number;
  /** Orders closed locally earlier that WeChat has now also closed. */
  wechatClosed: number;
  /** Second payments refunded. */
  refunded: number;
  /** Orders left for a later run (WeChat unavailable, still in the 5-minute window…). */
  deferred: number;
}

export interface ReconcileReport {
  /** yyyyMMdd (Asia/Shanghai) of the statement. */
  billDate: string;
  /** Rows in WeChat's statement. */
  rows: number;
  /** Payments WeChat has that were not yet marked paid here, now repaired. */
  repaired: number;
  /** Rows that still do not match (amount, unknown order…): for finance to look at. */
  mismatches: number;
  /** False when there was no statement (yet) for that day. */
  available: boolean;
}

const timerEvent = v.object({ Type: v.literal('Timer'), TriggerName: v.string(), Time: v.optional(v.string()) });

export const cronContract = {
  /** Every minute: open orders (recent ones first, backing off), deferred closes, refunds. */
  sweep: action<SweepReport>()({ request: timerEvent, access: access.timer }),
  /** Daily after 10:00: the previous day's statement (downloadBill) against the orders. */
  reconcile: action<ReconcileReport>()({ request: timerEvent, access: access.timer }),
};
