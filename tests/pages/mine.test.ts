/**
 * 我的: the session state from the local cloud, and 帮助与客服 with tap-to-call.
 */
import { openPage, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';

const HELP_LINES = [
  { label: '客服', phone: '400-651-1512', dialled: '4006511512' },
  { label: '计划财务处收费管理科', phone: '0535-6916496', dialled: '05356916496' },
  { label: '继续教育学院综合管理科', phone: '0535-6913139', dialled: '05356913139' },
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

test('去登录 on 我的 opens the login page', async () => {
  await page.waitForText('去登录');
  await page.tapText('去登录');
  expect(recordedCalls('navigateTo').map((call) => call.options.url)).toEqual(['/pages/login/index']);
});
