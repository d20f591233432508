import { isRefundCallback, refundStateOf } from '../../../cloudfunctions/shared/billing/cloudpay';

describe('queryRefund’s answer', () => {
  it('reads the parallel lists', () => {
    expect(refundStateOf({ refundCount: 1, outRefundNoList: ['RF1'], refundStatusList: ['PROCESSING'] }, 'RF1')).toEqual({ kind: 'found', status: 'PROCESSING' });
    expect(refundStateOf({ refundCount: 2, outRefundNoList: ['RF0', 'RF1'], refundStatusList: ['SUCCESS', 'REFUNDCLOSE'] }, 'RF1')).toEqual({ kind: 'found', status: 'REFUNDCLOSE' });
  });
  it('reads the _0 fields when there are no lists', () => {
    expect(refundStateOf({ refundCount: 1, outRefundNo0: 'RF1', refundStatus0: 'SUCCESS' }, 'RF1')).toEqual({ kind: 'found', status: 'SUCCESS' });
  });
  it('empty lists and no _0 fields: unknown, never a failure', () => {
    const empty = { refundCount: 1, outRefundNoList: [], refundStatusList: [], refundFeeList: [] };
    expect(refundStateOf(empty, 'RF1')).toEqual({ kind: 'unknown', refundCount: 1 });
    expect(refundStateOf({}, 'RF1')).toEqual({ kind: 'unknown', refundCount: null });
  });
  it('another refund’s status is not taken for this one', () => {
    expect(refundStateOf({ outRefundNoList: ['RF0'], refundStatusList: ['SUCCESS'] }, 'RF1')).toEqual({ kind: 'unknown', refundCount: null });
  });
});

describe('a callback event', () => {
  it('is a refund result when it carries refund fields, flat or under reqInfo', () => {
    expect(isRefundCallback({ returnCode: 'SUCCESS', outRefundNo: 'RF1', refundStatus: 'SUCCESS', outTradeNo: 'ZJ1' })).toBe(true);
    expect(isRefundCallback({ returnCode: 'SUCCESS', reqInfo: { outRefundNo: 'RF1' } })).toBe(true);
    expect(isRefundCallback({ returnCode: 'SUCCESS', reqInfo: 'encrypted' })).toBe(true);
    expect(isRefundCallback({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', outTradeNo: 'ZJ1', transactionId: '4200', timeEnd: '20261128100000' })).toBe(false);
  });
});
