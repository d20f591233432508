/**
 * 账单缴费's view-model: what a student reads under 待缴费 / 缴费中 / 已完成 and on the pay bar,
 * made from what the bills service returns.
 */
import {
  allToggled,
  confirmationNotice,
  orderCard,
  payGuideDismissedFor,
  payGuideShown,
  processingCard,
  reminderAcceptedNote,
  selectionView,
  toggled,
  unpaidTerms,
  unpaidView,
  withoutOrderedBills,
  type BillView,
  type OrderView,
} from '../../../miniprogram/pages/bills/view-model';

const FALL = { term: '2026-2027-1', termLabel: '2026-2027学年第一学期' };
const SPRING = { term: '2026-2027-2', termLabel: '2026-2027学年第二学期' };

function bill(id: string, itemName: string, amount: number, more: Partial<BillView> = {}): BillView {
  return {
    id,
    ...FALL,
    itemCode: id,
    itemName,
    amount,
    // 23:59:59 in Beijing is 15:59:59 UTC: the card shows Beijing's day.
    deadline: '2026-12-31T15:59:59.000Z',
    mandatory: true,
    status: 'UNPAID',
    overdue: false,
    payableOnline: true,
    notPayableReason: null,
    ...more,
  };
}

function order(more: Partial<OrderView> = {}): OrderView {
  return {
    id: 'o1',
    outTradeNo: 'ZJ20260901103000ABCDEFGHIJ',
    status: 'PENDING',
    total: 365050,
    lines: [
      { billId: 'tuition', ...FALL, itemCode: 'tuition', itemName: '学费', amount: 320000 },
      { billId: 'books', ...FALL, itemCode: 'books', itemName: '教材费', amount: 45050 },
    ],
    email: 'zhangsan@example.com',
    createdAt: '2026-09-01T02:30:00.000Z',
    expiresAt: '2026-09-01T04:30:00.000Z',
    paidAt: null,
    transactionIdMasked: null,
    processing: false,
    canResume: true,
    canCancel: true,
    otherPayer: false,
    underReview: false,
    notice: null,
    refund: null,
    ...more,
  };
}

const BILLS = [
  bill('tuition', '学费', 320000),
  bill('dorm', '住宿费', 120000, { mandatory: false }),
  bill('books', '教材费', 45050, { overdue: true, deadline: '2026-08-31T16:00:00.000Z' }),
  bill('spring', '学费', 320000, SPRING),
];

describe('待缴费', () => {
  test('bills are grouped by term in the server’s order, each card with its amount and Beijing deadline', () => {
    const { groups, unpaidCount } = unpaidView(BILLS, {});
    expect(unpaidCount).toBe(4);
    expect(groups.map((group) => group.termLabel)).toEqual(['2026-2027学年第一学期', '2026-2027学年第二学期']);
    expect(groups[0]!.bills.map((card) => [card.itemName, card.amountText, card.deadlineText, card.mandatory, card.overdue])).toEqual([
      ['学费', '¥3,200.00', '2026-12-31', true, false],
      ['住宿费', '¥1,200.00', '2026-12-31', false, false],
      ['教材费', '¥450.50', '2026-09-01', true, true],
    ]);
  });

  test('after a refresh only bills still payable stay ticked', () => {
    const { checked, groups } = unpaidView(BILLS.slice(1), { tuition: true, dorm: true });
    expect(checked).toEqual({ dorm: true });
    expect(groups[0]!.bills.filter((card) => card.checked).map((card) => card.itemName)).toEqual(['住宿费']);
  });
});

