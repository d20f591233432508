/**
 * Review cases (待核实) through the console's HTTP entry: what the payments set aside — an order whose
 * payment WeChat reports differently, a refund WeChat will not complete — is a case of its own, seen
 * beside WeChat's record (asked live), and decided once: confirmed as paid (only once WeChat's record
 * fits the order; the bills are paid once), refunded (a 收费员 asks, a 审核 approves), or closed with
 * a reason (a payment case's open order closed with it, its bills back to 待缴费, unless WeChat took
 * the money). Every decision is audited; the dashboard counts the same open cases as the list.
 */
import type { CaseDetail, CasePage, ConsoleCase, ConsoleRefund, Dashboard, BillsOverview, PayStart, RefundPage } from '../../../cloudfunctions/shared/billing/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { BillDoc, OrderDoc, PaymentDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import type { ReceiptDoc } from '../../../cloudfunctions/shared/receipts/domain/receipt';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { cloudPaySandboxOf, REQUEST_REFUSED_MESSAGE, type CloudPaySandbox } from '../../../local/wechat-pay';
import { SANDBOX_REFUND_RESULT_TEMPLATE_ID, subscribeMessagesOf } from '../../../local/wechat-openapi';
import { dump, MINUTE, readBills, readOrder } from '../../support/billing-fixtures';
import { data, expectRefused, openOrderIn, paidOrderIn, reconcileTimer, settleRefunds, startConsoleCloud, sweepPayments, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let sandbox: CloudPaySandbox;
let cashier: string;
let reviewer: string;
let viewer: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  sandbox = cloudPaySandboxOf(c.running.cloud);
  cashier = await c.signInAs('cashier');
  reviewer = await c.signInAs('reviewer');
  viewer = await c.signInAs('viewer');
});
afterAll(async () => c.stop());
afterEach(() => sandbox.resetControls());

const openCases = async (kind?: string): Promise<CasePage> => data(await c.api<CasePage>('listCases', { state: 'OPEN', ...(kind ? { kind } : {}), page: 1, pageSize: 100 }, { token: viewer }));
const detailOf = async (caseId: string): Promise<CaseDetail> => data(await c.api<CaseDetail>('caseDetail', { caseId }, { token: viewer }));
const resolve = (caseId: string, resolution: 'confirmPaid' | 'refundedOffline' | 'close', reason: string, token = reviewer) => c.api<ConsoleCase>('resolveCase', { caseId, resolution, reason }, { token });
const auditOf = async (action: string, target: string) =>
  (await dump<{ action: string; actor: string; details: { reason?: string; changes: { target: string; before: unknown; after: unknown }[] } }>(c.running.cloud, 'auditLog')).filter(
    (entry) => entry.action === action && entry.details.changes.some((change) => change.target === target),
  );

