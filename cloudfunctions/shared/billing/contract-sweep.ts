import { action, access } from './define';
import { v } from './validate';

/** Codes the cron function returns besides the common ones. */
export const CRON_ERRORS = {} as const;

export interface SweepReport {
  /** Open orders looked at. */
  checked: number;
  /** Found paid at WeChat and marked paid here (a lost callback). */
  paid: number;
  /** Expired (or superseded) orders closed; their bills are back under 待缴费. */
  closed: number;
  /** Of those, expired orders that never got payment parameters, closed without asking WeChat. */
  closedUnasked: number;
  /** Orders closed locally earlier that WeChat has now also closed. */
  wechatClosed: number;
  /** Second payments refunded. */
  refunded: number;
  /** Refunds handed to finance (REFUNDCLOSE, CHANGE, never confirmed). */
  manualRefunds: number;
  /** Paid orders whose message / receipt step was finished here. */
  followedUp: number;
  /** Orders whose payment WeChat reports differently: set aside for finance. */
  review: number;
  /** Orders left for a later run (WeChat unavailable, still in the 5-minute window…). */
  deferred: number;
  /** Orders still due when the run's time budget ran out (the next run goes on with them, oldest first). */
  leftOver: number;
  /** At minute 30 of every hour the same run also reconciles (a function has one timer trigger). */
  reconcile?: ReconcileReport;
}

export interface ReconcileDayReport {
  /** yyyyMMdd (Asia/Shanghai) of the statement. */
  billDate: string;
  /** Rows in WeChat's statement. */
  rows: number;
  /** Payments WeChat has that were not yet marked paid here, now repaired. */
  repaired: number;
  /** Differences recorded for finance (both directions, payments and refunds). */
  mismatches: number;
  /** The day is reconciled (recorded in auditLog); false: tried again next hour. */
  done: boolean;
  /** Why it is not done yet. */
  note: string | null;
}

export interface ReconcileReport {
  /** Days tried in this run, oldest first. */
  days: ReconcileDayReport[];
}

const timerEvent = v.object({ Type: v.literal('Timer'), TriggerName: v.string(), Time: v.optional(v.string()) });

export const cronContract = {
  /**
   * Every minute (the function's one timer trigger): due orders, oldest due first (open ones,
   * deferred closes, refunds, paid follow-ups); at minute 30 of each hour also `reconcile`.
   */
  sweep: action<SweepReport>()({ request: timerEvent, access: access.timer }),
  /**
   * Every recent day not yet reconciled whose statement (downloadBill) should exist, against the
   * orders. Run hourly by the sweep trigger; a timer event named `reconcile` runs it on its own.
   */
  reconcile: action<ReconcileReport>()({ request: timerEvent, access: access.timer }),
};
