/**
 * The cloudPay sandbox, driven through the genuine wx-server-sdk exactly as the functions drive it:
 * cloudPay's field names, its refusals, its 5-minute rule, durable state, and callbacks delivered
 * at least once.
 */
import { postJson } from '../../support/http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cloudSdk from 'wx-server-sdk';
import { parseStatement } from '../../../cloudfunctions/shared/billing/domain/statement';
import { cloudPaySandboxOf, REFUND_PROCESSING_MS } from '../../../local/wechat-pay';
import { startLocalCloud, type RunningLocalCloud } from '../../../local/start';
import { startTestCloud, type TestCloud } from '../../support/local-cloud';
import { MINUTE } from '../../support/billing-fixtures';

type Api = (data: Record<string, unknown>) => Promise<Record<string, unknown>>;
const cloudPay = (cloudSdk as unknown as { cloudPay: Record<string, Api> }).cloudPay;

const START = new Date('2026-11-28T02:00:00Z'); // 10:00 Beijing
let counter = 0;
const tradeNo = (): string => `T${Date.now()}${(counter += 1)}`;

function unified(outTradeNo: string, extra: Record<string, unknown> = {}) {
  return cloudPay.unifiedOrder!({
    body: '继续教育缴费-学费',
    outTradeNo,
    totalFee: 320000,
    spbillCreateIp: '127.0.0.1',
    subMchId: '1900000109',
    envId: 'local-dev',
    functionName: 'payNotify',
    nonceStr: 'n0nce',
    tradeType: 'JSAPI',
    openid: 'o-payer',
    timeExpire: '20261128101500',
    ...extra,
  });
}
const ref = (outTradeNo: string) => ({ subMchId: '1900000109', nonceStr: 'n0nce', outTradeNo });