test('a refund WeChat refuses is a 退款失败 case; a 审核 closes it with a reason, once, and it is audited', async () => {
  const { orderId, total } = await paidOrderIn(c, 1);
  const requested = data(await c.api<ConsoleRefund>('requestRefund', { orderId, billsBecome: 'REFUNDED', reason: '学生退学，全额退费' }, { token: cashier }));
  sandbox.failNext('refund', 'request-refused');
  data(await c.api('approveRefund', { refundId: requested.refundId }, { token: reviewer }));

  const caseId = `refund:${requested.refundId}`;
  expect((await openCases('REFUND')).items.find((item) => item.caseId === caseId)).toMatchObject({
    kind: 'REFUND',
    kindText: '退款失败',
    reason: 'REFUND_FAILED',
    state: 'OPEN',
    stateText: '待核实',
    orderId,
    outRefundNo: requested.refundId,
    amount: total,
    detail: expect.stringContaining(REQUEST_REFUSED_MESSAGE),
    resolution: null,
  });
  // Our record beside WeChat's: the payment is there, the refund never reached WeChat.
  const detail = await detailOf(caseId);
  expect(detail.ours.order).toMatchObject({ orderId, status: 'PAID', total });
  expect(detail.ours.refunds).toMatchObject([{ refundId: requested.refundId, state: 'FAILED', stateText: '退款失败' }]);
  expect(detail.ours.bills.map((bill) => bill.status)).toEqual(['PAID']);
  expect(detail.wechat).toMatchObject({ asked: true, message: null, order: { found: true, tradeState: 'SUCCESS', totalFee: total, ourMerchant: true }, refund: { state: 'NOT_FOUND' } });
  // WeChat never created the refund: it can be asked for again, recorded as refunded outside WeChat Pay, or closed; nothing to confirm.
  expect(detail.actions).toEqual(['retryRefund', 'refundedOffline', 'close']);
  expectRefused(await resolve(caseId, 'confirmPaid', '已核实微信支付记录'), 422, 'CASE_ACTION_NOT_FITTING');

  // Only a 审核 decides, and always with a reason.
  expectRefused(await resolve(caseId, 'close', '已线下原路退回学生银行卡', cashier), 403, 'FORBIDDEN');
  expectRefused(await resolve(caseId, 'close', '已退'), 400, 'BAD_REQUEST');
  const closed = data(await resolve(caseId, 'close', '已线下原路退回学生银行卡'));
  expect(closed).toMatchObject({ state: 'RESOLVED', stateText: '已办结', resolution: { action: 'CLOSE', actionText: '关闭', by: '赵立', reason: '已线下原路退回学生银行卡' } });
  expect((await openCases()).items.map((item) => item.caseId)).not.toContain(caseId);
  expect((await detailOf(caseId)).actions).toEqual([]);

  // Decided once: the second answer says so, and nothing more is recorded.
  const again = await resolve(caseId, 'close', '再次关闭这个事项');
  expectRefused(again, 422, 'CASE_ALREADY_RESOLVED');
  expect(again.result.ok ? '' : again.result.message).toContain('已办结');
  expect(await auditOf('admin.resolveCase', `case:${caseId}`)).toMatchObject([
    {
      actor: 'staff:demo-staff-reviewer',
      details: { reason: '已线下原路退回学生银行卡', changes: [{ target: `case:${caseId}`, before: { status: 'OPEN' }, after: { status: 'RESOLVED', resolution: { action: 'CLOSE' } } }] },
    },
  ]);
});

test('WeChat reports another amount than the callback: a case; confirmed as paid only once WeChat’s record fits, the bills paid once', async () => {
  const { student, bills, orderId, total } = await openOrderIn(c, 2);
  sandbox.dropNextCallbacks();
  await sandbox.pay(orderId, { openid: student.openid });
  sandbox.alterOrder(orderId, { totalFee: 1 }); // WeChat's record of the order number disagrees
  // The callback claims the order's amount; WeChat's own query says otherwise.
  expect(await sandbox.sendCallback({ ...sandbox.callbackEventFor(orderId), totalFee: total })).toEqual({ errcode: 0, errmsg: 'OK' });

  const caseId = `order:${orderId}:AMOUNT_MISMATCH`;
  const listed = await openCases('PAYMENT');
  expect(listed.items.find((item) => item.caseId === caseId)).toMatchObject({ kind: 'PAYMENT', kindText: '支付待核实', reasonText: expect.stringContaining('金额'), orderId, studentNo: student.studentNo, amount: total });
  // The dashboard's figure is the list's count.
  const before = await openCases();
  expect(data(await c.api<Dashboard>('dashboard', {}, { token: viewer })).openReviewCases).toBe(before.total);

  const detail = await detailOf(caseId);
  // WeChat took money for it: settled first, never closed away.
  expect(detail.actions).toEqual(['confirmPaid']);
  expect(detail.ours.order).toMatchObject({ status: 'PENDING', total, reviewText: expect.stringContaining('金额') });
  expect(detail.ours.bills.map((bill) => bill.status)).toEqual(['PAYING', 'PAYING']);
  expect(detail.wechat.order).toMatchObject({ found: true, tradeState: 'SUCCESS', tradeStateText: '支付成功', totalFee: 1 });
  expect(detail.differences).toEqual(expect.arrayContaining(['支付状态', '金额']));

  // Not while WeChat's record disagrees: refused with what WeChat has, nothing changed.
  const refusedAnswer = await resolve(caseId, 'confirmPaid', '已核实微信支付记录');
  expectRefused(refusedAnswer, 422, 'CASE_WECHAT_AMOUNT_DIFFERS');
  expect(refusedAnswer.result.ok ? '' : refusedAnswer.result.message).toContain('0.01 元');
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'PENDING', review: { reason: 'AMOUNT_MISMATCH' } });
  // Only a 审核 confirms.
  expectRefused(await resolve(caseId, 'confirmPaid', '已核实微信支付记录', cashier), 403, 'FORBIDDEN');
  expectRefused(await resolve(caseId, 'confirmPaid', '已核实微信支付记录', viewer), 403, 'FORBIDDEN');

  // WeChat's record is corrected; two confirmations at the same moment: one applies it.
  sandbox.alterOrder(orderId, { totalFee: total });
  const answers = await Promise.all([resolve(caseId, 'confirmPaid', '已核实微信支付记录'), resolve(caseId, 'confirmPaid', '已核实微信支付记录')]);
  expect(answers.map((answer) => (answer.result.ok ? 'ok' : answer.result.code)).sort()).toEqual(['CASE_ALREADY_RESOLVED', 'ok']);
  const resolved = answers.find((answer) => answer.result.ok)!.result as { ok: true; data: ConsoleCase };
  expect(resolved.data).toMatchObject({ state: 'RESOLVED', resolution: { action: 'CONFIRM_PAID', actionText: '核实后确认已缴费', by: '赵立' } });

  const transactionId = sandbox.order(orderId)!.transactionId!;
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'PAID', review: null, transactionId });
  expect((await readBills(c.running.cloud, bills.map((bill) => bill._id))).map((bill) => [bill.status, bill.paidOrderId])).toEqual(bills.map(() => ['PAID', orderId]));
  expect((await dump<PaymentDoc>(c.running.cloud, 'payments')).filter((payment) => payment.orderId === orderId).map((payment) => payment._id)).toEqual([transactionId]);
  // The student sees it paid, no longer being checked.
  const overview = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: student.openid })) as ApiResult<BillsOverview>;
  expect(overview.ok && overview.data.done.find((order) => order.id === orderId)).toMatchObject({ status: 'PAID', underReview: false });
  // Its receipt is issued (at once, or by the receipts timer), once.
  await c.running.cloud.fireTimer('receipts', 'sweep');
  expect((await dump<{ orderId: string; status: string }>(c.running.cloud, 'receipts')).filter((receipt) => receipt.orderId === orderId).map((receipt) => receipt.status)).toEqual(['ISSUED']);
  // Confirmed once, audited once, with the order before and after.
  expectRefused(await resolve(caseId, 'confirmPaid', '已核实微信支付记录'), 422, 'CASE_ALREADY_RESOLVED');
  const audits = await auditOf('admin.resolveCase', `case:${caseId}`);
  expect(audits).toHaveLength(1);
  expect(audits[0]!.details.changes).toContainEqual({ target: `order:${orderId}`, before: expect.anything(), after: expect.objectContaining({ status: 'PAID', review: null, transactionId }) });
  // One case fewer, on the list and on the dashboard alike.
  const after = await openCases();
  expect(after.total).toBe(before.total - 1);
  expect(data(await c.api<Dashboard>('dashboard', {}, { token: reviewer })).openReviewCases).toBe(after.total);
});

