/**
 * 账单缴费 with a signed-in student and real bills on the local cloud: the three tabs, ticking
 * bills and the total, the email, 立即支付 → 处理中 → 已完成, and 取消订单 → back under 待缴费.
 * The pay sheet is the local cloud's stand-in (a 模拟微信支付 dialog, then POST /sandbox/pay).
 */
import { openPage, waitFor, type OpenedPage } from './harness';
import { clearRecordedCalls, clearStorage, recordedCalls } from './wx-fake';
import { functionCalls, PAY_BUTTON, post, signedInStudent, subscribePromptAnswers, toasts, typeEmail as typeEmailOn, wxGlobal } from './bills-support';

const originalShowModal = wxGlobal.showModal;
const originalRequest = wxGlobal.request;

let page: OpenedPage | undefined;

const control = (command: Record<string, unknown>) => post('/sandbox/cloudpay/control', command);

type ModalOptions = { title?: string; success?: (res: { confirm: boolean; cancel: boolean }) => void };

/** The pay sheet: the student confirms (true) or closes it (false). Other dialogs are recorded as usual. */
function payerWill(confirm: boolean): void {
  wxGlobal.showModal = (options: ModalOptions) => {
    if (options.title !== '模拟微信支付') return (originalShowModal as (o: ModalOptions) => unknown)(options);
    setTimeout(() => options.success?.({ confirm, cancel: !confirm }), 0);
    return undefined;
  };
}

/** What the page told the student in dialogs (a message too long for a toast). */
const dialogTexts = (): string[] => recordedCalls('showModal').map((call) => String(call.options.content));

const typeEmail = (value: string): Promise<void> => typeEmailOn(page!, value);
const payRequests = () => recordedCalls('request').filter((call) => String(call.options.url).endsWith('/sandbox/pay'));

type RequestOptions = { url: string; data?: { action?: string; afterPayment?: boolean }; fail?: (res: { errMsg: string }) => void; complete?: (res: { errMsg: string }) => void };

/** The network drops the page's `pay.sync` calls (all of them, or only the first `count`); returns what each asked. */
function syncRequestsFail(count = Number.POSITIVE_INFINITY): { asked: (boolean | undefined)[] } {
  const asked: (boolean | undefined)[] = [];
  let failed = 0;
  wxGlobal.request = (options: RequestOptions) => {
    if (String(options.url).endsWith('/functions/pay') && options.data?.action === 'sync') {
      asked.push(options.data.afterPayment);
      if (failed < count) {
        failed += 1;
        setTimeout(() => {
          options.fail?.({ errMsg: 'request:fail timeout' });
          options.complete?.({ errMsg: 'request:fail timeout' });
        }, 0);
        return { abort() {} };
      }
    }
    return (originalRequest as (o: RequestOptions) => unknown)(options);
  };
  return { asked };
}

beforeEach(() => {
  clearRecordedCalls();
  clearStorage();
  wxGlobal.showModal = originalShowModal;
  wxGlobal.request = originalRequest;
  delete wxGlobal.requestSubscribeMessage;
});

afterEach(async () => {
  await page?.close();
  page = undefined;
  wxGlobal.request = originalRequest;
  await control({ action: 'resetControls' });
});

test('the three tabs: 待缴费 lists the bills, 缴费中 and 已完成 start empty', async () => {
  await signedInStudent(3);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  const text = page.text();
  expect(text).toContain('2026-2027学年第一学期');
  for (const expected of ['学费', '¥3,200.00', '住宿费', '¥1,200.00', '教材费', '¥450.50', '必缴', '选缴', '截止 2026-12-31']) {
    expect(text).toContain(expected);
  }
  expect(text).toContain('合计');
  await page.tap('#tab-paying');
  await page.waitForText('暂无缴费中的订单');
  expect(page.text()).not.toContain('¥3,200.00');
  await page.tap('#tab-done');
  await page.waitForText('暂无已完成的缴费');
  await page.tap('#tab-unpaid');
  await page.waitForText('¥3,200.00');
});

