/**
 * Reconciliation in the console, through its HTTP entry: per statement day, WeChat's totals
 * (downloadBill) against ours, every difference with a link to its review case, the days not
 * reconciled yet and why; a day reconciled again on demand (audited), with the same code as the
 * payments timer, so a difference already held by an open case opens no second case, and one whose
 * case was closed meanwhile is held by a new one.
 */
import type { CaseDetail, CasePage, ConsoleCase, ConsoleRefund, ReconciliationDay } from '../../../cloudfunctions/shared/billing/contract';
import { cloudPaySandboxOf, type CloudPaySandbox } from '../../../local/wechat-pay';
import { dump, MINUTE } from '../../support/billing-fixtures';
import { data, expectRefused, paidOrderIn, reconcileTimer, settleRefunds, startConsoleCloud, type ConsoleCloud } from './support';

const START = new Date('2026-11-28T02:00:00Z'); // 10:00 Beijing, 28 November
const HOUR = 60 * MINUTE;
const OUTSIDE = 'ZJ20261128101500OUTSIDE0000001';

let c: ConsoleCloud;
let sandbox: CloudPaySandbox;
beforeAll(async () => {
  c = await startConsoleCloud({ startAt: START });
  sandbox = cloudPaySandboxOf(c.running.cloud);
});
afterAll(async () => c.stop());
afterEach(() => sandbox.resetControls());

const daysOf = async (token: string, from: string, to: string): Promise<ReconciliationDay[]> =>
  data(await c.api<{ days: ReconciliationDay[] }>('reconciliationDays', { from, to }, { token })).days;
const rerun = (token: string, date: string) => c.api<ReconciliationDay>('rerunReconciliation', { date }, { token });
const casesOfDay = async (billDate: string) => (await dump<{ _id: string }>(c.running.cloud, 'reviewCases')).filter((one) => one._id.startsWith(`recon:${billDate}:`));

test('a payment WeChat has and we do not: the day’s totals differ, the difference links to its case; run again, no second case', async () => {
  // 28 November: two orders paid here, part of one refunded; WeChat also took a payment nobody ordered here.
  const cashier = await c.signInAs('cashier');
  const reviewer = await c.signInAs('reviewer');
  const one = await paidOrderIn(c, 1);
  const two = await paidOrderIn(c, 2);
  const refund = data(await c.api<ConsoleRefund>('requestRefund', { orderId: two.orderId, billIds: [two.bills[1]!._id], billsBecome: 'UNPAID', reason: '未入住，退回住宿费' }, { token: cashier }));
  data(await c.api('approveRefund', { refundId: refund.refundId }, { token: reviewer }));
  await settleRefunds(c);
  sandbox.recordOutsidePayment({ outTradeNo: OUTSIDE, totalFee: 50000 });

  // 10:30 the next morning, before the hourly run: not reconciled yet, and the console says so.
  c.running.cloud.clock.advance(24 * HOUR + 30 * MINUTE);
  const viewer = await c.signInAs('viewer');
  const clerk = await c.signInAs('cashier');
  expect(await daysOf(viewer, '2026-11-28', '2026-11-28')).toMatchObject([{ date: '2026-11-28', state: 'NOT_RECONCILED', stateText: '未对账', waitingText: expect.stringContaining('尚未对账'), differences: [] }]);

  // WeChat cannot be reached: still not reconciled, with why, and our side already counted.
  sandbox.failNext('downloadBill', 'timeout');
  expect(data(await rerun(clerk, '2026-11-28'))).toMatchObject({
    state: 'NOT_RECONCILED',
    waitingText: expect.stringContaining('暂时无法从微信支付下载对账单'),
    wechat: null,
    ours: { payments: { count: 2, amount: one.total + two.total } },
  });

  const day = data(await rerun(clerk, '2026-11-28'));
  expect(day).toMatchObject({
    date: '2026-11-28',
    state: 'DIFFERENCES',
    stateText: '有差异',
    waitingText: null,
    wechat: { payments: { count: 3, amount: one.total + two.total + 50000 }, refunds: { count: 1, amount: refund.amount } },
    ours: { payments: { count: 2, amount: one.total + two.total }, refunds: { count: 1, amount: refund.amount } },
    differenceCount: 1,
  });
  const caseId = `recon:20261128:${OUTSIDE}`;
  expect(day.differences).toEqual([{ kind: 'UNKNOWN_PAYMENT', kindText: '微信有此支付，本系统无此订单', outTradeNo: OUTSIDE, outRefundNo: null, amount: 50000, note: expect.any(String), caseId }]);

  // The case behind the link: WeChat's payment, and no order of ours.
  const detail = data(await c.api<CaseDetail>('caseDetail', { caseId }, { token: viewer }));
  expect(detail.case).toMatchObject({ kind: 'RECONCILIATION', kindText: '对账差异', reason: 'UNKNOWN_PAYMENT', state: 'OPEN', billDate: '2026-11-28', outTradeNo: OUTSIDE, amount: 50000 });
  expect(detail.ours).toEqual({ order: null, payments: [], refunds: [], bills: [] });
  expect(detail.wechat).toMatchObject({ asked: true, order: { found: true, tradeState: 'SUCCESS', totalFee: 50000, ourMerchant: true } });
  expect(detail.differences).toEqual(['订单']);
  expect(detail.actions).toEqual(['close']);

  // Run again: the same result, the same case, none opened twice; the hourly run leaves the day alone.
  const again = data(await rerun(clerk, '2026-11-28'));
  expect(again.differences.map((difference) => difference.caseId)).toEqual([caseId]);
  expect((await casesOfDay('20261128')).map((one) => one._id)).toEqual([caseId]);
  const downloads = sandbox.calls.downloadBill;
  const hourly = await reconcileTimer(c);
  expect(hourly.days.map((one) => one.billDate)).not.toContain('20261128');
  expect(sandbox.calls.downloadBill - downloads).toBe(hourly.days.length);
  expect((await casesOfDay('20261128')).map((one) => one._id)).toEqual([caseId]);

  // Each run is in the audit log, by whom, with the day before and after.
  const audits = (await dump<{ action: string; actor: string; details: { changes: { target: string; before: { state: string }; after: { state: string; caseIds: string[] } }[] } }>(c.running.cloud, 'auditLog')).filter(
    (entry) => entry.action === 'admin.rerunReconciliation',
  );
  expect(audits.map((entry) => [entry.actor, entry.details.changes[0]!.target, entry.details.changes[0]!.before.state, entry.details.changes[0]!.after.state])).toEqual([
    ['staff:demo-staff-cashier', 'reconciliation:20261128', 'NOT_RECONCILED', 'NOT_RECONCILED'],
    ['staff:demo-staff-cashier', 'reconciliation:20261128', 'NOT_RECONCILED', 'DIFFERENCES'],
    ['staff:demo-staff-cashier', 'reconciliation:20261128', 'DIFFERENCES', 'DIFFERENCES'],
  ]);
  expect(audits[2]!.details.changes[0]!.after.caseIds).toEqual([caseId]);

  // A range, newest first, up to yesterday: the days the hourly run found empty are balanced at zero.
  const range = await daysOf(viewer, '2026-11-26', '2026-12-05');
  expect(range.map((one) => [one.date, one.state])).toEqual([
    ['2026-11-28', 'DIFFERENCES'],
    ['2026-11-27', 'BALANCED'],
    ['2026-11-26', 'BALANCED'],
  ]);
  expect(range[1]).toMatchObject({ stateText: '已对平', wechat: { payments: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 } }, differenceCount: 0 });
});