const studentOverview = async (student: { openid: string }): Promise<BillsOverview> => {
  const overview = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: student.openid })) as ApiResult<BillsOverview>;
  if (!overview.ok) throw new Error(overview.message);
  return overview.data;
};

test('closing a payment case whose open order WeChat never took money for closes the order too: the student has the bills under 待缴费 again, once, audited', async () => {
  const { student, bills, orderId } = await openOrderIn(c, 2);
  // Set aside for finance (the pay sheet was never used: WeChat holds the order unpaid); the hourly run opens its case.
  await collection(c.running.cloud.sdkDatabase(), 'orders').updateById(orderId, {
    review: { reason: 'AMOUNT_MISMATCH', note: 'total_fee 1 differs from the order', since: c.running.cloud.clock.now() },
    nextCheckAt: null,
  });
  await reconcileTimer(c);
  const caseId = `order:${orderId}:AMOUNT_MISMATCH`;
  expect((await studentOverview(student)).paying.find((order) => order.id === orderId)).toMatchObject({ underReview: true, canCancel: false, canResume: false });

  const detail = await detailOf(caseId);
  expect(detail.wechat.order).toMatchObject({ found: true, tradeState: 'NOTPAY' });
  expect(detail.actions).toEqual(['confirmPaid', 'close']);
  expect(detail.guidance).toContain('账单恢复为待缴费');

  const closed = data(await resolve(caseId, 'close', '微信支付未收款，订单作废，请学生重新缴费'));
  expect(closed).toMatchObject({ state: 'RESOLVED', resolution: { action: 'CLOSE', by: '赵立', reason: '微信支付未收款，订单作废，请学生重新缴费' } });
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'CLOSED', review: null, wxClose: 'NEEDED' });
  expect((await readBills(c.running.cloud, bills.map((bill) => bill._id))).map((bill) => [bill.status, bill.orderId])).toEqual(bills.map(() => ['UNPAID', null]));

  // The student: no order being checked any more, the bills under 待缴费, payable again.
  const seen = await studentOverview(student);
  expect(seen.paying.map((order) => order.id)).not.toContain(orderId);
  expect(seen.unpaid.filter((bill) => bills.some((one) => one._id === bill.id)).map((bill) => bill.status)).toEqual(['UNPAID', 'UNPAID']);
  // The office can act on the bills again.
  expect((await detailOf(caseId)).ours.bills.map((bill) => bill.status)).toEqual(['UNPAID', 'UNPAID']);

  // Closed once: a second close changes nothing and records nothing.
  expectRefused(await resolve(caseId, 'close', '再次关闭这个事项'), 422, 'CASE_ALREADY_RESOLVED');
  const audits = await auditOf('admin.resolveCase', `case:${caseId}`);
  expect(audits).toHaveLength(1);
  expect(audits[0]!.details.changes).toEqual([
    { target: `case:${caseId}`, before: expect.objectContaining({ status: 'OPEN' }), after: expect.objectContaining({ status: 'RESOLVED', resolution: expect.objectContaining({ action: 'CLOSE' }) }) },
    { target: `order:${orderId}`, before: expect.objectContaining({ status: 'PENDING', review: 'AMOUNT_MISMATCH' }), after: expect.objectContaining({ status: 'CLOSED', review: null, wxClose: 'NEEDED' }) },
    ...bills.map((bill) => ({ target: `bill:${bill._id}`, before: { status: 'PAYING', orderId }, after: { status: 'UNPAID', orderId: null } })),
  ]);

  // WeChat is told to close it once it allows (5 minutes after the order was placed).
  c.running.cloud.clock.advance(6 * MINUTE);
  await sweepPayments(c);
  expect(sandbox.order(orderId)!.state).toBe('CLOSED');
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'CLOSED', wxClose: 'DONE' });

  // The student pays the same bills in a new order.
  const again = (await c.running.cloud.invoke('pay', { action: 'create', billIds: bills.map((bill) => bill._id), email: 'student@example.com' }, { openid: student.openid })) as ApiResult<PayStart>;
  expect(again.ok && again.data.order.id).not.toBe(orderId);
  expect(again.ok && again.data.order.status).toBe('PENDING');
});

