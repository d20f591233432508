/**
 * 加入计划财务处 (package-admin): the page an invitation code opens. An administrator invites on the
 * console; the invited person scans the code with WeChat, checks the name and role, and 接受邀请
 * makes their WeChat account that staff member.
 */
import { openPage, visibleText, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { acceptFromPhone, administratorSession, inviteStaff, isStaff, newOpenid, scan, useDevice } from './staff-support';

const JOIN_PAGE = 'package-admin/pages/join/index';

let page: OpenedPage | undefined;

beforeEach(() => {
  clearRecordedCalls();
});

afterEach(async () => {
  await page?.close();
  page = undefined;
});

const shown = (selector: string): string => visibleText(page!.find(selector));
const acceptCalls = () =>
  recordedCalls('request').filter((call) => String(call.options.url).endsWith('/functions/admin') && (call.options.data as { action?: string }).action === 'acceptInvitation');

test('shows who is invited, the role and its duties; 接受邀请 joins the finance staff', async () => {
  const invitation = await inviteStaff(await administratorSession(), '李敏', 'cashier');
  const code = await scan(invitation.codeImage);
  expect(code.route).toBe(JOIN_PAGE);
  const openid = newOpenid();
  useDevice(openid);

  page = await openPage(code.route, code.query);
  await page.waitForText('接受邀请');
  expect(page.text()).toContain('加入计划财务处');
  expect(page.text()).not.toContain('设置首位管理员');
  expect(shown('#invited-name')).toBe('李敏');
  expect(shown('#role-label')).toBe('收费员');
  expect(shown('#role-duties')).toBe('导入学生与账单、管理账单、申请退款、重新对账、导出');
  expect(page.text()).toMatch(/邀请有效至\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）/);
  expect(await isStaff(openid)).toBe(false);

  await page.tap('#accept-button');
  await page.waitForText('已加入，可在电脑上扫码登录财务管理后台');
  expect(page.text()).toContain('李敏 · 收费员');
  expect(acceptCalls().map((call) => call.options.data)).toEqual([{ action: 'acceptInvitation', invitationId: invitation.invitationId }]);
  expect(await isStaff(openid)).toBe(true);
});

test('an invitation someone has already accepted says so and offers nothing to accept', async () => {
  const invitation = await inviteStaff(await administratorSession(), '赵立', 'reviewer');
  await acceptFromPhone(newOpenid(), invitation.invitationId);
  const code = await scan(invitation.codeImage);
  const openid = newOpenid();
  useDevice(openid);

  page = await openPage(code.route, code.query);
  await page.waitForText('邀请已被使用');
  expect(page.text()).toContain('如果是你本人接受的，可直接在电脑上扫码登录财务管理后台');
  expect(page.text()).not.toContain('接受邀请');
  expect(acceptCalls()).toEqual([]);
  expect(await isStaff(openid)).toBe(false);
});

test('a staff member who accepts a second invitation is told they are staff already', async () => {
  const admin = await administratorSession();
  const member = newOpenid();
  await acceptFromPhone(member, (await inviteStaff(admin, '孙悦', 'viewer')).invitationId);
  const second = await scan((await inviteStaff(admin, '孙悦', 'cashier')).codeImage);
  useDevice(member);

  page = await openPage(second.route, second.query);
  await page.waitForText('接受邀请');
  await page.tap('#accept-button');
  await page.waitForText('此微信号已是在职的财务人员');
  expect(page.text()).toContain('可直接在电脑上扫码登录财务管理后台');
  expect(page.text()).not.toContain('已加入');
});

test('an invitation the server does not know is reported plainly', async () => {
  useDevice(newOpenid());
  page = await openPage(JOIN_PAGE, { scene: encodeURIComponent('Nq4Tz8Lw2Hx6Vb1Kc9Pm') });
  await page.waitForText('邀请不存在，请联系管理员重新邀请');
  expect(page.text()).not.toContain('接受邀请');
});

test('opened without an invitation code, it explains how to join', async () => {
  useDevice(newOpenid());
  page = await openPage(JOIN_PAGE);
  await page.waitForText('请扫描管理员发来的邀请码');
  expect(page.text()).toContain('如何加入计划财务处');
  expect(recordedCalls('request')).toEqual([]);
});
