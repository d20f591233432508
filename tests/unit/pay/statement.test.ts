import { parseStatement, StatementError, yuanToFen } from '../../../cloudfunctions/shared/billing/domain/statement';
import { paidMessageData } from '../../../cloudfunctions/shared/billing/after-paid';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import type { OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

describe('WeChat Pay statement', () => {
  it('reads yuan as integer fen', () => {
    expect(yuanToFen('3200.00')).toBe(320000);
    expect(yuanToFen('0.5')).toBe(50);
    expect(yuanToFen('0.07')).toBe(7);
    expect(yuanToFen('1234567.89')).toBe(123456789);
    expect(() => yuanToFen('1,000.00')).toThrow(StatementError);
  });

  it('parses payments and refunds up to the summary', () => {
    const text = [
      HEADER,
      '`2026-11-28 10:05:00,`wxapp,`1800000001,`1900000109,`,`4200000000000000000000000001,`ZJ1,`o1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`3200.00,`0.00,`0,`0,`0.00,`0.00,`,`,`学费,`2025001,`0.00000,`0.60%,`3200.00,`0.00,`',
      '`2026-11-28 11:00:00,`wxapp,`1800000001,`1900000109,`,`4200000000000000000000000002,`ZJ2,`o2,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000001,`RFZJ2,`450.50,`0.00,`ORIGINAL,`SUCCESS,`教材费,`2025002,`0.00000,`0.60%,`450.50,`450.50,`',
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      '`1,`3200.00,`450.50,`0.00,`0.00,`3200.00,`450.50',
    ].join('\r\n');
    expect(parseStatement(text)).toEqual([
      {
        tradeTime: new Date('2026-11-28T02:05:00Z'),
        tradeState: 'SUCCESS',
        transactionId: '4200000000000000000000000001',
        outTradeNo: 'ZJ1',
        orderFee: 320000,
        refundFee: 0,
        outRefundNo: '0',
        refundStatus: '',
        subMchId: '1900000109',
      },
      {
        tradeTime: new Date('2026-11-28T03:00:00Z'),
        tradeState: 'REFUND',
        transactionId: '4200000000000000000000000002',
        outTradeNo: 'ZJ2',
        orderFee: 45050,
        refundFee: 45050,
        outRefundNo: 'RFZJ2',
        refundStatus: 'SUCCESS',
        subMchId: '1900000109',
      },
    ]);
  });

  it('refuses something that is not a statement', () => {
    expect(() => parseStatement('hello')).toThrow(StatementError);
  });
});

describe('缴费成功 message', () => {
  it('fills the template within its field limits', () => {
    const order = {
      _id: 'ZJ1',
      outTradeNo: 'ZJ20261128100304ABCDEFGHIJKL',
      total: fen(485050),
      lines: [{ itemName: '学费' }, { itemName: '住宿费' }, { itemName: '教材费' }],
      paidAt: new Date('2026-11-28T02:05:00Z'),
      createdAt: new Date('2026-11-28T02:03:00Z'),
    } as unknown as OrderDoc;
    expect(paidMessageData(order)).toEqual({
      thing1: { value: '学费、住宿费、教材费' },
      amount2: { value: '¥4850.50' },
      time3: { value: '2026-11-28 10:05' },
      character_string4: { value: 'ZJ20261128100304ABCDEFGHIJKL' },
    });
  });

  it('names many items within WeChat\'s 20 characters, showing that it was cut', () => {
    const names = ['学费', '住宿费', '教材费', '考试费', '毕业论文指导费', '学位申请费', '学费'];
    const order = { outTradeNo: 'ZJ1', total: fen(100), lines: names.map((itemName) => ({ itemName })), createdAt: new Date('2026-11-28T02:03:00Z') } as unknown as OrderDoc;
    const { value } = paidMessageData(order).thing1!;
    expect(Array.from(value)).toHaveLength(20);
    expect(value).toBe('学费、住宿费、教材费、考试费、毕业论文…');
  });
});
