/**
 * 首次登录: confirm the masked identity, change the password, agree to the privacy guide and
 * verify the phone with the getPhoneNumber button — and the same page verifying a new WeChat
 * account. Against the local cloud, whose phone sandbox stands in for WeChat.
 */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { config } from '../../miniprogram/config/index';
import {
  activationCode,
  allowPhoneNumber,
  answerPrivacy,
  auth,
  closeAllPages,
  createStudent,
  post,
  devicePhone,
  installPrivacy,
  landing,
  newDevice,
  openedFrom,
  queryOf,
  SETUP_FROM_RECEIPTS,
  switchedTabs,
  type,
  urlsOf,
  type PageStudent,
} from './auth-support';

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
  closeAllPages();
});

async function signedInForSetup(options: Parameters<typeof createStudent>[1] = {}): Promise<PageStudent> {
  const student = await createStudent(FILE, options);
  const result = await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword });
  expect(result.data.next).toBe('setup');
  return student;
}

const masked = (id: string): string => `${id.slice(0, 4)}**********${id.slice(-4)}`;

test('the whole first sign-in without a phone on file: identity, activation code, new password, privacy, phone — then 账单缴费', async () => {
  const student = await signedInForSetup({ name: '欧阳娜娜' });
  page = await openPage('package-account/pages/setup/index');

  // 1 确认身份: masked, with the warning about other people's accounts; nothing about 学院 or 专业 yet.
  await page.waitForText('欧**娜');
  const identity = page.text();
  expect(identity).toContain(student.studentNo);
  expect(identity).toContain(masked(student.idNumber));
  expect(identity).not.toContain(student.idNumber);
  expect(identity).not.toContain('会计学');
  expect(identity).toContain('如果不是本人，请勿继续操作');
  expect(page.text()).toContain('2 激活账号');
  await page.tap('#confirm-identity');

  // 2 激活账号: the office's code, and where to get one.
  await page.waitForText('首次登录需要计划财务处发放的激活码');
  expect(page.text()).toContain('0535-6916496');
  await type(page, '#activation-code', 'ABCDE-FGHJK');
  await page.tap('#activate');
  await page.waitForText('激活码不正确或已过期');
  await type(page, '#activation-code', (await activationCode(student.studentNo)).toLowerCase());
  await page.tap('#activate');

  // 3 修改密码: the rules, and a message for each refusal.
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

  // 4 验证手机: the privacy guide first, then WeChat's phone number.
  await answerPrivacy(page, 'agree');
  await page.waitForText('微信手机号验证');
  expect(page.text()).toContain('将验证并登记当前微信绑定的手机号');
  devicePhone('13905350201');
  await allowPhoneNumber(page);
  expect(await switchedTabs()).toEqual(['/pages/bills/index']);
  expect(recordedCalls('showToast').map((call) => call.options.title)).toContain('首次登录完成');

  expect((await auth(openid, 'status')).data.signedIn).toBe(true);
  expect((await auth(openid, 'profile')).data.phone).toBe('139****0201');
});

test('不是本人 stops without changing anything and shows whom to call', async () => {
  const student = await signedInForSetup();
  page = await openPage('package-account/pages/setup/index');
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
  await signedInForSetup({ phoneOnFile: '13905350205' });
  await auth(openid, 'setupConfirmIdentity');
  await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
  page = await openPage('package-account/pages/setup/index');
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
  page = await openPage('package-account/pages/setup/index');
  await answerPrivacy(page, 'agree');
  // The number itself is not shown to whoever typed the ID number and its last 8 characters.
  await page.waitForText('请使用学校登记的手机号所在的微信完成验证');
  expect(page.text()).not.toContain('0202');
  devicePhone('13905350299');
  await allowPhoneNumber(page);
  await page.waitForText('与该账号登记的手机号不一致');
  expect(page.text()).toContain('计划财务处收费管理科');
  expect(urlsOf('switchTab')).toEqual([]);

  devicePhone('13905350202');
  await allowPhoneNumber(page);
  expect(await switchedTabs()).toEqual(['/pages/bills/index']);
});

test('a new WeChat account verifies the phone on file before it is signed in', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350203' } });
  const result = await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' });
  expect(result.data).toMatchObject({ next: 'verifyDevice', phone: '139****0203' });
  page = await openPage('package-account/pages/setup/index', { mode: 'device', phone: encodeURIComponent('139****0203') });
  await answerPrivacy(page, 'agree');
  await page.waitForText('这是您第一次在当前微信登录该账号');
  expect(page.text()).toContain('139****0203');
  expect(page.text()).not.toContain('确认身份');
  devicePhone('13905350203');
  await allowPhoneNumber(page);
  expect(await switchedTabs()).toEqual(['/pages/bills/index']);
  expect((await auth(openid, 'status')).data.signedIn).toBe(true);
});

test('a phone number another student already has is refused, with whom to call', async () => {
  await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350204' } });
  const student = await signedInForSetup();
  await auth(openid, 'setupConfirmIdentity');
  await auth(openid, 'setupActivate', { activationCode: await activationCode(student.studentNo) });
  await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
  page = await openPage('package-account/pages/setup/index');
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
  page = await openPage('package-account/pages/setup/index', { mode: 'device', phone: '139%2A%2A%2A%2' });
  await answerPrivacy(page, 'agree');
  await page.waitForText('这是您第一次在当前微信登录该账号');
  expect(page.text()).toContain('139%2A%2A%2A%2');
});