describe('cloudPay sandbox through the SDK', () => {
  let tc: TestCloud;
  beforeAll(async () => {
    tc = await startTestCloud({ startAt: START });
  });
  afterAll(async () => {
    await tc.stop();
  });

  test('unifiedOrder answers with cloudPay’s fields and the payment for wx.requestPayment', async () => {
    const res = await unified(tradeNo());
    expect(res).toMatchObject({
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      subMchId: '1900000109',
      tradeType: 'JSAPI',
      errCode: 0,
      errMsg: 'cloudPay.unifiedOrder:ok',
    });
    expect(res.prepayId).toMatch(/^wx/);
    expect(Object.keys(res.payment as object).sort()).toEqual(['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
  });

  test('the same out_trade_no: identical parameters get the same prepay, different ones 商户订单号重复', async () => {
    const no = tradeNo();
    const a = await unified(no);
    const b = await unified(no, { nonceStr: 'other' });
    expect(b.prepayId).toBe(a.prepayId);
    const c = await unified(no, { totalFee: 1 });
    // The SDK overwrites the business err_code with errCode 0: only resultCode and errCodeDes tell.
    expect(c).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 0, errCodeDes: '201 商户订单号重复' });
  });

  test('refusals: merchant, amount, time_expire too close, missing openid', async () => {
    expect(await unified(tradeNo(), { subMchId: '1999999999' })).toMatchObject({ returnCode: 'FAIL' });
    expect(await unified(tradeNo(), { totalFee: 1.5 })).toMatchObject({ returnCode: 'FAIL' });
    expect(await unified(tradeNo(), { timeExpire: '20261128100200' })).toMatchObject({ resultCode: 'FAIL', errCodeDes: expect.stringContaining('time_expire时间过短') });
    expect(await unified(tradeNo(), { openid: undefined })).toMatchObject({ resultCode: 'FAIL' });
    expect(await unified('x'.repeat(33))).toMatchObject({ returnCode: 'FAIL' });
  });

  test('closeOrder: refused within 5 minutes, then closes; ORDERCLOSED afterwards; ORDERPAID for a paid one', async () => {
    const no = tradeNo();
    await unified(no, { timeExpire: '20261128120000' });
    const early = await cloudPay.closeOrder!(ref(no));
    expect(early).toMatchObject({ resultCode: 'FAIL', errCodeDes: expect.stringContaining('5分钟') });
    expect((await cloudPay.queryOrder!(ref(no))).tradeState).toBe('NOTPAY');
    tc.cloud.clock.advance(5 * MINUTE);
    expect(await cloudPay.closeOrder!(ref(no))).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'SUCCESS' });
    expect(await cloudPay.closeOrder!(ref(no))).toMatchObject({ resultCode: 'FAIL', errCodeDes: expect.stringContaining('已关闭') });
    expect((await cloudPay.queryOrder!(ref(no))).tradeState).toBe('CLOSED');
    await expect(cloudPaySandboxOf(tc.cloud).pay(no)).rejects.toThrow('已关闭');

    const paid = tradeNo();
    await unified(paid, { timeExpire: '20261128130000' });
    cloudPaySandboxOf(tc.cloud).setCallbackMode('hold');
    await cloudPaySandboxOf(tc.cloud).pay(paid);
    tc.cloud.clock.advance(5 * MINUTE);
    expect(await cloudPay.closeOrder!(ref(paid))).toMatchObject({ resultCode: 'FAIL', errCodeDes: expect.stringContaining('已支付') });
    expect(await unified(paid, { timeExpire: '20261128130000' })).toMatchObject({ resultCode: 'FAIL', errCodeDes: '该订单已支付' });
    expect(await cloudPay.queryOrder!(ref(paid))).toMatchObject({ tradeState: 'SUCCESS', totalFee: 320000, transactionId: expect.stringMatching(/^4200\d{24}$/) });
    expect(await cloudPay.queryOrder!(ref('NOSUCH'))).toMatchObject({ resultCode: 'FAIL', errCodeDes: expect.stringContaining('不存在') });
  });

  test('no payment after time_expire', async () => {
    const no = tradeNo();
    const now = tc.cloud.clock.nowMs() + 8 * 3600_000;
    const d = new Date(now + 6 * MINUTE);
    const p = (n: number) => String(n).padStart(2, '0');
    const expire = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    await unified(no, { timeExpire: expire });
    tc.cloud.clock.advance(7 * MINUTE);
    await expect(cloudPaySandboxOf(tc.cloud).pay(no)).rejects.toThrow('过期');
  });

  test('refund: needs the callback function, at most the amount, idempotent per out_refund_no; PROCESSING first, queryRefund’s first answer empty, then SUCCESS and a result callback', async () => {
    const sandbox = cloudPaySandboxOf(tc.cloud);
    sandbox.resetControls();
    const no = tradeNo();
    await unified(no, { timeExpire: '20261129100000' });
    await sandbox.pay(no);
    const refund = (extra: Record<string, unknown>) =>
      cloudPay.refund!({ ...ref(no), outRefundNo: `RF${no}`, totalFee: 320000, refundFee: 320000, envId: 'local-dev', functionName: 'payNotify', ...extra });
    expect(await refund({ envId: undefined, functionName: undefined })).toMatchObject({ returnCode: 'FAIL', returnMsg: expect.stringContaining('function_name') });
    const first = await refund({});
    expect(first).toMatchObject({ resultCode: 'SUCCESS', refundFee: 320000, outRefundNo: `RF${no}` });
    const again = await refund({});
    expect(again.refundId).toBe(first.refundId);
    expect(await refund({ outRefundNo: `RF${no}-2`, refundFee: 1 })).toMatchObject({ resultCode: 'FAIL' });
    expect(await refund({ refundFee: 100 })).toMatchObject({ resultCode: 'FAIL' });
    const query = () => cloudPay.queryRefund!({ subMchId: '1900000109', nonceStr: 'x', outRefundNo: `RF${no}` });
    // As cloudPay has been seen to answer: SUCCESS, refund_count 1, every list empty.
    expect(await query()).toMatchObject({ resultCode: 'SUCCESS', refundCount: 1, refundStatusList: [], outRefundNoList: [] });
    expect(await query()).toMatchObject({ resultCode: 'SUCCESS', refundStatusList: ['PROCESSING'], outRefundNoList: [`RF${no}`] });
    expect((await cloudPay.queryOrder!(ref(no))).tradeState).toBe('REFUND');
    tc.cloud.clock.advance(REFUND_PROCESSING_MS);
    expect(await query()).toMatchObject({ refundStatusList: ['SUCCESS'] });
    expect(sandbox.order(no)!.refunds).toMatchObject([{ status: 'SUCCESS', functionName: 'payNotify' }]);
    // The result goes to the function named in the refund, with the refund's fields.
    await sandbox.tick();
    const notice = sandbox.deliveries.filter((d) => d.kind === 'refund' && d.outTradeNo === no);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.event).toMatchObject({ outRefundNo: `RF${no}`, refundStatus: 'SUCCESS', refundFee: 320000, successTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) });
    expect(notice[0]!.event.resultCode).toBeUndefined();
  });

  test('queryOrder: USERPAYING while the student is in the pay sheet; total_fee the order’s amount, cash_fee what was charged', async () => {
    const sandbox = cloudPaySandboxOf(tc.cloud);
    sandbox.setCallbackMode('hold');
    const no = tradeNo();
    await unified(no, { timeExpire: '20261129100000' });
    const paying = sandbox.startPaying(no);
    expect(await cloudPay.queryOrder!(ref(no))).toMatchObject({ tradeState: 'USERPAYING', totalFee: 320000 });
    expect(() => sandbox.startPaying(no)).toThrow('用户支付中');
    paying.abandon();
    expect((await cloudPay.queryOrder!(ref(no))).tradeState).toBe('NOTPAY');
    const again = sandbox.startPaying(no, { chargedFee: 300000 }); // 20.00 paid by a coupon
    await again.finish();
    expect(await cloudPay.queryOrder!(ref(no))).toMatchObject({ tradeState: 'SUCCESS', totalFee: 320000, cashFee: 300000 });
    expect(sandbox.callbackEventFor(no)).toMatchObject({ totalFee: 320000, cashFee: 300000 });
    sandbox.resetControls();
  });

  test('downloadBill: nothing before 09:00 the next day, then WeChat’s statement layout', async () => {
    const sandbox = cloudPaySandboxOf(tc.cloud);
    const no = tradeNo();
    await unified(no, { timeExpire: '20261129100000', totalFee: 123456 });
    await sandbox.pay(no);
    const day = '20261128';
    const none = await cloudPay.downloadBill!({ subMchId: '1900000109', nonceStr: 'x', billDate: day, billType: 'ALL' });
    expect(none).toMatchObject({ resultCode: 'FAIL', errCodeDes: 'No Bill Exist' });
    tc.cloud.clock.advance(24 * 60 * MINUTE);
    const bill = await cloudPay.downloadBill!({ subMchId: '1900000109', nonceStr: 'x', billDate: day, billType: 'ALL' });
    expect(typeof bill.data).toBe('string');
    const text = bill.data as string;
    expect(text.split('\r\n')[0]).toMatch(/^交易时间,公众账号ID,商户号,特约商户号/);
    const rows = parseStatement(text);
    expect(rows.find((r) => r.outTradeNo === no && r.tradeState === 'SUCCESS')).toMatchObject({ orderFee: 123456, subMchId: '1900000109' });
  });

  test('a callback answered with an error is delivered again, on WeChat’s schedule', async () => {
    const sandbox = cloudPaySandboxOf(tc.cloud);
    sandbox.resetControls();
    const no = tradeNo();
    // Sent to a function that exists but is not a callback: it answers with an envelope, not errcode 0.
    await unified(no, { timeExpire: '20261130100000', functionName: 'bills' });
    await sandbox.pay(no);
    await sandbox.settle();
    const deliveries = () => sandbox.deliveries.filter((d) => d.outTradeNo === no);
    expect(deliveries()).toHaveLength(1);
    expect(sandbox.pendingCallbacks().filter((p) => p.outTradeNo === no)).toMatchObject([{ attempt: 1 }]);
    tc.cloud.clock.advance(15_000);
    await sandbox.tick();
    expect(deliveries()).toHaveLength(2);
    expect(deliveries().every((d) => !d.ok)).toBe(true);
    expect(sandbox.pendingCallbacks().filter((p) => p.outTradeNo === no)).toMatchObject([{ attempt: 2 }]);
  });
});

