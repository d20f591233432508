import { reviewCaseStatusChange, StatusChangeError } from '../../../cloudfunctions/shared/billing/domain/billing';
import {
  caseActions,
  confirmRefusal,
  differenceCase,
  orderCase,
  refundableBillIds,
  refundCase,
  resolvedCase,
} from '../../../cloudfunctions/shared/billing/domain/review-cases';
import { daysNewestFirst, statementReady, statementTotals } from '../../../cloudfunctions/shared/billing/domain/reconciliation';
import type { OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import type { StatementRow } from '../../../cloudfunctions/shared/billing/domain/statement';
import { fen } from '../../../cloudfunctions/shared/kernel/money';

const AT = new Date('2026-11-28T02:00:00Z');
const order = { _id: 'ZJ1', outTradeNo: 'ZJ1', studentNo: '2025001', total: fen(440000) };
const staff = { staffId: 'demo-staff-reviewer', name: '赵立' };

describe('a review case is named by its subject, so seeing it again opens nothing new', () => {
  it('one per order and reason, per refund, per statement day and payment or refund', () => {
    expect(orderCase(order, 'AMOUNT_MISMATCH', 'paid 1 fen', AT)._id).toBe('order:ZJ1:AMOUNT_MISMATCH');
    expect(orderCase(order, 'WRONG_MERCHANT', 'other merchant', AT)._id).toBe('order:ZJ1:WRONG_MERCHANT');
    const refund = { outRefundNo: 'RFZJ1-2', orderId: 'ZJ1', outTradeNo: 'ZJ1', refundFee: fen(120000) };
    expect(refundCase(refund, order, 'REFUNDCLOSE', AT)).toMatchObject({ _id: 'refund:RFZJ1-2', kind: 'REFUND', reason: 'REFUND_FAILED', studentNo: '2025001', amount: 120000 });
    expect(differenceCase('20261128', { kind: 'UNKNOWN_PAYMENT', outTradeNo: 'ZJX', note: 'unknown', amount: fen(50000) }, AT)).toMatchObject({
      _id: 'recon:20261128:ZJX',
      kind: 'RECONCILIATION',
      orderId: null,
      billDate: '20261128',
      status: 'OPEN',
      awaitingRefundId: null,
    });
    expect(differenceCase('20261128', { kind: 'UNKNOWN_REFUND', outTradeNo: 'ZJX', outRefundNo: 'RFZJX', note: 'unknown' }, AT)._id).toBe('recon:20261128:RFZJX');
  });

  it('is resolved once: OPEN → RESOLVED, never back', () => {
    expect(resolvedCase({ action: 'CLOSE', by: staff, reason: '线下已处理', at: AT }, AT)).toMatchObject({ status: 'RESOLVED', awaitingRefundId: null, resolvedAt: AT });
    expect(() => reviewCaseStatusChange('RESOLVED', 'RESOLVED')).toThrow(StatusChangeError);
    expect(() => reviewCaseStatusChange('RESOLVED', 'OPEN')).toThrow(StatusChangeError);
  });
});

describe('what can be done with a case', () => {
  const paid = { status: 'PAID', billIds: ['a', 'b'], refundSummary: undefined } as Pick<OrderDoc, 'status' | 'billIds' | 'refundSummary'>;
  const open = { status: 'OPEN', kind: 'PAYMENT', awaitingRefundId: null } as const;

  it('confirm as paid only a payment case whose order was never applied; refund only bills no refund covers', () => {
    expect(caseActions(open, { ...paid, status: 'PENDING' })).toEqual(['confirmPaid', 'close']);
    expect(caseActions(open, { ...paid, status: 'CLOSED' })).toEqual(['confirmPaid', 'close']);
    expect(caseActions(open, paid)).toEqual(['refund', 'close']);
    expect(caseActions({ ...open, kind: 'REFUND' }, { ...paid, refundSummary: { billIds: ['a', 'b'] } as OrderDoc['refundSummary'] })).toEqual(['close']);
    expect(refundableBillIds({ ...paid, refundSummary: { billIds: ['a'] } as OrderDoc['refundSummary'] })).toEqual(['b']);
    expect(caseActions({ ...open, kind: 'RECONCILIATION' }, null)).toEqual(['close']);
  });

  it('a 退款失败 case: 重新申请退款 only when the failure is final at WeChat; 已线下退款 while the refund is with a person', () => {
    const failedCase = { ...open, kind: 'REFUND' } as const;
    const claimed = { ...paid, refundSummary: { billIds: ['a', 'b'] } as OrderDoc['refundSummary'] };
    const request = { by: staff, reason: '学生退学，全额退费', billsBecome: 'REFUNDED', at: AT } as const;
    const failed = (cause: 'REFUSED' | 'CLOSED' | 'ABNORMAL' | 'UNCONFIRMED') => ({ status: 'MANUAL', manual: { reason: cause, since: AT, cause }, wechatStatus: null, request }) as const;
    expect(caseActions(failedCase, claimed, failed('REFUSED'))).toEqual(['retryRefund', 'refundedOffline', 'close']);
    expect(caseActions(failedCase, claimed, failed('CLOSED'))).toEqual(['retryRefund', 'refundedOffline', 'close']);
    // The money waits at WeChat (退款异常), or WeChat never said how it ended: asking again could pay twice.
    expect(caseActions(failedCase, claimed, failed('ABNORMAL'))).toEqual(['refundedOffline', 'close']);
    expect(caseActions(failedCase, claimed, failed('UNCONFIRMED'))).toEqual(['refundedOffline', 'close']);
    // Records from before the cause was kept: WeChat's last status tells.
    expect(caseActions(failedCase, claimed, { status: 'MANUAL', manual: { reason: 'closed', since: AT }, wechatStatus: 'REFUNDCLOSE', request })).toEqual(['retryRefund', 'refundedOffline', 'close']);
    // A second payment's automatic refund is no console request: refunded by hand only.
    expect(caseActions(failedCase, claimed, { ...failed('REFUSED'), request: undefined })).toEqual(['refundedOffline', 'close']);
    // Completed meanwhile (by WeChat, or outside it): only closing is left.
    expect(caseActions(failedCase, claimed, { ...failed('REFUSED'), status: 'SUCCESS' })).toEqual(['close']);
    expect(caseActions(failedCase, claimed, { ...failed('REFUSED'), status: 'OFFLINE' })).toEqual(['close']);
  });

  it('nothing once resolved, nor while a refund asked for from it waits for a 审核', () => {
    expect(caseActions({ ...open, status: 'RESOLVED' }, paid)).toEqual([]);
    expect(caseActions({ ...open, awaitingRefundId: 'RFZJ1' }, paid)).toEqual([]);
  });
});

describe('confirming an order as paid needs WeChat to say so, for this order', () => {
  const wechat = { tradeState: 'SUCCESS', outTradeNo: 'ZJ1', totalFee: 440000, subMchId: '1900000109' };
  it('SUCCESS, the amount, our merchant', () => {
    expect(confirmRefusal(order, wechat, '1900000109')).toBeNull();
    expect(confirmRefusal(order, { ...wechat, tradeState: 'NOTPAY' }, '1900000109')).toEqual({ kind: 'NOT_PAID', tradeState: 'NOTPAY' });
    expect(confirmRefusal(order, { ...wechat, tradeState: 'REFUND' }, '1900000109')).toEqual({ kind: 'NOT_PAID', tradeState: 'REFUND' });
    expect(confirmRefusal(order, { ...wechat, totalFee: 1 }, '1900000109')).toEqual({ kind: 'AMOUNT_DIFFERS', wechat: 1, order: 440000 });
    expect(confirmRefusal(order, { ...wechat, subMchId: '1999999999' }, '1900000109')).toEqual({ kind: 'MERCHANT_DIFFERS', wechat: '1999999999' });
  });
});

describe('reconciliation by statement day', () => {
  const row = (tradeState: string, orderFee: number, refundFee = 0): StatementRow => ({
    tradeTime: AT,
    tradeState,
    transactionId: '4200',
    outTradeNo: 'ZJ1',
    orderFee: fen(orderFee),
    refundFee: fen(refundFee),
    outRefundNo: refundFee ? 'RFZJ1' : '0',
    refundStatus: refundFee ? 'SUCCESS' : '',
    subMchId: '1900000109',
  });

  it('counts and sums the statement’s payments and refunds', () => {
    expect(statementTotals([row('SUCCESS', 320000), row('SUCCESS', 45050), row('REFUND', 440000, 120000)])).toEqual({
      payments: { count: 2, amount: 365050 },
      refunds: { count: 1, amount: 120000 },
    });
  });

  it('a day’s statement is asked for from 10:00 Beijing the next day', () => {
    expect(statementReady('20261128', new Date('2026-11-29T01:59:59Z'))).toBe(false);
    expect(statementReady('20261128', new Date('2026-11-29T02:00:00Z'))).toBe(true);
    expect(statementReady('20261332', new Date('2027-01-01T00:00:00Z'))).toBe(false);
  });

  it('lists the days of a range newest first, across months', () => {
    expect(daysNewestFirst('20261129', '20261202', 10)).toEqual(['20261202', '20261201', '20261130', '20261129']);
    expect(daysNewestFirst('20261129', '20261202', 2)).toEqual(['20261202', '20261201']);
    expect(daysNewestFirst('20261203', '20261202', 10)).toEqual([]);
  });
});