test('an account the office reset says so at the identity step', async () => {
  const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350206' } });
  const reset = await post('/sandbox/reset-account', { studentNo: student.studentNo, idNumber: student.idNumber });
  expect(reset.status).toBe(200);
  expect((await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword })).data.next).toBe('setup');
  page = await openPage('package-account/pages/setup/index');
  await page.waitForText('由计划财务处重置');
  expect(page.text()).toContain('之前绑定的手机号和微信已解除');
});

test('when the state cannot be loaded the page says why and offers 重试, instead of spinning', async () => {
  await signedInForSetup({ phoneOnFile: '13905350207' });
  const reachable = config.localCloudBaseUrl;
  // A port nothing listens on.
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    page = await openPage('package-account/pages/setup/index');
    await page.waitForText('网络异常，请检查网络后重试');
    expect(page.root.querySelector('#retry-load')).toBeTruthy();
    expect(page.text()).not.toContain('加载中');
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  await page.tap('#retry-load');
  await page.waitForText('如果不是本人，请勿继续操作');
});

test('a failed 是本人，下一步 shows why, and the student can try again', async () => {
  await signedInForSetup({ phoneOnFile: '13905350208' });
  page = await openPage('package-account/pages/setup/index');
  await page.waitForText('如果不是本人，请勿继续操作');
  const reachable = config.localCloudBaseUrl;
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    await page.tap('#confirm-identity');
    await page.waitForText('网络异常，请检查网络后重试');
    expect(page.text()).toContain('是本人，下一步');
  } finally {
    config.localCloudBaseUrl = reachable;
  }
  await page.tap('#confirm-identity');
  await page.waitForText('新密码要求');
  expect(page.text()).not.toContain('网络异常');
});

test('without a first sign-in in progress the page says so and offers 重新登录', async () => {
  page = await openPage('package-account/pages/setup/index');
  await page.waitForText('首次登录验证已失效，请重新登录');
  await page.tap('#back-to-login');
  expect(urlsOf('redirectTo')).toEqual(['/pages/login/index']);
});

describe('done, the student is back where signing in started', () => {
  const RECEIPTS = 'package-receipts/pages/receipts/index';

  test('a first sign-in started from 我的发票 ends on 我的发票', async () => {
    await signedInForSetup({ phoneOnFile: '13905350291' });
    // The login page's redirect put the first sign-in where the login page was, above 我的发票.
    openedFrom('pages/mine/index', RECEIPTS, 'package-account/pages/setup/index');
    page = await openPage('package-account/pages/setup/index', queryOf(SETUP_FROM_RECEIPTS));
    await page.waitForText('如果不是本人，请勿继续操作');
    await page.tap('#confirm-identity');
    await page.waitForText('新密码要求');
    await type(page, '#new-password', 'Qiming#2025');
    await type(page, '#confirm-password', 'Qiming#2025');
    await page.tap('#password-next');
    await answerPrivacy(page, 'agree');
    await page.waitForText('微信手机号验证');
    devicePhone('13905350291');
    await allowPhoneNumber(page);

    expect(await landing()).toEqual({ by: 'navigateBack', page: RECEIPTS });
    expect(recordedCalls('showToast').map((call) => call.options.title)).toContain('首次登录完成');
    expect(urlsOf('switchTab')).toEqual([]);
    expect((await auth(openid, 'status')).data.signedIn).toBe(true);
  });

  test('the new-WeChat check returns the same way, opening 我的发票 again when it is no longer open', async () => {
    const student = await createStudent(FILE, { completed: { password: 'Qiming#2025', phone: '13905350292' } });
    expect((await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' })).data.next).toBe('verifyDevice');
    page = await openPage('package-account/pages/setup/index', {
      mode: 'device',
      phone: encodeURIComponent('139****0292'),
      back: encodeURIComponent(`/${RECEIPTS}`),
    });
    await answerPrivacy(page, 'agree');
    await page.waitForText('这是您第一次在当前微信登录该账号');
    devicePhone('13905350292');
    await allowPhoneNumber(page);
    expect(await landing()).toEqual({ by: 'redirectTo', page: RECEIPTS });
    expect((await auth(openid, 'status')).data.signedIn).toBe(true);
  });

  test.each([
    ['a web address', 'https://example.com/pay', '13905350293'],
    ['a page that is not in the app', '/pages/pay/index', '13905350294'],
    ['the login page itself', '/pages/login/index', '13905350295'],
  ])('a return target that is %s is ignored: 账单缴费', async (_what, back, phone) => {
    await signedInForSetup({ phoneOnFile: phone });
    await auth(openid, 'setupConfirmIdentity');
    await auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' });
    openedFrom('pages/mine/index', RECEIPTS, 'package-account/pages/setup/index');
    page = await openPage('package-account/pages/setup/index', { back: encodeURIComponent(back) });
    await answerPrivacy(page, 'agree');
    await page.waitForText('微信手机号验证');
    devicePhone(phone);
    await allowPhoneNumber(page);
    expect(await landing()).toEqual({ by: 'switchTab', page: 'pages/bills/index' });
    expect(recordedCalls('navigateBack')).toEqual([]);
  });
});
