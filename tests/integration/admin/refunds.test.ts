/**
 * Refunds with four eyes, through the console's HTTP entry: a 收费员 requests, a 审核 who is not the
 * requester approves (the refund goes to WeChat at once, naming the callback function) or rejects
 * (nothing moves). Followed to its end by the refund callback, or by the payments timer when the
 * callback never comes; two approvals at once make one refund; nothing is refunded twice.
 */
import type { BillsOverview, ConsoleRefund, PayStart, RefundPage } from '../../../cloudfunctions/shared/billing/contract';
import type { ReceiptDoc } from '../../../cloudfunctions/shared/receipts/domain/receipt';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { ConsoleIdentity } from '../../../cloudfunctions/shared/staff/contract';
import type { BillDoc, OrderDoc, RefundDoc } from '../../../cloudfunctions/shared/billing/domain/records';
import { cloudPaySandboxOf, REQUEST_REFUSED_MESSAGE, type CloudPaySandbox } from '../../../local/wechat-pay';
import { addBills, createSignedInStudent, dump, MINUTE, readBills, readOrder } from '../../support/billing-fixtures';
import { data, expectRefused, paidOrderIn, settleRefunds, startConsoleCloud, sweepPayments, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let sandbox: CloudPaySandbox;
let cashier: string;
let reviewer: string;
beforeAll(async () => {
  c = await startConsoleCloud();
  sandbox = cloudPaySandboxOf(c.running.cloud);
  cashier = await c.signInAs('cashier');
  reviewer = await c.signInAs('reviewer');
});
afterAll(async () => c.stop());
afterEach(() => sandbox.resetControls());

const requestRefund = (orderId: string, extra: Record<string, unknown> = {}) =>
  c.api<ConsoleRefund>('requestRefund', { orderId, billsBecome: 'REFUNDED', reason: '学生退学，全额退费', ...extra }, { token: cashier });
const approve = (refundId: string, token = reviewer) => c.api<ConsoleRefund>('approveRefund', { refundId }, { token });
const refundRecord = async (refundId: string): Promise<RefundDoc> => (await dump<RefundDoc>(c.running.cloud, 'refunds')).find((r) => r._id === refundId)!;
const statuses = async (ids: readonly string[]) => (await readBills(c.running.cloud, ids)).map((bill: BillDoc) => [bill.status, bill.paidOrderId]);
const receiptsOf = async (orderId: string): Promise<ReceiptDoc[]> =>
  (await dump<ReceiptDoc>(c.running.cloud, 'receipts')).filter((r) => r.orderId === orderId).sort((a, b) => a.sequence - b.sequence);
const overview = async (student: { openid: string }): Promise<BillsOverview> => {
  const answer = (await c.running.cloud.invoke('bills', { action: 'overview' }, { openid: student.openid })) as ApiResult<BillsOverview>;
  if (!answer.ok) throw new Error(answer.message);
  return answer.data;
};
const auditOf = async (action: string, refundId: string) =>
  (await dump<{ action: string; actor: string; details: { reason?: string; changes: { target: string }[] } }>(c.running.cloud, 'auditLog')).filter(
    (entry) => entry.action === action && entry.details.changes.some((change) => change.target === `refund:${refundId}`),
  );

test('requested by a 收费员, approved by a 审核: refunded through WeChat, the order and its bills 已退费', async () => {
  const { bills, orderId, total } = await paidOrderIn(c);
  const requested = data(await requestRefund(orderId));
  expect(requested).toMatchObject({ state: 'REQUESTED', stateText: '待审核', amount: total, orderTotal: total, billsBecome: 'REFUNDED', requestedBy: '李敏', decidedBy: null });
  expect(requested.lines.map((line) => line.itemName)).toEqual(['学费', '住宿费', '教材费']);
  // It names its maker by the id the maker's session carries: how the console tells a 审核 their own request.
  expect(requested.requestedByStaffId).toBe(data(await c.api<ConsoleIdentity>('me', {}, { token: cashier })).staffId);
  // Nothing goes to WeChat before a 审核 decides.
  expect(sandbox.order(orderId)!.refunds).toEqual([]);
  const waiting = data(await c.api<RefundPage>('listRefunds', { state: 'REQUESTED', orderId, page: 1, pageSize: 20 }, { token: reviewer }));
  expect(waiting.items.map((r) => r.refundId)).toEqual([requested.refundId]);

  // A 收费员 cannot approve at all.
  expectRefused(await approve(requested.refundId, cashier), 403, 'FORBIDDEN');
  const approved = data(await approve(requested.refundId));
  expect(approved).toMatchObject({ state: 'REFUNDING', stateText: '退款中', decidedBy: '赵立' });
  // Submitted at once, with the number it got when requested, naming the refund-result callback function.
  expect(sandbox.order(orderId)!.refunds).toMatchObject([{ outRefundNo: requested.refundId, refundFee: total, functionName: 'payNotify', envId: c.running.cloud.env }]);

  await settleRefunds(c);
  expect(await refundRecord(requested.refundId)).toMatchObject({ status: 'SUCCESS', wechatStatus: 'SUCCESS' });
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'REFUNDED', refundSummary: { refunded: total, requested: total, awaiting: 0 } });
  expect(await statuses(bills.map((b) => b._id))).toEqual(bills.map(() => ['REFUNDED', orderId]));
  // Its receipt is voided (冲红), and none is issued anew.
  expect((await receiptsOf(orderId)).map((r) => r.status)).toEqual(['VOIDED']);
  const done = data(await c.api<RefundPage>('listRefunds', { orderId, page: 1, pageSize: 20 }, { token: cashier })).items[0]!;
  expect(done).toMatchObject({ state: 'REFUNDED', stateText: '已退款', failure: null });
  expect(done.refundedAt).not.toBeNull();
  // Both decisions are in the audit log, with who made them and why.
  expect(await auditOf('admin.requestRefund', requested.refundId)).toMatchObject([{ actor: 'staff:demo-staff-cashier', details: { reason: '学生退学，全额退费' } }]);
  expect(await auditOf('admin.approveRefund', requested.refundId)).toMatchObject([{ actor: 'staff:demo-staff-reviewer' }]);
  // Refunded in full: nothing more can be asked for.
  expectRefused(await requestRefund(orderId), 422, 'REFUND_ORDER_NOT_PAID');
});