test('closing a payment case whose order WeChat took money for is refused, saying how to settle the money first; nothing changes', async () => {
  const { student, bills, orderId, total } = await openOrderIn(c, 1);
  sandbox.dropNextCallbacks();
  await sandbox.pay(orderId, { openid: student.openid });
  sandbox.alterOrder(orderId, { totalFee: 1 });
  await sandbox.sendCallback({ ...sandbox.callbackEventFor(orderId), totalFee: total });
  const caseId = `order:${orderId}:AMOUNT_MISMATCH`;

  const detail = await detailOf(caseId);
  expect(detail.actions).not.toContain('close');
  expect(detail.guidance).toContain('交易中心 → 退款');

  const refused = await resolve(caseId, 'close', '学生实付 0.01 元，已联系学生重新缴费');
  expectRefused(refused, 422, 'CASE_ACTION_NOT_FITTING');
  const message = refused.result.ok ? '' : refused.result.message;
  expect(message).toContain('已支付成功（0.01 元）');
  expect(message).toContain('退还学生');
  // WeChat's record fits the order after all: the way out is 确认已缴费, still not closing.
  sandbox.alterOrder(orderId, { totalFee: total });
  const stillRefused = await resolve(caseId, 'close', '学生实付 0.01 元，已联系学生重新缴费');
  expectRefused(stillRefused, 422, 'CASE_ACTION_NOT_FITTING');
  expect(stillRefused.result.ok ? '' : stillRefused.result.message).toContain('确认已缴费');

  // Nothing changed: the order still set aside, its bills held, the case open, nothing audited.
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'PENDING', review: { reason: 'AMOUNT_MISMATCH' } });
  expect((await readBills(c.running.cloud, bills.map((bill) => bill._id))).map((bill) => bill.status)).toEqual(['PAYING']);
  expect((await detailOf(caseId)).case).toMatchObject({ state: 'OPEN', resolution: null });
  expect(await auditOf('admin.resolveCase', `case:${caseId}`)).toEqual([]);
});

