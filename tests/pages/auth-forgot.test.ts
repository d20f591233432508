/**
 * 忘记密码: WeChat's phone number proves the account, then a new password; otherwise whom to call.
 * The phone button goes live only for a well-formed account, so nobody shares the number for nothing.
 */
import { openPage, requestsSettled, waitFor, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { config } from '../../miniprogram/config/index';
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

/** Resolves once the button that asks WeChat for the phone number is on the page. */
async function phoneButtonLive(): Promise<void> {
  await waitFor(
    () => page.root.querySelector('#phone-button'),
    () => `the phone button; the page shows: "${page.text()}"`,
  );
}

const phoneButtonShown = (): boolean => Boolean(page.root.querySelector('#phone-button'));

test('the phone on file proves the account; the new password replaces the old one', async () => {
  const student = await createStudent(FILE, { name: '孙悟空', completed: { password: 'Qiming#2025', phone: '13905350401' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('验证手机号');
  await type(page, '#account', student.studentNo);
  await phoneButtonLive();
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
  await phoneButtonLive();
  devicePhone('13905350499');
  await allowPhoneNumber(page);
  await page.waitForText('无法通过手机号验证该账号');
  const text = page.text();
  expect(text).toContain('计划财务处收费管理科');
  expect(text).toContain('0535-6916496');
  await page.tapText('0535-6916496');
  expect(recordedCalls('makePhoneCall').map((call) => call.options.phoneNumber)).toEqual(['05356916496']);
});

test('an empty or malformed 学号 is reported before the phone button is live', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350403' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('请先输入学号，再验证手机号');
  expect(phoneButtonShown()).toBe(false);

  await type(page, '#account', '26-01');
  await page.waitForText('学号应为 4–20 位字母或数字');
  expect(phoneButtonShown()).toBe(false);

  await type(page, '#account', ` ${student.studentNo.toLowerCase()} `);
  await phoneButtonLive();
  expect(page.text()).not.toContain('学号应为');
  // Emptied again: the button goes with it.
  await type(page, '#account', '');
  await page.waitForText('请先输入学号，再验证手机号');
  expect(phoneButtonShown()).toBe(false);
  // Nothing was asked of WeChat or of the server for the phone.
  await requestsSettled();
  expect(recordedCalls('request')).toHaveLength(0);
});

test('a 证件号 the server finds malformed is reported before the phone button is live', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350404' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.tapText('证件号');
  await page.waitForText('请先输入证件号，再验证手机号');
  await type(page, '#account', student.idNumber.slice(0, 10));
  await page.waitForText('请输入完整的证件号');
  expect(phoneButtonShown()).toBe(false);

  const wrongCheckDigit = student.idNumber.slice(0, 17) + (student.idNumber.endsWith('0') ? '1' : '0');
  await type(page, '#account', wrongCheckDigit);
  await page.waitForText('证件号校验位不正确');
  expect(phoneButtonShown()).toBe(false);

  await type(page, '#account', student.idNumber);
  await phoneButtonLive();
  expect(page.text()).not.toContain('证件号校验位不正确');
  await requestsSettled();
  expect(recordedCalls('request').map((call) => (call.options.data as { action: string }).action)).toEqual(['checkIdNumber', 'checkIdNumber']);
});

test('a 证件号 that cannot be checked for want of network offers 重试, and goes live once it is checked', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350405' } });
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'agree');
  await page.tapText('证件号');
  const reachable = config.localCloudBaseUrl;
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    await type(page, '#account', student.idNumber);
    await page.waitForText('网络异常，请检查网络后重试');
    expect(phoneButtonShown()).toBe(false);
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  await page.tap('#account-retry');
  await phoneButtonLive();
  expect(page.text()).not.toContain('网络异常');
});

test('refusing the privacy guide leaves the page readable and says what it is needed for', async () => {
  page = await openPage('package-account/pages/forgot/index');
  await answerPrivacy(page, 'disagree');
  await page.waitForText('验证手机号需要先同意《隐私保护指引》');
  expect(page.root.querySelector('#phone-button')).toBeFalsy();
  expect(page.text()).toContain('初始密码为证件号后 8 位');
});
