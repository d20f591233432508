/**
 * Following a refund to its end, one record at a time: submitted to WeChat (idempotent by its
 * outRefundNo; WeChat sends the result to the callback function), asked about until WeChat confirms
 * it, or handed to finance when WeChat will not complete it. The refund callback, the payments timer
 * and reconciliation all end here.
 */
import { PAY_CALLBACK_FUNCTION, REFUND_MAX_UNCERTAIN_ROUNDS, type NewRefundInput } from './domain/billing';
import type { RefundDecision, RefundDoc, RefundFailureCause, RefundReason } from './domain/records';
import type { CaseChange, SettledRefund } from './store';
import { caseAuditView } from './case-views';
import { writeAudit } from '../runtime/audit';
import { callInternal } from '../runtime/internal-calls';
import type { RefundState } from './cloudpay';
import type { PaymentContext } from './context';
import { sendRefundResultOnce } from './refund-message';

export type RefundProgress = 'refunded' | 'submitted' | 'deferred' | 'manual';

/** What a refund's status says to do; null: nothing definite was learnt. */
export type RefundVerdict = RefundState | null;

/** What the payer reads in WeChat's refund notice (退款原因). */
const REFUND_DESCRIPTIONS: Record<RefundReason, string> = {
  BILLS_ALREADY_PAID: '重复缴费，原路退回',
  BILLS_CHANGED: '账单已调整，原路退回',
  ARRANGED_BY_FINANCE: '计划财务处办理退款，原路退回',
};

async function markRefunded(pc: PaymentContext, refund: RefundDoc, source: string): Promise<RefundProgress> {
  const settled = await pc.store.markRefundSucceeded(refund.outRefundNo, `confirmed by ${source}`, pc.now());
  if (!settled) throw new Error(`refund ${refund.outRefundNo} is not recorded`);
  if (settled.changed) {
    pc.log.info('refund confirmed', { orderId: refund.orderId, outRefundNo: refund.outRefundNo, source, orderStatus: settled.order.status });
    await auditCaseChanges(pc, settled.caseChanges ?? [], source);
    await sendRefundResultOnce(pc, settled.refund, settled.order, 'REFUNDED');
    if (settled.refund.request) await refreshReceipt(pc, settled.order._id);
    return 'refunded';
  }
  return settledElsewhere(pc, settled.refund, 'SUCCESS');
}

/**
 * A refund settled without WeChat before WeChat's answer came: refunded outside WeChat Pay (the
 * money is back, as far as this system knows) or given up for a new refund (which is followed on
 * its own). WeChat saying it completed one of these is a matter for finance: reconciliation shows it.
 */
function settledElsewhere(pc: PaymentContext, refund: RefundDoc, wechatStatus: RefundVerdict): RefundProgress {
  if (refund.status === 'SUCCESS' || refund.status === 'OFFLINE') {
    if (refund.status === 'OFFLINE' && wechatStatus === 'SUCCESS') pc.log.error('WeChat completed a refund finance had refunded outside WeChat Pay', { outRefundNo: refund.outRefundNo });
    return 'refunded';
  }
  if (wechatStatus === 'SUCCESS') pc.log.error('WeChat completed a refund that was asked for again under a new number', { outRefundNo: refund.outRefundNo, retriedAs: refund.retriedAs ?? null });
  return 'manual';
}

/** Review cases settled by WeChat's answer, in the audit log under the system's name (once each). */
async function auditCaseChanges(pc: PaymentContext, changes: readonly CaseChange[], source: string): Promise<void> {
  for (const change of changes) {
    try {
      await writeAudit(pc.db, {
        key: `pay.case-settled:${change.after._id}`,
        at: pc.now(),
        actor: 'payments',
        action: 'pay.case.settled',
        details: { source, changes: [{ target: `case:${change.after._id}`, before: caseAuditView(change.before), after: caseAuditView(change.after) }] },
      });
    } catch (error) {
      pc.log.error('settled review case not written to auditLog', { caseId: change.after._id, error });
    }
  }
}

/**
 * The money is back: the order's receipt is voided (冲红) and, when part of it stays paid, issued
 * anew for that part. A failure here is logged and never undoes the refund: the receipts timer
 * refreshes every receipt a refund left behind.
 */
