/**
 * 账单缴费: what a student sees before signing in. The page's auth.status call goes to the local
 * cloud started for the page tests.
 */
import { config } from '../../miniprogram/config/index';
import { openPage, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';

let page: OpenedPage;

beforeEach(() => {
  clearRecordedCalls();
});

afterEach(async () => {
  await page?.close();
});

test('a student who is not signed in sees 请先登录后查看账单 and a 去登录 button', async () => {
  page = await openPage('pages/bills/index');
  await page.waitForText('请先登录后查看账单');
  expect(page.text()).toContain('去登录');
  expect(page.text()).not.toContain('加载中');

  // The answer came from the local cloud, asked as this device's WeChat account.
  const requests = recordedCalls('request');
  expect(requests).toHaveLength(1);
  expect(requests[0].options.url).toBe(`${process.env.PAGES_LOCAL_CLOUD_URL}/functions/auth`);
  expect(requests[0].options.data).toEqual({ action: 'status' });
  expect((requests[0].options.header as Record<string, string>)['x-wx-openid']).toMatch(/^dev-[0-9a-f]{24}$/);
  expect(requests[0].outcome).toMatch(/^HTTP 200 /);
});

test('去登录 navigates to the login page', async () => {
  page = await openPage('pages/bills/index');
  await page.waitForText('请先登录后查看账单');
  await page.tap('#login-button');
  const navigations = recordedCalls('navigateTo');
  expect(navigations).toHaveLength(1);
  expect(navigations[0].options.url).toBe('/pages/login/index');
});

test('the same device keeps one WeChat identity across visits', async () => {
  page = await openPage('pages/bills/index');
  await page.waitForText('请先登录后查看账单');
  await page.close();
  page = await openPage('pages/bills/index');
  await page.waitForText('请先登录后查看账单');
  const openids = recordedCalls('request').map((call) => (call.options.header as Record<string, string>)['x-wx-openid']);
  expect(openids).toHaveLength(2);
  expect(openids[0]).toBe(openids[1]);
});

test('when the back end cannot be reached the page says so and offers 重新加载', async () => {
  const reachable = config.localCloudBaseUrl;
  // A port nothing listens on.
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    page = await openPage('pages/bills/index');
    await page.waitForText('网络异常，请检查网络后重试');
    expect(page.text()).toContain('重新加载');
    // Whom to call is there too.
    await page.tap('#error-help-button');
    await page.waitForText('计划财务处收费管理科');
    expect(page.text()).not.toContain('请先登录后查看账单');
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  // Back online: 重新加载 asks again and shows the real state.
  await page.tapText('重新加载');
  await page.waitForText('请先登录后查看账单');
});