test('part of an order refunded: its bill 待缴费 again as chosen, the receipt voided and the rest receipted under the next number', async () => {
  const { student, bills, orderId, total } = await paidOrderIn(c, 3);
  const [first] = await receiptsOf(orderId);
  expect(first).toMatchObject({ status: 'ISSUED', total });
  const requested = data(await requestRefund(orderId, { billIds: [bills[1]!._id], billsBecome: 'UNPAID', reason: '未入住，退回住宿费' }));
  expect(requested).toMatchObject({ amount: 120000, billsBecome: 'UNPAID', lines: [{ itemName: '住宿费', amount: 120000 }] });
  data(await approve(requested.refundId));
  // The student sees it under 已完成 while WeChat pays it back…
  const refunding = (await overview(student)).done.find((o) => o.id === orderId)!;
  expect(refunding).toMatchObject({ status: 'PAID', refund: { amount: 120000, state: 'REFUNDING', refundedAt: null } });
  await settleRefunds(c);

  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'PAID', refundSummary: { refunded: 120000, refundedBillIds: [bills[1]!._id] } });
  expect(await statuses(bills.map((b) => b._id))).toEqual([['PAID', orderId], ['UNPAID', null], ['PAID', orderId]]);
  const [voided, rest] = await receiptsOf(orderId);
  expect(voided).toMatchObject({ _id: first!._id, receiptNo: first!.receiptNo, status: 'VOIDED', voidReason: expect.stringContaining('部分退款') });
  expect(rest).toMatchObject({ _id: `${orderId}-2`, edition: 2, status: 'ISSUED', total: total - 120000, receiptNo: String(Number(first!.receiptNo) + 1).padStart(10, '0') });
  expect(rest!.lines.map((line) => line.itemName)).toEqual(['学费', '教材费']);
  // …and once it is back: 已退款, when, and the bill to pay again under 待缴费.
  const after = await overview(student);
  const done = after.done.find((o) => o.id === orderId)!;
  expect(done).toMatchObject({ status: 'PAID', refund: { amount: 120000, state: 'REFUNDED' } });
  expect(done.refund!.refundedAt).not.toBeNull();
  expect(after.unpaid.map((bill) => bill.id)).toEqual([bills[1]!._id]);
  // The receipts timer finds nothing left to do for it.
  const receiptsTimer = (await c.running.cloud.fireTimer('receipts', 'sweep')) as ApiResult<{ issued: number; voided: number }>;
  expect(receiptsTimer).toMatchObject({ ok: true, data: { issued: 0, voided: 0 } });
  expect(await receiptsOf(orderId)).toHaveLength(2);
});