test('ticking bills updates the total, and 全选 ticks them all', async () => {
  const { billIds } = await signedInStudent(3);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  const total = () => page!.find('#pay-total').dom?.textContent;
  expect(total()).toBe('¥0.00');
  await page.tap(`#bill-${billIds[0]}`); // 学费
  expect(total()).toBe('¥3,200.00');
  await page.tap(`#bill-${billIds[2]}`); // 教材费
  expect(total()).toBe('¥3,650.50');
  await page.tap(`#bill-${billIds[0]}`);
  expect(total()).toBe('¥450.50');
  await page.tap('#check-all');
  expect(total()).toBe('¥4,850.50');
  await page.tap('#check-all');
  expect(total()).toBe('¥0.00');
});

test('an email is required and validated before paying; nothing is ordered without one', async () => {
  const { billIds } = await signedInStudent(1);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await page.tap(PAY_BUTTON);
  await page.waitForText('请填写邮箱，电子票据将发送到该邮箱');
  await typeEmail('zhangsan@example');
  await page.tap(PAY_BUTTON);
  await page.waitForText('邮箱格式不正确');
  expect(functionCalls('pay', 'create')).toEqual([]);
  expect(toasts()).toContain('请填写正确的邮箱地址');
  await typeEmail('zhangsan@example.com');
  expect(page.text()).not.toContain('邮箱格式不正确');
});

test('立即支付 → 处理中 → 已完成, with the email remembered and 缴费成功 subscribed', async () => {
  const { billIds } = await signedInStudent(3);
  // One prompt for both messages: the student accepts 缴费成功 and declines 退款结果.
  const subscribeCalls = subscribePromptAnswers({ 'local-pay-success-template': 'accept', 'local-refund-result-template': 'reject' });
  // WeChat takes the money, but its callback is late and the first checks cannot reach it.
  await control({ action: 'setCallbackMode', mode: 'hold' });
  await control({ action: 'failNext', api: 'queryOrder', fault: 'timeout', times: 20 });
  payerWill(true);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await page.tap(`#bill-${billIds[2]}`);
  await typeEmail('zhangsan@example.com');
  await page.tap(PAY_BUTTON);

  await page.waitForText('处理中');
  await page.waitForText('支付结果确认中，请勿重复支付');
  expect(page.text()).not.toContain('继续支付');
  // The checks are over; the order stays 处理中 with 刷新状态, never offered for payment again.
  await page.waitForText('刷新状态');
  expect(page.text()).not.toContain('继续支付');
  expect(payRequests()).toHaveLength(1);
  const create = functionCalls('pay', 'create')[0]!.options.data as Record<string, unknown>;
  expect(create).toEqual({ action: 'create', billIds: [billIds[0], billIds[2]], email: 'zhangsan@example.com', subscribed: true });
  expect(subscribeCalls).toEqual([['local-pay-success-template', 'local-refund-result-template']]);
  expect(functionCalls('pay', 'sync')[0]!.options.data).toMatchObject({ afterPayment: true });

  // The callback arrives and WeChat can be asked again: 刷新状态 → 已完成.
  // The page reloads its lists once its checks are over; let that finish before WeChat answers.
  const isCall = (fn: string, action: string) => (call: { options: Record<string, unknown> }) =>
    String(call.options.url).endsWith(`/functions/${fn}`) && (call.options.data as { action?: string }).action === action;
  await waitFor(() => {
    const calls = recordedCalls('request');
    const lastSync = calls.map(isCall('pay', 'sync')).lastIndexOf(true);
    const lastOverview = calls.map(isCall('bills', 'overview')).lastIndexOf(true);
    return lastOverview > lastSync && calls.every((call) => call.outcome !== undefined);
  }, () => 'the page to reload its lists after its checks');
  expect(page.text()).toContain('刷新状态');
  await control({ action: 'resetControls' });
  await control({ action: 'releaseCallbacks' });
  await page.tapText('刷新状态');
  await waitFor(() => toasts().includes('缴费成功'), () => `a 缴费成功 toast; toasts: ${JSON.stringify(toasts())}`);
  await page.waitForText('已支付');
  const text = page.text();
  expect(text).toContain('¥3,650.50');
  expect(text).toMatch(/4200\*{4}\d{4}/);
  expect(text).toContain('支付时间');
  expect(payRequests()).toHaveLength(1);

  // 待缴费 now has only 住宿费, and the email is remembered for next time.
  await page.tap('#tab-unpaid');
  await page.waitForText('住宿费');
  expect(page.text()).not.toContain('¥3,200.00');
  await page.close();
  page = await openPage('pages/bills/index');
  await page.waitForText('住宿费');
  expect((page.find('#email-input').instance.data as { value: string }).value).toBe('zhangsan@example.com');
});

