/**
 * 我的 when signed in: the masked profile, 修改密码, 隐私保护指引 and 退出登录 — against the local
 * cloud. (修改密码's own page is in auth-password.test.ts: one page per file, see harness.ts.)
 */
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { addedCalls, auth, confirmNextModal, createStudent, installPrivacy, newDevice, phoneCode, urlsOf, type PageStudent } from './auth-support';

const FILE = 3;
let page: OpenedPage;
let openid: string;
let phoneSerial = 0;

beforeEach(() => {
  clearRecordedCalls();
  openid = newDevice();
  installPrivacy();
});

afterEach(async () => {
  await page?.close();
});

/** A student signed in on this device. */
async function signedIn(name = '华罗庚'): Promise<PageStudent & { phone: string }> {
  const phone = `1390535${String(300 + (phoneSerial += 1)).padStart(4, '0')}`;
  const student = await createStudent(FILE, { name, completed: { password: 'Qiming#2025', phone } });
  await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Qiming#2025' });
  const verified = await auth(openid, 'verifyDevice', { phoneCode: await phoneCode(phone) });
  expect(verified.ok).toBe(true);
  return { ...student, phone };
}

test('shows the signed-in student masked: name, 学号, ID number, class and phone', async () => {
  const student = await signedIn('欧阳娜娜');
  page = await openPage('pages/mine/index');
  await page.waitForText('欧**娜');
  const text = page.text();
  expect(text).toContain(`学号 ${student.studentNo}`);
  expect(text).toContain(`${student.idNumber.slice(0, 4)}**********${student.idNumber.slice(-4)}`);
  expect(text).toContain('会计学2401班');
  expect(text).toContain(`${student.phone.slice(0, 3)}****${student.phone.slice(-4)}`);
  expect(text).not.toContain(student.idNumber);
  expect(text).not.toContain(student.phone);
  expect(text).not.toContain('欧阳娜娜');
  for (const entry of ['修改密码', '隐私保护指引', '退出登录', '帮助与客服', '0535-6916496']) expect(text).toContain(entry);
  expect(text).not.toContain('去登录');
});

test('退出登录 asks first, ends the session and shows 未登录', async () => {
  await signedIn();
  page = await openPage('pages/mine/index');
  await page.waitForText('退出登录');

  // Cancelled: nothing happens.
  await page.tap('#sign-out');
  await requestsSettled();
  expect(recordedCalls('showModal')).toHaveLength(1);
  expect((await auth(openid, 'status')).data.signedIn).toBe(true);

  confirmNextModal();
  await page.tap('#sign-out');
  await page.waitForText('未登录');
  expect(addedCalls('showModal').map((call) => call.options.title)).toContain('退出登录');
  expect(recordedCalls('request').map((call) => (call.options.data as { action: string }).action)).toContain('signOut');
  expect(page.text()).toContain('去登录');
  expect((await auth(openid, 'status')).data.signedIn).toBe(false);
});

test('我的发票, 修改密码 and 隐私保护指引 open what they name', async () => {
  await signedIn();
  page = await openPage('pages/mine/index');
  await page.waitForText('修改密码');
  await page.tapText('我的发票');
  await page.tapText('修改密码');
  expect(urlsOf('navigateTo')).toEqual(['/package-receipts/pages/receipts/index', '/package-account/pages/password/index']);
  await page.tapText('隐私保护指引');
  expect(addedCalls('openPrivacyContract')).toHaveLength(1);
});
