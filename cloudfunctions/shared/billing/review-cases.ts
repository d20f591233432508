/**
 * Review cases (待核实) in the finance console: the list (any role), a case with our record beside
 * WeChat's (asked live), and its decisions. A 审核 confirms an order as paid — only once WeChat says
 * it was paid, for this order's amount, to our merchant; the payment is then applied through the
 * same path as a callback, so it is applied once — or closes a case with a reason. Closing a payment
 * case whose order is still open and set aside closes that order too and gives its bills back to
 * 待缴费, unless WeChat took the money, which is settled first. A 收费员 asks for a refund from a
 * case, which a 审核 who is not the requester approves (four eyes): the approval resolves the case.
 * A case is resolved once; every decision is audited.
 */
import { AppError, commands, type ConsoleContext } from '../runtime';
import type { ErrorCode } from '../contracts';
import { formatFenPlain, fen } from '../kernel/money';
import type { CaseDetail, CasePage, ConsoleCase, ConsoleRefund } from './contract';
import { caseAuditView, caseDifferences, caseOrderView, casePaymentView, caseWechatView, consoleCaseOf, paidAtWechatAdvice, paymentCaseGuidance, refundCaseGuidance, wechatNotAsked } from './case-views';
import { consoleBillOf } from './console-views';
import { paymentContextOf, type PaymentContext } from './context';
import { sendRefundResultOnce } from './refund-message';
import type { QueriedOrder, QueryOrderResult, QueryRefundResult } from './cloudpay';
import type { BillDoc, OrderDoc, RefundDoc, RefundedBillsBecome, ReviewCaseDecision, ReviewCaseDoc } from './domain/records';
import { refundRetryable } from './domain/billing';
import { caseActions, closingEndsOrder, confirmRefusal, orderEndingOnClose, refundableBillIds, resolvedCase, type ConfirmRefusal } from './domain/review-cases';
import { paymentFromQuery } from './domain/wechat-payment';
import { confirmPayment, isPaidOutcome } from './orders';
import { consoleRefundOf } from './refund-views';
import { refundAuditView, refused, staffRef } from './refund-requests';
import { applyRefundStatus } from './refunding';
import { callInternal } from '../runtime/internal-calls';
import { billingReads, billingStore, CaseRefusedError, type CaseRefusal } from './store';

export async function listCases(
  request: { state?: ReviewCaseDoc['status']; kind?: ReviewCaseDoc['kind']; page: number; pageSize: number },
  ctx: ConsoleContext,
): Promise<CasePage> {
  const where: Record<string, unknown> = {};
  if (request.state) where.status = request.state;
  if (request.kind) where.kind = request.kind;
  const read = billingReads(ctx.db);
  const [cases, total] = await Promise.all([
    read.reviewCases.find(where, { orderBy: [['openedAt', 'desc']], skip: (request.page - 1) * request.pageSize, limit: request.pageSize }),
    read.reviewCases.count(where),
  ]);
  return { items: cases.map(consoleCaseOf), total };
}

async function caseOrFail(ctx: ConsoleContext, caseId: string): Promise<ReviewCaseDoc> {
  const found = await billingReads(ctx.db).reviewCases.findById(caseId);
  if (!found) throw new AppError('CASE_NOT_FOUND');
  return found;
}

/** The case, refused unless a decision can be taken on it now. */
async function openCaseOrFail(ctx: ConsoleContext, caseId: string): Promise<ReviewCaseDoc> {
  const found = await caseOrFail(ctx, caseId);
  if (found.status !== 'OPEN') throw new AppError('CASE_ALREADY_RESOLVED');
  if (found.awaitingRefundId) throw new AppError('CASE_REFUND_AWAITING');
  return found;
}

/** The order a case is about: named by it, or (for a statement row) the order of that number. */
async function orderOfCase(ctx: ConsoleContext, reviewCase: ReviewCaseDoc): Promise<OrderDoc | null> {
  const orderId = reviewCase.orderId ?? reviewCase.outTradeNo;
  return orderId ? billingReads(ctx.db).orders.findById(orderId) : null;
}

