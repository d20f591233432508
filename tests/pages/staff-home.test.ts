/**
 * 财务管理 (package-admin home) for a staff member: what the subpackage is for (the console on a
 * desktop PC, signed in to by scanning) and the service status. admin.test.ts has the same page
 * for a WeChat account that is not staff.
 */
import { openPage, type OpenedPage } from './harness';
import { administrator, useDevice } from './staff-support';

let page: OpenedPage | undefined;

afterEach(async () => {
  await page?.close();
  page = undefined;
});

test('tells a staff member how to sign in to the console, and shows the service status', async () => {
  useDevice(await administrator());
  page = await openPage('package-admin/pages/home/index');
  await page.waitForText('服务器连接');
  const text = page.text();
  expect(text).toContain('电脑上的财务管理后台');
  expect(text).toContain('用微信“扫一扫”扫描它');
  expect(text).toMatch(/服务器时间（北京时间）\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  expect(text).not.toContain('未登记为计划财务处工作人员');
});