test('a paid order WeChat reports with a second transaction: a 收费员 asks for a refund from the case, a 审核 approves it and that resolves the case', async () => {
  const { orderId, total } = await paidOrderIn(c, 2);
  sandbox.alterOrder(orderId, { transactionId: '4200000000202611280000000077' });
  await sandbox.sendCallback(sandbox.callbackEventFor(orderId));
  const caseId = `order:${orderId}:TRANSACTION_CONFLICT`;
  const detail = await detailOf(caseId);
  expect(detail.ours.order).toMatchObject({ status: 'PAID' });
  expect(detail.actions).toEqual(['refund', 'close']);
  expect(detail.differences).toContain('微信支付单号');

  const ask = () => c.api<{ case: ConsoleCase; refund: ConsoleRefund }>('requestCaseRefund', { caseId, billsBecome: 'REFUNDED', reason: '重复扣款，原路退回' }, { token: cashier });
  // A 审核 approves refunds; asking for one is a 收费员's.
  expectRefused(await c.api('requestCaseRefund', { caseId, billsBecome: 'REFUNDED', reason: '重复扣款，原路退回' }, { token: reviewer }), 403, 'FORBIDDEN');
  const first = data(await ask());
  expect(first.refund).toMatchObject({ state: 'REQUESTED', amount: total, requestedBy: '李敏', caseId });
  expect(first.case).toMatchObject({ state: 'OPEN', awaitingRefundId: first.refund.refundId });
  expect((await detailOf(caseId)).actions).toEqual([]);
  // While the request waits, the case is neither closed nor asked about again.
  expectRefused(await resolve(caseId, 'close', '改为线下处理'), 422, 'CASE_REFUND_AWAITING');
  expectRefused(await ask(), 422, 'CASE_REFUND_AWAITING');

  // Rejected: nothing goes back, the case is open to be decided again.
  data(await c.api('rejectRefund', { refundId: first.refund.refundId, reason: '先与学生核实交易' }, { token: reviewer }));
  expect(sandbox.order(orderId)!.refunds).toEqual([]);
  expect((await detailOf(caseId)).case).toMatchObject({ state: 'OPEN', awaitingRefundId: null });

  // Asked again and approved by a 审核: refunded through WeChat, the case resolved by the approval.
  const second = data(await ask());
  data(await c.api<ConsoleRefund>('approveRefund', { refundId: second.refund.refundId }, { token: reviewer }));
  const resolved = (await detailOf(caseId)).case;
  expect(resolved).toMatchObject({ state: 'RESOLVED', awaitingRefundId: null, resolution: { action: 'REFUND', by: '赵立', requestedBy: '李敏', refundId: second.refund.refundId, reason: '重复扣款，原路退回' } });
  expect(sandbox.order(orderId)!.refunds.map((refund) => [refund.outRefundNo, refund.refundFee])).toEqual([[second.refund.refundId, total]]);
  await settleRefunds(c);
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'REFUNDED' });
  expect(await auditOf('admin.approveRefund', `case:${caseId}`)).toMatchObject([{ actor: 'staff:demo-staff-reviewer' }]);
  expect(await auditOf('admin.requestCaseRefund', `case:${caseId}`)).toHaveLength(2);
  expectRefused(await ask(), 422, 'CASE_ALREADY_RESOLVED');
});

const requestRefund = (orderId: string) => c.api<ConsoleRefund>('requestRefund', { orderId, billsBecome: 'REFUNDED', reason: '学生退学，全额退费' }, { token: cashier });
const approve = (refundId: string) => c.api<ConsoleRefund>('approveRefund', { refundId }, { token: reviewer });
const askAgain = (caseId: string, token = cashier) =>
  c.api<{ case: ConsoleCase; refund: ConsoleRefund }>('requestCaseRefund', { caseId, billsBecome: 'REFUNDED', reason: '已授权云开发退款权限，重新申请退款' }, { token });
const refundsOf = async (orderId: string): Promise<RefundDoc[]> => (await dump<RefundDoc>(c.running.cloud, 'refunds')).filter((refund) => refund.orderId === orderId).sort((a, b) => a.sequence - b.sequence);
const studentOrder = async (student: { openid: string }, orderId: string) => {
  const overview = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: student.openid })) as ApiResult<BillsOverview>;
  if (!overview.ok) throw new Error(overview.message);
  return overview.data.done.find((order) => order.id === orderId);
};

