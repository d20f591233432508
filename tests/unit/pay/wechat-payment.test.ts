/**
 * What WeChat says about a payment, from each of its three sources, becomes the same confirmed
 * payment: the callback's claim, the order query's answer, a statement row.
 */
import { claimOfCallback, paymentFromQuery, paymentFromStatement } from '../../../cloudfunctions/shared/billing/domain/wechat-payment';

const FALLBACK = new Date('2026-11-28T02:00:00Z');
const PAID_AT = new Date('2026-11-28T01:59:30Z');

describe('the order query', () => {
  const found = { kind: 'found' as const, outTradeNo: 'ZJ1', subMchId: '1900000109', totalFee: 320000, transactionId: '4200001', paidAt: PAID_AT };

  it('confirms a payment WeChat holds or held (SUCCESS, REFUND), with its amount as ordered and its own time', () => {
    for (const tradeState of ['SUCCESS', 'REFUND']) {
      expect(paymentFromQuery({ ...found, tradeState }, FALLBACK)).toEqual({
        outTradeNo: 'ZJ1',
        transactionId: '4200001',
        totalFee: 320000,
        subMchId: '1900000109',
        paidAt: PAID_AT,
      });
    }
    expect(paymentFromQuery({ ...found, tradeState: 'SUCCESS', paidAt: null }, FALLBACK)?.paidAt).toEqual(FALLBACK);
  });

  it('confirms nothing while unpaid, without a transaction, or when WeChat did not answer', () => {
    for (const tradeState of ['NOTPAY', 'USERPAYING', 'CLOSED', 'REVOKED', 'PAYERROR']) expect(paymentFromQuery({ ...found, tradeState }, FALLBACK)).toBeNull();
    expect(paymentFromQuery({ ...found, tradeState: 'SUCCESS', transactionId: null }, FALLBACK)).toBeNull();
    expect(paymentFromQuery({ kind: 'unavailable' }, FALLBACK)).toBeNull();
    expect(paymentFromQuery({ kind: 'not-found' }, FALLBACK)).toBeNull();
  });
});

describe('the payment callback', () => {
  it('is a claim with WeChat’s fields, to be confirmed by the query', () => {
    const claim = claimOfCallback({
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      outTradeNo: 'ZJ1',
      totalFee: 320000,
      subMchId: '1900000109',
      transactionId: '4200001',
      timeEnd: '20261128095930',
    });
    expect(claim).toMatchObject({ outTradeNo: 'ZJ1', succeeded: true, totalFee: 320000, subMchId: '1900000109', transactionId: '4200001', paidAt: PAID_AT });
  });

  it('says when it did not succeed, and what it carried', () => {
    const claim = claimOfCallback({ returnCode: 'SUCCESS', resultCode: 'FAIL', outTradeNo: 'ZJ1' });
    expect(claim).toMatchObject({ succeeded: false, codes: 'returnCode SUCCESS resultCode FAIL', transactionId: '', paidAt: null });
    expect(claimOfCallback({ outTradeNo: 42 }).outTradeNo).toBe('');
  });
});

describe('a statement row', () => {
  it('is the payment at 交易时间, or at the start of its day when the row has none', () => {
    const row = { outTradeNo: 'ZJ1', transactionId: '4200001', orderFee: 320000, subMchId: '1900000109', tradeTime: PAID_AT };
    expect(paymentFromStatement(row, FALLBACK)).toEqual({ outTradeNo: 'ZJ1', transactionId: '4200001', totalFee: 320000, subMchId: '1900000109', paidAt: PAID_AT });
    expect(paymentFromStatement({ ...row, tradeTime: null }, FALLBACK).paidAt).toEqual(FALLBACK);
  });
});
