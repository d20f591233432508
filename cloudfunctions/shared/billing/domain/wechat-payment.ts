/**
 * What WeChat says about a payment, read in one place. Three sources tell of the same payment —
 * the payment callback, the order query (queryOrder), and the statement (downloadBill) — and each
 * becomes the same ConfirmedPayment (or a claim still to be confirmed) here, with the same rules:
 * `total_fee` is the order's amount (cash_fee is less when a coupon paid part), and the paid time is
 * WeChat's own when it gives one.
 */
import { parseWxTime } from '../../kernel/china-time';
import type { ConfirmedPayment } from './billing';

/** The fields of a queryOrder answer that tell of a payment (the port's QueriedOrder has them). */
export interface QueriedPayment {
  tradeState: string;
  outTradeNo: string;
  subMchId: string;
  totalFee: number;
  transactionId: string | null;
  paidAt: Date | null;
}

/** The states in which WeChat holds (or held, before a refund) the money. */
const PAID_STATES = new Set(['SUCCESS', 'REFUND']);

/** A queryOrder answer as a confirmed payment, when WeChat has the money; otherwise null. */
export function paymentFromQuery(query: ({ kind: 'found' } & QueriedPayment) | { kind: 'not-found' | 'failed' | 'unavailable' }, fallbackPaidAt: Date): ConfirmedPayment | null {
  if (query.kind !== 'found' || !PAID_STATES.has(query.tradeState) || !query.transactionId) return null;
  return {
    outTradeNo: query.outTradeNo,
    transactionId: query.transactionId,
    totalFee: query.totalFee,
    subMchId: query.subMchId,
    paidAt: query.paidAt ?? fallbackPaidAt,
  };
}

/** A row of the statement (交易状态 SUCCESS) as a confirmed payment; 交易时间 is when the student paid. */
export function paymentFromStatement(
  row: { outTradeNo: string; transactionId: string; orderFee: number; subMchId: string; tradeTime: Date | null },
  dayStart: Date,
): ConfirmedPayment {
  return { outTradeNo: row.outTradeNo, transactionId: row.transactionId, totalFee: row.orderFee, subMchId: row.subMchId, paidAt: row.tradeTime ?? dayStart };
}

/** What a payment callback claims, not yet confirmed: the order query must say the same. */
export interface CallbackClaim {
  outTradeNo: string;
  /** Both returnCode and resultCode were SUCCESS. */
  succeeded: boolean;
  totalFee: number;
  subMchId: string;
  /** Empty when the callback carried none. */
  transactionId: string;
  paidAt: Date | null;
  /** For the record: what the callback said when it did not succeed. */
  codes: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The callback event (cloudPay's camelCase fields) as a claim. */
export function claimOfCallback(event: Record<string, unknown>): CallbackClaim {
  return {
    outTradeNo: text(event.outTradeNo),
    succeeded: event.returnCode === 'SUCCESS' && event.resultCode === 'SUCCESS',
    totalFee: Number(event.totalFee),
    subMchId: text(event.subMchId),
    transactionId: text(event.transactionId),
    paidAt: parseWxTime(event.timeEnd),
    codes: `returnCode ${text(event.returnCode)} resultCode ${text(event.resultCode)}`,
  };
}