test('who may re-run, and which days', async () => {
  const viewer = await c.signInAs('viewer');
  const reviewer = await c.signInAs('reviewer');
  expectRefused(await rerun(viewer, '2026-11-28'), 403, 'FORBIDDEN');
  expect(data(await rerun(reviewer, '2026-11-28'))).toMatchObject({ date: '2026-11-28', state: 'DIFFERENCES' });
  // Today's statement does not exist yet; one from months ago is no longer kept by WeChat.
  const today = await rerun(reviewer, '2026-11-29');
  expectRefused(today, 422, 'RECON_DAY_NOT_READY');
  expect(today.result.ok ? '' : today.result.message).toContain('10:00');
  expectRefused(await rerun(reviewer, '2026-06-01'), 422, 'RECON_DAY_TOO_OLD');
  expectRefused(await rerun(reviewer, '2026-02-30'), 400, 'BAD_REQUEST');
  expectRefused(await c.api('reconciliationDays', { from: '2026-01-01', to: '2026-11-28' }, { token: viewer }), 422, 'RECON_RANGE_TOO_LONG');
  expectRefused(await c.api('reconciliationDays', {}), 401, 'UNAUTHENTICATED');
});

test('reconciled again after its case was closed, the difference WeChat still shows opens a new case; the closed one keeps its decision', async () => {
  const reviewer = await c.signInAs('reviewer');
  const clerk = await c.signInAs('cashier');
  const first = `recon:20261128:${OUTSIDE}`;
  data(await c.api<ConsoleCase>('resolveCase', { caseId: first, resolution: 'close', reason: '已与微信支付核实，线下处理' }, { token: reviewer }));
  const openReconciliationCases = async () =>
    data(await c.api<CasePage>('listCases', { state: 'OPEN', kind: 'RECONCILIATION', page: 1, pageSize: 20 }, { token: reviewer })).items;
  expect(await openReconciliationCases()).toEqual([]);

  const day = data(await rerun(clerk, '2026-11-28'));
  expect(day).toMatchObject({ state: 'DIFFERENCES', differenceCount: 1 });
  const [difference] = day.differences;
  expect(difference).toMatchObject({ kind: 'UNKNOWN_PAYMENT', outTradeNo: OUTSIDE });
  expect(difference!.caseId).not.toBe(first);
  // 待核实 lists it again, as a case of its own; the closed one still says who closed it and why.
  expect((await openReconciliationCases()).map((one) => [one.caseId, one.reason, one.outTradeNo, one.amount])).toEqual([[difference!.caseId, 'UNKNOWN_PAYMENT', OUTSIDE, 50000]]);
  const closed = data(await c.api<CaseDetail>('caseDetail', { caseId: first }, { token: reviewer })).case;
  expect(closed).toMatchObject({ state: 'RESOLVED', resolution: { action: 'CLOSE', by: '赵立', reason: '已与微信支付核实，线下处理' } });

  // While the new case is open, running again keeps the difference with it: no third case.
  const again = data(await rerun(clerk, '2026-11-28'));
  expect(again.differences.map((one) => one.caseId)).toEqual([difference!.caseId]);
  expect((await casesOfDay('20261128')).map((one) => one._id).sort()).toEqual([first, difference!.caseId].sort());
});
