/**
 * The 退款结果 subscribe message: once a refund is 已退款 or 退款失败 — learnt from the refund callback
 * or by the payments timer — the order's payer gets one message (items, amount in 元, state, time,
 * a hint), however often WeChat repeats the result. A student without an acceptance left (WeChat
 * answers 43101) gets none, the refusal is recorded, and the refund completes all the same.
 */
import { requestRefund } from '../../../cloudfunctions/shared/billing';
import type { SubscribeMessageDoc } from '../../../cloudfunctions/shared/billing/after-paid';
import type { NotificationDoc, OrderLine, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { refundMessageData } from '../../../cloudfunctions/shared/billing/refund-message';
import { fen } from '../../../cloudfunctions/shared/kernel/money';
import { SANDBOX_REFUND_RESULT_TEMPLATE_ID, subscribeMessagesOf } from '../../../local/wechat-openapi';
import { dump, MINUTE, readOrder } from '../../support/billing-fixtures';
import { financeContext, ok, usePayWorld, type PayWorld } from './helpers';

let w: PayWorld;
usePayWorld((world) => (w = world));


/** A student who paid 学费 3,200.00, 住宿费 1,200.00 and 教材费 450.50 in one order; 教材费 is refunded. */
async function textbookRefund() {
  const { student, bills } = await w.student(3);
  const { order } = ok(await w.create(student, bills.map((b) => b._id), { subscribed: true }));
  await w.sandbox.pay(order.id);
  await w.sandbox.settle();
  const refund = await requestRefund(financeContext(w, 'refund-message-test'), order.id, { refundFee: fen(45050), billIds: [bills[2]!._id], reason: 'ARRANGED_BY_FINANCE' });
  return { student, order, outRefundNo: refund.outRefundNo };
}

const refundResults = (openid: string) => subscribeMessagesOf(w.tc.cloud).sent().filter((m) => m.touser === openid && m.templateId === SANDBOX_REFUND_RESULT_TEMPLATE_ID);
const messageRecords = async (outRefundNo: string): Promise<SubscribeMessageDoc[]> =>
  (await dump<SubscribeMessageDoc>(w.tc.cloud, 'subscribeMessages')).filter((m) => m.outRefundNo === outRefundNo);
const readRefund = async (outRefundNo: string): Promise<RefundDoc> => (await dump<RefundDoc>(w.tc.cloud, 'refunds')).find((r) => r._id === outRefundNo)!;
const refundVerdicts = async (outRefundNo: string): Promise<string[]> =>
  (await dump<NotificationDoc>(w.tc.cloud, 'notifications')).filter((n) => n.kind === 'refund' && n.outRefundNo === outRefundNo).map((n) => n.verdict);

/** How a student reads a moment in WeChat: Beijing time, to the minute. */
function beijingMinute(at: Date | string): string {
  const d = new Date(new Date(at).getTime() + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

test('a refund confirmed by the callback: the payer gets one 已退款 message, and a repeated result sends no second', async () => {
  const { student, order, outRefundNo } = await textbookRefund();
  // Submitted, not settled yet: nothing to tell.
  expect(refundResults(student.openid)).toEqual([]);

  await w.settleRefunds();
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_APPLIED']);
  const refund = await readRefund(outRefundNo);
  expect(refund.status).toBe('SUCCESS');
  expect(refundResults(student.openid)).toEqual([
    {
      touser: student.openid,
      templateId: SANDBOX_REFUND_RESULT_TEMPLATE_ID,
      page: 'pages/bills/index?tab=done',
      data: {
        thing1: { value: '教材费' },
        amount2: { value: '¥450.50' },
        phrase3: { value: '已退款' },
        time4: { value: beijingMinute(refund.refundedAt!) },
        thing5: { value: '款项已原路退回至付款账户' },
      },
      sentAtMs: expect.any(Number),
    },
  ]);
  expect(await messageRecords(outRefundNo)).toMatchObject([{ key: `refund-result:${outRefundNo}:REFUNDED`, orderId: order.id, openid: student.openid, status: 'SENT', error: null }]);

  // WeChat sends the result again, twice: recorded, and the student is not told again.
  expect(await w.sandbox.sendCallback(w.sandbox.refundEventFor(outRefundNo))).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await w.sandbox.sendCallback(w.sandbox.refundEventFor(outRefundNo))).toEqual({ errcode: 0, errmsg: 'OK' });
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_APPLIED', 'REFUND_ALREADY_APPLIED', 'REFUND_ALREADY_APPLIED']);
  expect(refundResults(student.openid)).toHaveLength(1);
  expect(await messageRecords(outRefundNo)).toHaveLength(1);
});

test('the callback is lost and the timer finds the refund done: one message, none more when the callback turns up', async () => {
  const { student, outRefundNo } = await textbookRefund();
  w.sandbox.setCallbackMode('hold');
  w.tc.cloud.clock.advance(10 * MINUTE);
  expect((await w.sweep()).refunded).toBe(1);
  expect(refundResults(student.openid).map((m) => [m.data.phrase3!.value, m.data.amount2!.value])).toEqual([['已退款', '¥450.50']]);

  await w.sandbox.releaseCallbacks();
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_ALREADY_APPLIED']);
  expect(refundResults(student.openid)).toHaveLength(1);
});

test('a student with no acceptance left: WeChat refuses (43101), the refusal is recorded, and the refund is 已退款 all the same', async () => {
  const { student, order, outRefundNo } = await textbookRefund();
  subscribeMessagesOf(w.tc.cloud).refuse(student.openid);
  try {
    await w.settleRefunds();
    const deliveries = w.sandbox.deliveries.filter((d) => d.kind === 'refund' && d.event.outRefundNo === outRefundNo);
    // Answered once, with 0: WeChat is not asked to send the result again because of the message.
    expect(deliveries.map((d) => d.answer)).toEqual([{ errcode: 0, errmsg: 'OK' }]);
    expect(await readRefund(outRefundNo)).toMatchObject({ status: 'SUCCESS', wechatStatus: 'SUCCESS' });
    expect((await readOrder(w.tc.cloud, order.id))!).toMatchObject({ status: 'PAID', refundSummary: { refunded: 45050 } });
    const done = (await w.overview(student)).done.find((o) => o.id === order.id)!;
    expect(done.refund).toMatchObject({ amount: 45050, state: 'REFUNDED' });
    expect(refundResults(student.openid)).toEqual([]);
    const [record] = await messageRecords(outRefundNo);
    expect(record).toMatchObject({ status: 'FAILED', sentAt: null });
    expect(record!.error).toContain('43101');
    expect(w.tc.logs.some((line) => line.includes('refund-result message not sent') && line.includes(outRefundNo))).toBe(true);

    // Not tried again: a later result changes nothing, even once the student could receive it.
    subscribeMessagesOf(w.tc.cloud).accept(student.openid);
    await w.sandbox.sendCallback(w.sandbox.refundEventFor(outRefundNo));
    expect(refundResults(student.openid)).toEqual([]);
    expect(await messageRecords(outRefundNo)).toHaveLength(1);
  } finally {
    subscribeMessagesOf(w.tc.cloud).accept(student.openid);
  }
});

test('WeChat will not complete the refund (REFUNDCLOSE): the payer gets one 退款失败 message saying 计划财务处 refunds by hand', async () => {
  w.sandbox.settleNextRefundsAs('REFUNDCLOSE');
  const { student, outRefundNo } = await textbookRefund();
  await w.settleRefunds();
  expect(await refundVerdicts(outRefundNo)).toEqual(['REFUND_MANUAL']);
  const refund = await readRefund(outRefundNo);
  expect(refund.status).toBe('MANUAL');
  expect(refundResults(student.openid).map((m) => m.data)).toEqual([
    {
      thing1: { value: '教材费' },
      amount2: { value: '¥450.50' },
      phrase3: { value: '退款失败' },
      time4: { value: beijingMinute(refund.manual!.since) },
      thing5: { value: '计划财务处将为您人工退款' },
    },
  ]);
  // The same result again: still one.
  await w.sandbox.sendCallback(w.sandbox.refundEventFor(outRefundNo));
  expect(refundResults(student.openid)).toHaveLength(1);
  expect(await messageRecords(outRefundNo)).toMatchObject([{ key: `refund-result:${outRefundNo}:FAILED`, status: 'SENT' }]);
});

test('a second payment refunded in full: the message names every bill of the order and the whole amount', async () => {
  const { student, bills } = await w.student(3);
  const ids = bills.map((b) => b._id);
  const first = ok(await w.create(student, ids)).order;
  ok(await w.cancel(student, first.id));
  const second = ok(await w.create(student, ids)).order;
  await w.sandbox.pay(second.id);
  await w.sandbox.settle();
  // The old pay sheet was still open: the first order is paid too, and refunded in full.
  await w.sandbox.pay(first.id);
  await w.sandbox.settle();
  await w.settleRefunds();
  expect((await readOrder(w.tc.cloud, first.id))!.status).toBe('REFUNDED');
  const [message] = refundResults(student.openid);
  expect(message!.data).toMatchObject({ thing1: { value: '学费、住宿费、教材费' }, amount2: { value: '¥4850.50' }, phrase3: { value: '已退款' } });
  expect(refundResults(student.openid)).toHaveLength(1);
});

test('long item names are cut to WeChat’s 20 characters, and a large amount has no grouping commas', () => {
  const line = (billId: string, itemName: string): OrderLine => ({ billId, term: '2026-2027-1', academicYear: '2026-2027', itemCode: 'X', itemName, amount: fen(100) });
  const lines = [line('b1', '继续教育学院学历教育学费'), line('b2', '毕业论文指导及答辩费'), line('b3', '教材费')];
  const at = new Date('2026-11-28T02:03:00Z');
  const refund: RefundDoc = {
    _id: 'RFZJ1',
    outRefundNo: 'RFZJ1',
    orderId: 'ZJ1',
    outTradeNo: 'ZJ1',
    transactionId: null,
    studentId: 's1',
    totalFee: fen(1234867),
    refundFee: fen(1234567),
    billIds: ['b1', 'b2'],
    reason: 'ARRANGED_BY_FINANCE',
    sequence: 1,
    status: 'SUCCESS',
    refundId: 'r1',
    wechatStatus: 'SUCCESS',
    note: null,
    attempts: 0,
    nextCheckAt: null,
    checkAttempts: 0,
    createdAt: at,
    submittedAt: at,
    refundedAt: at,
    updatedAt: at,
  };
  const data = refundMessageData(refund, { lines }, 'REFUNDED');
  expect(data.thing1!.value).toBe('继续教育学院学历教育学费、毕业论文指导…');
  expect(Array.from(data.thing1!.value)).toHaveLength(20);
  expect(data.amount2!.value).toBe('¥12345.67');
  expect(data.time4!.value).toBe('2026年11月28日 10:03');
});
