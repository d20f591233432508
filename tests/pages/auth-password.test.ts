/** 修改密码 (from 我的): the current password, the rules, and the new password in force. */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { auth, createStudent, newDevice, phoneCode, type } from './auth-support';

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
  expect(recordedCalls('request')).toHaveLength(0);
});