test('a refund handed to the office that WeChat completes after all: its case is settled by the system, nothing can refund it twice', async () => {
  const { student, orderId, total } = await paidOrderIn(c, 1);
  const requested = data(await requestRefund(orderId));
  // WeChat takes the refund but its answer is lost, and WeChat's later answers never get through.
  sandbox.setCallbackMode('hold');
  sandbox.failNext('refund', 'timeout-after');
  sandbox.failNext('queryRefund', 'timeout', 50);
  data(await approve(requested.refundId));
  for (let round = 0; round < 12 && (await refundsOf(orderId))[0]!.status !== 'MANUAL'; round += 1) {
    const due = new Date((await refundsOf(orderId))[0]!.nextCheckAt!).getTime();
    c.running.cloud.clock.advance(Math.max(due - c.running.cloud.clock.nowMs(), 0) + MINUTE);
    await sweepPayments(c);
  }
  // Hours went by: the staff sign in again.
  [cashier, reviewer, viewer] = [await c.signInAs('cashier'), await c.signInAs('reviewer'), await c.signInAs('viewer')];
  const caseId = `refund:${requested.refundId}`;
  const before = await detailOf(caseId);
  expect(before.case).toMatchObject({ state: 'OPEN', reason: 'REFUND_FAILED' });
  // WeChat never said how it ended: it may still reach the student, so it is not asked for again.
  expect(before.actions).toEqual(['refundedOffline', 'close']);
  expect(before.guidance).toContain('不能重新申请');
  expect(await studentOrder(student, orderId)).toMatchObject({ refund: { state: 'FAILED' } });

  // The late result callback: WeChat completed it.
  sandbox.resetControls();
  sandbox.setCallbackMode('auto');
  await sandbox.releaseCallbacks();
  await sandbox.settle();
  const settled = await detailOf(caseId);
  expect(settled.case).toMatchObject({
    state: 'RESOLVED',
    stateText: '已办结',
    resolution: { action: 'WECHAT_REFUNDED', actionText: '微信支付已完成退款', by: '系统', refundId: requested.refundId, reason: expect.stringContaining('微信支付已完成该退款') },
  });
  expect(settled.actions).toEqual([]);
  expect(settled.ours.refunds).toMatchObject([{ refundId: requested.refundId, state: 'REFUNDED', stateText: '已退款' }]);
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'REFUNDED', refundSummary: { requested: total, refunded: total, manual: 0 } });
  expect(await studentOrder(student, orderId)).toMatchObject({ status: 'REFUNDED', refund: { state: 'REFUNDED', manual: false }, notice: null });
  expect(await auditOf('pay.case.settled', `case:${caseId}`)).toMatchObject([{ actor: 'payments', details: { changes: [{ before: { status: 'OPEN' }, after: { status: 'RESOLVED', resolution: { action: 'WECHAT_REFUNDED', by: '系统' } } }] } }]);
  // No second refund: the case takes no decision, the order no request; WeChat holds the one refund.
  expectRefused(await resolve(caseId, 'refundedOffline', '已线下原路退回学生银行卡'), 422, 'CASE_ALREADY_RESOLVED');
  expectRefused(await askAgain(caseId), 422, 'CASE_ALREADY_RESOLVED');
  expectRefused(await requestRefund(orderId), 422, 'REFUND_ORDER_NOT_PAID');
  expect(sandbox.order(orderId)!.refunds.map((refund) => [refund.outRefundNo, refund.refundFee])).toEqual([[requested.refundId, total]]);
});