test('the sandbox’s orders survive a restart of the local cloud', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-pay-restart-'));
  const first = await startTestCloud({ dataDir, startAt: START });
  const no = tradeNo();
  await unified(no);
  cloudPaySandboxOf(first.cloud).setCallbackMode('hold');
  const { transactionId } = await cloudPaySandboxOf(first.cloud).pay(no);
  await first.stop({ keepData: true });
  const second = await startTestCloud({ dataDir, startAt: START });
  try {
    expect(await cloudPay.queryOrder!(ref(no))).toMatchObject({ tradeState: 'SUCCESS', transactionId });
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('paying over HTTP (the mini program’s local transport)', () => {
  let running: RunningLocalCloud;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-pay-http-'));
    // Test routes on: the fault controls below are one.
    running = await startLocalCloud({ dataDir, port: 0, startAt: START, testRoutes: true, logSink: () => undefined });
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (url: string, body: unknown, openid?: string) => {
    const reply = await postJson(url, body, openid);
    return { status: reply.status, json: reply.json as Record<string, unknown> };
  };

  test('only the order’s payer can pay it; paying delivers the callback before answering', async () => {
    const no = tradeNo();
    const res = await unified(no);
    const pkg = (res.payment as { package: string }).package;
    const stranger = await post(`${running.url}/sandbox/pay`, { package: pkg }, 'o-someone-else');
    expect(stranger.status).toBe(403);
    const payer = await post(`${running.url}/sandbox/pay`, { package: pkg }, 'o-payer');
    expect(payer).toEqual({ status: 200, json: { errMsg: 'requestPayment:ok', outTradeNo: no } });
    const sandbox = cloudPaySandboxOf(running.cloud);
    // The callback reached payNotify (an order it does not know: recorded, answered 0).
    expect(sandbox.deliveries.filter((d) => d.outTradeNo === no).map((d) => d.answer)).toEqual([{ errcode: 0, errmsg: 'OK' }]);
    const twice = await post(`${running.url}/sandbox/pay`, { package: pkg }, 'o-payer');
    expect(twice.status).toBe(409);
  });

  test('test controls over HTTP', async () => {
    const res = await post(`${running.url}/sandbox/cloudpay/control`, { action: 'failNext', api: 'queryOrder', fault: 'timeout' });
    expect(res.json).toEqual({ ok: true });
    await expect(cloudPay.queryOrder!(ref('anything'))).rejects.toMatchObject({ errMsg: expect.stringContaining('ESOCKETTIMEDOUT') });
    expect((await post(`${running.url}/sandbox/cloudpay/control`, { action: 'nonsense' })).status).toBe(400);
  });
});
