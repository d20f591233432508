/**
 * Refunds in the finance console, with four eyes: a 收费员 requests one (the whole order or some of
 * its bills, a reason, and what the bills become), a 审核 who is not the requester approves or
 * rejects it. A request is a refund record in REQUESTED (one record, one status table, from the
 * request to WeChat's answer); approving it submits it to WeChat with the number it got when it
 * was requested, so an approval retried or sent twice never refunds twice.
 */
import { AppError, commands, type ConsoleContext } from '../runtime';
import type { ErrorCode } from '../contracts';
import type { ConsoleRefund, RefundPage, RefundStateView } from './contract';
import { consoleRefundOf, REFUND_STATUSES_OF_STATE } from './refund-views';
import type { RefundRefusal } from './domain/billing';
import type { RefundDecision, RefundDoc, RefundedBillsBecome, StaffRef } from './domain/records';
import { billingReads, billingStore, RefundRefusedError, type SettledRefund } from './store';
import { paymentContextOf } from './context';
import { approveRefundRequest } from './refunding';
import { caseAuditView } from './case-views';

const REFUSAL_CODES: Readonly<Record<RefundRefusal, ErrorCode>> = {
  NOT_PAID: 'REFUND_ORDER_NOT_PAID',
  TOO_MANY: 'REFUND_TOO_MANY',
  ABOVE_PAID: 'REFUND_ABOVE_PAID',
  BAD_AMOUNT: 'REFUND_NOT_ORDERS_BILLS',
  NOT_THE_ORDERS_BILLS: 'REFUND_NOT_ORDERS_BILLS',
  BILL_ALREADY_REFUNDED: 'REFUND_BILL_TAKEN',
  TOO_OLD: 'REFUND_TOO_OLD',
};

/** A refusal of the order's limits, in the words the office reads. */
export function refused(error: unknown): never {
  if (error instanceof RefundRefusedError) throw new AppError(REFUSAL_CODES[error.refusal]);
  throw error;
}

export const staffRef = (ctx: ConsoleContext): StaffRef => ({ staffId: ctx.staff.id, name: ctx.staff.name });

/** What the audit log keeps of a refund before and after a decision. */
export const refundAuditView = (refund: Pick<RefundDoc, 'status' | 'refundFee' | 'billIds' | 'orderId'>) => ({
  status: refund.status,
  refundFee: refund.refundFee,
  billIds: refund.billIds,
  orderId: refund.orderId,
});

export async function requestRefund(
  request: { orderId: string; billIds?: string[]; billsBecome: RefundedBillsBecome; reason: string },
  ctx: ConsoleContext,
): Promise<ConsoleRefund> {
  const order = await billingReads(ctx.db).orders.findById(request.orderId);
  if (!order) throw new AppError('REFUND_ORDER_NOT_FOUND');
  const billIds = request.billIds ?? order.billIds;
  const at = ctx.now();
  const made = await billingStore(ctx.db)
    .requestConsoleRefund(order._id, { billIds, request: { by: staffRef(ctx), reason: request.reason.trim(), billsBecome: request.billsBecome, at } }, at)
    .catch(refused);
  ctx.log.info('refund requested', { orderId: order._id, outRefundNo: made.refund.outRefundNo, refundFee: made.refund.refundFee });
  ctx.audit.record({ target: `refund:${made.refund._id}`, before: null, after: refundAuditView(made.refund) });
  return consoleRefundOf(made.refund, made.order);
}

/** The request, refused when the caller asked for it themselves (four eyes). */
async function requestToDecide(ctx: ConsoleContext, refundId: string): Promise<RefundDoc> {
  const refund = await billingReads(ctx.db).refunds.findById(refundId);
  if (!refund || !refund.request) throw new AppError('REFUND_NOT_FOUND');
  if (refund.request.by.staffId === ctx.staff.id) throw new AppError('REFUND_SELF_APPROVAL');
  if (refund.status !== 'REQUESTED') throw new AppError('REFUND_ALREADY_DECIDED');
  return refund;
}

async function decided(ctx: ConsoleContext, before: RefundDoc, settled: Pick<SettledRefund, 'refund' | 'changed' | 'caseChange'> | null): Promise<ConsoleRefund> {
  if (!settled) throw new AppError('REFUND_NOT_FOUND');
  // Another 审核 decided it a moment earlier: this decision changes nothing.
  if (!settled.changed) throw new AppError('REFUND_ALREADY_DECIDED');
  ctx.audit.record({ target: `refund:${before._id}`, before: refundAuditView(before), after: refundAuditView(settled.refund) });
  // Asked for from a review case: approving it resolved the case, rejecting it freed the case.
  if (settled.caseChange) {
    ctx.audit.record({ target: `case:${settled.caseChange.before._id}`, before: caseAuditView(settled.caseChange.before), after: caseAuditView(settled.caseChange.after) });
  }
  const order = await billingReads(ctx.db).orders.findById(settled.refund.orderId);
  return consoleRefundOf(settled.refund, order);
}

export async function approveRefund(request: { refundId: string; reason?: string }, ctx: ConsoleContext): Promise<ConsoleRefund> {
  const before = await requestToDecide(ctx, request.refundId);
  const pc = paymentContextOf(ctx);
  const decision: RefundDecision = { by: staffRef(ctx), approved: true, note: request.reason?.trim() || null, at: ctx.now() };
  const settled = await approveRefundRequest(pc, before._id, decision).catch(refused);
  return decided(ctx, before, settled);
}

export async function rejectRefund(request: { refundId: string; reason: string }, ctx: ConsoleContext): Promise<ConsoleRefund> {
  const before = await requestToDecide(ctx, request.refundId);
  const decision: RefundDecision = { by: staffRef(ctx), approved: false, note: request.reason.trim(), at: ctx.now() };
  const settled = await billingStore(ctx.db).rejectRefundRequest(before._id, decision, ctx.now());
  return decided(ctx, before, settled);
}

export async function listRefunds(
  request: { state?: RefundStateView; studentNo?: string; orderId?: string; page: number; pageSize: number },
  ctx: ConsoleContext,
): Promise<RefundPage> {
  const _ = commands(ctx.db);
  const where: Record<string, unknown> = {};
  if (request.state) where.status = _.in([...REFUND_STATUSES_OF_STATE[request.state]]);
  if (request.studentNo?.trim()) where.studentNo = request.studentNo.trim().toUpperCase();
  if (request.orderId) where.orderId = request.orderId;
  const read = billingReads(ctx.db);
  const [refunds, total] = await Promise.all([
    read.refunds.find(where, { orderBy: [['createdAt', 'desc']], skip: (request.page - 1) * request.pageSize, limit: request.pageSize }),
    read.refunds.count(where),
  ]);
  const orderIds = [...new Set(refunds.map((refund) => refund.orderId))];
  const orders = orderIds.length === 0 ? [] : await read.orders.find({ _id: _.in(orderIds) }, { limit: orderIds.length });
  const byId = new Map(orders.map((order) => [order._id, order]));
  return { items: refunds.map((refund) => consoleRefundOf(refund, byId.get(refund.orderId) ?? null)), total };
}