describe('the pay bar', () => {
  const { groups, amounts } = unpaidView(BILLS.slice(0, 3), {});

  test('nothing ticked: ¥0.00', () => {
    expect(selectionView(groups, amounts, {})).toMatchObject({ selectedCount: 0, allChecked: false, totalText: '¥0.00' });
  });

  test('the total is the ticked bills’ fen added up, shown with thousands separators', () => {
    let checked = toggled({}, 'tuition');
    checked = toggled(checked, 'books');
    const view = selectionView(groups, amounts, checked);
    expect(view).toMatchObject({ selectedCount: 2, allChecked: false, totalText: '¥3,650.50' });
    expect(view.groups[0]!.bills.map((card) => card.checked)).toEqual([true, false, true]);
    // Ticking 学费 again takes it off.
    expect(selectionView(groups, amounts, toggled(checked, 'tuition')).totalText).toBe('¥450.50');
  });

  test('全选 ticks every bill; tapped again, none', () => {
    const all = selectionView(groups, amounts, allToggled(groups, false));
    expect(all).toMatchObject({ selectedCount: 3, allChecked: true, totalText: '¥4,850.50' });
    expect(selectionView(groups, amounts, allToggled(all.groups, all.allChecked))).toMatchObject({ selectedCount: 0, totalText: '¥0.00' });
  });

  test('an item closed at its deadline (已截止) cannot be ticked, and 全选 leaves it out', () => {
    const closed = bill('exam', '考试费', 8000, {
      mandatory: false,
      overdue: true,
      deadline: '2026-12-01T15:59:59.000Z',
      payableOnline: false,
      notPayableReason: '该项目已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科',
    });
    const shown = unpaidView([bill('tuition', '学费', 320000), closed], { exam: true, tuition: true });
    // Ticked before the deadline passed: no longer ticked after a refresh.
    expect(shown.checked).toEqual({ tuition: true });
    expect(shown.groups[0]!.bills.map((card) => [card.itemName, card.payable, card.closedText])).toEqual([
      ['学费', true, ''],
      ['考试费', false, '该项目已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科'],
    ]);
    // Tapped: nothing is ticked, nothing added to the total.
    expect(selectionView(shown.groups, shown.amounts, toggled({}, 'exam'))).toMatchObject({ checked: {}, selectedCount: 0, totalText: '¥0.00' });
    // 全选 ticks every bill that can be paid, and counts as all ticked.
    const all = selectionView(shown.groups, shown.amounts, allToggled(shown.groups, false));
    expect(all).toMatchObject({ checked: { tuition: true }, selectedCount: 1, allChecked: true, totalText: '¥3,200.00' });
    expect(selectionView(shown.groups, shown.amounts, allToggled(all.groups, all.allChecked))).toMatchObject({ selectedCount: 0, allChecked: false });
  });

  test('an order’s bills leave 待缴费 at once, and so does a term left empty', () => {
    const twoTerms = unpaidView([bill('tuition', '学费', 320000), bill('books', '教材费', 45050), bill('spring', '学费', 320000, SPRING)], {});
    const left = withoutOrderedBills(twoTerms.groups, order());
    expect(left.unpaidCount).toBe(1);
    expect(left.groups.map((group) => group.termLabel)).toEqual(['2026-2027学年第二学期']);
  });
});

describe('orders', () => {
  test('a pending order: 待支付, items named once, Beijing times, 继续支付 and 取消订单 offered', () => {
    const card = orderCard(order({ lines: [...order().lines, { billId: 'tuition-2', ...SPRING, itemCode: 'tuition', itemName: '学费', amount: 0 }] }));
    expect(card).toMatchObject({
      statusText: '待支付',
      itemsText: '学费、教材费',
      totalText: '¥3,650.50',
      createdText: '2026-09-01 10:30',
      expiresText: '2026-09-01 12:30',
      paidText: '',
      canResume: true,
      canCancel: true,
      processing: false,
    });
    expect(card.lines.map((line) => `${line.label}（${line.termLabel}）${line.amountText}`)).toContain('学费（2026-2027学年第一学期）¥3,200.00');
  });

  test('paid on this device but not yet known to the server: 处理中, never offered for payment again', () => {
    const card = orderCard(order(), { paidOnThisDevice: true });
    expect(card).toMatchObject({ statusText: '处理中', processing: true, canResume: false, canCancel: false });
    expect(processingCard(order())).toMatchObject({ statusText: '处理中', canResume: false, canCancel: false });
  });

  test('under review: 待核实 and the finance office’s number, whatever this device remembers', () => {
    const card = orderCard(order({ underReview: true, canResume: false, canCancel: false, notice: '支付结果待核实，请联系计划财务处' }), {
      paidOnThisDevice: true,
      financePhone: '0535-6916496',
    });
    expect(card).toMatchObject({ statusText: '待核实', processing: false, noticeText: '支付结果待核实，请联系计划财务处（0535-6916496）' });
    // The number is added only to an order under review.
    expect(orderCard(order({ notice: '请留意退款' }), { financePhone: '0535-6916496' }).noticeText).toBe('请留意退款');
  });

  test('paid: 已支付 with the payment time to the second and the masked transaction id', () => {
    const card = orderCard(order({ status: 'PAID', paidAt: '2026-09-01T02:31:05.000Z', transactionIdMasked: '4200****7890', canResume: false, canCancel: false }));
    expect(card).toMatchObject({ statusText: '已支付', paidText: '2026-09-01 10:31:05', transactionText: '4200****7890' });
  });

  test('a second payment for bills already paid: 已退款 with why, how much and when', () => {
    const card = orderCard(
      order({ status: 'REFUNDED', refund: { amount: 365050, reason: '所缴账单已由另一笔订单支付，本次支付已原路退回', refundedAt: '2026-09-01T02:31:05.000Z', manual: false, state: 'REFUNDED' } }),
    );
    expect(card).toMatchObject({ statusText: '已退款', refundText: '已退款 ¥3,650.50（2026-09-01 10:31）：所缴账单已由另一笔订单支付，本次支付已原路退回' });
  });

  test('a paid order 计划财务处 refunds in part: still 已支付, the refund shown 退款中, then 退款失败 when WeChat did not complete it', () => {
    const refund = { amount: 120000, reason: '计划财务处办理的退款，将原路退回', refundedAt: null, manual: false, state: 'REFUNDING' as const };
    expect(orderCard(order({ status: 'PAID', refund })).refundText).toBe('退款中 ¥1,200.00：计划财务处办理的退款，将原路退回');
    const failed = { ...refund, reason: '计划财务处办理的退款，未能原路退回，计划财务处将人工办理', manual: true, state: 'FAILED' as const };
    expect(orderCard(order({ status: 'PAID', refund: failed })).refundText).toBe('退款失败 ¥1,200.00：计划财务处办理的退款，未能原路退回，计划财务处将人工办理');
  });

  test('a failed refund 计划财务处 then refunded outside WeChat Pay: 已退款（线下办理）, no longer 退款失败', () => {
    const refund = { amount: 120000, reason: '计划财务处办理的退款，已线下退回', refundedAt: '2026-11-30T02:05:00.000Z', manual: false, state: 'REFUNDED_OFFLINE' as const };
    expect(orderCard(order({ status: 'PAID', refund })).refundText).toBe('已退款（线下办理） ¥1,200.00（2026-11-30 10:05）：计划财务处办理的退款，已线下退回');
  });
});

