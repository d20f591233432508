/**
 * 财务管理 (subpackage package-admin): the page explains who it is for; the server does the checks.
 */
import { openPage } from './harness';

test('财务管理 tells a WeChat account that is not finance staff that it cannot use the page', async () => {
  const page = await openPage('package-admin/pages/home/index');
  expect(page.text()).toContain('本页面供计划财务处工作人员使用');
  // A fresh device is nobody's staff account: the local cloud answers staff: false.
  await page.waitForText('未登记为计划财务处工作人员');
  expect(page.text()).not.toContain('服务器连接');
  await page.close();
});