async function refreshReceipt(pc: PaymentContext, orderId: string): Promise<void> {
  try {
    const result = await callInternal(pc, 'receipts', 'refresh', { orderId });
    if (!result.ok) pc.log.warn('receipt not refreshed after the refund; the receipts timer does it', { orderId, code: result.code });
  } catch (error) {
    pc.log.error('receipt not refreshed after the refund; the receipts timer does it', { orderId, error });
  }
}

/**
 * WeChat will not finish this refund (or never confirmed it): finance refunds by hand, told once
 * through a review case (退款失败, opened with the record's change) and auditLog; the payer through
 * the 退款结果 message.
 */
async function markManual(
  pc: PaymentContext,
  refund: RefundDoc,
  reason: string,
  cause: RefundFailureCause,
  wechatStatus: string | null,
  attempts: number,
): Promise<RefundProgress> {
  const at = pc.now();
  const settled = await pc.store.markRefundManual(refund.outRefundNo, { reason, cause, wechatStatus, attempts }, at);
  if (!settled) throw new Error(`refund ${refund.outRefundNo} is not recorded`);
  // Settled meanwhile: confirmed by WeChat, or handed over by another call (which told finance).
  if (!settled.changed) return settledElsewhere(pc, settled.refund, null);
  const { order } = settled;
  await auditCaseChanges(pc, settled.caseChanges ?? [], 'refund handed to finance');
  pc.log.error('refund needs finance: refund by hand', { orderId: refund.orderId, outRefundNo: refund.outRefundNo, reason });
  try {
    await writeAudit(pc.db, {
      key: `pay.refund-manual:${refund.outRefundNo}`,
      at,
      actor: 'payments',
      action: 'pay.refund.manual',
      details: {
        orderId: order._id,
        outTradeNo: order.outTradeNo,
        outRefundNo: refund.outRefundNo,
        studentNo: order.studentNo,
        refundFee: refund.refundFee,
        transactionId: order.transactionId ?? null,
        wechatStatus,
        reason,
      },
    });
  } catch (error) {
    pc.log.error('manual refund not written to auditLog', { orderId: order._id, error });
  }
  await sendRefundResultOnce(pc, settled.refund, order, 'FAILED');
  return 'manual';
}

/**
 * Applies a refund status learnt from WeChat (queryRefund, the refund callback, the statement).
 * SUCCESS completes it (also after it went to finance); REFUNDCLOSE / CHANGE hand it to finance;
 * PROCESSING waits. `uncertain`: nothing definite was learnt this round (counts towards handing it
 * to finance).
 */
export async function applyRefundStatus(
  pc: PaymentContext,
  refund: RefundDoc,
  status: RefundVerdict,
  source: string,
  options: { uncertain?: boolean } = {},
): Promise<RefundProgress> {
  if (refund.status === 'SUCCESS') return 'refunded';
  // Never submitted (waiting for a 审核, or rejected): nothing WeChat says can be about it.
  if (refund.status === 'REQUESTED' || refund.status === 'REJECTED') return 'deferred';
  if (refund.status === 'OFFLINE' || refund.status === 'RETRIED') return settledElsewhere(pc, refund, status);
  if (status === 'SUCCESS') return markRefunded(pc, refund, source);
  if (refund.status === 'MANUAL') return 'manual';
  if (status === 'REFUNDCLOSE') return markManual(pc, refund, 'WeChat closed the refund (REFUNDCLOSE)', 'CLOSED', status, refund.attempts);
  if (status === 'CHANGE') return markManual(pc, refund, 'WeChat reports the refund abnormal (CHANGE): the card or account may be closed', 'ABNORMAL', status, refund.attempts);
  const checks = refund.checkAttempts + 1;
  const attempts = refund.attempts + (options.uncertain ? 1 : 0);
  if (attempts >= REFUND_MAX_UNCERTAIN_ROUNDS) {
    return markManual(pc, refund, `WeChat did not confirm the refund after ${attempts} tries`, 'UNCONFIRMED', status, attempts);
  }
  await pc.store.noteRefundWaiting(refund, { attempts, checks, processing: status === 'PROCESSING' }, pc.now());
  return refund.status === 'SUBMITTED' ? 'submitted' : 'deferred';
}

