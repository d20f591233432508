/**
 * The payment callback: cloudPay calls this function when a student has paid. It answers
 * `{ errcode, errmsg }` (cloudPay's protocol, not the ApiResult envelope): errcode 0 means "handled,
 * do not send again"; anything else makes WeChat redeliver (for up to two days).
 *
 * Nothing in the event is trusted on its own: the order is re-queried from WeChat, and order
 * number, merchant and amount must match the stored order before it becomes PAID. Every callback
 * is stored as it arrived, with what it turned out to be.
 */
import { checkPaymentAgainstOrder, parseWxTime } from '../shared/domain/billing';
import type { NotificationDoc, NotificationVerdict } from '../shared/domain/records';
import type { PaymentContext } from '../shared/payments/context';
import { confirmPayment, paymentFromQuery } from '../shared/payments/orders';

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
  const outTradeNo = text(event.outTradeNo);
  if (!outTradeNo) return { verdict: 'MALFORMED', note: 'no outTradeNo' };
  if (event.returnCode !== 'SUCCESS' || event.resultCode !== 'SUCCESS') {
    return { verdict: 'NOT_SUCCESS', note: `returnCode ${text(event.returnCode)} resultCode ${text(event.resultCode)}` };
  }
  const order = await pc.orders.findById(outTradeNo);
  if (!order) return { verdict: 'UNKNOWN_ORDER', note: 'no such order' };
  const claimed = checkPaymentAgainstOrder(
    order,
    { outTradeNo, totalFee: Number(event.totalFee), subMchId: text(event.subMchId) },
    pc.pay.subMchId,
  );
  if (!claimed.ok) return { verdict: claimed.reason === 'WRONG_MERCHANT' ? 'WRONG_MERCHANT' : 'AMOUNT_MISMATCH', note: claimed.note };

  // The callback says it is paid; WeChat's own order query must say the same.
  const query = await pc.pay.queryOrder(outTradeNo);
  if (query.kind === 'unavailable' || query.kind === 'failed') {
    return { verdict: 'QUERY_FAILED', note: query.kind === 'unavailable' ? query.error : query.description, retry: true };
  }
  const payment = paymentFromQuery(query, parseWxTime(event.timeEnd) ?? pc.now());
  if (!payment) {
    return { verdict: 'NOT_PAID_ON_QUERY', note: query.kind === 'found' ? `trade_state ${query.tradeState}` : 'order unknown to WeChat' };
  }
  const queried = checkPaymentAgainstOrder(order, payment, pc.pay.subMchId);
  if (!queried.ok) return { verdict: 'QUERY_MISMATCH', note: queried.note };
  const transactionId = text(event.transactionId);
  if (transactionId && transactionId !== payment.transactionId) {
    return { verdict: 'QUERY_MISMATCH', note: 'transactionId differs from the order query' };
  }
  const outcome = await confirmPayment(pc, order._id, payment, 'callback', order);
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

/** Handles one callback that came from cloudPay (the caller has checked SOURCE). */
export async function handlePaymentCallback(pc: PaymentContext, event: unknown, requestId: string): Promise<CallbackAnswer> {
  const record = isRecord(event) ? event : {};
  let verdict: Verdict;
  try {
    verdict = isRecord(event) ? await judge(pc, record) : { verdict: 'MALFORMED', note: 'event is not an object' };
  } catch (error) {
    pc.log.error('payment callback failed', { outTradeNo: text(record.outTradeNo), error });
    verdict = { verdict: 'ERROR', note: error instanceof Error ? error.message.slice(0, 200) : 'error', retry: true };
  }
  const doc: Omit<NotificationDoc, '_id'> = {
    kind: 'payment',
    outTradeNo: text(record.outTradeNo) || null,
    transactionId: text(record.transactionId) || null,
    verdict: verdict.verdict,
    note: verdict.note,
    raw: rawOf(record),
    receivedAt: pc.now(),
    requestId,
  };
  try {
    await pc.notifications.insert(doc);
  } catch (error) {
    // Not stored: let WeChat send it again (applying it again is harmless).
    pc.log.error('payment callback not stored', { outTradeNo: doc.outTradeNo, error });
    return { errcode: 1, errmsg: 'STORE_FAILED' };
  }
  const level = verdict.verdict === 'APPLIED' || verdict.verdict === 'ALREADY_APPLIED' || verdict.verdict === 'KEPT_LATE' ? 'info' : 'warn';
  pc.log[level]('payment callback', { outTradeNo: doc.outTradeNo, verdict: verdict.verdict, note: verdict.note });
  return verdict.retry ? { errcode: 1, errmsg: verdict.verdict } : { errcode: 0, errmsg: 'OK' };
}
