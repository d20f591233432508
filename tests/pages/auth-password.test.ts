/** 修改密码 (from 我的): the current password, the server's rules, and the new password in force. */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { auth, createStudent, newDevice, phoneCode, type } from './auth-support';
import { config } from '../../miniprogram/config/index';

const FILE = 5;
let page: OpenedPage;
let openid: string;

beforeEach(() => {
  clearRecordedCalls();
  openid = newDevice();
});

afterEach(async () => {
  await page?.close();
});

const authActions = () => recordedCalls('request').map((call) => (call.options.data as { action?: string }).action);

async function signedIn() {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350501' } });
  await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' });
  expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode('13905350501') })).ok).toBe(true);
  return student;
}

test('the current password is checked, the rules applied, and the new one works', async () => {
  const student = await signedIn();
  page = await openPage('package-account/pages/password/index');
  await page.waitForText('确认修改');
  await type(page, '#old-password', 'not-the-password');
  await type(page, '#new-password', 'Xinmima#88');
  await type(page, '#confirm-password', 'Xinmima#88');
  await page.tap('#submit-button');
  await page.waitForText('当前密码不正确');

  await type(page, '#old-password', 'Qiming#2025');
  await type(page, '#new-password', 'qwertyuiop');
  await type(page, '#confirm-password', 'qwertyuiop');
  await page.tap('#submit-button');
  await page.waitForText('新密码过于常见');

  await type(page, '#new-password', 'Xinmima#88');
  await type(page, '#confirm-password', 'Xinmima#88');
  await page.tap('#submit-button');
  await requestsSettled();
  expect(recordedCalls('showToast').map((call) => call.options.title)).toContain('密码已修改');
  expect(recordedCalls('navigateBack')).toHaveLength(1);
  expect((await auth(newDevice(), 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' })).code).toBe('LOGIN_FAILED');
  expect((await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Xinmima#88' })).data.next).toBe('home');
});

test('mismatched or missing entries are caught on the page', async () => {
  await signedIn();
  page = await openPage('package-account/pages/password/index');
  await page.waitForText('确认修改');
  await page.tap('#submit-button');
  await page.waitForText('请输入当前密码');
  await type(page, '#old-password', 'Qiming#2025');
  await type(page, '#new-password', 'Xinmima#88');
  await type(page, '#confirm-password', 'Xinmima#89');
  await page.tap('#submit-button');
  await page.waitForText('两次输入的新密码不一致');
  expect(authActions()).not.toContain('changePassword');
});

test('the rules listed are the ones the server applies, as the other password pages receive them', async () => {
  await signedIn();
  const { passwordRules } = (await auth<{ passwordRules: string[] }>(openid, 'profile')).data;
  expect(passwordRules.length).toBeGreaterThan(0);
  clearRecordedCalls();
  page = await openPage('package-account/pages/password/index');
  await page.waitForText(passwordRules[passwordRules.length - 1]!);
  const listed = page.find('#password-rules').dom?.textContent ?? '';
  for (const rule of passwordRules) expect(listed).toContain(rule);
  expect(authActions()).toEqual(['profile']);
});

test('when the rules cannot be had, the page says so and offers 重试', async () => {
  await signedIn();
  const reachable = config.localCloudBaseUrl;
  // A port nothing listens on.
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    page = await openPage('package-account/pages/password/index');
    await page.waitForText('网络异常，请检查网络后重试');
    expect(page.find('#password-rules').dom?.textContent).not.toContain('至少');
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  await page.tap('#rules-retry');
  await page.waitForText('不能是初始密码');
  expect(page.root.querySelector('#rules-error')).toBeFalsy();
});
