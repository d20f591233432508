/**
 * The two ways in from outside the mini program, on the real login page against the local cloud:
 * the learning platform's QR code (the link as WeChat hands it over, in `q`) and the official
 * account's menu (`entry=menu`).
 */
import { randomBytes } from 'node:crypto';
import { buildDesktopLink } from '../../cloudfunctions/shared/students/domain/desktop-link';
import { DEVELOPMENT_DEFAULTS } from '../../cloudfunctions/shared/runtime/environment';
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';
import { auth, cloudNowSeconds, createStudent, newDevice, phoneCode, post, type, urlsOf } from './auth-support';

const FILE = 7;
const PREFIX = 'https://zhjf.example.edu.cn/desktop-login';
let page: OpenedPage;

beforeEach(() => {
  clearRecordedCalls();
  newDevice();
});

afterEach(async () => {
  await page?.close();
});

/** A link as the learning platform signs it after the face check: the local cloud's test key, 10 minutes by the cloud's clock. */
async function platformLink(studentNo: string, secondsLeft = 600): Promise<string> {
  const expires = (await cloudNowSeconds()) + secondsLeft;
  const secret = process.env.DESKTOP_LINK_SECRET ?? DEVELOPMENT_DEFAULTS.DESKTOP_LINK_SECRET!;
  return buildDesktopLink(PREFIX, { studentNo, expires, nonce: randomBytes(16).toString('base64url'), keyId: 'k1' }, secret);
}

/** What WeChat opens the mini program with when the link is scanned (the local cloud's stand-in). */
async function scanned(link: string): Promise<{ path: string; query: Record<string, string> }> {
  const res = await post<{ path: string; query: Record<string, string> }>('/sandbox/open-link', { link });
  expect(res.status).toBe(200);
  return res.json;
}

const authActions = () => recordedCalls('request').map((call) => (call.options.data as { action?: string }).action);

describe('the learning platform’s QR code', () => {
  test('opens the login page with the account filled in and the face check said; the password still signs in', async () => {
    const student = await createStudent(FILE);
    const opened = await scanned(await platformLink(student.studentNo));
    expect(opened.path).toBe('pages/login/index');
    page = await openPage(opened.path, opened.query);

    await page.waitForText('已通过学习平台人脸核验');
    expect(page.text()).toContain('请输入密码登录');
    expect(page.root.instance.data.studentNo).toBe(student.studentNo);
    expect(page.root.instance.data.mode).toBe('studentNo');
    expect(page.root.querySelector('#form-error')).toBeFalsy();

    await type(page, '#password', student.initialPassword);
    await page.tap('#sign-in-button');
    await requestsSettled();
    expect(authActions()).toEqual(['redeemDesktopLink', 'signIn']);
    expect(urlsOf('redirectTo')).toEqual(['/package-account/pages/setup/index']);
  });

  test('a QR code scanned a second time says so plainly and leaves an ordinary login', async () => {
    const student = await createStudent(FILE);
    const opened = await scanned(await platformLink(student.studentNo));
    page = await openPage(opened.path, opened.query);
    await page.waitForText('已通过学习平台人脸核验');
    await page.close();

    clearRecordedCalls();
    newDevice();
    page = await openPage(opened.path, opened.query);
    await page.waitForText('这个二维码已经用过');
    expect(page.text()).not.toContain('已通过学习平台人脸核验');
    expect(page.root.instance.data.studentNo).toBe('');
    expect(page.root.querySelector('#student-no')).toBeTruthy();
    expect(page.root.querySelector('#sign-in-button')).toBeTruthy();
  });

  test('an expired QR code says so; a forged one is not recognised', async () => {
    const student = await createStudent(FILE);
    page = await openPage('pages/login/index', (await scanned(await platformLink(student.studentNo, -5))).query);
    await page.waitForText('二维码已过期');
    await page.close();

    const forged = (await platformLink(student.studentNo)).replace(/sig=[0-9a-f]{8}/, 'sig=00000000');
    page = await openPage('pages/login/index', (await scanned(forged)).query);
    await page.waitForText('无法识别这个二维码');
    expect(page.root.instance.data.studentNo).toBe('');
  });

  test('the link’s fields as the page query (a 明文 URL Scheme) work the same', async () => {
    const student = await createStudent(FILE);
    const link = new URL(await platformLink(student.studentNo));
    page = await openPage('pages/login/index', Object.fromEntries(link.searchParams));
    await page.waitForText('已通过学习平台人脸核验');
    expect(page.root.instance.data.studentNo).toBe(student.studentNo);
  });

  test('changing the filled-in 学号 takes the face-check line away', async () => {
    const student = await createStudent(FILE);
    page = await openPage('pages/login/index', (await scanned(await platformLink(student.studentNo))).query);
    await page.waitForText('已通过学习平台人脸核验');
    await type(page, '#student-no', '2607999');
    expect(page.text()).not.toContain('已通过学习平台人脸核验');
    await type(page, '#student-no', student.studentNo);
    expect(page.text()).toContain('已通过学习平台人脸核验');
  });
});

describe('the official account’s menu (pages/login/index?entry=menu)', () => {
  test('a student not signed in gets the login page, and after signing in goes to 账单缴费', async () => {
    const student = await createStudent(FILE, { completed: { password: 'Caiwu#2025', phone: '13905350707' } });
    const openid = newDevice();
    // This WeChat account has verified for the student before, and is signed out now.
    await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Caiwu#2025' });
    expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode('13905350707') })).ok).toBe(true);
    await auth(openid, 'signOut');

    page = await openPage('pages/login/index', { entry: 'menu' });
    await page.waitForText('学号登录');
    expect(urlsOf('switchTab')).toEqual([]);
    await type(page, '#student-no', student.studentNo);
    await type(page, '#password', 'Caiwu#2025');
    await page.tap('#sign-in-button');
    await requestsSettled();
    expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
  });

  test('a student already signed in goes straight on to 账单缴费', async () => {
    const student = await createStudent(FILE, { completed: { password: 'Caiwu#2025', phone: '13905350708' } });
    const openid = newDevice();
    await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Caiwu#2025' });
    expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode('13905350708') })).ok).toBe(true);

    page = await openPage('pages/login/index', { entry: 'menu' });
    await requestsSettled();
    expect(urlsOf('switchTab')).toEqual(['/pages/bills/index']);
    expect(authActions()).toEqual(['status']);
    expect(page.text()).not.toContain('学号登录');
  });

  test('opened without it (去登录 from a page), the login page asks nothing before the student acts', async () => {
    page = await openPage('pages/login/index');
    await page.waitForText('学号登录');
    await requestsSettled();
    expect(recordedCalls('request')).toEqual([]);
  });
});
