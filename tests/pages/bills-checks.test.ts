/**
 * 账单缴费 and what the university's payment guide asks of a student before paying: who is paying
 * (name, masked ID number, 学号), the guide's short reminder until dismissed, whom to call for what,
 * the email field where it cannot be missed, and 截止前提醒我 — against the local cloud.
 */
import { openPage, requestsSettled, waitFor, type OpenedPage } from './harness';
import { clearRecordedCalls, clearStorage, recordedCalls } from './wx-fake';
import { auth, createStudent, newDevice, phoneCode } from './auth-support';
import { functionCalls, PAY_BUTTON, signedInStudent, subscribePromptAnswers, toasts, typeEmail, wxGlobal } from './bills-support';

const FILE = 8;
const BILLS_PAGE = 'pages/bills/index';
let page: OpenedPage | undefined;

beforeEach(() => {
  clearRecordedCalls();
  clearStorage();
  delete wxGlobal.requestSubscribeMessage;
});

afterEach(async () => {
  await page?.close();
  page = undefined;
});

const textOf = (selector: string): string => (page!.find(selector).dom?.textContent ?? '').replace(/\s+/g, ' ').trim();

describe('who is paying, and the guide’s reminder', () => {
  test('the page opens with the payer’s name, masked ID number and 学号, and the guide’s checks', async () => {
    const { studentNo } = await signedInStudent(2);
    page = await openPage(BILLS_PAGE);
    await page.waitForText('学费');
    expect(textOf('#payer')).toContain('缴费人');
    expect(textOf('#payer-name')).toBe('测试学生');
    expect(textOf('#payer')).toContain(`学号 ${studentNo}`);
    expect(textOf('#payer')).toContain('身份证号 3706**********0000');
    const guide = textOf('#pay-guide');
    for (const check of ['姓名、身份证号码', '金额', '默认银行卡', '请勿中断', '截止日期前']) expect(guide).toContain(check);
  });

  test('知道了 puts the reminder away, and it stays away on the next visit', async () => {
    await signedInStudent(1);
    page = await openPage(BILLS_PAGE);
    await page.waitForText('缴费前请注意');
    await page.tap('#guide-dismiss');
    expect(page.text()).not.toContain('缴费前请注意');
    await page.close();

    page = await openPage(BILLS_PAGE);
    await page.waitForText('学费');
    expect(page.text()).not.toContain('缴费前请注意');
    // Who pays is shown whatever the student did with the reminder.
    expect(page.text()).toContain('测试学生');
  });

  test('a student with nothing to pay is shown neither the guide nor 截止前提醒我, and can still find whom to call', async () => {
    const student = await createStudent(FILE, { completed: { password: 'Jiaofei#2026', phone: '13905350801' } });
    const openid = newDevice();
    await auth(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: 'Jiaofei#2026' });
    expect((await auth(openid, 'verifyDevice', { phoneCode: await phoneCode('13905350801') })).ok).toBe(true);
    page = await openPage(BILLS_PAGE);
    await page.waitForText('暂无待缴费账单');
    // Who pays is shown without any bill too: the student checks it is their own account.
    expect(textOf('#payer-name')).toBe(student.name);
    expect(textOf('#payer')).toContain(`学号 ${student.studentNo}`);
    expect(textOf('#payer')).toContain(`身份证号 ${student.idNumber.slice(0, 4)}**********${student.idNumber.slice(-4)}`);
    expect(page.text()).not.toContain('缴费前请注意');
    expect(page.root.querySelector('#remind-button')).toBeFalsy();
    await page.tap('#help-button');
    await page.waitForText('继续教育学院综合管理科');
  });
});