/** cloudPay as this console function can use it, or null when the merchant is not configured here. */
function paymentContextOrNull(ctx: ConsoleContext): PaymentContext | null {
  try {
    return paymentContextOf(ctx);
  } catch (error) {
    if (error instanceof AppError && error.code === 'PAY_UNAVAILABLE') return null;
    throw error;
  }
}

export async function caseDetail(request: { caseId: string }, ctx: ConsoleContext): Promise<CaseDetail> {
  const reviewCase = await caseOrFail(ctx, request.caseId);
  const read = billingReads(ctx.db);
  const _ = commands(ctx.db);
  const order = await orderOfCase(ctx, reviewCase);
  const pc = paymentContextOrNull(ctx);
  const [payments, refunds, bills, query, refundQuery] = await Promise.all([
    order ? read.payments.find({ orderId: order._id }, { limit: 20 }) : Promise.resolve([]),
    order ? read.refunds.find({ orderId: order._id }, { orderBy: [['createdAt', 'asc']], limit: 50 }) : Promise.resolve([]),
    order ? read.bills.find({ _id: _.in(order.billIds) }, { limit: order.billIds.length }) : Promise.resolve([]),
    pc && reviewCase.outTradeNo ? pc.pay.queryOrder(reviewCase.outTradeNo) : Promise.resolve<QueryOrderResult | null>(null),
    pc && reviewCase.outRefundNo ? pc.pay.queryRefund(reviewCase.outRefundNo) : Promise.resolve<QueryRefundResult | null>(null),
  ]);
  const ourMerchant = pc?.pay.subMchId ?? null;
  const refund = reviewCase.outRefundNo ? (refunds.find((one) => one._id === reviewCase.outRefundNo) ?? (await read.refunds.findById(reviewCase.outRefundNo))) : null;
  const now = ctx.now();
  const billOrder = new Map((order?.billIds ?? []).map((id, index) => [id, index]));
  return {
    case: consoleCaseOf(reviewCase),
    actions: caseActions(reviewCase, order, refund, query?.kind === 'found' ? query.tradeState : null),
    guidance: refundCaseGuidance(reviewCase, refund) ?? (ourMerchant === null ? null : paymentCaseGuidance(reviewCase, order, query, ourMerchant)),
    ours: {
      order: order ? caseOrderView(order, payments.find((payment) => payment._id === order.transactionId)?.subMchId ?? ourMerchant) : null,
      payments: payments.map(casePaymentView),
      refunds: refunds.map((one) => consoleRefundOf(one, order)),
      bills: [...bills].sort((a, b) => (billOrder.get(a._id) ?? 0) - (billOrder.get(b._id) ?? 0)).map((bill) => consoleBillOf(bill, now)),
    },
    wechat: ourMerchant === null ? wechatNotAsked('本环境未配置微信支付子商户号（PAY_SUB_MCH_ID），无法向微信支付查询') : caseWechatView(query, refundQuery, ourMerchant),
    differences: ourMerchant === null ? [] : caseDifferences(order, refund, query, refundQuery, ourMerchant),
  };
}

const yuan = (amount: number): string => `${formatFenPlain(fen(amount))} 元`;

const TRADE_STATE_WORDS: Readonly<Record<string, string>> = { NOTPAY: '未支付', CLOSED: '已关闭', REVOKED: '已撤销', USERPAYING: '用户支付中', PAYERROR: '支付失败', REFUND: '已转入退款' };