/** Submits the refund if WeChat has not accepted it yet, then asks WeChat how it stands. */
export async function progressRefund(pc: PaymentContext, original: RefundDoc): Promise<RefundProgress> {
  if (original.status === 'SUCCESS' || original.status === 'OFFLINE') return 'refunded';
  if (original.status === 'MANUAL' || original.status === 'RETRIED') return 'manual';
  if (original.status === 'REQUESTED' || original.status === 'REJECTED') return 'deferred';
  let refund = original;
  let uncertain = false;
  let refusedOutright: string | null = null;
  if (refund.status === 'PENDING') {
    const res = await pc.pay.refund(
      {
        outTradeNo: refund.outTradeNo,
        outRefundNo: refund.outRefundNo,
        totalFee: refund.totalFee,
        refundFee: refund.refundFee,
        refundDesc: REFUND_DESCRIPTIONS[refund.reason],
      },
      { envId: pc.envId, functionName: PAY_CALLBACK_FUNCTION },
    );
    if (res.kind === 'accepted') {
      const at = pc.now();
      if (await pc.store.markRefundSubmitted(refund, res.refundId, at)) refund = { ...refund, status: 'SUBMITTED', refundId: res.refundId, submittedAt: at };
    } else {
      // Refused (already refunded earlier with a lost answer? a lasting refusal?) or unreachable:
      // queryRefund below tells; otherwise this round counts as uncertain.
      uncertain = true;
      if (res.kind === 'rejected' && res.requestRefused) refusedOutright = res.description;
      pc.log.warn('refund not accepted', { orderId: refund.orderId, outRefundNo: refund.outRefundNo, result: res.kind, description: res.kind === 'rejected' ? res.description : res.error });
    }
  }
  const state = await pc.pay.queryRefund(refund.outRefundNo);
  if (state.kind === 'found') return applyRefundStatus(pc, refund, state.status, 'queryRefund', { uncertain: uncertain && state.status !== 'PROCESSING' });
  // WeChat answered the query without this refund (its REFUNDNOTEXIST reaches us only as a
  // description, so a refusal counts too).
  if (refusedOutright !== null && (state.kind === 'not-found' || state.kind === 'failed')) {
    // returnCode FAIL (even with errCode 0): the request itself was refused — e.g. refunds were
    // never authorised for cloud development — and WeChat holds no such refund. Sending the same
    // request again cannot help: a person takes it over now.
    return markManual(pc, refund, `WeChat refused the refund: ${refusedOutright}`, 'REFUSED', null, refund.attempts + 1);
  }
  // Empty lists, not found, failed, unreachable: nothing definite; ask again later (backing off).
  return applyRefundStatus(pc, refund, null, 'queryRefund', { uncertain: true });
}

/**
 * A refund of (part of) a paid order, as finance decides one: recorded within the order's limits
 * (at most MAX_REFUNDS_PER_ORDER, together never above what was paid; RefundRefusedError
 * otherwise), submitted to WeChat at once, and followed by the payments timer until it is settled.
 * Returns the record as it stands after submitting.
 */
export async function requestRefund(pc: PaymentContext, orderId: string, input: NewRefundInput): Promise<RefundDoc> {
  const refund = await pc.store.requestRefund(orderId, input, pc.now());
  pc.log.info('refund requested', { orderId, outRefundNo: refund.outRefundNo, refundFee: refund.refundFee });
  await progressRefund(pc, refund);
  return (await pc.refunds.findById(refund._id)) ?? refund;
}

/**
 * A 审核 approved a console request: recorded within the order's limits in one transaction
 * (RefundRefusedError otherwise), submitted to WeChat at once with its stable number, and followed
 * by the refund callback and the payments timer. Null when there is no such request; `changed`
 * false when it had been decided before (nothing is submitted again).
 */
export async function approveRefundRequest(pc: PaymentContext, outRefundNo: string, decision: RefundDecision): Promise<SettledRefund | null> {
  const settled = await pc.store.approveRefundRequest(outRefundNo, decision, pc.now());
  if (!settled?.changed) return settled;
  pc.log.info('refund approved', { orderId: settled.refund.orderId, outRefundNo, refundFee: settled.refund.refundFee });
  try {
    await progressRefund(pc, settled.refund);
  } catch (error) {
    // Recorded and due: the payments timer submits it.
    pc.log.error('approved refund not submitted yet; the timer submits it', { outRefundNo, error });
  }
  const refund = (await pc.refunds.findById(outRefundNo)) ?? settled.refund;
  return { ...settled, refund };
}