describe('after the pay sheet said yes', () => {
  const refundOf = (reason: string, state: 'REFUNDING' | 'REFUNDED') => ({ amount: 365050, reason, refundedAt: null, manual: false, state });
  test.each([
    ['paid', order({ status: 'PAID' }), '缴费成功', true, 'done'],
    ['set aside for review', order({ underReview: true }), '支付结果待核实，请联系计划财务处', false, null],
    ['paid twice, being refunded', order({ status: 'REFUNDING', refund: refundOf('所缴账单已由另一笔订单支付，本次支付将原路退回', 'REFUNDING') }), '所缴账单已由另一笔订单支付，本次支付将原路退回', false, 'done'],
    ['paid twice, already refunded', order({ status: 'REFUNDED', refund: refundOf('所缴账单已由另一笔订单支付，本次支付已原路退回', 'REFUNDED') }), '所缴账单已由另一笔订单支付，本次支付已原路退回', false, 'done'],
    [
      'paid after the office changed its bill',
      order({ status: 'REFUNDING', refund: refundOf('订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废），本次支付将原路退回，请以“待缴费”中的账单为准', 'REFUNDING') }),
      '订单取消后，所缴账单已由计划财务处调整（减免、改金额或作废），本次支付将原路退回，请以“待缴费”中的账单为准',
      false,
      'done',
    ],
    ['still waiting', order(), '支付结果确认中，请稍后下拉刷新查看', false, null],
    ['never reached', null, '支付结果确认中，请稍后下拉刷新查看', false, null],
  ])('the order %s: the student is told what came of it', (_state, last, message, success, tab) => {
    expect(confirmationNotice(last)).toEqual({ message, success, tab });
  });
});

describe('the payment guide’s reminder', () => {
  const owed = unpaidTerms([bill('a', '学费', 100), bill('b', '住宿费', 100), bill('c', '学费', 100, SPRING)]);

  it('is shown while bills are owed and nothing was dismissed on this device', () => {
    expect(owed).toEqual([FALL.term, SPRING.term]);
    expect(payGuideShown(owed, '')).toBe(true);
    expect(payGuideShown([], '')).toBe(false);
  });

  it('stays away once dismissed, and comes back when bills of another term appear', () => {
    const dismissed = payGuideDismissedFor([FALL.term], '');
    expect(payGuideShown([FALL.term], dismissed)).toBe(false);
    expect(payGuideShown(owed, dismissed)).toBe(true);
    const again = payGuideDismissedFor(owed, dismissed);
    expect(again).toEqual([FALL.term, SPRING.term]);
    expect(payGuideShown(owed, again)).toBe(false);
  });

  it('takes whatever the device stored that is not a list of terms as nothing dismissed', () => {
    expect(payGuideShown([FALL.term], { [FALL.term]: true })).toBe(true);
    expect(payGuideDismissedFor([FALL.term], [7, null, SPRING.term])).toEqual([SPRING.term, FALL.term]);
  });
});

describe('截止前提醒我', () => {
  it('says when the reminder comes and how many are left, on Beijing’s day of the deadline', () => {
    expect(reminderAcceptedNote({ remindersLeft: 2, nextDeadline: '2026-12-31T15:59:59.000Z', daysBefore: 3 })).toBe(
      '最近的截止日期为 2026-12-31，将在截止日期前 3 天提醒您（还可提醒 2 次）',
    );
    expect(reminderAcceptedNote({ remindersLeft: 1, nextDeadline: null, daysBefore: 5 })).toBe('将在截止日期前 5 天提醒您（还可提醒 1 次）');
  });
});