test('立即支付 asks for 缴费成功 and 退款结果 in one prompt; declining 缴费成功 while accepting 退款结果 still pays, unsubscribed', async () => {
  const { billIds } = await signedInStudent(1);
  const asked = subscribePromptAnswers({ 'local-pay-success-template': 'reject', 'local-refund-result-template': 'accept' });
  payerWill(true);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('qianshi@example.com');
  await page.tap(PAY_BUTTON);
  await waitFor(() => toasts().includes('缴费成功'), () => `a 缴费成功 toast; toasts: ${JSON.stringify(toasts())}`);
  await page.waitForText('已支付');
  expect(asked).toEqual([['local-pay-success-template', 'local-refund-result-template']]);
  expect(functionCalls('pay', 'create').map((call) => (call.options.data as { subscribed?: boolean }).subscribed)).toEqual([false]);
});

test('立即支付 with a prompt callback goes straight to 已完成; order detail shows the lines', async () => {
  const { billIds } = await signedInStudent(2);
  payerWill(true);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap('#check-all');
  await typeEmail('lisi@example.com');
  await page.tap(PAY_BUTTON);
  await waitFor(() => toasts().includes('缴费成功'), () => `a 缴费成功 toast; toasts: ${JSON.stringify(toasts())}`);
  await page.waitForText('已支付');
  expect(page.text()).toContain('¥4,400.00');
  await page.tapText('查看详情');
  await page.waitForText('订单详情');
  const detail = page.find('#order-detail').dom?.textContent ?? '';
  expect(detail).toContain('学费（2026-2027学年第一学期）');
  expect(detail).toContain('住宿费（2026-2027学年第一学期）');
  expect(detail).toContain('lisi@example.com');
  expect(billIds).toHaveLength(2);
});

test('closing the pay sheet leaves the order under 缴费中; 取消订单 puts the bills back under 待缴费', async () => {
  const { billIds } = await signedInStudent(3);
  payerWill(false);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('wangwu@example.com');
  await page.tap(PAY_BUTTON);
  await page.waitForText('继续支付');
  expect(page.text()).toContain('取消订单');
  expect(page.text()).toContain('待支付');
  expect(payRequests()).toEqual([]);
  expect(dialogTexts()).toContain('已取消支付，可在“缴费中”继续支付或取消订单');

  await page.tapText('取消订单');
  await page.waitForText('取消后账单将回到“待缴费”');
  await page.tap('#cancel-confirm-button');
  await waitFor(() => dialogTexts().includes('订单已取消，账单已回到“待缴费”'), () => `the cancel notice; dialogs: ${JSON.stringify(dialogTexts())}`);
  await page.waitForText('¥3,200.00');
  expect(functionCalls('pay', 'cancel')).toHaveLength(1);
  await page.tap('#tab-paying');
  await page.waitForText('暂无缴费中的订单');
});

test('继续支付 from 缴费中 pays the same order', async () => {
  const { billIds } = await signedInStudent(1);
  payerWill(false);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('zhaoliu@example.com');
  await page.tap(PAY_BUTTON);
  await page.waitForText('继续支付');
  const created = functionCalls('pay', 'create');
  expect(created).toHaveLength(1);
  payerWill(true);
  await page.tapText('继续支付');
  await waitFor(() => toasts().includes('缴费成功'), () => `a 缴费成功 toast; toasts: ${JSON.stringify(toasts())}`);
  await page.waitForText('已支付');
  expect(functionCalls('pay', 'resume')).toHaveLength(1);
  expect(functionCalls('pay', 'create')).toHaveLength(1);
  expect(payRequests()).toHaveLength(1);
});