/** WeChat's record does not allow confirming: said with what WeChat has. */
function confirmRefused(refusal: ConfirmRefusal): never {
  switch (refusal.kind) {
    case 'NOT_PAID':
      throw new AppError('CASE_NOT_PAID_AT_WECHAT', `微信支付显示该订单${TRADE_STATE_WORDS[refusal.tradeState] ?? `状态为 ${refusal.tradeState}`}，没有支付成功，不能确认为已缴费`);
    case 'AMOUNT_DIFFERS':
      throw new AppError('CASE_WECHAT_AMOUNT_DIFFERS', `微信支付记录的金额（${yuan(refusal.wechat)}）与订单金额（${yuan(refusal.order)}）不一致，不能确认为已缴费`);
    case 'MERCHANT_DIFFERS':
      throw new AppError('CASE_WECHAT_MERCHANT_DIFFERS', `微信支付记录的商户号（${refusal.wechat}）不是本校的商户号，不能确认为已缴费`);
    case 'ORDER_DIFFERS':
      throw new AppError('CASE_WECHAT_ORDER_DIFFERS');
  }
}

const REVIEW_REFUSALS: Readonly<Record<NonNullable<OrderDoc['review']>['reason'], ErrorCode>> = {
  AMOUNT_MISMATCH: 'CASE_WECHAT_AMOUNT_DIFFERS',
  WRONG_MERCHANT: 'CASE_WECHAT_MERCHANT_DIFFERS',
  WRONG_ORDER: 'CASE_WECHAT_ORDER_DIFFERS',
  TRANSACTION_CONFLICT: 'CASE_TRANSACTION_ELSEWHERE',
};

const orderAuditView = (order: Pick<OrderDoc, 'status' | 'review' | 'transactionId' | 'total'>) => ({
  status: order.status,
  review: order.review?.reason ?? null,
  transactionId: order.transactionId ?? null,
  total: order.total,
});

const closedOrderAuditView = (order: OrderDoc) => ({ ...orderAuditView(order), closeReason: order.closeReason ?? null, wxClose: order.wxClose ?? null });

const billAuditView = (bill: Pick<BillDoc, 'status' | 'orderId'>) => ({ status: bill.status, orderId: bill.orderId ?? null });

/**
 * Confirms the case's order as paid after asking WeChat: SUCCESS, this order's number and amount,
 * our merchant. The order leaves review and the payment is applied as any confirmed payment is
 * (once, whoever applies it; a closed order's payment kept or refunded as ever). An order already
 * paid by exactly that transaction (a confirmation a moment earlier, or the timer) needs nothing
 * more. Returns the order before and after.
 */
async function confirmPaid(ctx: ConsoleContext, reviewCase: ReviewCaseDoc): Promise<{ before: OrderDoc; after: OrderDoc }> {
  const order = reviewCase.kind === 'PAYMENT' ? await orderOfCase(ctx, reviewCase) : null;
  if (!order) throw new AppError('CASE_ACTION_NOT_FITTING');
  const pc = paymentContextOf(ctx);
  const query = await pc.pay.queryOrder(order.outTradeNo);
  if (query.kind === 'unavailable' || query.kind === 'failed') throw new AppError('CASE_WECHAT_UNAVAILABLE');
  if (query.kind === 'not-found') throw new AppError('CASE_NOT_PAID_AT_WECHAT', '微信支付没有该订单的支付记录，不能确认为已缴费');
  const refusal = confirmRefusal(order, query, pc.pay.subMchId);
  if (refusal) confirmRefused(refusal);
  const payment = paymentFromQuery(query, ctx.now());
  if (!payment) throw new AppError('CASE_NOT_PAID_AT_WECHAT');
  if (order.status !== 'PENDING' && order.status !== 'CLOSED') {
    if (order.status === 'PAID' && order.transactionId === payment.transactionId) return { before: order, after: order };
    throw new AppError('CASE_ACTION_NOT_FITTING');
  }
  await pc.store.releaseFromReview(order._id, ctx.now());
  const outcome = await confirmPayment(pc, order._id, payment, 'query');
  if (!isPaidOutcome(outcome)) {
    // Set aside again by the same check a callback meets (e.g. the transaction is another order's).
    const reason = outcome.order.review?.reason;
    throw new AppError(reason ? REVIEW_REFUSALS[reason] : 'CASE_TRANSACTION_ELSEWHERE');
  }
  ctx.log.info('review case: order confirmed as paid', { caseId: reviewCase._id, orderId: order._id, outcome: outcome.kind });
  return { before: order, after: outcome.order };
}