test('WeChat refused the refund (no refund permission): a 收费员 asks for it again from the case, once; another 审核 approves; refunded once and the case settled', async () => {
  const { student, bills, orderId, total } = await paidOrderIn(c, 2);
  const first = data(await requestRefund(orderId));
  sandbox.failNext('refund', 'request-refused');
  data(await approve(first.refundId));
  const caseId = `refund:${first.refundId}`;
  const detail = await detailOf(caseId);
  expect(detail.actions).toEqual(['retryRefund', 'refundedOffline', 'close']);
  expect(detail.guidance).toContain('重新申请退款');
  // Asking for a refund is a 收费员's.
  expectRefused(await askAgain(caseId, reviewer), 403, 'FORBIDDEN');

  // Asked again twice at the same moment: one request.
  const answers = await Promise.all([askAgain(caseId), askAgain(caseId)]);
  expect(answers.map((answer) => (answer.result.ok ? 'ok' : answer.result.code)).sort()).toEqual(['CASE_REFUND_AWAITING', 'ok']);
  const retried = (answers.find((answer) => answer.result.ok)!.result as { ok: true; data: { case: ConsoleCase; refund: ConsoleRefund } }).data;
  expect(retried.refund).toMatchObject({ state: 'REQUESTED', amount: total, retryOf: first.refundId, caseId, requestedBy: '李敏' });
  expect(retried.refund.refundId).not.toBe(first.refundId);
  expect(retried.case).toMatchObject({ state: 'OPEN', awaitingRefundId: retried.refund.refundId });
  // The failed refund no longer counts; the new one waits for a 审核.
  expect((await refundsOf(orderId)).map((refund) => [refund._id, refund.status])).toEqual([
    [first.refundId, 'RETRIED'],
    [retried.refund.refundId, 'REQUESTED'],
  ]);
  expect((await detailOf(caseId)).ours.refunds.find((refund) => refund.refundId === first.refundId)).toMatchObject({ state: 'FAILED', stateText: '退款失败（已重新申请）', retriedAs: retried.refund.refundId });
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ refundSummary: { requested: 0, manual: 0, awaiting: total } });

  // Rejected: the failed refund is with a person again, and the case can ask again.
  data(await c.api('rejectRefund', { refundId: retried.refund.refundId, reason: '先核实学生的银行卡' }, { token: reviewer }));
  expect((await refundsOf(orderId)).map((refund) => refund.status)).toEqual(['MANUAL', 'REJECTED']);
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ refundSummary: { requested: total, manual: 1, awaiting: 0 } });
  expect((await detailOf(caseId)).actions).toEqual(['retryRefund', 'refundedOffline', 'close']);

  // Asked again, approved by a 审核: submitted to WeChat; the case waits for WeChat's answer.
  const again = data(await askAgain(caseId));
  data(await approve(again.refund.refundId));
  const waiting = await detailOf(caseId);
  expect(waiting.case).toMatchObject({ state: 'OPEN', awaitingRefundId: again.refund.refundId });
  expect(waiting.actions).toEqual([]);
  await settleRefunds(c);

  const done = await detailOf(caseId);
  expect(done.case).toMatchObject({ state: 'RESOLVED', awaitingRefundId: null, resolution: { action: 'REFUND', by: '赵立', requestedBy: '李敏', refundId: again.refund.refundId } });
  // Refunded once: WeChat holds the one refund that went through; what went back is what was paid.
  expect(sandbox.order(orderId)!.refunds.map((refund) => [refund.outRefundNo, refund.refundFee, refund.status])).toEqual([[again.refund.refundId, total, 'SUCCESS']]);
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'REFUNDED', refundSummary: { requested: total, refunded: total, manual: 0, awaiting: 0 } });
  expect((await readBills(c.running.cloud, bills.map((bill) => bill._id))).map((bill: BillDoc) => bill.status)).toEqual(['REFUNDED', 'REFUNDED']);
  expect(await studentOrder(student, orderId)).toMatchObject({ refund: { amount: total, state: 'REFUNDED', manual: false } });
  expectRefused(await requestRefund(orderId), 422, 'REFUND_ORDER_NOT_PAID');
  expect(await auditOf('admin.requestCaseRefund', `refund:${first.refundId}`)).toHaveLength(2);
});

