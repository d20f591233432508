import {
  billStatusChange,
  orderStatusChange,
  StatusChangeError,
  checkPaymentAgainstOrder,
  decideLatePayment,
  formatWxTime,
  newOrder,
  newOutTradeNo,
  nextCheckDelayMs,
  orderUsable,
  outRefundNoFor,
  parseWxTime,
  payBody,
  parseShanghaiDateTime,
  previousShanghaiDay,
  refundRetryDelayMs,
  shanghaiDayBefore,
  shanghaiDayRange,
  priceBills,
  PricingError,
  selectBills,
  termLabel,
  wechatMayClose,
} from '../../../cloudfunctions/shared/billing/domain/billing';
import { orderView } from '../../../cloudfunctions/shared/billing/views';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import type { BillDoc, OrderDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { maskReference } from '../../../cloudfunctions/shared/kernel/mask';

const NOW = new Date('2026-11-28T02:03:04Z'); // 10:03:04 Beijing
const MIN = 60_000;

function bill(id: string, over: Partial<BillDoc> = {}): BillDoc {
  return {
    _id: id,
    studentId: 's1',
    studentNo: '2025001',
    term: '2026-2027-1',
    academicYear: '2026-2027',
    itemCode: 'XF',
    itemName: '学费',
    amount: fen(320000),
    deadline: new Date('2026-12-31T16:00:00Z'),
    mandatory: true,
    status: 'UNPAID',
    orderId: null,
    paidOrderId: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

function order(over: Partial<OrderDoc> = {}): OrderDoc {
  return {
    ...newOrder({
      id: 'ZJ20261128100304ABCDEFGHIJKL',
      studentId: 's1',
      studentNo: '2025001',
      payerOpenid: 'o1',
      bills: [bill('b1'), bill('b2', { itemCode: 'ZSF', itemName: '住宿费', amount: fen(120000) })],
      email: 'a@b.cn',
      notifyOnPaid: false,
      nonceStr: 'n',
      now: NOW,
    }),
    ...over,
  };
}

describe('WeChat Pay times (Beijing, yyyyMMddHHmmss)', () => {
  it('formats and parses round trip', () => {
    expect(formatWxTime(NOW)).toBe('20261128100304');
    expect(parseWxTime('20261128100304')).toEqual(NOW);
    expect(parseWxTime('20261131100304')).toBeNull();
    expect(parseWxTime('2026112810030')).toBeNull();
    expect(parseWxTime(20261128100304)).toBeNull();
  });
  it('knows the previous Beijing day, also just after midnight Beijing time', () => {
    expect(previousShanghaiDay(NOW)).toBe('20261127');
    expect(previousShanghaiDay(new Date('2026-11-27T16:30:00Z'))).toBe('20261127'); // 00:30 on the 28th
  });
});

describe('labels and email', () => {
  it('names terms', () => {
    expect(termLabel('2026-2027-1')).toBe('2026-2027学年第一学期');
    expect(termLabel('2026-2027-2')).toBe('2026-2027学年第二学期');
    expect(termLabel('秋季')).toBe('秋季');
  });
});

describe('choosing bills', () => {
  it('refuses bills that are not the student’s', () => {
    expect(selectBills(['b1', 'b2'], [bill('b1'), bill('b2', { studentId: 's2' })], 's1')).toEqual({ kind: 'missing', ids: ['b2'] });
    expect(selectBills(['b9'], [], 's1')).toEqual({ kind: 'missing', ids: ['b9'] });
  });
  it('refuses paid, refunded and void bills', () => {
    const sel = selectBills(['b1', 'b2', 'b3'], [bill('b1', { status: 'PAID' }), bill('b2', { status: 'VOID' }), bill('b3')], 's1');
    expect(sel).toEqual({ kind: 'not-payable', ids: ['b1', 'b2'] });
  });
  it('finds the open order that holds exactly these bills', () => {
    const held = [bill('b1', { status: 'PAYING', orderId: 'o1' }), bill('b2', { status: 'PAYING', orderId: 'o1' })];
    expect(selectBills(['b1', 'b2'], held, 's1')).toEqual({ kind: 'in-open-order', orderIds: ['o1'], sameOrderId: 'o1' });
    expect(selectBills(['b1', 'b3'], [held[0]!, bill('b3')], 's1')).toEqual({ kind: 'in-open-order', orderIds: ['o1'], sameOrderId: null });
  });
  it('keeps the requested order', () => {
    const sel = selectBills(['b2', 'b1'], [bill('b1'), bill('b2')], 's1');
    expect(sel.kind === 'ok' && sel.bills.map((b) => b._id)).toEqual(['b2', 'b1']);
  });
});

describe('pricing', () => {
  it('adds integer fen from the stored bills', () => {
    const { lines, total } = priceBills([bill('b1'), bill('b2', { amount: fen(45050) })]);
    expect(total).toBe(365050);
    expect(lines.map((l) => l.amount)).toEqual([320000, 45050]);
  });
  it('refuses an empty order, a zero bill and a non-integer amount', () => {
    expect(() => priceBills([])).toThrow(PricingError);
    expect(() => priceBills([bill('b1', { amount: fen(0) })])).toThrow(PricingError);
    expect(() => priceBills([bill('b1', { amount: 1.5 as never })])).toThrow();
  });
  it('describes the goods for the pay sheet within WeChat’s limit', () => {
    const lines = priceBills([bill('b1'), bill('b2', { itemName: '住宿费' }), bill('b3', { itemName: '教材费' })]).lines;
    expect(payBody(lines)).toBe('继续教育缴费-学费、住宿费等3项（2026-2027学年）');
    expect(Array.from(payBody(lines)).length).toBeLessThanOrEqual(128);
  });
});

describe('a new order', () => {
  it('carries the prepay request it will resend unchanged', () => {
    const o = order();
    expect(o).toMatchObject({ status: 'PENDING', total: 440000, billIds: ['b1', 'b2'], wxClose: 'NONE', paidAt: null });
    expect(o.prepayRequest).toMatchObject({ outTradeNo: o.outTradeNo, totalFee: 440000, timeExpire: '20261128101804', openid: 'o1' });
    expect(o.expiresAt.getTime() - NOW.getTime()).toBe(15 * MIN);
    expect('transactionId' in o).toBe(false); // absent, not null: the unique sparse index
    expect('payment' in o).toBe(false);
  });
  it('gets an outTradeNo WeChat accepts', () => {
    const no = newOutTradeNo(NOW, 'ABCDEFGHIJKL');
    expect(no).toBe('ZJ20261128100304ABCDEFGHIJKL');
    expect(no).toMatch(/^[0-9A-Za-z]{1,32}$/);
    expect(() => newOutTradeNo(NOW, 'short')).toThrow();
    expect(outRefundNoFor(no)).toBe('RFZJ20261128100304ABCDEFGHIJKL');
  });
});

describe('order rules', () => {
  it('allows only the state changes of the state machine, and writes each conditional on where it starts', () => {
    expect(orderStatusChange('PENDING', 'PAID')).toEqual({ where: { status: 'PENDING' }, set: { status: 'PAID' } });
    for (const [from, to] of [['PENDING', 'CLOSED'], ['CLOSED', 'PAID'], ['CLOSED', 'REFUNDING'], ['REFUNDING', 'REFUNDED']] as const) {
      expect(orderStatusChange(from, to).set).toEqual({ status: to });
    }
    for (const [from, to] of [['PAID', 'CLOSED'], ['PAID', 'PENDING'], ['REFUNDED', 'PAID'], ['CLOSED', 'PENDING']] as const) {
      expect(() => orderStatusChange(from, to)).toThrow(StatusChangeError);
    }
    expect(billStatusChange('UNPAID', 'PAYING')).toEqual({ froms: ['UNPAID'], set: { status: 'PAYING' } });
    expect(billStatusChange(['UNPAID', 'PAYING'], 'PAID').froms).toEqual(['UNPAID', 'PAYING']);
    expect(billStatusChange('PAYING', 'UNPAID').set).toEqual({ status: 'UNPAID' });
    for (const [from, to] of [['PAID', 'UNPAID'], ['VOID', 'PAYING'], ['REFUNDED', 'PAID'], ['UNPAID', 'REFUNDED']] as const) {
      expect(() => billStatusChange(from, to)).toThrow(StatusChangeError);
    }
  });
  it('closes at WeChat only 5 minutes after its prepay', () => {
    const o = order({ prepayAt: new Date(NOW.getTime() + 2 * MIN) });
    expect(wechatMayClose(o, new Date(NOW.getTime() + 6 * MIN))).toBe(false);
    expect(wechatMayClose(o, new Date(NOW.getTime() + 7 * MIN))).toBe(true);
    expect(wechatMayClose(order(), new Date(NOW.getTime() + 5 * MIN))).toBe(true);
  });
  it('hands out payment only while there is time to pay', () => {
    const o = order();
    expect(orderUsable(o, new Date(NOW.getTime() + 8 * MIN))).toBe(true);
    expect(orderUsable(o, new Date(NOW.getTime() + 10 * MIN))).toBe(false); // a new prepay needs > 5 min
    const withPayment = order({ payment: { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=x', signType: 'MD5', paySign: 's' } });
    expect(orderUsable(withPayment, new Date(NOW.getTime() + 13 * MIN))).toBe(true);
    expect(orderUsable(withPayment, new Date(NOW.getTime() + 14.5 * MIN))).toBe(false);
    expect(orderUsable(order({ status: 'CLOSED' }), NOW)).toBe(false);
  });
  it('backs off: the first look 90 s after creation, then recent orders often, old ones rarely', () => {
    const delays = [0, 1, 2, 3, 4, 5, 9].map(nextCheckDelayMs);
    expect(delays).toEqual([1.5 * MIN, MIN, 2 * MIN, 4 * MIN, 8 * MIN, 10 * MIN, 10 * MIN]);
    expect(order().nextCheckAt!.getTime() - NOW.getTime()).toBe(1.5 * MIN);
  });
  it('asks about a refund again backing off to hourly', () => {
    expect([0, 1, 2, 3, 4, 5, 12].map(refundRetryDelayMs)).toEqual([MIN, 2 * MIN, 5 * MIN, 10 * MIN, 30 * MIN, 60 * MIN, 60 * MIN]);
  });
});

describe('a confirmed payment against its order', () => {
  const o = order();
  it('must match order number, merchant and amount', () => {
    expect(checkPaymentAgainstOrder(o, { outTradeNo: o.outTradeNo, totalFee: 440000, subMchId: 'm' }, 'm')).toEqual({ ok: true });
    expect(checkPaymentAgainstOrder(o, { outTradeNo: o.outTradeNo, totalFee: 440001, subMchId: 'm' }, 'm')).toMatchObject({ ok: false, reason: 'AMOUNT_MISMATCH' });
    expect(checkPaymentAgainstOrder(o, { outTradeNo: o.outTradeNo, totalFee: 440000, subMchId: 'x' }, 'm')).toMatchObject({ ok: false, reason: 'WRONG_MERCHANT' });
    expect(checkPaymentAgainstOrder(o, { outTradeNo: 'other', totalFee: 440000, subMchId: 'm' }, 'm')).toMatchObject({ ok: false, reason: 'WRONG_ORDER' });
  });
});

describe('a payment for a closed order', () => {
  const closed = { _id: 'A', billIds: ['b1', 'b2'] };
  it('is kept when its bills are unpaid (released or held by another open order)', () => {
    const bills = [bill('b1'), bill('b2', { status: 'PAYING', orderId: 'B' })];
    expect(decideLatePayment(closed, bills, [{ _id: 'B', status: 'PENDING' }])).toEqual({ kind: 'keep', supersede: ['B'] });
    expect(decideLatePayment(closed, [bill('b1', { status: 'PAYING', orderId: 'A' }), bill('b2')], [])).toEqual({ kind: 'keep', supersede: [] });
  });
  it('is refunded when another order paid any of its bills', () => {
    const bills = [bill('b1'), bill('b2', { status: 'PAID', paidOrderId: 'B' })];
    expect(decideLatePayment(closed, bills, [])).toEqual({ kind: 'refund', paidBy: ['B'] });
  });
  it('is refunded when the other order is paid but its bills not marked yet', () => {
    const bills = [bill('b1', { status: 'PAYING', orderId: 'B' }), bill('b2', { status: 'PAYING', orderId: 'B' })];
    expect(decideLatePayment(closed, bills, [{ _id: 'B', status: 'PAID' }])).toEqual({ kind: 'refund', paidBy: ['B'] });
  });
  it('is refunded when a bill was voided or is gone', () => {
    expect(decideLatePayment(closed, [bill('b1', { status: 'VOID' }), bill('b2')], []).kind).toBe('refund');
    expect(decideLatePayment(closed, [null, bill('b2')], []).kind).toBe('refund');
  });
});

describe('the order as the page sees it', () => {
  it('offers 继续支付 only to the payer, and never while processing', () => {
    const o = order();
    expect(orderView(o, NOW, 'o1', maskReference)).toMatchObject({ canResume: true, canCancel: true, processing: false, otherPayer: false });
    expect(orderView(o, NOW, 'o2', maskReference)).toMatchObject({ canResume: false, canCancel: true, otherPayer: true });
    expect(orderView(order({ clientPaidAt: NOW }), NOW, 'o1', maskReference)).toMatchObject({ canResume: false, canCancel: false, processing: true });
    expect(orderView(o, new Date(NOW.getTime() + 14.5 * MIN), 'o1', maskReference).canResume).toBe(false);
  });
  it('an order set aside for finance offers neither 继续支付 nor 取消订单, and says whom to contact', () => {
    const v = orderView(order({ review: { reason: 'AMOUNT_MISMATCH', note: 'paid 1 fen', since: NOW } }), NOW, 'o1', maskReference);
    expect(v).toMatchObject({ status: 'PENDING', underReview: true, canResume: false, canCancel: false, processing: false });
    expect(v.notice).toContain('计划财务处');
    expect(orderView(order(), NOW, 'o1', maskReference)).toMatchObject({ underReview: false, notice: null });
  });
  it('a refund finance completes by hand is shown as such', () => {
    const refund = { outRefundNo: 'RF1', refundFee: fen(440000), reason: 'BILLS_ALREADY_PAID' as const, submittedAt: NOW, refundedAt: null };
    const waiting = orderView(order({ status: 'REFUNDING', refund }), NOW, 'o1', maskReference);
    expect(waiting).toMatchObject({ notice: null, refund: { amount: 440000, manual: false } });
    const manual = orderView(order({ status: 'REFUNDING', refund: { ...refund, manual: { reason: 'REFUNDCLOSE', at: NOW } } }), NOW, 'o1', maskReference);
    expect(manual).toMatchObject({ refund: { manual: true } });
    expect(manual.notice).toContain('人工退款');
  });
  it('masks the transaction id', () => {
    const paid = order({ status: 'PAID', transactionId: '4200001234202611281234567890', paidAt: NOW });
    const v = orderView(paid, NOW, 'o1', maskReference);
    expect(v.transactionIdMasked).toBe('4200****7890');
    expect(JSON.stringify(v)).not.toContain('4200001234202611281234567890');
  });
});

describe('Beijing time in WeChat’s texts', () => {
  it('reads the statement’s and the refund notice’s 2026-11-28 10:05:00', () => {
    expect(parseShanghaiDateTime('2026-11-28 10:05:00')).toEqual(new Date('2026-11-28T02:05:00Z'));
    expect(parseShanghaiDateTime('2026-11-28 00:00:01')).toEqual(new Date('2026-11-27T16:00:01Z'));
    expect(parseShanghaiDateTime('2026-02-30 10:05:00')).toBeNull();
    expect(parseShanghaiDateTime('yesterday')).toBeNull();
  });
  it('knows a day’s bounds and the days before it', () => {
    expect(shanghaiDayRange('20261128')).toEqual({ start: new Date('2026-11-27T16:00:00Z'), end: new Date('2026-11-28T16:00:00Z') });
    expect(shanghaiDayBefore('20261201', 1)).toBe('20261130');
    expect(shanghaiDayBefore('20260101', 7)).toBe('20251225');
  });
});
