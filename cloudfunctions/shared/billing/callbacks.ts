/**
 * The payment and refund callbacks: cloudPay calls this function when a student has paid (the
 * function named in unifiedOrder) and when a refund has a result (the one named in refund). It answers
 * `{ errcode, errmsg }` (cloudPay's protocol, not the ApiResult envelope): errcode 0 means "handled,
 * do not send again"; anything else makes WeChat redeliver (for up to two days).
 *
 * Nothing in the event is trusted on its own: the order is re-queried from WeChat, and order
 * number, merchant and amount must match the stored order before it becomes PAID. Every callback
 * is stored as it arrived, with what it turned out to be.
 */
import { checkPaymentAgainstOrder } from './domain/billing';
import type { NotificationDoc, NotificationVerdict } from './domain/records';
import type { PaymentContext } from './context';
import { confirmPayment, confirmPlainPayment } from './orders';
import { applyRefundStatus } from './refunding';
import { claimOfCallback, paymentFromQuery } from './domain/wechat-payment';
import { isRefundCallback, type RefundState } from './cloudpay';

export interface CallbackAnswer {
  errcode: number;
  errmsg: string;
}

interface Verdict {
  verdict: NotificationVerdict;
  note: string;
  /** Ask WeChat to deliver it again (the outcome is not known yet). */
  retry?: boolean;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

async function judge(pc: PaymentContext, event: Record<string, unknown>): Promise<Verdict> {
  const claim = claimOfCallback(event);
  const { outTradeNo } = claim;
  if (!outTradeNo) return { verdict: 'MALFORMED', note: 'no outTradeNo' };
  if (!claim.succeeded) return { verdict: 'NOT_SUCCESS', note: claim.codes };

  // The callback says it is paid; WeChat's own order query must say the same.
  const query = await pc.pay.queryOrder(outTradeNo);
  const payment = paymentFromQuery(query, claim.paidAt ?? pc.now());
  // The common case: the callback, the query and (checked by the write itself) the order agree.
  const agrees =
    payment !== null &&
    claim.totalFee === payment.totalFee &&
    claim.subMchId === payment.subMchId &&
    (!claim.transactionId || claim.transactionId === payment.transactionId);
  const plain = agrees ? await confirmPlainPayment(pc, outTradeNo, payment, 'callback') : null;
  if (plain === 'paid') return { verdict: 'APPLIED', note: 'order paid' };

  // Anything less plain is judged against the stored order, one question at a time.
  const order = await pc.orders.findById(outTradeNo);
  if (!order) return { verdict: 'UNKNOWN_ORDER', note: 'no such order' };
  const claimed = checkPaymentAgainstOrder(order, claim, pc.pay.subMchId);
  if (!claimed.ok) return { verdict: claimed.reason === 'WRONG_MERCHANT' ? 'WRONG_MERCHANT' : 'AMOUNT_MISMATCH', note: claimed.note };
  if (query.kind === 'unavailable' || query.kind === 'failed') {
    return { verdict: 'QUERY_FAILED', note: query.kind === 'unavailable' ? query.error : query.description, retry: true };
  }
  if (!payment) {
    return { verdict: 'NOT_PAID_ON_QUERY', note: query.kind === 'found' ? `trade_state ${query.tradeState}` : 'order unknown to WeChat' };
  }
  if (claim.transactionId && claim.transactionId !== payment.transactionId) {
    return { verdict: 'QUERY_MISMATCH', note: 'transactionId differs from the order query' };
  }
  // confirmPayment checks WeChat's answer against the order and sets a disagreement aside for finance.
  const outcome = await confirmPayment(pc, order._id, payment, 'callback', order, plain === 'claimed');
  switch (outcome.kind) {
    case 'paid':
      return { verdict: 'APPLIED', note: 'order paid' };
    case 'already-paid':
      return { verdict: 'ALREADY_APPLIED', note: 'order was paid already' };
    case 'kept-late':
      return { verdict: 'KEPT_LATE', note: 'payment for a closed order kept: its bills were unpaid' };
    case 'refunding':
      return { verdict: 'REFUNDING', note: 'bills already paid by another order: refunding' };
    case 'mismatch':
      return { verdict: 'QUERY_MISMATCH', note: outcome.note };
  }
}

const REFUND_STATES: readonly string[] = ['SUCCESS', 'PROCESSING', 'REFUNDCLOSE', 'CHANGE'];

/** The refund notice's fields, whether flat in the event or nested under reqInfo. */
function refundFields(event: Record<string, unknown>): Record<string, unknown> {
  return isRecord(event.reqInfo) ? { ...event, ...event.reqInfo } : event;
}

/**
 * A refund result. Checked against the stored refund (number, order, amount, merchant), then
 * against queryRefund; when queryRefund cannot tell (empty lists, unreachable), the callback's own
 * status is used — it came from cloudPay (SOURCE wx_paycallback) and matched the stored refund.
 */
async function judgeRefund(pc: PaymentContext, event: Record<string, unknown>): Promise<Verdict & { outTradeNo?: string; outRefundNo?: string }> {
  const info = refundFields(event);
  const outRefundNo = text(info.outRefundNo);
  if (!outRefundNo) {
    // The notice's req_info was not opened for us: the timer follows every open refund anyway.
    return { verdict: 'REFUND_PENDING', note: 'refund notice without readable fields; left to the sweep' };
  }
  const refund = await pc.refunds.findById(outRefundNo);
  if (!refund) return { verdict: 'UNKNOWN_REFUND', note: 'no such refund', outRefundNo };
  const ids = { outTradeNo: refund.outTradeNo, outRefundNo };
  const claimedTradeNo = text(info.outTradeNo);
  const claimedFee = info.refundFee === undefined || info.refundFee === '' ? null : Number(info.refundFee);
  const claimedMerchant = text(info.subMchId);
  if ((claimedTradeNo && claimedTradeNo !== refund.outTradeNo) || (claimedFee !== null && claimedFee !== refund.refundFee) || (claimedMerchant && claimedMerchant !== pc.pay.subMchId)) {
    pc.log.error('refund notice does not match the stored refund', { outRefundNo, claimedTradeNo, claimedFee, claimedMerchant });
    return { verdict: 'REFUND_MISMATCH', note: 'order number, amount or merchant differs from the stored refund', ...ids };
  }
  if (refund.status === 'SUCCESS') return { verdict: 'REFUND_ALREADY_APPLIED', note: 'refund was recorded already', ...ids };
  const claimed = REFUND_STATES.includes(text(info.refundStatus)) ? (text(info.refundStatus) as RefundState) : null;
  const query = await pc.pay.queryRefund(outRefundNo);
  const queried = query.kind === 'found' ? query.status : null;
  if (queried === 'PROCESSING' && claimed && claimed !== 'PROCESSING') {
    // The notice ran ahead of the query: hear it again later (WeChat redelivers; the timer asks too).
    return { verdict: 'REFUND_PENDING', note: `notice says ${claimed}, queryRefund still PROCESSING`, retry: true, ...ids };
  }
  const status = queried ?? claimed;
  if (!status) return { verdict: 'REFUND_PENDING', note: `no refund status (queryRefund: ${query.kind})`, ...ids };
  const progress = await applyRefundStatus(pc, refund, status, queried ? 'queryRefund after the refund notice' : 'refund notice');
  switch (progress) {
    case 'refunded':
      return { verdict: 'REFUND_APPLIED', note: `refund ${status}`, ...ids };
    case 'manual':
      return { verdict: 'REFUND_MANUAL', note: `refund ${status}: finance refunds by hand`, ...ids };
    default:
      return { verdict: 'REFUND_PENDING', note: `refund ${status}`, ...ids };
  }
}

const STORED_FIELDS = 40;

/** The event as stored: its own scalar fields only (it is WeChat's data; bounded in size). */
function rawOf(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event).slice(0, STORED_FIELDS)) {
    if (key === 'userInfo') continue;
    if (typeof value === 'string') out[key] = value.slice(0, 256);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
  }
  return out;
}