test('the refund result never arrives: the payments timer asks WeChat and finishes it', async () => {
  const { orderId, total } = await paidOrderIn(c, 1);
  const requested = data(await requestRefund(orderId));
  data(await approve(requested.refundId));
  sandbox.setCallbackMode('hold');
  await settleRefunds(c);
  expect(await refundRecord(requested.refundId)).toMatchObject({ status: 'SUBMITTED' });
  const due = (await refundRecord(requested.refundId)).nextCheckAt!;
  c.running.cloud.clock.advance(Math.max(new Date(due).getTime() - c.running.cloud.clock.nowMs(), 0) + MINUTE);
  const report = await sweepPayments(c);
  expect(report.refunded).toBeGreaterThanOrEqual(1);
  expect(await refundRecord(requested.refundId)).toMatchObject({ status: 'SUCCESS' });
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'REFUNDED', refundSummary: { refunded: total } });
  sandbox.setCallbackMode('auto');
  await sandbox.releaseCallbacks();
});

test('WeChat will not complete the refund: 退款失败, for the office and the student', async () => {
  // Closed by WeChat after it was accepted (REFUNDCLOSE)…
  const closed = await paidOrderIn(c, 1);
  sandbox.settleNextRefundsAs('REFUNDCLOSE');
  const first = data(await requestRefund(closed.orderId));
  data(await approve(first.refundId));
  await settleRefunds(c);
  const failed = data(await c.api<RefundPage>('listRefunds', { state: 'FAILED', orderId: closed.orderId, page: 1, pageSize: 20 }, { token: reviewer })).items;
  expect(failed).toMatchObject([{ refundId: first.refundId, state: 'FAILED', stateText: '退款失败', failure: expect.stringContaining('REFUNDCLOSE') }]);
  expect((await overview(closed.student)).done.find((o) => o.id === closed.orderId)).toMatchObject({ status: 'PAID', refund: { state: 'FAILED', manual: true } });
  expect(await statuses(closed.bills.map((b) => b._id))).toEqual([['PAID', closed.orderId]]);

  // …or the request refused outright (returnCode FAIL while errCode is 0): no retrying, 退款失败 at once.
  const refused = await paidOrderIn(c, 1);
  const second = data(await requestRefund(refused.orderId));
  sandbox.failNext('refund', 'request-refused');
  expect(data(await approve(second.refundId))).toMatchObject({ state: 'FAILED', failure: expect.stringContaining(REQUEST_REFUSED_MESSAGE) });
  expect(sandbox.order(refused.orderId)!.refunds).toEqual([]);
  expect(await readOrder(c.running.cloud, refused.orderId)).toMatchObject({ status: 'PAID', refundSummary: { manual: 1, refunded: 0 } });
});

test('two approvals of one request at the same moment make one refund', async () => {
  const { orderId, total } = await paidOrderIn(c, 2);
  const requested = data(await requestRefund(orderId));
  const refundsBefore = sandbox.calls.refund;
  const answers = await Promise.all([approve(requested.refundId), approve(requested.refundId)]);
  const codes = answers.map((a) => (a.result.ok ? 'ok' : a.result.code)).sort();
  expect(codes).toEqual(['REFUND_ALREADY_DECIDED', 'ok']);
  expect(sandbox.calls.refund - refundsBefore).toBe(1);
  expect(sandbox.order(orderId)!.refunds.map((r) => [r.outRefundNo, r.refundFee])).toEqual([[requested.refundId, total]]);
  expect((await readOrder(c.running.cloud, orderId))!.refundSummary).toMatchObject({ requested: total, awaiting: 0 });
  await settleRefunds(c);
});

