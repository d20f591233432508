import {
  billStatusChange,
  orderStatusChange,
  StatusChangeError,
  checkPaymentAgainstOrder,
  decideLatePayment,
  formatWxTime,
  MAX_REFUNDS_PER_ORDER,
  mayHaveOrdersToList,
  newBill,
  newOrder,
  newOutTradeNo,
  newRefund,
  nextCheck,
  nextCheckDelayMs,
  orderUsable,
  outRefundNoFor,
  parseWxTime,
  payBody,
  parseShanghaiDateTime,
  previousShanghaiDay,
  refundCompletesOrder,
  refundRefusal,
  refundRetryDelayMs,
  refundStatusChange,
  reissuedBill,
  shanghaiDayBefore,
  shanghaiDayRange,
  priceBills,
  PricingError,
  selectBills,
  selectionState,
  summaryAfterManual,
  summaryAfterRefunded,
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

describe('a voided bill issued again by an import', () => {
  const student = { name: '张三', college: '继续教育学院', major: '会计学', grade: '2026', className: '会计1班' };
  const imported = (studentNo: string, amount: number, over: Partial<typeof student> = {}) =>
    newBill({ studentId: `s-${studentNo}`, studentNo, student: { ...student, ...over }, term: '2026-2027-1', itemCode: 'XF', itemName: '学费', amount: fen(amount), deadline: new Date('2027-01-15T15:59:59Z'), mandatory: true, importBatchId: 'batch-2', now: NOW });
  const voided = (studentNo: string) => ({ ...imported(studentNo, 480000), status: 'VOID' as const, importBatchId: 'batch-1', originalAmount: fen(500000) });

  it('is unpaid, in no order, with the row’s amount, deadline and 必缴, under the new batch', () => {
    const { set } = reissuedBill(voided('2026001'), imported('2026001', 520000));
    expect(set).toEqual({ status: 'UNPAID', amount: 520000, deadline: new Date('2027-01-15T15:59:59Z'), mandatory: true, importBatchId: 'batch-2', orderId: null, paidOrderId: null, updatedAt: NOW });
  });
  it('writes the student’s fields only where they changed, so bills of the same amount share one write', () => {
    expect(reissuedBill(voided('2026001'), imported('2026001', 480000)).set).toEqual(reissuedBill(voided('2026002'), imported('2026002', 480000)).set);
    expect(reissuedBill(voided('2026001'), imported('2026001', 480000, { className: '会计2班' })).set).toMatchObject({ className: '会计2班' });
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
  it('makes the same order of the same bills as they stood, and another once a bill changed or an order of that state came before', () => {
    const a = bill('b1');
    const b = bill('b2', { itemCode: 'ZSF', amount: fen(120000), updatedAt: new Date(NOW.getTime() - 5 * MIN) });
    const state = selectionState('s1', [a, b], 0);
    // Two taps, the bills in either order: one order.
    expect(selectionState('s1', [b, a], 0)).toEqual(state);
    expect(state.changedAt).toEqual(NOW);
    expect(selectionState('s2', [a, b], 0).text).not.toBe(state.text);
    expect(selectionState('s1', [a, { ...b, updatedAt: NOW }], 0).text).not.toBe(state.text);
    expect(selectionState('s1', [a, { ...b, amount: fen(100000) }], 0).text).not.toBe(state.text);
    expect(selectionState('s1', [a], 0).text).not.toBe(state.text);
    expect(selectionState('s1', [a, b], 1).text).not.toBe(state.text);
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
    // A refund gives a paid bill back as 待缴费 or 已退费, as the request chose.
    expect(billStatusChange('PAID', 'UNPAID').froms).toEqual(['PAID']);
    expect(billStatusChange('PAID', 'REFUNDED').froms).toEqual(['PAID']);
    // An import issues a voided bill again.
    expect(billStatusChange('VOID', 'UNPAID').froms).toEqual(['VOID']);
    for (const [from, to] of [['VOID', 'PAYING'], ['VOID', 'PAID'], ['REFUNDED', 'PAID'], ['UNPAID', 'REFUNDED'], ['WAIVED', 'UNPAID']] as const) {
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

describe('refunds of an order', () => {
  const paid = order({ status: 'PAID', transactionId: '4200001234202611281234567890', paidAt: NOW });
  const finance = (refundFee: number, billIds = ['b2']) => ({ refundFee: fen(refundFee), billIds, reason: 'ARRANGED_BY_FINANCE' as const });

  it('each refund is a record of its own, numbered per order, due for submission at once', () => {
    const first = newRefund(paid, finance(120000), NOW);
    expect(first.refund).toMatchObject({
      _id: 'RFZJ20261128100304ABCDEFGHIJKL',
      outRefundNo: 'RFZJ20261128100304ABCDEFGHIJKL',
      orderId: paid._id,
      transactionId: paid.transactionId,
      totalFee: 440000,
      refundFee: 120000,
      billIds: ['b2'],
      sequence: 1,
      status: 'PENDING',
      attempts: 0,
      nextCheckAt: NOW,
    });
    expect(first.summary).toEqual({ count: 1, requested: 120000, refunded: 0, manual: 0, latestReason: 'ARRANGED_BY_FINANCE', lastRefundedAt: null });
    const second = newRefund({ ...paid, refundSummary: first.summary }, finance(1000, ['b1']), NOW);
    expect(second.refund).toMatchObject({ outRefundNo: 'RFZJ20261128100304ABCDEFGHIJKL-2', sequence: 2 });
    expect(second.summary).toMatchObject({ count: 2, requested: 121000 });
    expect(outRefundNoFor('ZJ1', 3)).toBe('RFZJ1-3');
  });

  it('only a paid order, its own bills, never more than was paid together, at most 50', () => {
    expect(refundRefusal(order(), finance(1))).toBe('NOT_PAID');
    expect(refundRefusal(paid, finance(0))).toBe('BAD_AMOUNT');
    expect(refundRefusal(paid, finance(-100))).toBe('BAD_AMOUNT');
    expect(refundRefusal(paid, finance(1, ['another-order-bill']))).toBe('NOT_THE_ORDERS_BILLS');
    expect(refundRefusal(paid, finance(1, []))).toBe('NOT_THE_ORDERS_BILLS');
    expect(refundRefusal(paid, finance(440000, ['b1', 'b2']))).toBeNull();
    expect(refundRefusal(paid, finance(440001, ['b1', 'b2']))).toBe('ABOVE_PAID');
    const summary = { count: 2, requested: fen(400000), refunded: fen(0), manual: 0, latestReason: 'ARRANGED_BY_FINANCE' as const, lastRefundedAt: null };
    expect(refundRefusal({ ...paid, refundSummary: summary }, finance(40000))).toBeNull();
    expect(refundRefusal({ ...paid, refundSummary: summary }, finance(40001))).toBe('ABOVE_PAID');
    expect(refundRefusal({ ...paid, refundSummary: { ...summary, count: MAX_REFUNDS_PER_ORDER - 1 } }, finance(1))).toBeNull();
    expect(refundRefusal({ ...paid, refundSummary: { ...summary, count: MAX_REFUNDS_PER_ORDER } }, finance(1))).toBe('TOO_MANY');
  });

  it('a second payment is REFUNDED once all of it is confirmed; a refund handed to a person still counts when WeChat confirms it', () => {
    const refunding = { ...paid, status: 'REFUNDING' as const };
    const { refund, summary } = newRefund(refunding, { refundFee: fen(440000), billIds: ['b1', 'b2'], reason: 'BILLS_ALREADY_PAID' }, NOW);
    expect(refundCompletesOrder(refunding, summary)).toBe(false);
    const withPerson = summaryAfterManual(summary);
    expect(withPerson.manual).toBe(1);
    const confirmed = summaryAfterRefunded(withPerson, { ...refund, status: 'MANUAL' }, NOW);
    expect(confirmed).toMatchObject({ refunded: 440000, manual: 0, lastRefundedAt: NOW });
    expect(refundCompletesOrder(refunding, confirmed)).toBe(true);
    // A paid order refunded in full by 计划财务处 is REFUNDED too; refunded in part it stays paid.
    expect(refundCompletesOrder(paid, confirmed)).toBe(true);
    expect(refundCompletesOrder(paid, { ...confirmed, refunded: fen(440000 - 1) })).toBe(false);
  });

  it('a refund moves only forward: confirmed is final', () => {
    expect(refundStatusChange('PENDING', 'SUBMITTED').set).toEqual({ status: 'SUBMITTED' });
    expect(refundStatusChange('MANUAL', 'SUCCESS').set).toEqual({ status: 'SUCCESS' });
    expect(() => refundStatusChange('SUCCESS', 'MANUAL')).toThrow(StatusChangeError);
    expect(() => refundStatusChange('SUBMITTED', 'PENDING')).toThrow(StatusChangeError);
  });
});

describe('what follows a payment, and what the bills page reads', () => {
  it('the payments timer looks at a paid order again only to send a 缴费成功 message the student asked for', () => {
    expect(nextCheck.afterPayment({ notifyOnPaid: true }, NOW)).toEqual(new Date(NOW.getTime() + 2 * MIN));
    expect(nextCheck.afterPayment({ notifyOnPaid: false }, NOW)).toBeNull();
  });

  it('orders are read only when a bill says there are some', () => {
    expect(mayHaveOrdersToList([])).toBe(false);
    expect(mayHaveOrdersToList([bill('b1'), bill('b2')])).toBe(false);
    expect(mayHaveOrdersToList([bill('b1'), bill('b2', { status: 'PAYING', orderId: 'O1' })])).toBe(true);
    expect(mayHaveOrdersToList([bill('b1', { status: 'PAID', paidOrderId: 'O1' })])).toBe(true);
    // Released by an interrupted close, still naming its order.
    expect(mayHaveOrdersToList([bill('b1', { orderId: 'O1' })])).toBe(true);
  });
});

describe('a payment for a closed order', () => {
  const line = (billId: string) => ({ billId, term: '2026-2027-1', academicYear: '2026-2027', itemCode: 'XF', itemName: '学费', amount: fen(320000) });
  const closed = { _id: 'A', billIds: ['b1', 'b2'], lines: [line('b1'), line('b2')] };
  it('is kept when its bills are unpaid (released or held by another open order) at the amounts it was priced at', () => {
    const bills = [bill('b1'), bill('b2', { status: 'PAYING', orderId: 'B' })];
    expect(decideLatePayment(closed, bills, [{ _id: 'B', status: 'PENDING' }])).toEqual({ kind: 'keep', supersede: ['B'] });
    expect(decideLatePayment(closed, [bill('b1', { status: 'PAYING', orderId: 'A' }), bill('b2')], [])).toEqual({ kind: 'keep', supersede: [] });
    // A retry after its bills were marked paid by it.
    expect(decideLatePayment(closed, [bill('b1', { status: 'PAID', paidOrderId: 'A' }), bill('b2')], [])).toEqual({ kind: 'keep', supersede: [] });
  });
  it('is refunded as a second payment when another order paid any of its bills', () => {
    const bills = [bill('b1'), bill('b2', { status: 'PAID', paidOrderId: 'B' })];
    expect(decideLatePayment(closed, bills, [])).toEqual({ kind: 'refund', reason: 'BILLS_ALREADY_PAID', paidBy: ['B'], changed: [] });
  });
  it('is refunded as a second payment when the other order is paid but its bills not marked yet', () => {
    const bills = [bill('b1', { status: 'PAYING', orderId: 'B' }), bill('b2', { status: 'PAYING', orderId: 'B' })];
    expect(decideLatePayment(closed, bills, [{ _id: 'B', status: 'PAID' }])).toEqual({ kind: 'refund', reason: 'BILLS_ALREADY_PAID', paidBy: ['B'], changed: [] });
  });
  it('is refunded as a changed bill when a bill was waived, voided, re-priced or is gone', () => {
    const changed = (bills: (BillDoc | null)[], holders: { _id: string; status: OrderDoc['status'] }[] = []) => decideLatePayment(closed, bills, holders);
    expect(changed([bill('b1', { status: 'WAIVED' }), bill('b2')])).toEqual({ kind: 'refund', reason: 'BILLS_CHANGED', paidBy: [], changed: ['b1'] });
    expect(changed([bill('b1', { status: 'VOID' }), bill('b2')])).toEqual({ kind: 'refund', reason: 'BILLS_CHANGED', paidBy: [], changed: ['b1'] });
    expect(changed([bill('b1'), bill('b2', { amount: fen(100000), originalAmount: fen(320000) })])).toEqual({ kind: 'refund', reason: 'BILLS_CHANGED', paidBy: [], changed: ['b2'] });
    // Re-priced, then taken into a new open order at the new amount: that order stays.
    expect(changed([bill('b1'), bill('b2', { amount: fen(100000), status: 'PAYING', orderId: 'B' })], [{ _id: 'B', status: 'PENDING' }])).toEqual({
      kind: 'refund',
      reason: 'BILLS_CHANGED',
      paidBy: [],
      changed: ['b2'],
    });
    expect(changed([null, bill('b2')])).toEqual({ kind: 'refund', reason: 'BILLS_CHANGED', paidBy: [], changed: ['b1'] });
  });
  it('names the second payment first when both happened', () => {
    const bills = [bill('b1', { status: 'WAIVED' }), bill('b2', { status: 'PAID', paidOrderId: 'B' })];
    expect(decideLatePayment(closed, bills, [])).toEqual({ kind: 'refund', reason: 'BILLS_ALREADY_PAID', paidBy: ['B'], changed: ['b1'] });
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
    const refundSummary = { count: 1, requested: fen(440000), refunded: fen(0), manual: 0, latestReason: 'BILLS_ALREADY_PAID' as const, lastRefundedAt: null };
    const waiting = orderView(order({ status: 'REFUNDING', refundSummary }), NOW, 'o1', maskReference);
    expect(waiting).toMatchObject({ notice: null, refund: { amount: 440000, manual: false, refundedAt: null } });
    const manual = orderView(order({ status: 'REFUNDING', refundSummary: { ...refundSummary, manual: 1 } }), NOW, 'o1', maskReference);
    expect(manual).toMatchObject({ refund: { manual: true } });
    expect(manual.notice).toContain('人工退款');
    const done = orderView(order({ status: 'REFUNDED', refundSummary: { ...refundSummary, refunded: fen(440000), lastRefundedAt: NOW } }), NOW, 'o1', maskReference);
    expect(done).toMatchObject({ notice: null, refund: { amount: 440000, manual: false, refundedAt: NOW.toISOString() } });
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