describe('whom to call', () => {
  test('联系我们 opens the help lines, each with what it is for, one tap to call', async () => {
    await signedInStudent(1);
    page = await openPage(BILLS_PAGE);
    await page.waitForText('学费');
    expect(page.root.querySelector('#help-lines')).toBeFalsy();
    await page.tap('#help-button');
    await page.waitForText('继续教育学院综合管理科');
    const sheet = textOf('#help-sheet');
    expect(sheet).toContain('计划财务处收费管理科');
    expect(sheet).toContain('0535-6916496');
    expect(sheet).toContain('对收费项目或金额有疑问');
    await page.tapText('0535-6913139');
    expect(recordedCalls('makePhoneCall').map((call) => call.options.phoneNumber)).toEqual(['05356913139']);
  });
});

describe('the email for the receipt', () => {
  test('comes before the bills, and a missing one is said above the pay bar with the field brought into view', async () => {
    const { billIds } = await signedInStudent(2);
    page = await openPage(BILLS_PAGE);
    await page.waitForText('学费');
    const text = page.text();
    expect(text.indexOf('接收电子票据的邮箱')).toBeLessThan(text.indexOf('学费'));
    expect(page.root.querySelector('#pay-bar-email-error')).toBeFalsy();

    await page.tap(`#bill-${billIds[0]}`);
    await page.tap(PAY_BUTTON);
    await waitFor(() => page!.root.querySelector('#pay-bar-email-error'), () => 'the email problem above the pay bar');
    expect(textOf('#pay-bar-email-error')).toBe('请填写邮箱，电子票据将发送到该邮箱');
    // Inside the pay bar (fixed at the bottom), not under the bills where the bar can cover it.
    expect(textOf('#pay-bar')).toContain('请填写邮箱，电子票据将发送到该邮箱');
    // The room kept below the bills grows by the same lines as the bar, so no bill ends up behind it.
    expect(page.root.querySelector('.pay-bar-room')?.dom?.textContent).toContain('请填写邮箱，电子票据将发送到该邮箱');
    expect(recordedCalls('pageScrollTo').map((call) => call.options.selector)).toEqual(['#email-block']);
    expect(functionCalls('pay', 'create')).toEqual([]);

    await typeEmail(page, 'zhangsan@example');
    await page.tap(PAY_BUTTON);
    await waitFor(() => textOf('#pay-bar-email-error') === '邮箱格式不正确，请检查', () => `the malformed address said; it says "${textOf('#pay-bar-email-error')}"`);
    await typeEmail(page, 'zhangsan@example.com');
    expect(page.root.querySelector('#pay-bar-email-error')).toBeFalsy();
  });
});

describe('截止前提醒我', () => {
  test('accepted in WeChat’s prompt: the server counts the reminder and the page says when it will come', async () => {
    await signedInStudent(1);
    const asked = subscribePromptAnswers('accept');
    page = await openPage(BILLS_PAGE);
    await page.waitForText('截止前提醒我');
    await page.tap('#remind-button');
    await page.waitForText('将在截止日期前 3 天提醒您（还可提醒 1 次）');
    expect(asked).toEqual([['local-deadline-reminder-template']]);
    expect(functionCalls('bills', 'remindMe')).toHaveLength(1);
    expect(textOf('#reminder-note')).toMatch(/^最近的截止日期为 \d{4}-12-31，/);

    // Each acceptance is one more reminder.
    await page.tap('#remind-button');
    await page.waitForText('还可提醒 2 次');
  });

  test('declined in WeChat’s prompt: nothing is sent, and the page says how to turn it on in the settings', async () => {
    await signedInStudent(1);
    const asked = subscribePromptAnswers('reject');
    page = await openPage(BILLS_PAGE);
    await page.waitForText('截止前提醒我');
    await page.tap('#remind-button');
    await page.waitForText('未开启提醒');
    expect(textOf('#reminder-note')).toContain('“设置”→“订阅消息”');
    expect(asked).toHaveLength(1);
    await requestsSettled();
    expect(functionCalls('bills', 'remindMe')).toEqual([]);
    expect(toasts()).toEqual([]);
  });
});
