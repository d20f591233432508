/**
 * 我的: the session state from the local cloud (and 重试 when it cannot be had), the privacy guide
 * for everyone, and 帮助与客服 with tap-to-call.
 */
import { openPage, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { addedCalls, installPrivacy } from './auth-support';
import { config } from '../../miniprogram/config/index';

const HELP_LINES = [
  { label: '客服', phone: '400-651-1512', dialled: '4006511512', purpose: '缴费时遇到问题（如无法支付、支付后状态未更新）' },
  { label: '计划财务处收费管理科', phone: '0535-6916496', dialled: '05356916496', purpose: '缴费时遇到问题；领取激活码、重置账号' },
  { label: '继续教育学院综合管理科', phone: '0535-6913139', dialled: '05356913139', purpose: '对收费项目或金额有疑问' },
];

let page: OpenedPage;

beforeEach(async () => {
  clearRecordedCalls();
  page = await openPage('pages/mine/index');
});

afterEach(async () => {
  await page.close();
});

test('shows the three help lines under 帮助与客服', async () => {
  await page.waitForText('帮助与客服');
  const text = page.text();
  for (const line of HELP_LINES) {
    expect(text).toContain(line.label);
    expect(text).toContain(line.phone);
  }
  expect(page.find('#help-lines').querySelectorAll('.help-line')).toHaveLength(3);
});

test('each help line says what it is for, as the payment guide does', async () => {
  await page.waitForText('帮助与客服');
  const lines = page.find('#help-lines').querySelectorAll('.help-line').map((line) => line.dom?.textContent?.replace(/\s+/g, '') ?? '');
  expect(lines).toEqual(HELP_LINES.map((line) => expect.stringContaining(line.purpose.replace(/\s+/g, ''))));
});

test.each(HELP_LINES)('tapping $label calls $phone', async ({ phone, dialled }) => {
  await page.tapText(phone);
  const calls = recordedCalls('makePhoneCall');
  expect(calls).toHaveLength(1);
  expect(calls[0].options.phoneNumber).toBe(dialled);
});

test('shows 未登录 when the local cloud says this WeChat account is not signed in', async () => {
  await page.waitForText('未登录');
  expect(page.text()).toContain('登录后可查看账单与发票');
  const [request] = recordedCalls('request');
  expect(request.options.url).toBe(`${process.env.PAGES_LOCAL_CLOUD_URL}/functions/auth`);
  expect(request.options.data).toEqual({ action: 'status' });
});

test('隐私保护指引 opens signed out too', async () => {
  installPrivacy();
  await page.waitForText('未登录');
  await page.tapText('隐私保护指引');
  expect(addedCalls('openPrivacyContract')).toHaveLength(1);
});

test('a failed load says why and offers 重试, instead of 未连接', async () => {
  await page.close();
  const reachable = config.localCloudBaseUrl;
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    page = await openPage('pages/mine/index');
    await page.waitForText('网络异常，请检查网络后重试');
    expect(page.text()).not.toContain('未连接');
    expect(page.find('#retry-button')).toBeTruthy();
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  await page.tap('#retry-button');
  await page.waitForText('未登录');
  expect(page.text()).not.toContain('网络异常');
});

test('去登录 on 我的 opens the login page', async () => {
  await page.waitForText('去登录');
  await page.tapText('去登录');
  expect(recordedCalls('navigateTo').map((call) => call.options.url)).toEqual(['/pages/login/index']);
});