/** Resolving lost to another decision taken a moment earlier: said as it stands now. */
async function notResolved(ctx: ConsoleContext, caseId: string): Promise<never> {
  const now = await caseOrFail(ctx, caseId);
  if (now.status !== 'OPEN') throw new AppError('CASE_ALREADY_RESOLVED');
  if (now.awaitingRefundId) throw new AppError('CASE_REFUND_AWAITING');
  throw new AppError('CONFLICT');
}

export async function resolveCase(
  request: { caseId: string; resolution: 'confirmPaid' | 'refundedOffline' | 'close'; reason: string },
  ctx: ConsoleContext,
): Promise<ConsoleCase> {
  const before = await openCaseOrFail(ctx, request.caseId);
  if (request.resolution === 'refundedOffline') return settleOffline(ctx, before, request.reason.trim());
  if (request.resolution === 'close') {
    const order = before.kind === 'PAYMENT' ? await orderOfCase(ctx, before) : null;
    if (order && closingEndsOrder(before, order)) return closeWithOrder(ctx, before, order, request.reason.trim());
  }
  const confirmed = request.resolution === 'confirmPaid' ? await confirmPaid(ctx, before) : null;
  const at = ctx.now();
  const decision: ReviewCaseDecision = { action: confirmed ? 'CONFIRM_PAID' : 'CLOSE', by: staffRef(ctx), reason: request.reason.trim(), at };
  if (!(await billingStore(ctx.db).resolveCase(before._id, decision, at))) return notResolved(ctx, before._id);
  const after: ReviewCaseDoc = { ...before, ...resolvedCase(decision, at) };
  ctx.audit.record({ target: `case:${before._id}`, before: caseAuditView(before), after: caseAuditView(after) });
  if (confirmed) ctx.audit.record({ target: `order:${confirmed.before._id}`, before: orderAuditView(confirmed.before), after: orderAuditView(confirmed.after) });
  return consoleCaseOf(after);
}

/** WeChat holds a payment for the order: closing is refused, saying how the money is settled (as the case's guidance does). */
const paidAtWechatRefusal = (order: OrderDoc, wechat: QueriedOrder, merchantId: string): AppError =>
  new AppError('CASE_ACTION_NOT_FITTING', `微信支付显示该订单已支付成功（${yuan(wechat.totalFee)}），学生的款项须先处理，不能关闭。${paidAtWechatAdvice(order, wechat, merchantId)}`);

/**
 * Closes a payment case whose order is still open and set aside, after asking WeChat: with no
 * payment there, the order is closed with the case (at WeChat too, by the timer, where WeChat may
 * still take money for it) and its bills go back to 待缴费, in one transaction; a payment there is
 * settled first, so closing is refused.
 */
async function closeWithOrder(ctx: ConsoleContext, reviewCase: ReviewCaseDoc, order: OrderDoc, reason: string): Promise<ConsoleCase> {
  const pc = paymentContextOf(ctx);
  const query = await pc.pay.queryOrder(order.outTradeNo);
  if (query.kind === 'unavailable' || query.kind === 'failed') throw new AppError('CASE_WECHAT_UNAVAILABLE');
  const at = ctx.now();
  const ending = orderEndingOnClose(order, query.kind === 'found' ? query : null, at);
  if (ending.kind === 'paid-at-wechat' && query.kind === 'found') throw paidAtWechatRefusal(order, query, pc.pay.subMchId);
  if (ending.kind !== 'close') throw new AppError('CASE_ACTION_NOT_FITTING', '微信支付显示学生正在支付该订单（用户支付中），支付结果未定，暂不能关闭，请稍后刷新再处理。');
  const decision: ReviewCaseDecision = { action: 'CLOSE', by: staffRef(ctx), reason, at };
  const closed = await billingStore(ctx.db)
    .closeCaseWithOrder(reviewCase._id, order._id, decision, { reason: ending.reason, wxClose: ending.wxClose }, at)
    .catch((error: unknown) => {
      if (error instanceof CaseRefusedError) throw new AppError(CASE_REFUSALS[error.refusal]);
      throw error;
    });
  if (!closed) return notResolved(ctx, reviewCase._id);
  ctx.log.info('review case closed with its order', { caseId: reviewCase._id, orderId: order._id, wxClose: ending.wxClose, releasedBills: closed.releasedBills.length });
  ctx.audit.record({ target: `case:${reviewCase._id}`, before: caseAuditView(closed.caseChange.before), after: caseAuditView(closed.caseChange.after) });
  ctx.audit.record({ target: `order:${order._id}`, before: closedOrderAuditView(closed.order.before), after: closedOrderAuditView(closed.order.after) });
  for (const bill of closed.releasedBills) {
    ctx.audit.record({ target: `bill:${bill._id}`, before: billAuditView(bill), after: billAuditView({ status: 'UNPAID', orderId: null }) });
  }
  return consoleCaseOf(closed.caseChange.after);
}