test('退款异常 (CHANGE): no asking again; the case says where to handle it; 已线下退款 shows the student 已退款（线下办理）', async () => {
  const { student, bills, orderId, total } = await paidOrderIn(c, 1);
  sandbox.settleNextRefundsAs('CHANGE');
  const requested = data(await requestRefund(orderId));
  data(await approve(requested.refundId));
  await settleRefunds(c);
  const caseId = `refund:${requested.refundId}`;
  const detail = await detailOf(caseId);
  expect(detail.actions).toEqual(['refundedOffline', 'close']);
  expect(detail.guidance).toContain('微信支付商户平台');
  expect(detail.guidance).toContain('交易中心 → 退款管理');
  expect(detail.wechat.refund).toMatchObject({ state: 'FOUND', status: 'CHANGE', statusText: '退款异常' });
  // The money waits at WeChat: asking for it again is refused, nothing recorded.
  expectRefused(await askAgain(caseId), 422, 'REFUND_BILL_TAKEN');
  expect(await refundsOf(orderId)).toHaveLength(1);
  expect(await studentOrder(student, orderId)).toMatchObject({ refund: { state: 'FAILED', manual: true } });

  // Sent on in the merchant platform and settled: only a 审核 records it, with a reason.
  expectRefused(await resolve(caseId, 'refundedOffline', '已在商户平台退至学生其他银行卡', cashier), 403, 'FORBIDDEN');
  const closed = data(await resolve(caseId, 'refundedOffline', '已在商户平台退至学生其他银行卡'));
  expect(closed).toMatchObject({ state: 'RESOLVED', resolution: { action: 'REFUNDED_OFFLINE', actionText: '已线下退款', by: '赵立', reason: '已在商户平台退至学生其他银行卡' } });
  expect((await refundsOf(orderId))[0]).toMatchObject({ status: 'OFFLINE', offline: { by: { name: '赵立' }, reason: '已在商户平台退至学生其他银行卡' } });
  const listed = data(await c.api<RefundPage>('listRefunds', { orderId, page: 1, pageSize: 20 }, { token: viewer })).items;
  expect(listed).toMatchObject([{ refundId: requested.refundId, state: 'REFUNDED', stateText: '已退款（线下办理）', offline: true, failure: null }]);
  // The student reads it as back, done outside WeChat Pay, and never 退款失败 again.
  const seen = await studentOrder(student, orderId);
  expect(seen).toMatchObject({ status: 'REFUNDED', notice: null, refund: { amount: total, state: 'REFUNDED_OFFLINE', manual: false } });
  expect(seen!.refund!.refundedAt).not.toBeNull();
  expect((await readBills(c.running.cloud, bills.map((bill) => bill._id))).map((bill: BillDoc) => bill.status)).toEqual(['REFUNDED']);
  expect((await dump<ReceiptDoc>(c.running.cloud, 'receipts')).filter((receipt) => receipt.orderId === orderId).map((receipt) => receipt.status)).toEqual(['VOIDED']);
  // The student is told as well: 退款失败 when it failed, then 线下退款 when finance settled it.
  const told = subscribeMessagesOf(c.running.cloud).sent().filter((message) => message.touser === student.openid && message.templateId === SANDBOX_REFUND_RESULT_TEMPLATE_ID);
  expect(told.map((message) => [message.data.phrase3!.value, message.data.thing5!.value])).toEqual([
    ['退款失败', '计划财务处将为您人工退款'],
    ['线下退款', '计划财务处已为您办理退款'],
  ]);
  expect(await auditOf('admin.resolveCase', `refund:${requested.refundId}`)).toMatchObject([
    { actor: 'staff:demo-staff-reviewer', details: { changes: [{ target: `case:${caseId}` }, { target: `refund:${requested.refundId}`, before: { status: 'MANUAL' }, after: { status: 'OFFLINE' } }] } },
  ]);
  // Once: the case and the refund are settled.
  expectRefused(await resolve(caseId, 'refundedOffline', '已在商户平台退至学生其他银行卡'), 422, 'CASE_ALREADY_RESOLVED');
});

test('an order set aside before cases were kept gets its case from the hourly run, once', async () => {
  const { orderId, total, student } = await openOrderIn(c, 1);
  const since = c.running.cloud.clock.now();
  await collection(c.running.cloud.sdkDatabase(), 'orders').updateById(orderId, { review: { reason: 'WRONG_MERCHANT', note: 'sub_mch_id 1999999999 is not ours', since }, nextCheckAt: null });
  const caseId = `order:${orderId}:WRONG_MERCHANT`;
  expect((await openCases()).items.map((item) => item.caseId)).not.toContain(caseId);
  await reconcileTimer(c);
  expect((await openCases('PAYMENT')).items.find((item) => item.caseId === caseId)).toMatchObject({ orderId, studentNo: student.studentNo, amount: total, openedAt: since.toISOString() });
  const count = (await dump<{ _id: string }>(c.running.cloud, 'reviewCases')).length;
  await reconcileTimer(c);
  expect((await dump<{ _id: string }>(c.running.cloud, 'reviewCases')).length).toBe(count);
  expect(((await readOrder(c.running.cloud, orderId)) as OrderDoc).status).toBe('PENDING');
});

test('cases are for staff: a student or a stranger cannot read them; an unknown case is said to be unknown', async () => {
  expectRefused(await c.api('listCases', { page: 1, pageSize: 20 }), 401, 'UNAUTHENTICATED');
  expectRefused(await c.api('caseDetail', { caseId: 'order:ZJNOSUCHORDER:AMOUNT_MISMATCH' }, { token: viewer }), 422, 'CASE_NOT_FOUND');
  expectRefused(await c.api('caseDetail', { caseId: 'not-a-case' }, { token: viewer }), 400, 'BAD_REQUEST');
});
