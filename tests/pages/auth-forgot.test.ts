/** 忘记密码: WeChat's phone number proves the account, then a new password; otherwise whom to call. */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { allowPhoneNumber, answerPrivacy, auth, createStudent, devicePhone, installPrivacy, newDevice, type, urlsOf } from './auth-support';

const FILE = 4;
let page: OpenedPage;

beforeEach(() => {
  clearRecordedCalls();
  newDevice();
  installPrivacy();
});

afterEach(async () => {
  await page?.close();
});

test('the phone on file proves the account; the new password replaces the old one', async () => {
  const student = await createStudent(FILE, { name: '孙悟空', completed: { password: 'Qiming#2025', phone: '13905350401' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('验证手机号');
  await type(page, '#account', student.studentNo);
  devicePhone('13905350401');
  await allowPhoneNumber(page);
  await page.waitForText('孙*空');
  expect(page.text()).toContain(student.studentNo);
  expect(page.text()).toContain('新密码要求');

  await type(page, '#new-password', 'Chongzhi#77');
  await type(page, '#confirm-password', 'Chongzhi#77');
  await page.tap('#reset-button');
  await page.waitForText('密码已重设，请使用新密码登录');
  await page.tap('#back-to-login');
  expect(urlsOf('redirectTo')).toEqual([`/pages/login/index?by=studentNo&account=${student.studentNo}`]);

  expect((await auth(newDevice(), 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' })).code).toBe('LOGIN_FAILED');
  expect((await auth(newDevice(), 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Chongzhi#77' })).ok).toBe(true);
});

test("a phone that does not prove the account shows the finance office's numbers", async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350402' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.tapText('证件号');
  await type(page, '#account', student.idNumber);
  devicePhone('13905350499');
  await allowPhoneNumber(page);
  await page.waitForText('无法通过手机号验证该账号');
  const text = page.text();
  expect(text).toContain('计划财务处收费管理科');
  expect(text).toContain('0535-6916496');
  await page.tapText('0535-6916496');
  expect(recordedCalls('makePhoneCall').map((call) => call.options.phoneNumber)).toEqual(['05356916496']);
});

test('the account is asked for before WeChat is', async () => {
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('验证手机号');
  await allowPhoneNumber(page);
  await page.waitForText('请输入学号');
  await requestsSettled();
  expect(recordedCalls('request')).toHaveLength(0);
});

test('refusing the privacy guide leaves the page readable and says what it is needed for', async () => {
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'disagree');
  await page.waitForText('验证手机号需要先同意《隐私保护指引》');
  expect(page.root.querySelector('#phone-button')).toBeFalsy();
  expect(page.text()).toContain('初始密码为证件号后 8 位');
});