/** Handles one callback that came from cloudPay (the caller has checked SOURCE): a payment or a refund result. */
export async function handlePaymentCallback(pc: PaymentContext, event: unknown, requestId: string): Promise<CallbackAnswer> {
  const record = isRecord(event) ? event : {};
  const refund = isRecord(event) && isRefundCallback(record);
  const fields = refund ? refundFields(record) : record;
  let verdict: Verdict & { outTradeNo?: string; outRefundNo?: string };
  try {
    verdict = !isRecord(event) ? { verdict: 'MALFORMED', note: 'event is not an object' } : refund ? await judgeRefund(pc, record) : await judge(pc, record);
  } catch (error) {
    pc.log.error(refund ? 'refund callback failed' : 'payment callback failed', { outTradeNo: text(fields.outTradeNo), error });
    verdict = { verdict: 'ERROR', note: error instanceof Error ? error.message.slice(0, 200) : 'error', retry: true };
  }
  const doc: Omit<NotificationDoc, '_id'> = {
    kind: refund ? 'refund' : 'payment',
    outTradeNo: verdict.outTradeNo ?? (text(fields.outTradeNo) || null),
    ...(refund ? { outRefundNo: verdict.outRefundNo ?? (text(fields.outRefundNo) || null) } : {}),
    transactionId: text(fields.transactionId) || null,
    verdict: verdict.verdict,
    note: verdict.note,
    raw: rawOf(fields),
    receivedAt: pc.now(),
    requestId,
  };
  try {
    await pc.store.recordCallback(doc);
  } catch (error) {
    // Not stored: let WeChat send it again (applying it again is harmless).
    pc.log.error('callback not stored', { outTradeNo: doc.outTradeNo, error });
    return { errcode: 1, errmsg: 'STORE_FAILED' };
  }
  const calm: readonly NotificationVerdict[] = ['APPLIED', 'ALREADY_APPLIED', 'KEPT_LATE', 'REFUND_APPLIED', 'REFUND_ALREADY_APPLIED', 'REFUND_PENDING'];
  const level = calm.includes(verdict.verdict) ? 'info' : 'warn';
  pc.log[level](refund ? 'refund callback' : 'payment callback', { outTradeNo: doc.outTradeNo, verdict: verdict.verdict, note: verdict.note });
  return verdict.retry ? { errcode: 1, errmsg: verdict.verdict } : { errcode: 0, errmsg: 'OK' };
}
