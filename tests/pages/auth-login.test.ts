/**
 * 登录: the 学号 / 证件号 switch, 证件号 → 下一步 → 密码, the messages a student sees, and where a
 * successful sign-in leads — against the local cloud.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { MINIPROGRAM_ROOT } from './paths';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { auth, closeAllPages, createStudent, newDevice, openedFrom, phoneCode, SETUP_FROM_RECEIPTS, type, urlsOf } from './auth-support';

// Required, not imported: it uses the mini program's `wx` typings, which the repository's Node
// type-check does not load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const signInReturn = require('../../miniprogram/utils/sign-in-return') as {
  RETURN_ROUTES: ReadonlySet<string>;
  returnAfterSignIn(route: string | null): void;
};

const FILE = 1;
let page: OpenedPage;

beforeEach(() => {
  clearRecordedCalls();
  newDevice();
});

afterEach(async () => {
  await page?.close();
});

const authActions = () => recordedCalls('request').map((call) => (call.options.data as { action?: string }).action);

test('学号 is the default; 证件号登录 asks for the ID number first, with 下一步 and no password yet', async () => {
  page = await openPage('pages/login/index');
  await page.waitForText('学号登录');
  expect(page.text()).toContain('学号');
  expect(page.text()).toContain('密码');
  expect(page.text()).toContain('登录');
  expect(page.root.querySelector('#password')).toBeTruthy();

  await page.tapText('证件号登录');
  await page.waitForText('下一步');
  expect(page.root.querySelector('#id-number')).toBeTruthy();
  expect(page.root.querySelector('#password')).toBeFalsy();
  expect(page.root.querySelector('#student-no')).toBeFalsy();

  await page.tapText('学号登录');
  await page.waitForText('忘记密码');
  expect(page.root.querySelector('#student-no')).toBeTruthy();
  expect(page.root.querySelector('#next-button')).toBeFalsy();
});

test('下一步 explains a wrong ID number, then shows it masked with the password field', async () => {
  page = await openPage('pages/login/index');
  await page.tapText('证件号登录');

  await page.tap('#next-button');
  await page.waitForText('请输入证件号');
  expect(recordedCalls('request')).toHaveLength(0);

  await type(page, '#id-number', '11010519491231002Y');
  await page.tap('#next-button');
  await page.waitForText('证件号应为 18 位');

  await type(page, '#id-number', '110105194912310021');
  await page.tap('#next-button');
  await page.waitForText('证件号校验位不正确');

  await type(page, '#id-number', '370602199902301236');
  await page.tap('#next-button');
  await page.waitForText('出生日期不存在');
  expect(page.root.querySelector('#password')).toBeFalsy();

  // Typed the way people do: spaces and a lower-case x.
  await type(page, '#id-number', '110105 19491231 002x');
  await page.tap('#next-button');
  await page.waitForText('1101**********002X');
  expect(page.root.querySelector('#password')).toBeTruthy();
  expect(page.text()).toContain('登录');
  expect(page.text()).not.toContain('出生日期不存在');
  expect(authActions()).toEqual(['checkIdNumber', 'checkIdNumber', 'checkIdNumber', 'checkIdNumber']);

  await page.tap('#change-id');
  await page.waitForText('下一步');
});

test('a wrong password shows 账号或密码错误; empty fields are caught before asking the server', async () => {
  const student = await createStudent(FILE);
  page = await openPage('pages/login/index');
  await page.tap('#sign-in-button');
  await page.waitForText('请输入学号');
  await type(page, '#student-no', student.studentNo);
  await page.tap('#sign-in-button');
  await page.waitForText('请输入密码');
  expect(recordedCalls('request')).toHaveLength(0);

  await type(page, '#password', 'not-my-password');
  await page.tap('#sign-in-button');
  await page.waitForText('账号或密码错误');
  expect(urlsOf('redirectTo')).toEqual([]);
  expect(urlsOf('switchTab')).toEqual([]);
});

test('the initial password leads to 首次登录', async () => {
  const student = await createStudent(FILE);
  page = await openPage('pages/login/index');
  await type(page, '#student-no', student.studentNo);
  await type(page, '#password', student.initialPassword);
  await page.tap('#sign-in-button');
  await requestsSettled();
  expect(urlsOf('redirectTo')).toEqual(['/package-account/pages/setup/index']);
});

test('by 证件号: 下一步, the password, and on to 首次登录', async () => {
  const student = await createStudent(FILE);
  page = await openPage('pages/login/index');
  await page.tapText('证件号登录');
  await type(page, '#id-number', student.idNumber);
  await page.tap('#next-button');
  await page.waitForText(`${student.idNumber.slice(0, 4)}**********${student.idNumber.slice(-4)}`);
  await type(page, '#password', student.initialPassword);
  await page.tap('#sign-in-button');
  await requestsSettled();
  expect(urlsOf('redirectTo')).toEqual(['/package-account/pages/setup/index']);
});

test('a WeChat account new to the student is sent to verify the phone; a verified one goes to 账单缴费', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350101' } });
  const openid = newDevice();
  page = await openPage('pages/login/index');
  await type(page, '#student-no', student.studentNo);
  await type(page, '#password', 'Qiming#2025');
  await page.tap('#sign-in-button');
  await requestsSettled();
  expect(urlsOf('redirectTo')).toEqual([`/package-account/pages/setup/index?mode=device&phone=${encodeURIComponent('139****0101')}`]);
  await page.close();

  // This WeChat account verifies the phone (as the setup page would), then signs in again.
  expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode('13905350101') })).ok).toBe(true);
  await auth(openid, 'signOut');
  clearRecordedCalls();
  page = await openPage('pages/login/index');
  await type(page, '#student-no', student.studentNo);
  await type(page, '#password', 'Qiming#2025');
  await page.tap('#sign-in-button');
  await requestsSettled();
  expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
  expect((await auth(openid, 'status')).data.signedIn).toBe(true);
});

test('opens with the account filled in, and 忘记密码 opens its page', async () => {
  page = await openPage('pages/login/index', { by: 'studentNo', account: '2601999' });
  await page.waitForText('忘记密码');
  expect(page.root.instance.data.studentNo).toBe('2601999');
  await page.tapText('忘记密码');
  expect(urlsOf('navigateTo')).toEqual(['/package-account/pages/forgot/index']);
});

test('a damaged link (a broken %-sequence in the account) still opens the page, with the text as it came', async () => {
  page = await openPage('pages/login/index', { by: 'idNumber', account: '3706%E4%B' });
  await page.waitForText('下一步');
  expect(page.root.instance.data.idNumber).toBe('3706%E4%B');
  await page.close();
  page = await openPage('pages/login/index', { by: 'studentNo', account: encodeURIComponent('2601 998') });
  await page.waitForText('忘记密码');
  expect(page.root.instance.data.studentNo).toBe('2601 998');
});

describe('where signing in leads', () => {
  afterEach(() => {
    closeAllPages();
  });

  let phones = 0;

  /** A student who has used this WeChat before signs in on the login page opened with `query`. */
  async function signInThere(query: Record<string, string> = {}): Promise<void> {
    phones += 1;
    // This file's own numbers (139 0535 01xx): the page test files share one local cloud, and a number
    // registered here would make another file's phone step fail as 已登记在其他学生账号下.
    const phone = `1390535${String(150 + phones).padStart(4, '0')}`;
    const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone } });
    const openid = newDevice();
    expect((await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' })).data.next).toBe('verifyDevice');
    expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode(phone) })).ok).toBe(true);
    await auth(openid, 'signOut');
    clearRecordedCalls();
    page = await openPage('pages/login/index', query);
    await page.waitForText('学号登录');
    await type(page, '#student-no', student.studentNo);
    await type(page, '#password', 'Qiming#2025');
    await page.tap('#sign-in-button');
    await requestsSettled();
  }

  test('sent from 我的发票, the student is back on 我的发票, not on the bills', async () => {
    openedFrom('pages/mine/index', 'package-receipts/pages/receipts/index', 'pages/login/index');
    await signInThere();
    expect(recordedCalls('navigateBack').map((call) => call.options.delta)).toEqual([1]);
    expect(urlsOf('switchTab')).toEqual([]);
  });

  test('back past the login page that 忘记密码 returned to', async () => {
    openedFrom('pages/mine/index', 'package-receipts/pages/receipts/index', 'pages/login/index', 'pages/login/index');
    await signInThere({ by: 'studentNo', account: '2601000' });
    expect(recordedCalls('navigateBack').map((call) => call.options.delta)).toEqual([2]);
  });

  test('opened by itself (a QR code, a link), or from the official account’s menu, signing in leads to 账单缴费', async () => {
    openedFrom('pages/login/index');
    await signInThere();
    expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
    await page.close();

    openedFrom('pages/mine/index', 'pages/login/index');
    await signInThere({ entry: 'menu' });
    expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
    expect(recordedCalls('navigateBack')).toEqual([]);
  });

  test('sent from 我的发票, a first sign-in and a new WeChat’s check take 我的发票 along', async () => {
    openedFrom('pages/mine/index', 'package-receipts/pages/receipts/index', 'pages/login/index');
    const newcomer = await createStudent(FILE);
    page = await openPage('pages/login/index');
    await type(page, '#student-no', newcomer.studentNo);
    await type(page, '#password', newcomer.initialPassword);
    await page.tap('#sign-in-button');
    await requestsSettled();
    expect(urlsOf('redirectTo')).toEqual([SETUP_FROM_RECEIPTS]);
    await page.close();

    const known = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350190' } });
    newDevice();
    clearRecordedCalls();
    page = await openPage('pages/login/index');
    await type(page, '#student-no', known.studentNo);
    await type(page, '#password', 'Qiming#2025');
    await page.tap('#sign-in-button');
    await requestsSettled();
    expect(urlsOf('redirectTo')).toEqual([`/package-account/pages/setup/index?mode=device&phone=${encodeURIComponent('139****0190')}&back=${encodeURIComponent('/package-receipts/pages/receipts/index')}`]);
  });

  test('from the official account’s menu, a first sign-in leads to 账单缴费 whatever was open', async () => {
    openedFrom('pages/mine/index', 'package-receipts/pages/receipts/index', 'pages/login/index');
    const newcomer = await createStudent(FILE);
    page = await openPage('pages/login/index', { entry: 'menu' });
    await page.waitForText('学号登录');
    await type(page, '#student-no', newcomer.studentNo);
    await type(page, '#password', newcomer.initialPassword);
    await page.tap('#sign-in-button');
    await requestsSettled();
    expect(urlsOf('redirectTo')).toEqual(['/package-account/pages/setup/index']);
  });

  test('every page a sign-in returns to is a page of the app, opened the way WeChat allows (switchTab only for the tab bar)', () => {
    const app = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM_ROOT, 'app.json'), 'utf8')) as {
      pages: string[];
      subPackages: { root: string; pages: string[] }[];
      tabBar: { list: { pagePath: string }[] };
    };
    const appPages = [...app.pages, ...app.subPackages.flatMap((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`))];
    const tabs = app.tabBar.list.map((tab) => tab.pagePath);
    expect(signInReturn.RETURN_ROUTES.size).toBeGreaterThan(0);
    for (const route of signInReturn.RETURN_ROUTES) {
      expect(appPages).toContain(route);
      clearRecordedCalls();
      signInReturn.returnAfterSignIn(route);
      expect(urlsOf(tabs.includes(route) ? 'switchTab' : 'redirectTo')).toEqual([`/${route}`]);
    }
  });
});

test('signed out, the page offers the help lines with what each is for, and the privacy guide', async () => {
  page = await openPage('pages/login/index');
  await page.waitForText('联系我们');
  expect(page.root.querySelector('#help-lines')).toBeFalsy();
  await page.tap('#help-link');
  await page.waitForText('计划财务处收费管理科');
  const lines = (page.find('#help-lines').dom?.textContent ?? '').replace(/\s+/g, '');
  expect(lines).toContain('0535-6916496');
  expect(lines).toContain('领取激活码、重置账号');
  expect(lines).toContain('对收费项目或金额有疑问');
  expect(page.find('.login__links').dom?.textContent).toContain('隐私保护指引');
});
