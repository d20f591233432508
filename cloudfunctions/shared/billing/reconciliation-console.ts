/**
 * Reconciliation in the finance console: per statement day, WeChat's totals against ours, the
 * differences with the review cases that hold them, and the days not reconciled yet (with why);
 * one day reconciled again on demand, with the same code as the payments timer (a difference held
 * by an open case opens no second one; one whose case was resolved meanwhile gets a new case).
 */
import { AppError, collection, commands, type ConsoleContext } from '../runtime';
import { shanghaiDay, shanghaiDayBefore, shanghaiDayRange } from './domain/billing';
import { billDateOf, dashedDay, daysNewestFirst, STATEMENT_KEPT_DAYS, statementReady } from './domain/reconciliation';
import type { ReconcileDifference, ReconcileWait, ReconciliationDoc } from './domain/records';
import { RECONCILE_DIFFERENCE_TEXT, RECONCILIATION_STATE_TEXT, type ReconciliationDay, type ReconciliationDifferenceView } from './contract';
import { paymentContextOf } from './context';
import { reconcileAuditKey, reconcileDay } from './reconcile';
import { billingReads } from './store';

/** Days one request may cover, and the days shown when none are asked for. */
const MAX_DAYS = 92;
const DEFAULT_DAYS = 30;

const WAITING_TEXT: Readonly<Record<ReconcileWait, string>> = {
  NO_STATEMENT_YET: '微信支付还没有提供该日的对账单，每小时自动再试',
  WECHAT_UNAVAILABLE: '暂时无法从微信支付下载对账单，每小时自动再试',
  STATEMENT_UNREADABLE: '微信支付的对账单无法读取，请联系技术人员',
};

/** What auditLog kept of a day reconciled before its totals were kept. */
interface ReconcileAudit {
  _id: string;
  at: Date;
  details: { repaired?: number; mismatches?: number; differences?: ReconcileDifference[] };
}

function differenceView(difference: ReconcileDifference): ReconciliationDifferenceView {
  return {
    kind: difference.kind,
    kindText: RECONCILE_DIFFERENCE_TEXT[difference.kind],
    outTradeNo: difference.outTradeNo,
    outRefundNo: difference.outRefundNo || null,
    amount: difference.amount ?? null,
    note: difference.note,
    caseId: difference.caseId ?? null,
  };
}

function dayView(billDate: string, record: ReconciliationDoc | null, audit: ReconcileAudit | null, now: Date): ReconciliationDay {
  const date = dashedDay(billDate);
  if (record?.done) {
    const state = record.differenceCount > 0 ? 'DIFFERENCES' : 'BALANCED';
    return {
      date,
      state,
      stateText: RECONCILIATION_STATE_TEXT[state],
      waitingText: null,
      wechat: record.wechat,
      ours: record.ours,
      repaired: record.repaired,
      differences: record.differences.map(differenceView),
      differenceCount: record.differenceCount,
      reconciledAt: record.reconciledAt ? new Date(record.reconciledAt).toISOString() : null,
    };
  }
  if (audit) {
    const differences = audit.details.differences ?? [];
    const state = (audit.details.mismatches ?? differences.length) > 0 ? 'DIFFERENCES' : 'BALANCED';
    return {
      date,
      state,
      stateText: RECONCILIATION_STATE_TEXT[state],
      waitingText: null,
      wechat: null,
      ours: null,
      repaired: audit.details.repaired ?? 0,
      differences: differences.map(differenceView),
      differenceCount: audit.details.mismatches ?? differences.length,
      reconciledAt: new Date(audit.at).toISOString(),
    };
  }
  const waitingText = record?.waitingFor
    ? WAITING_TEXT[record.waitingFor]
    : statementReady(billDate, now)
      ? '尚未对账：每小时第 30 分钟自动对账，也可以手动对账'
      : '微信支付在次日 10:00 后提供对账单，届时自动对账';
  return {
    date,
    state: 'NOT_RECONCILED',
    stateText: RECONCILIATION_STATE_TEXT.NOT_RECONCILED,
    waitingText,
    wechat: record?.wechat ?? null,
    ours: record?.ours ?? null,
    repaired: 0,
    differences: [],
    differenceCount: 0,
    reconciledAt: null,
  };
}

async function daysOf(ctx: ConsoleContext, billDates: readonly string[]): Promise<ReconciliationDay[]> {
  if (billDates.length === 0) return [];
  const _ = commands(ctx.db);
  const records = await billingReads(ctx.db).reconciliations.find({ _id: _.in([...billDates]) }, { limit: billDates.length });
  const byDay = new Map(records.map((record) => [record._id, record]));
  // Days reconciled before the totals were kept have only their auditLog entry.
  const withoutRecord = billDates.filter((day) => !byDay.get(day)?.done);
  const audits =
    withoutRecord.length === 0
      ? []
      : ((await collection(ctx.db, 'auditLog').find({ _id: _.in(withoutRecord.map(reconcileAuditKey)) }, { limit: withoutRecord.length })) as unknown as ReconcileAudit[]);
  const auditByDay = new Map(audits.map((entry) => [entry._id, entry]));
  const now = ctx.now();
  return billDates.map((day) => dayView(day, byDay.get(day) ?? null, auditByDay.get(reconcileAuditKey(day)) ?? null, now));
}

/** YYYY-MM-DD → yyyyMMdd, refused when it is no calendar day. */
function billDateOrFail(day: string): string {
  const billDate = billDateOf(day);
  if (!shanghaiDayRange(billDate)) throw new AppError('BAD_REQUEST', `请求参数有误：${day} 不是有效的日期`);
  return billDate;
}

export async function reconciliationDays(request: { from?: string; to?: string }, ctx: ConsoleContext): Promise<{ days: ReconciliationDay[] }> {
  const yesterday = shanghaiDayBefore(shanghaiDay(ctx.now()));
  const asked = request.to ? billDateOrFail(request.to) : yesterday;
  const to = asked < yesterday ? asked : yesterday;
  const from = request.from ? billDateOrFail(request.from) : shanghaiDayBefore(to, DEFAULT_DAYS - 1);
  const days = daysNewestFirst(from, to, MAX_DAYS + 1);
  if (days.length > MAX_DAYS) throw new AppError('RECON_RANGE_TOO_LONG');
  return { days: await daysOf(ctx, days) };
}

/** What the audit log keeps of a day before and after it is reconciled again. */
const dayAuditView = (day: ReconciliationDay) => ({
  state: day.state,
  wechat: day.wechat,
  ours: day.ours,
  differenceCount: day.differenceCount,
  caseIds: [...new Set(day.differences.map((difference) => difference.caseId).filter(Boolean))],
});

export async function rerunReconciliation(request: { date: string }, ctx: ConsoleContext): Promise<ReconciliationDay> {
  const billDate = billDateOrFail(request.date);
  const now = ctx.now();
  if (!statementReady(billDate, now)) throw new AppError('RECON_DAY_NOT_READY');
  if (billDate < shanghaiDayBefore(shanghaiDay(now), STATEMENT_KEPT_DAYS)) throw new AppError('RECON_DAY_TOO_OLD');
  const [before] = await daysOf(ctx, [billDate]);
  const report = await reconcileDay(paymentContextOf(ctx), billDate);
  ctx.log.info('day reconciled again from the console', { ...report });
  const [after] = await daysOf(ctx, [billDate]);
  ctx.audit.record({ target: `reconciliation:${billDate}`, before: dayAuditView(before!), after: dayAuditView(after!) });
  return after!;
}