test('more than was paid is refused: a bill is refunded at most once, and a request no longer fits after others', async () => {
  const { bills, orderId } = await paidOrderIn(c, 3);
  const tuition = data(await requestRefund(orderId, { billIds: [bills[0]!._id], reason: '学费多收，退回学费' }));
  // The same bill again, or the whole order (which holds it): refused, nothing recorded.
  expectRefused(await requestRefund(orderId, { billIds: [bills[0]!._id] }), 422, 'REFUND_BILL_TAKEN');
  expectRefused(await requestRefund(orderId), 422, 'REFUND_BILL_TAKEN');
  expectRefused(await requestRefund(orderId, { billIds: ['bill-of-another-order'] }), 422, 'REFUND_NOT_ORDERS_BILLS');
  expect((await dump<RefundDoc>(c.running.cloud, 'refunds')).filter((r) => r.orderId === orderId)).toHaveLength(1);
  const order = (await readOrder(c.running.cloud, orderId)) as OrderDoc;
  expect(order.refundSummary).toMatchObject({ awaiting: tuition.amount, requested: 0, billIds: [bills[0]!._id] });
  // An order never paid has nothing to refund.
  const student = await createSignedInStudent(c.running.cloud);
  const open = (await c.running.cloud.invoke('pay', { action: 'create', billIds: [(await addBills(c.running.cloud, student, 1))[0]!._id], email: 'a@example.com' }, { openid: student.openid })) as ApiResult<PayStart>;
  expectRefused(await requestRefund(open.ok ? open.data.order.id : 'missing'), 422, 'REFUND_ORDER_NOT_PAID');
  expectRefused(await requestRefund('ZJNOSUCHORDER'), 422, 'REFUND_ORDER_NOT_FOUND');
});

test('a rejected request moves nothing; its bills can be requested again', async () => {
  const { bills, orderId, total } = await paidOrderIn(c, 2);
  const requested = data(await requestRefund(orderId));
  expectRefused(await c.api('rejectRefund', { refundId: requested.refundId, reason: '短' }, { token: reviewer }), 400, 'BAD_REQUEST');
  const rejected = data(await c.api<ConsoleRefund>('rejectRefund', { refundId: requested.refundId, reason: '退学手续未办完' }, { token: reviewer }));
  expect(rejected).toMatchObject({ state: 'REJECTED', stateText: '已驳回', decidedBy: '赵立', decisionNote: '退学手续未办完' });
  expect(sandbox.order(orderId)!.refunds).toEqual([]);
  expect(await readOrder(c.running.cloud, orderId)).toMatchObject({ status: 'PAID', refundSummary: { requested: 0, awaiting: 0, billIds: [] } });
  expect(await statuses(bills.map((b) => b._id))).toEqual(bills.map(() => ['PAID', orderId]));
  // Decided once: approving it now is refused.
  expectRefused(await approve(requested.refundId), 422, 'REFUND_ALREADY_DECIDED');
  const again = data(await requestRefund(orderId));
  expect(again.refundId).not.toBe(requested.refundId);
  expect(again.amount).toBe(total);
  expect(await auditOf('admin.rejectRefund', requested.refundId)).toMatchObject([{ details: { reason: '退学手续未办完' } }]);
});

test('the requester cannot approve their own refund, even after becoming a 审核', async () => {
  const { orderId } = await paidOrderIn(c, 1);
  const requested = data(await requestRefund(orderId));
  const admin = await c.signInAs('admin');
  data(await c.api('updateStaff', { staffId: c.openidOf('cashier'), role: 'reviewer', reason: '调岗为审核' }, { token: admin }));
  const samePerson = await c.signInAs('cashier');
  const answer = await approve(requested.refundId, samePerson);
  expectRefused(answer, 422, 'REFUND_SELF_APPROVAL');
  expect(answer.result.ok ? '' : answer.result.message).toContain('不能审批自己提出的退款申请');
  expect(sandbox.order(orderId)!.refunds).toEqual([]);
  expect(await refundRecord(requested.refundId)).toMatchObject({ status: 'REQUESTED' });
});