test('the pay sheet said yes and the first check never arrived: 处理中, never 继续支付', async () => {
  const { billIds } = await signedInStudent(1);
  // WeChat has the money but cannot be asked, its callback is late, and the first check is lost.
  await control({ action: 'setCallbackMode', mode: 'hold' });
  await control({ action: 'failNext', api: 'queryOrder', fault: 'timeout', times: 20 });
  const network = syncRequestsFail(1);
  payerWill(true);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('sunqi@example.com');
  await page.tap(PAY_BUTTON);
  await page.waitForText('处理中');
  // The checks are over: still 处理中, with 刷新状态, and nothing to pay again.
  await page.waitForText('刷新状态');
  expect(page.text()).toContain('处理中');
  expect(page.text()).not.toContain('继续支付');
  expect(page.text()).not.toContain('取消订单');
  // Every check after the pay sheet said so (the first one was lost on the way).
  expect(network.asked.length).toBeGreaterThan(1);
  expect(network.asked.every((afterPayment) => afterPayment === true)).toBe(true);
  await page.tap('#tab-paying');
  expect(page.text()).not.toContain('继续支付');
});

test('the pay sheet said yes, then the app was closed before any check got through: reopened, still 处理中', async () => {
  const { billIds, openid } = await signedInStudent(1);
  await control({ action: 'setCallbackMode', mode: 'hold' });
  await control({ action: 'failNext', api: 'queryOrder', fault: 'timeout', times: 20 });
  syncRequestsFail();
  payerWill(true);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('zhouba@example.com');
  await page.tap(PAY_BUTTON);
  await page.waitForText('处理中');
  // Every check failed; the student leaves.
  await page.waitForText('刷新状态');
  await page.close();
  page = undefined;
  // Reopened with the network back: the device remembers, and tells the server.
  wxGlobal.request = originalRequest;
  clearRecordedCalls();
  page = await openPage('pages/bills/index');
  await page.waitForText('缴费中');
  await page.tap('#tab-paying');
  await page.waitForText('处理中');
  expect(page.text()).not.toContain('继续支付');
  await waitFor(
    () => functionCalls('pay', 'sync').some((call) => (call.options.data as { afterPayment?: boolean }).afterPayment === true && String(call.outcome).startsWith('HTTP 200')),
    () => `a pay.sync with afterPayment; calls: ${JSON.stringify(recordedCalls('request').map((c) => c.options.data))}`,
  );
  // The server now has it as 处理中 too: a fresh page without the device's memory shows the same.
  await page.close();
  clearStorage();
  (wxGlobal.setStorageSync as (key: string, value: unknown) => void)('zhjf.devOpenid', openid);
  page = await openPage('pages/bills/index');
  await page.waitForText('缴费中');
  await page.tap('#tab-paying');
  await page.waitForText('处理中');
  expect(page.text()).not.toContain('继续支付');
});

test('WeChat’s record of the payment disagrees with the order: 待核实 with whom to call, neither 继续支付 nor 取消订单', async () => {
  const { billIds } = await signedInStudent(1);
  payerWill(false);
  page = await openPage('pages/bills/index');
  await page.waitForText('学费');
  await page.tap(`#bill-${billIds[0]}`);
  await typeEmail('wujiu@example.com');
  await page.tap(PAY_BUTTON);
  await page.waitForText('继续支付');
  const outTradeNo = /ZJ\d{14}[0-9A-Z]{10,16}/.exec(page.text())![0];
  // Another system on the same merchant account reused this order number, for another amount.
  expect((await control({ action: 'alterOrder', outTradeNo, totalFee: 1 })).json).toEqual({ ok: true });
  payerWill(true);
  await page.tapText('继续支付');
  await waitFor(() => dialogTexts().includes('支付结果待核实，请联系计划财务处'), () => `the review notice; dialogs: ${JSON.stringify(dialogTexts())}`);
  await page.waitForText('待核实');
  const text = page.text();
  expect(text).toContain('计划财务处');
  expect(text).toContain('0535-6916496');
  expect(text).not.toContain('继续支付');
  expect(text).not.toContain('取消订单');
  await page.tapText('联系计划财务处');
  expect(recordedCalls('makePhoneCall').map((call) => call.options.phoneNumber)).toEqual(['05356916496']);
});
