/**
 * 确认登录财务管理后台 (package-admin): the page the console's sign-in code opens. A staff member
 * scans the code on the console with WeChat, sees which browser asks and when, and confirms or
 * cancels; the console (played here over its HTTP entry) signs in only after 确认登录.
 */
import { config } from '../../miniprogram/config/index';
import { openPage, requestsSettled, visibleText, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import {
  acceptFromPhone,
  administrator,
  administratorSession,
  beijingText,
  fromPhone,
  inviteStaff,
  newOpenid,
  pollConsole,
  scan,
  serverNow,
  startConsoleSignIn,
  useDevice,
  type ScannedCode,
} from './staff-support';
import type { ConsoleSignInStart } from '../../cloudfunctions/shared/staff/contract';

const SIGN_IN_PAGE = 'package-admin/pages/sign-in/index';
const TITLE = '确认登录财务管理后台';
const REFRESH_HINT = '请在电脑上刷新二维码后重新扫码';

/** 李敏, 收费员: active finance staff on this phone. */
let staffOpenid: string;
let page: OpenedPage | undefined;

beforeAll(async () => {
  staffOpenid = newOpenid();
  await acceptFromPhone(staffOpenid, (await inviteStaff(await administratorSession(), '李敏', 'cashier')).invitationId);
});

beforeEach(() => {
  clearRecordedCalls();
  useDevice(staffOpenid);
});

afterEach(async () => {
  await page?.close();
  page = undefined;
});

const adminCalls = (action: string) =>
  recordedCalls('request').filter((call) => String(call.options.url).endsWith('/functions/admin') && (call.options.data as { action?: string }).action === action);

/** 扫码登录 on the console, and the code scanned with the phone. */
async function consoleShowsCode(): Promise<{ start: ConsoleSignInStart; code: ScannedCode }> {
  const start = await startConsoleSignIn();
  const code = await scan(start.codeImage);
  expect(code.route).toBe(SIGN_IN_PAGE);
  return { start, code };
}

test('shows the browser and when it asked, in Beijing time; 确认登录 signs the console in', async () => {
  const before = await serverNow();
  const { start, code } = await consoleShowsCode();
  const after = await serverNow();

  page = await openPage(code.route, code.query);
  await page.waitForText(TITLE);
  expect(visibleText(page.find('#browser'))).toBe('Chrome 120 · Windows');
  expect(page.text()).toContain('如果不是你本人在电脑上操作，请点击取消');
  const requested = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})（北京时间）$/.exec(visibleText(page.find('#requested-at')))?.[1];
  // Shown to the second: the window is widened to whole seconds.
  expect([beijingText(Math.floor(before / 1000) * 1000) <= requested!, requested! <= beijingText(after)]).toEqual([true, true]);

  await page.tap('#confirm-button');
  await page.waitForText('已确认，电脑上的后台将自动登录');
  expect(adminCalls('confirmSignIn').map((call) => call.options.data)).toEqual([{ action: 'confirmSignIn', ticket: start.ticket }]);
  expect(await pollConsole(start)).toMatchObject({ ok: true, data: { state: 'confirmed', staff: { name: '李敏', roleLabel: '收费员' } } });
});

test('取消: the page says so and the console never signs in', async () => {
  const { start, code } = await consoleShowsCode();
  page = await openPage(code.route, code.query);
  await page.waitForText(TITLE);

  await page.tap('#cancel-button');
  await page.waitForText('已取消登录');
  expect(page.text()).not.toContain('已确认');
  expect(adminCalls('confirmSignIn')).toEqual([]);
  expect(await pollConsole(start)).toEqual({ ok: true, data: { state: 'cancelled' } });
});

test('a code whose sign-in has expired and is gone: the server’s message and a fresh code asked for', async () => {
  // Sign-in tickets last two minutes and are deleted a day later; the server calls both expired.
  page = await openPage(SIGN_IN_PAGE, { scene: encodeURIComponent('Zx9kQ2mT7vB4nL8pR3wY') });
  await page.waitForText('二维码已过期，请在电脑上刷新后重新扫码');
  expect(page.text()).toContain(REFRESH_HINT);
  expect(page.text()).not.toContain(TITLE);
});

test('a code another phone confirmed first: 确认登录 is refused with the server’s message', async () => {
  const { start, code } = await consoleShowsCode();
  page = await openPage(code.route, code.query);
  await page.waitForText(TITLE);
  expect(await fromPhone(await administrator(), 'confirmSignIn', { ticket: start.ticket })).toEqual({ ok: true, data: { confirmed: true } });

  await page.tap('#confirm-button');
  await page.waitForText('这个二维码已经用过了，请在电脑上刷新后重新扫码');
  expect(page.text()).toContain(REFRESH_HINT);
  expect(page.text()).not.toContain('已确认，电脑上的后台将自动登录');
});

test('a WeChat account that is not finance staff is told to ask an administrator, and has nothing to confirm', async () => {
  const { code } = await consoleShowsCode();
  useDevice(newOpenid());
  page = await openPage(code.route, code.query);
  await page.waitForText('此微信号不是在职的财务人员');
  expect(page.text()).toContain('联系管理员');
  expect(page.text()).not.toContain('确认登录');
});

test('when the server cannot be reached: the message and 重试, which then shows the request', async () => {
  const { code } = await consoleShowsCode();
  const reachable = config.localCloudBaseUrl;
  // Nothing listens on the discard port: the request fails as it does without a network.
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    page = await openPage(code.route, code.query);
    await page.waitForText('网络异常，请检查网络后重试');
    await requestsSettled();
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  expect(page.text()).not.toContain(TITLE);

  await page.tap('#retry-button');
  await page.waitForText(TITLE);
  expect(visibleText(page.find('#browser'))).toBe('Chrome 120 · Windows');
});

test('opened without a code, it explains how to sign in to the console', async () => {
  page = await openPage(SIGN_IN_PAGE);
  await page.waitForText('请扫描电脑上财务管理后台的二维码');
  expect(page.text()).toContain('用微信“扫一扫”扫描这个小程序码');
  expect(recordedCalls('request')).toEqual([]);
});