/**
 * 已线下退款: finance refunded a 退款失败 case's refund outside WeChat Pay. The refund, its order's
 * bills and summary, and the case change in one transaction (the student's order then says
 * 已退款（线下办理）); the receipt is then voided or issued anew for what remains paid (here, or by the
 * receipts timer when that fails).
 */
async function settleOffline(ctx: ConsoleContext, reviewCase: ReviewCaseDoc, reason: string): Promise<ConsoleCase> {
  if (reviewCase.kind !== 'REFUND' || !reviewCase.outRefundNo) throw new AppError('CASE_ACTION_NOT_FITTING');
  const at = ctx.now();
  const refundBefore = await billingReads(ctx.db).refunds.findById(reviewCase.outRefundNo);
  const decision: ReviewCaseDecision = { action: 'REFUNDED_OFFLINE', by: staffRef(ctx), reason, refundId: reviewCase.outRefundNo, at };
  const settled = await billingStore(ctx.db)
    .settleRefundOffline(reviewCase.outRefundNo, reviewCase._id, decision, at)
    .catch((error: unknown) => {
      if (error instanceof CaseRefusedError) throw new AppError(CASE_REFUSALS[error.refusal]);
      throw error;
    });
  if (!settled || !refundBefore) throw new AppError('CASE_ACTION_NOT_FITTING');
  ctx.log.info('review case: refund settled outside WeChat Pay', { caseId: reviewCase._id, outRefundNo: reviewCase.outRefundNo, orderStatus: settled.order.status });
  ctx.audit.record({ target: `case:${reviewCase._id}`, before: caseAuditView(settled.caseChange.before), after: caseAuditView(settled.caseChange.after) });
  ctx.audit.record({ target: `refund:${refundBefore._id}`, before: refundAuditView(refundBefore), after: refundAuditView(settled.refund) });
  if (settled.refund.request) await refreshReceiptAfterOffline(ctx, settled.order._id);
  const pc = paymentContextOrNull(ctx);
  if (pc) await sendRefundResultOnce(pc, settled.refund, settled.order, 'REFUNDED_OFFLINE');
  return consoleCaseOf(settled.caseChange.after);
}

/** The receipt after a refund outside WeChat Pay; a failure is left to the receipts timer, as after any refund. */
async function refreshReceiptAfterOffline(ctx: ConsoleContext, orderId: string): Promise<void> {
  try {
    const result = await callInternal(ctx, 'receipts', 'refresh', { orderId });
    if (!result.ok) ctx.log.warn('receipt not refreshed after the refund outside WeChat Pay; the receipts timer does it', { orderId, code: result.code });
  } catch (error) {
    ctx.log.error('receipt not refreshed after the refund outside WeChat Pay; the receipts timer does it', { orderId, error });
  }
}

const CASE_REFUSALS: Readonly<Record<CaseRefusal, ErrorCode>> = {
  NOT_FOUND: 'CASE_NOT_FOUND',
  RESOLVED: 'CASE_ALREADY_RESOLVED',
  AWAITING_REFUND: 'CASE_REFUND_AWAITING',
  NOT_FITTING: 'CASE_ACTION_NOT_FITTING',
};

