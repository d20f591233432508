/**
 * 首次登录: confirm the masked identity, change the password, agree to the privacy guide and
 * verify the phone with the getPhoneNumber button — and the same page verifying a new WeChat
 * account. Against the local cloud, whose phone sandbox stands in for WeChat.
 */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { allowPhoneNumber, answerPrivacy, auth, createStudent, devicePhone, installPrivacy, newDevice, type, urlsOf, type PageStudent } from './auth-support';

const FILE = 2;
let page: OpenedPage;
let openid: string;

beforeEach(() => {
  clearRecordedCalls();
  openid = newDevice();
  installPrivacy();
});

afterEach(async () => {
  await page?.close();
});

async function signedInForSetup(options: Parameters<typeof createStudent>[1] = {}): Promise<PageStudent> {
  const student = await createStudent(FILE, options);
  const result = await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword });
  expect(result.data.next).toBe('setup');
  return student;
}

const masked = (id: string): string => `${id.slice(0, 4)}**********${id.slice(-4)}`;

test('the whole first sign-in: identity, new password, privacy, phone — then 账单缴费', async () => {
  const student = await signedInForSetup({ name: '欧阳娜娜' });
  page = await openPage('pages/setup/index');

  // 1 确认身份: masked, with the warning about other people's accounts.
  await page.waitForText('欧**娜');
  const identity = page.text();
  expect(identity).toContain(student.studentNo);
  expect(identity).toContain(masked(student.idNumber));
  expect(identity).not.toContain(student.idNumber);
  expect(identity).toContain('如果不是本人，请勿继续操作');
  await page.tap('#confirm-identity');

  // 2 修改密码: the rules, and a message for each refusal.
  await page.waitForText('新密码要求');
  expect(page.text()).toContain('不能是初始密码（证件号后 8 位）');
  await type(page, '#new-password', 'Qiming#2025');
  await type(page, '#confirm-password', 'Qiming#2026');
  await page.tap('#password-next');
  await page.waitForText('两次输入的新密码不一致');
  await type(page, '#new-password', '12345678');
  await type(page, '#confirm-password', '12345678');
  await page.tap('#password-next');
  await page.waitForText('新密码过于常见');
  await type(page, '#new-password', student.initialPassword);
  await type(page, '#confirm-password', student.initialPassword);
  await page.tap('#password-next');
  await page.waitForText('新密码不能是初始密码');
  await type(page, '#new-password', 'Qiming#2025');
  await type(page, '#confirm-password', 'Qiming#2025');
  await page.tap('#password-next');

  // 3 验证手机: the privacy guide first, then WeChat's phone number.
  await answerPrivacy(page, 'agree');
  await page.waitForText('微信手机号验证');
  expect(page.text()).toContain('将验证并登记当前微信绑定的手机号');
  devicePhone('13905350201');
  await allowPhoneNumber(page);
  await requestsSettled();
  expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
  expect(recordedCalls('showToast').map((call) => call.options.title)).toContain('首次登录完成');

  expect((await auth(openid, 'status')).data.signedIn).toBe(true);
  expect((await auth(openid, 'profile')).data.phone).toBe('139****0201');
});

test('不是本人 stops without changing anything and shows whom to call', async () => {
  const student = await signedInForSetup();
  page = await openPage('pages/setup/index');
  await page.waitForText('不是本人');
  await page.tap('#not-me');
  await page.waitForText('已停止首次登录，账号未做任何修改');
  expect(page.text()).toContain('0535-6916496');
  await requestsSettled();
  expect((await auth(openid, 'setupState')).code).toBe('SETUP_EXPIRED');
  // The initial password still works: nothing was changed.
  expect((await auth(newDevice(), 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword })).data.next).toBe('setup');
});

test('refusing the privacy guide explains why the phone cannot be verified yet; agreeing later continues', async () => {
  await signedInForSetup();
  await auth(openid, 'setupConfirmIdentity');
  await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
  page = await openPage('pages/setup/index');
  await answerPrivacy(page, 'disagree');
  await page.waitForText('验证手机号需要先同意《隐私保护指引》');
  expect(page.root.querySelector('#phone-button')).toBeFalsy();

  await page.tap('#privacy-retry');
  await answerPrivacy(page, 'agree');
  await page.waitForText('微信手机号验证');
  expect(page.root.querySelector('#phone-button')).toBeTruthy();
});

test('a phone that is not the one on file is refused, with whom to call', async () => {
  await signedInForSetup({ phoneOnFile: '13905350202' });
  await auth(openid, 'setupConfirmIdentity');
  await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
  page = await openPage('pages/setup/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('请使用登记手机号 139****0202 所在的微信完成验证');
  devicePhone('13905350299');
  await allowPhoneNumber(page);
  await page.waitForText('与该账号登记的手机号不一致');
  expect(page.text()).toContain('计划财务处收费管理科');
  expect(urlsOf('switchTab')).toEqual([]);

  devicePhone('13905350202');
  await allowPhoneNumber(page);
  await requestsSettled();
  expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
});

test('a new WeChat account verifies the phone on file before it is signed in', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350203' } });
  const result = await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' });
  expect(result.data).toMatchObject({ next: 'verifyDevice', phone: '139****0203' });
  page = await openPage('pages/setup/index', { mode: 'device', phone: encodeURIComponent('139****0203') });
  await answerPrivacy(page, 'agree');
  await page.waitForText('这是您第一次在当前微信登录该账号');
  expect(page.text()).toContain('139****0203');
  expect(page.text()).not.toContain('确认身份');
  devicePhone('13905350203');
  await allowPhoneNumber(page);
  await requestsSettled();
  expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
  expect((await auth(openid, 'status')).data.signedIn).toBe(true);
});

test('a phone number another student already has is refused, with whom to call', async () => {
  await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350204' } });
  await signedInForSetup();
  await auth(openid, 'setupConfirmIdentity');
  await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
  page = await openPage('pages/setup/index');
  await answerPrivacy(page, 'agree');
  await page.waitForText('将验证并登记当前微信绑定的手机号');
  devicePhone('13905350204');
  await allowPhoneNumber(page);
  await page.waitForText('该手机号已登记在其他学生账号下');
  expect(page.text()).toContain('请联系计划财务处');
  expect(page.text()).toContain('0535-6916496');
  expect(urlsOf('switchTab')).toEqual([]);
  expect((await auth(openid, 'status')).data.signedIn).toBe(false);
});

test('a damaged link (a broken %-sequence in the phone) still opens the device check', async () => {
  page = await openPage('pages/setup/index', { mode: 'device', phone: '139%2A%2A%2A%2' });
  await answerPrivacy(page, 'agree');
  await page.waitForText('这是您第一次在当前微信登录该账号');
  expect(page.text()).toContain('139%2A%2A%2A%2');
});

test('without a first sign-in in progress the page says so and offers 重新登录', async () => {
  page = await openPage('pages/setup/index');
  await page.waitForText('首次登录验证已失效，请重新登录');
  await page.tap('#back-to-login');
  expect(urlsOf('redirectTo')).toEqual(['/pages/login/index']);
});