/**
 * Before a failed refund is asked for again, WeChat is asked once more how it stands: only a refund
 * WeChat never created (refused outright) or closed (REFUNDCLOSE) may be replaced, so the student is
 * never paid twice. One WeChat completed after all is recorded as refunded (which settles the case).
 */
async function checkFailedForGood(ctx: ConsoleContext, failed: RefundDoc): Promise<void> {
  const pc = paymentContextOf(ctx);
  const state = await pc.pay.queryRefund(failed.outRefundNo);
  if (state.kind === 'unavailable' || state.kind === 'unknown') throw new AppError('CASE_WECHAT_UNAVAILABLE', '暂时无法向微信支付核实该退款，未做任何更改，请稍后再试');
  if (state.kind === 'found') {
    if (state.status === 'REFUNDCLOSE') return;
    if (state.status === 'SUCCESS') {
      await applyRefundStatus(pc, failed, 'SUCCESS', 'queryRefund before asking for it again');
      throw new AppError('CASE_ALREADY_RESOLVED', '微信支付显示该退款已成功，事项已自动办结，不需要重新申请退款');
    }
    throw new AppError('CASE_REFUND_NOT_FINAL');
  }
  // Not found (or WeChat's REFUNDNOTEXIST, which reaches us as a failed query): never created there.
  if (failed.manual?.cause !== 'REFUSED') throw new AppError('CASE_REFUND_NOT_FINAL');
}

export async function requestCaseRefund(
  request: { caseId: string; billIds?: string[]; billsBecome: RefundedBillsBecome; reason: string },
  ctx: ConsoleContext,
): Promise<{ case: ConsoleCase; refund: ConsoleRefund }> {
  const reviewCase = await openCaseOrFail(ctx, request.caseId);
  const order = await orderOfCase(ctx, reviewCase);
  if (!order) throw new AppError('CASE_ACTION_NOT_FITTING');
  // A 退款失败 case whose refund failed for good: the same bills again, in its place.
  const failed = reviewCase.kind === 'REFUND' && reviewCase.outRefundNo ? await billingReads(ctx.db).refunds.findById(reviewCase.outRefundNo) : null;
  const retry = failed && refundRetryable(failed) ? failed : null;
  if (retry) await checkFailedForGood(ctx, retry);
  // The whole order: every bill no refund covers yet (the order's limits refuse the rest).
  const refundable = refundableBillIds(order);
  const billIds = request.billIds ?? (retry ? retry.billIds : refundable.length > 0 ? refundable : order.billIds);
  const at = ctx.now();
  const asked = { by: staffRef(ctx), reason: request.reason.trim(), billsBecome: request.billsBecome, at, caseId: reviewCase._id, ...(retry ? { retryOf: retry._id } : {}) };
  const made = await billingStore(ctx.db)
    .requestConsoleRefund(order._id, { billIds, request: asked }, at)
    .catch((error: unknown) => {
      if (error instanceof CaseRefusedError) throw new AppError(CASE_REFUSALS[error.refusal]);
      return refused(error);
    });
  const caseAfter = made.caseChange?.after ?? reviewCase;
  ctx.log.info('refund requested from a review case', { caseId: reviewCase._id, orderId: order._id, outRefundNo: made.refund.outRefundNo });
  ctx.audit.record({ target: `refund:${made.refund._id}`, before: null, after: refundAuditView(made.refund) });
  if (retry) ctx.audit.record({ target: `refund:${retry._id}`, before: refundAuditView(retry), after: { ...refundAuditView(retry), status: 'RETRIED', retriedAs: made.refund._id } });
  ctx.audit.record({ target: `case:${reviewCase._id}`, before: caseAuditView(reviewCase), after: caseAuditView(caseAfter) });
  return { case: consoleCaseOf(caseAfter), refund: consoleRefundOf(made.refund, made.order) };
}
