/**
 * The finance console in a real Chromium (the one @sparticuz/chromium ships), served by the local
 * cloud as `npm start` serves it: sign in by scanning, the 概览 of last term's bills, the staff
 * page, inviting, signing out, and what a read-only member sees; then a 收费员's fee season: a
 * roster and a bills file imported through the page (the bills first with mistakes, then fixed), a
 * bill found and adjusted, the bills and the 未缴学生名单 exported and read back from the downloaded
 * files; then a 审核 finds the adjustment and its reason in the audit log. Screenshots at
 * 1366×768 go to a temp folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import ExcelJS from 'exceljs';
import puppeteer, { type Browser, type CDPSession, type ElementHandle, type HTTPRequest, type Page } from 'puppeteer-core';
import type { ApiResult } from '../../cloudfunctions/shared/contracts';
import { BILL_STATUS_TEXT, CASE_KIND_TEXT, EXPORT_COLUMNS, EXPORT_LABELS, REFUND_STATE_TEXT } from '../../cloudfunctions/shared/billing/contract';
import { newBill } from '../../cloudfunctions/shared/billing/domain/billing';
import { shanghaiDate } from '../../cloudfunctions/shared/kernel/china-time';
import { fen } from '../../cloudfunctions/shared/kernel/money';
import { IMPORT_CHUNK_ROWS, IMPORT_COLUMNS, IMPORT_KIND_LABELS } from '../../cloudfunctions/shared/imports/contract';
import { REQUEST_BODY_TYPES, STAFF_ROLES } from '../../cloudfunctions/shared/kernel/contract';
import { REASON_MIN_LENGTH } from '../../cloudfunctions/shared/kernel/validate';
import { collection } from '../../cloudfunctions/shared/runtime';
import { DEVELOPMENT_DEFAULTS } from '../../cloudfunctions/shared/runtime/environment';
import { ADMIN_ERRORS, AUDIT_ACTION_LABELS, ROLE_DUTIES, ROLE_LABELS, type StaffInvitationView } from '../../cloudfunctions/shared/staff/contract';
import { idCheckDigit } from '../../cloudfunctions/shared/students/domain/id-number';
import { DEMO_FEE_ITEMS, seedFeeItems } from '../../local/seed/bills';
import { readWxacodeText } from '../../local/wechat-openapi/wxacode';
import { DEMO_STAFF } from '../../local/seed/staff';
import { cloudPaySandboxOf } from '../../local/wechat-pay';
import { settleRefunds, startConsoleCloud, type ConsoleCloud } from '../integration/admin/support';
import { createSignedInStudent } from '../support/billing-fixtures';
import { readQrPng } from '../support/qr';

jest.setTimeout(20_000);

/*
 * The callbacks handed to page.evaluate run in Chromium. This project's TypeScript is set up for
 * Node (no DOM library), so the little of the DOM they use is declared here, for this file only.
 */
interface PageElement {
  readonly id: string;
  readonly innerText: string;
  readonly src: string;
  textContent: string | null;
  closest(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getClientRects(): { readonly length: number };
  append(child: PageElement): void;
}
interface PageStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  clear(): void;
}
declare const document: {
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
  readonly head: PageElement;
  readonly cookie: string;
  readonly fonts: { readonly ready: Promise<unknown> };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  createElement(tag: 'style'): PageElement;
  addEventListener(type: 'DOMContentLoaded', listener: () => void): void;
};
declare const location: { hash: string };
declare function getComputedStyle(element: PageElement): { readonly outlineStyle: string; readonly transform: string };
declare const sessionStorage: PageStorage;
declare const localStorage: PageStorage;

const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = mkdtempSync(path.join(os.tmpdir(), 'zhjf-console-shots-'));
/** What the console hands the person as downloads (templates, error reports). */
const DOWNLOADS = mkdtempSync(path.join(os.tmpdir(), 'zhjf-console-downloads-'));
/** Files the person picks to import. */
const UPLOADS = mkdtempSync(path.join(os.tmpdir(), 'zhjf-console-uploads-'));
/** Chromium has no CJK font: the receipts' Noto Sans SC is handed to the page, for the screenshots only. */
const FONT_FILE = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', 'NotoSansHans-Regular.otf');
const FONT_PATH = '/__test-fonts/noto-sans-sc.otf';
const FONT_STYLE = `
  @font-face { font-family: "Noto Sans SC Test"; src: url("${FONT_PATH}") format("opentype"); }
  :root:root { --td-font-family: "Noto Sans SC Test", sans-serif; }
  body, button, input, textarea { font-family: "Noto Sans SC Test", sans-serif; }
`;

let cloud: ConsoleCloud;
let browser: Browser;
let page: Page;
let consoleUrl: string;
/** Page errors and console errors: any is a failure. */
const browserErrors: string[] = [];
let shotNumber = 0;
/** While set, the server's row check is answered by the test: every row new (see the test that uses it). */
let answerChecksHere = false;
/** While set, the next export page is refused as a busy server would, once. */
let refuseNextExportPage = false;

/** The page's own DevTools session: it reads a request's body as bytes (a large one is gzip-compressed). */
let devtools: CDPSession;

async function requestJson(request: HTTPRequest): Promise<unknown> {
  // The request's DevTools id: Puppeteer has it, but leaves it out of its published types.
  const requestId = (request as unknown as { id: string }).id;
  const { postData, base64Encoded } = (await devtools.send('Network.getRequestPostData', { requestId })) as { postData: string; base64Encoded?: boolean };
  if (request.headers()['content-type'] === REQUEST_BODY_TYPES.gzipJson) return JSON.parse(gunzipSync(Buffer.from(postData, base64Encoded ? 'base64' : 'latin1')).toString('utf8'));
  return JSON.parse(base64Encoded ? Buffer.from(postData, 'base64').toString('utf8') : postData);
}

async function answerCheckAsNew(request: HTTPRequest): Promise<void> {
  const { rows } = (await requestJson(request)) as { rows: { rowNumber: number }[] };
  const checks = rows.map((row) => ({ rowNumber: row.rowNumber, outcome: 'create', problems: [], changes: [] }));
  await request.respond({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: true, data: { rows: checks } }) });
}

beforeAll(async () => {
  // The console's build (Vite's JS API, in its own Node: Vite is ES modules only, which Jest's
  // module loader does not run), the local cloud and Chromium's unpacking, side by side.
  const [built, started, unpacked] = await Promise.allSettled([
    promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/build.ts', '--console-only'], { cwd: ROOT }),
    startConsoleCloud(),
    chromium.executablePath(),
  ]);
  if (started.status === 'fulfilled') cloud = started.value;
  for (const step of [built, started, unpacked]) if (step.status === 'rejected') throw step.reason;
  // The fee item catalogue the office starts with (学费, 教材费 …), which bills are imported against.
  await seedFeeItems(cloud.running.cloud.sdkDatabase(), cloud.running.cloud.clock.now());
  await seedLastTerm();
  const executablePath = (unpacked as PromiseFulfilledResult<string>).value;
  consoleUrl = `${cloud.origin}/admin/`;
  // Its Lambda defaults turn web security off, which also drops the Origin header a real browser
  // sends with every POST; the admin function (rightly) refuses a request without one.
  const args = chromium.args.filter((arg) => arg !== '--disable-web-security');
  browser = await puppeteer.launch({
    executablePath,
    args,
    headless: true,
    defaultViewport: { width: 1366, height: 768 },
    downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS },
  });
  page = await browser.newPage();
  devtools = await page.createCDPSession();
  await devtools.send('Network.enable');
  page.setDefaultTimeout(8_000);
  page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(`console: ${message.text()}`);
  });
  const font = readFileSync(FONT_FILE);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === FONT_PATH) void request.respond({ status: 200, contentType: 'font/otf', body: font });
    else if (answerChecksHere && pathname === '/admin/api/checkImport') void answerCheckAsNew(request);
    else if (refuseNextExportPage && pathname === '/admin/api/exportRows') {
      refuseNextExportPage = false;
      void request.respond({ status: 503, contentType: 'application/json', body: JSON.stringify({ ok: false, code: 'UNAVAILABLE', message: '服务繁忙，请稍后重试' }) });
    }
    else void request.continue();
  });
  await page.evaluateOnNewDocument((css: string) => {
    document.addEventListener('DOMContentLoaded', () => {
      const style = document.createElement('style');
      style.textContent = css;
      document.head.append(style);
    });
  }, FONT_STYLE);
  console.log(`console screenshots: ${SHOTS}`);
}, 60_000);

/** Last term, for 概览 at the first sign-in: two students' bills, one student's paid. */
const LAST_TERM = '2025-2026-2';
const LAST_TERM_STUDENTS = [
  { studentNo: '2024100001', college: '经济管理学院', major: '会计学', grade: '2024级', pays: true },
  { studentNo: '2024100002', college: '法学院', major: '法学', grade: '2024级', pays: false },
];
const LAST_TERM_ITEMS = [
  { itemCode: 'XF', itemName: '学费', amount: 320000 },
  { itemCode: 'JCF', itemName: '教材费', amount: 38000 },
];

async function seedLastTerm(): Promise<void> {
  const db = cloud.running.cloud.sdkDatabase();
  const now = cloud.running.cloud.clock.now();
  const deadline = new Date(now.getTime() + 90 * 24 * 3600_000);
  for (const seeded of LAST_TERM_STUDENTS) {
    const student = await createSignedInStudent(cloud.running.cloud, { studentNo: seeded.studentNo });
    const org = { name: '测试学生', college: seeded.college, major: seeded.major, grade: seeded.grade, className: `${seeded.major}2401班` };
    await collection(db, 'students').updateById(student.studentId, org);
    const bills = LAST_TERM_ITEMS.map((item) =>
      newBill({ studentId: student.studentId, studentNo: student.studentNo, student: org, term: LAST_TERM, ...item, amount: fen(item.amount), mandatory: true, deadline, now }),
    );
    for (const bill of bills) await collection(db, 'bills').insert(bill);
    if (!seeded.pays) {
      // 提醒我 on 账单缴费: the student who still owes asks to be reminded before the deadline.
      const asked = (await cloud.running.cloud.invoke('bills', { action: 'remindMe' }, { openid: student.openid })) as ApiResult<unknown>;
      if (!asked.ok) throw new Error(asked.message);
      continue;
    }
    const created = (await cloud.running.cloud.invoke('pay', { action: 'create', billIds: bills.map((bill) => bill._id), email: 'student@example.edu.cn' }, { openid: student.openid })) as ApiResult<{ order: { id: string } }>;
    if (!created.ok) throw new Error(created.message);
    await cloudPaySandboxOf(cloud.running.cloud).pay(created.data.order.id, { openid: student.openid });
    await cloudPaySandboxOf(cloud.running.cloud).settle();
  }
}

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  for (const folder of [DOWNLOADS, UPLOADS]) rmSync(folder, { recursive: true, force: true });
});

afterEach(() => {
  expect(browserErrors.splice(0)).toEqual([]);
});

/** Chromium logs each refused request as an error: one the step expects is taken off the list. */
function takeRefusals(status: number): string[] {
  const refusals = browserErrors.filter((error) => error.includes(`responded with a status of ${status}`));
  for (const refusal of refusals) browserErrors.splice(browserErrors.indexOf(refusal), 1);
  return refusals;
}

/** The window at 1366×768; `fullPage` for a page taller than the window. */
async function screenshot(name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  shotNumber += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shotNumber).padStart(2, '0')}-${name}.png`), fullPage: options.fullPage ?? false });
}

const hash = (): Promise<string> => page.evaluate(() => location.hash);

async function waitForHash(prefix: string): Promise<void> {
  await page.waitForFunction((expected: string) => location.hash.startsWith(expected), {}, prefix);
}

async function waitForText(text: string): Promise<void> {
  await page.waitForFunction((expected: string) => document.body.innerText.includes(expected), {}, text);
}

/** The visible element matching the selector whose text is exactly this. */
async function findByText(selector: string, text: string): Promise<ElementHandle<PageElement>> {
  const found = await page.waitForFunction(
    (css: string, expected: string) =>
      [...document.querySelectorAll(css)].find((element) => element.innerText.trim() === expected && element.getClientRects().length > 0) ?? null,
    {},
    selector,
    text,
  );
  return found.asElement() as ElementHandle<PageElement>;
}

async function clickText(selector: string, text: string): Promise<void> {
  await (await findByText(selector, text)).click();
}

const texts = (selector: string): Promise<string[]> =>
  page.$$eval(selector, (elements) => elements.map((element) => (element as unknown as PageElement).innerText.trim()));

/** The mini program code on the page, read as a phone's camera would. */
async function scanImage(alt: string): Promise<{ page: string; scene: string }> {
  const image = await page.waitForSelector(`img[alt="${alt}"][src^="data:image/png"]`, { visible: true });
  const read = readWxacodeText(await readQrPng(await image!.evaluate((element) => (element as unknown as PageElement).src)));
  if (!read) throw new Error(`${alt}: not a mini program code`);
  return read;
}

async function simulateScanAs(roleLabel: string): Promise<void> {
  await page.waitForSelector('img[alt="登录小程序码"]', { visible: true });
  await clickText('.login__dev label', roleLabel);
  await clickText('.login__dev button', '模拟扫码');
  await waitForHash('#/dashboard');
}

test('opening the console asks to sign in with a mini program code', async () => {
  await page.goto(consoleUrl);
  await page.waitForSelector('img[alt="登录小程序码"]', { visible: true });
  expect(await hash()).toMatch(/^#\/login/);
  await waitForText('请使用微信扫码登录');
  expect((await scanImage('登录小程序码')).page).toBe('package-admin/pages/sign-in/index');
  expect(await texts('.login__dev h2')).toEqual(['本地开发：模拟扫码']);
  await screenshot('login');
});

test('when a phone scans the code the page asks to confirm on the phone', async () => {
  const { scene: ticket } = await scanImage('登录小程序码');
  const seen = await cloud.fromPhone(cloud.openidOf('admin'), 'describeSignIn', { ticket });
  expect(seen.ok).toBe(true);
  await waitForText('已扫码，请在手机上确认');
  await screenshot('login-scanned');
});

test('模拟扫码 as 管理员 lands on 概览 with the name and role in the header', async () => {
  await simulateScanAs('管理员');
  await page.waitForSelector('[data-testid="staff-name"]');
  expect(await texts('[data-testid="staff-name"]')).toEqual(['陈静']);
  expect(await texts('[data-testid="staff-role"]')).toEqual(['管理员']);
  await waitForText('您好，陈静');
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览', '账单', '退款', '待核实', '对账', '学生', '导入', '导出', '收费项目', '审计日志', '财务人员']);
  // The token is in this tab's sessionStorage only: no cookie, nothing in localStorage.
  const storage = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
  expect(storage).toEqual({ session: 1, local: 0, cookie: '' });
});

/** 应收, 实收 … as the 概览 cards show them. */
const figures = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    await page.$$eval('[data-figure]', (cards) =>
      cards.map((card) => [(card as unknown as { dataset: Record<string, string> }).dataset.figure!, (card as unknown as PageElement).querySelectorAll('strong')[0]!.innerText.trim()]),
    ),
  );

/** 申请提醒, 已提醒, 发送失败 as the 概览 reminder card shows them. */
const reminderFigures = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    await page.$$eval('[data-reminder]', (items) =>
      items.map((item) => [(item as unknown as { dataset: Record<string, string> }).dataset.reminder!, (item as unknown as PageElement).querySelectorAll('strong')[0]!.innerText.trim()]),
    ),
  );

test('概览 shows last term: 应收 is the sum of its bills in 元, with 学院 rows and the day’s income', async () => {
  await waitForText('2025-2026学年第二学期');
  // 2 students × (学费 3,200.00 + 教材费 380.00); one of them has paid.
  expect(await figures()).toEqual({ receivable: '¥7,160.00', received: '¥3,580.00', unpaid: '¥3,580.00', refunded: '¥0.00', rate: '50.0%' });
  const byCollege = await tableRows('[data-testid="breakdown-table"]');
  expect(byCollege.map((row) => row.slice(0, 4))).toEqual([
    ['法学院', '3,580.00', '0.00', '3,580.00'],
    ['经济管理学院', '3,580.00', '3,580.00', '0.00'],
  ]);
  await clickText('.breakdown .t-radio-button', '年级');
  await page.waitForFunction(() => document.querySelector('[data-testid="breakdown-table"] tbody td')?.innerText.trim() === '2024级');
  expect(await texts('[data-testid="income-summary"]')).toEqual([`${shanghaiDate(cloud.running.cloud.clock.now())} 实收共 ¥3,580.00，1 笔缴费`]);
  expect(await texts('[data-testid="review-cases"]')).toEqual(['没有待核实的订单或需要人工完成的退款。']);
  // The term's 缴费提醒: one student asked, nobody reminded yet (the deadline is months away).
  await page.waitForSelector('[data-reminder="optedIn"]', { visible: true });
  expect(await reminderFigures()).toEqual({ optedIn: '1', reminded: '0', failed: '0' });
  // Both charts drawn (ECharts arrives after the figures, in its own chunk).
  await page.waitForFunction(() => document.querySelectorAll('.chart-box canvas').length === 2);
  await screenshot('dashboard-admin', { fullPage: true });
});

test('财务人员 lists the four demo staff members', async () => {
  await clickText('nav[aria-label="主菜单"] a', '财务人员');
  await waitForHash('#/staff');
  await page.waitForFunction(() => document.querySelectorAll('.t-table tbody tr').length === 4);
  const rows = await page.$$eval('.t-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.innerText.trim())));
  expect(rows).toEqual(DEMO_STAFF.map((member) => [member.name, ROLE_LABELS[member.role], '在职']));
  // From the page title, Tab reaches 邀请 next, and the keyboard focus shows.
  await clickText('h1', '财务人员');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const active = document.activeElement;
    return active ? { text: active.innerText.trim(), outline: getComputedStyle(active).outlineStyle } : null;
  });
  expect(focused).toEqual({ text: '邀请', outline: 'solid' });
  await screenshot('staff');
});

test('a change needs a reason, and the server’s refusal is shown in the dialog', async () => {
  const ownRow = await findByText('.t-table tbody td', '陈静');
  const disable = await ownRow.evaluateHandle((cell) => [...cell.closest('tr')!.querySelectorAll('button')].find((button) => button.innerText.trim() === '停用')!);
  await (disable as ElementHandle<PageElement>).click();
  await page.waitForSelector('#change-reason', { visible: true });
  // Focus moves into the dialog once it has opened.
  await page.waitForFunction(() => document.activeElement?.id === 'change-reason');
  await page.type('#change-reason', '测'.repeat(REASON_MIN_LENGTH - 1));
  await clickText('[role="dialog"] button', '确认停用');
  await waitForText(`原因至少 ${REASON_MIN_LENGTH} 个字`);
  await page.type('#change-reason', '试');
  await clickText('[role="dialog"] button', '确认停用');
  await waitForText(ADMIN_ERRORS.STAFF_SELF_CHANGE);
  expect(takeRefusals(422)).toHaveLength(1);
  await screenshot('staff-self-change-refused');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#change-reason', { hidden: true });
});

test('inviting 周洁 as 收费员 shows the invitation code to scan', async () => {
  await clickText('button', '邀请');
  await page.waitForFunction(() => document.activeElement?.id === 'invite-name');
  await page.type('#invite-name', '周洁');
  // Each role with what it is for, in the server's words.
  expect(await texts('[role="dialog"] .role-choice__label')).toEqual(STAFF_ROLES.map((role) => ROLE_LABELS[role]));
  expect(await texts('[role="dialog"] .role-choice__duties')).toEqual(STAFF_ROLES.map((role) => ROLE_DUTIES[role]));
  await clickText('[role="dialog"] .role-choice__label', '收费员');
  await screenshot('invite-form');
  await clickText('[role="dialog"] button', '生成邀请码');
  const code = await scanImage('邀请二维码');
  expect(code.page).toBe('package-admin/pages/join/index');
  await waitForText('有效期至');
  // What the invited person's phone will see after scanning it.
  const invitation = await cloud.fromPhone<StaffInvitationView>('wechat-user-zhou-jie', 'describeInvitation', { invitationId: code.scene });
  expect(invitation.ok && { name: invitation.data.name, role: invitation.data.role }).toEqual({ name: '周洁', role: 'cashier' });
  await screenshot('invitation-code');
  await clickText('[role="dialog"] button', '完成');
  await page.waitForSelector('[role="dialog"] img', { hidden: true });
});

const sessionToken = (): Promise<string | null> => page.evaluate(() => sessionStorage.getItem(sessionStorage.key(0) ?? ''));

test('退出 ends the session and returns to the login page', async () => {
  const token = await sessionToken();
  await clickText('header button', '退出');
  await waitForHash('#/login');
  await page.waitForSelector('img[alt="登录小程序码"]', { visible: true });
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  // Ended on the server too, not only forgotten by the page.
  expect((await cloud.api('me', {}, { token: token ?? '' })).reply.status).toBe(401);
  await page.evaluate(() => {
    location.hash = '#/staff';
  });
  await waitForHash('#/login');
  await screenshot('signed-out');
});

test('首次使用 opens the first-administrator form, which says when there is one already', async () => {
  await clickText('button', '首次使用：设置第一位管理员');
  await page.waitForFunction(() => document.activeElement?.id === 'first-admin-code');
  await page.type('#first-admin-code', DEVELOPMENT_DEFAULTS.ADMIN_BOOTSTRAP_CODE!);
  await page.type('#first-admin-name', '陈静');
  await clickText('[role="dialog"] button', '生成加入码');
  await waitForText(ADMIN_ERRORS.FIRST_ADMIN_EXISTS);
  expect(takeRefusals(422)).toHaveLength(1);
  await screenshot('first-admin-exists');
  await clickText('[role="dialog"] button', '取消');
  await page.waitForSelector('#first-admin-code', { hidden: true });
});

test('a 只读 member does not see 财务人员, nor reach it by address, and sees only the import records', async () => {
  await simulateScanAs('只读');
  await page.waitForSelector('[data-testid="staff-name"]');
  expect(await texts('[data-testid="staff-name"]')).toEqual(['孙悦']);
  expect(await texts('[data-testid="staff-role"]')).toEqual(['只读']);
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览', '账单', '退款', '待核实', '对账', '学生', '导入', '导出', '收费项目']);
  await page.evaluate(() => {
    location.hash = '#/staff';
  });
  await waitForText('您的角色不能使用“财务人员”');
  expect(await hash()).toBe('#/dashboard');
  await screenshot('dashboard-viewer');
  // 导入: the batches only; importing is 收费员's.
  await clickText('nav[aria-label="主菜单"] a', '导入');
  await waitForText('导入由收费员办理');
  await page.waitForSelector('[aria-label="导入记录"]');
  expect(await page.$('.import-panel')).toBeNull();
  // Back to 概览: the next sign-in, after this session ends, lands there.
  await clickText('nav[aria-label="主菜单"] a', '概览');
  await waitForHash('#/dashboard');
  await page.waitForSelector('[data-figure="receivable"]', { visible: true });
});

test('a session the server has ended takes the person back to the login page', async () => {
  const ended = await cloud.api('signOut', {}, { token: (await sessionToken()) ?? '' });
  expect(ended.result.ok).toBe(true);
  // Not waiting for the load event: the test's large font can hold it back past the warning's three seconds.
  await page.reload({ waitUntil: 'domcontentloaded' });
  // The warning comes at once; the login page follows once its code has loaded.
  await waitForText('登录已失效');
  await waitForHash('#/login');
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(takeRefusals(401)).toHaveLength(1);
});

test('an expired code is replaced by itself five times, then waits for 刷新二维码', async () => {
  const codeSource = (): Promise<string> => page.$eval('img[alt="登录小程序码"]', (element) => (element as unknown as PageElement).src);
  const expireCode = (): void => cloud.running.cloud.clock.advance(2 * 60_000 + 1000);
  // The login page of the step before may still be fetching its first code.
  await page.waitForSelector('img[alt="登录小程序码"][src^="data:image/png"]', { visible: true });
  for (let refresh = 1; refresh <= 5; refresh += 1) {
    const before = await codeSource();
    expireCode();
    await page.waitForFunction(
      (previous: string) => [...document.querySelectorAll('img[alt="登录小程序码"]')].some((image) => image.src.startsWith('data:') && image.src !== previous),
      {},
      before,
    );
  }
  expireCode();
  await findByText('.login__code button', '刷新二维码');
  await waitForText('二维码已过期，请刷新二维码');
  await screenshot('login-expired');
  const stale = await codeSource();
  await clickText('.login__code button', '刷新二维码');
  await page.waitForFunction((previous: string) => [...document.querySelectorAll('img[alt="登录小程序码"]')].some((image) => image.src !== previous), {}, stale);
  await waitForText('请使用微信扫码登录');
}, 40_000);

// ---- a 收费员's fee season: import the roster and the bills, then adjust a bill ------------------

const idNumber = (birth: string, serial: number): string => {
  const first17 = `370602${birth}${String(serial).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
};

const ROSTER = [
  { studentNo: '2025300001', name: '王晓明', idNumber: idNumber('19900315', 11) },
  { studentNo: '2025300002', name: '李雪', idNumber: idNumber('19920708', 22) },
  // A leading zero that a number cell would lose: a CSV cell stays the text it is.
  { studentNo: '0025300003', name: '赵一鸣', idNumber: idNumber('19950101', 33) },
];

/** Text in GBK, as Excel on a Chinese Windows saves a CSV; the code table is read off Node's own GB18030 decoder. */
function gbk(text: string): Buffer {
  const decoder = new TextDecoder('gb18030');
  const codes = new Map<string, number[]>();
  for (let lead = 0x81; lead <= 0xfe; lead += 1) {
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      const char = decoder.decode(Uint8Array.of(lead, trail));
      if (trail !== 0x7f && !codes.has(char)) codes.set(char, [lead, trail]);
    }
  }
  return Buffer.from(
    [...text].flatMap((char) => {
      if (char.charCodeAt(0) < 0x80) return [char.charCodeAt(0)];
      const code = codes.get(char);
      if (!code) throw new Error(`not in GBK: ${char}`);
      return code;
    }),
  );
}

type BillCells = [studentNo: string, term: string, itemName: string, amount: ExcelJS.CellValue, deadline: ExcelJS.CellValue, mandatory: string];

/** A bills sheet as the office fills it in: amounts as numbers or text, deadlines as date cells or text. */
async function writeBillsFile(name: string, rows: BillCells[]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('账单');
  sheet.addRow(IMPORT_COLUMNS.bills.map((column) => column.header));
  for (const row of rows) sheet.addRow(row);
  const file = path.join(UPLOADS, name);
  writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
  return file;
}

const TERM = '2026-2027-1';
/** 31 March next year, so the bills are not yet overdue whenever the test runs. */
const DEADLINE_YEAR = new Date().getUTCFullYear() + 1;
const DEADLINE_TEXT = `${DEADLINE_YEAR}-03-31`;
/** The deadline as a date cell: Excel keeps the wall clock, which exceljs writes from the UTC fields. */
const MARCH_31 = new Date(Date.UTC(DEADLINE_YEAR, 2, 31));

/** A file the console handed over, once Chromium has finished writing it. */
async function downloaded(name: string): Promise<ExcelJS.Workbook> {
  const file = path.join(DOWNLOADS, name);
  for (let waited = 0; waited < 8_000; waited += 100) {
    if (existsSync(file) && !readdirSync(DOWNLOADS).some((entry) => entry.endsWith('.crdownload'))) {
      const bytes = readFileSync(file);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      return workbook;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the download ${name} did not arrive`);
}

/** Picks a file through the page's button, as a person does. */
async function pickFile(buttonText: string, file: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForFileChooser(), clickText('button', buttonText)]);
  await chooser.accept([file]);
}

/** 新增 / 更新 / 无变化 / 有错误 as the page shows them. */
const outcomeCounts = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    await page.$$eval('.import-panel [data-outcome]', (tiles) =>
      tiles.map((tile) => [(tile as unknown as { dataset: Record<string, string> }).dataset.outcome!, (tile as unknown as PageElement).innerText.split('\n')[0]!.trim()]),
    ),
  );

const tableRows = (selector: string): Promise<string[][]> =>
  page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as unknown as PageElement).innerText.trim())));

test('a 收费员 signs in and finds 导入 with a template for each kind', async () => {
  await simulateScanAs('收费员');
  expect(await texts('[data-testid="staff-role"]')).toEqual(['收费员']);
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览', '账单', '退款', '待核实', '对账', '学生', '导入', '导出', '收费项目']);
  await clickText('nav[aria-label="主菜单"] a', '导入');
  await waitForHash('#/imports');
  // The kinds and their columns in the server's words.
  expect(await texts('.import-panel__kind label')).toEqual([IMPORT_KIND_LABELS.students, IMPORT_KIND_LABELS.bills]);
  const columnsText = (kind: 'students' | 'bills') =>
    `列：${IMPORT_COLUMNS[kind].map((column) => (column.required ? column.header : `${column.header}（选填）`)).join('、')}`;
  expect(await texts('.import-panel__columns')).toEqual([columnsText('students')]);
  await clickText('.import-panel__kind label', '账单');
  await waitForText(columnsText('bills'));

  await clickText('button', '下载账单模板');
  const template = await downloaded('账单导入模板.xlsx');
  const sheet = template.getWorksheet('账单')!;
  const headers = IMPORT_COLUMNS.bills.map((_, index) => sheet.getRow(1).getCell(index + 1));
  expect(headers.map((cell) => cell.value)).toEqual(IMPORT_COLUMNS.bills.map((column) => column.header));
  // Each header's note says what goes there.
  expect(headers.map((cell) => JSON.stringify(cell.note ?? ''))).toEqual(IMPORT_COLUMNS.bills.map((column) => expect.stringContaining(column.hint)));
  expect(sheet.rowCount).toBe(1);
  expect(template.getWorksheet('填写说明')).toBeDefined();
  await screenshot('imports-cashier');
});

test('a roster saved as a GBK-encoded CSV is previewed, then imported on 确认导入', async () => {
  await clickText('.import-panel__kind label', '学生名单');
  const csv = [
    '学号,姓名,证件号,学院,专业,年级,班级,手机号',
    ...ROSTER.map((student) => [student.studentNo, student.name, student.idNumber, '继续教育学院', '会计学', '2025级', '会计2501班', ''].join(',')),
  ].join('\r\n');
  const file = path.join(UPLOADS, '2025级会计学名单.csv');
  writeFileSync(file, gbk(csv));
  await pickFile('选择文件', file);
  await findByText('.import-panel button', '确认导入');
  expect(await outcomeCounts()).toEqual({ create: '3', update: '0', unchanged: '0', invalid: '0' });
  // Read as GBK, and 0025300003 kept as typed.
  await clickText('.t-tabs__nav-item', '样例');
  expect((await tableRows('.import-preview [aria-label^="前"]')).map((row) => row.slice(2, 4))).toEqual(ROSTER.map((student) => [student.studentNo, student.name]));
  expect(await texts('[data-testid="import-summary"]')).toEqual(['确认后写入 3 行（新增 3、更新 0）。']);
  // Nothing is written before the click.
  expect(await collection(cloud.running.cloud.sdkDatabase(), 'students').count({ studentNo: '0025300003' })).toBe(0);
  await clickText('.import-panel button', '确认导入');
  await waitForText('导入完成');
  expect(await texts('[data-testid="import-result"]')).toEqual(['已新增 3 名学生，更新 0，无变化 0。']);
  await page.waitForFunction(() => [...document.querySelectorAll('[aria-label="导入记录"] tbody tr')].some((tr) => tr.innerText.includes('2025级会计学名单.csv')));
  await clickText('.import-panel button', '导入另一个文件');
});

test('a 学号 repeated in a later chunk of the file is reported as 文件内重复 with both rows', async () => {
  // The server checks one chunk at a time, so only the page can see a repeat across chunks. To
  // reach a second chunk without thousands of students, the server's check answers every row as
  // new here; the repeat (full-width digits, as the server reads them the same) is the page's own finding.
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('名单');
  sheet.addRow(IMPORT_COLUMNS.students.map((column) => column.header));
  for (let i = 1; i <= IMPORT_CHUNK_ROWS; i += 1) sheet.addRow([`2025${String(400000 + i)}`, '学生', idNumber('19990101', i % 1000), '继续教育学院', '会计学', '2025级', '会计2501班']);
  sheet.addRow(['２０２５４００００１', '学生', idNumber('19990102', 1), '继续教育学院', '会计学', '2025级', '会计2501班']);
  const file = path.join(UPLOADS, '重复学号名单.xlsx');
  writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
  answerChecksHere = true;
  try {
    await pickFile('选择文件', file);
    await findByText('.import-panel button', '确认导入');
  } finally {
    answerChecksHere = false;
  }
  expect(await outcomeCounts()).toEqual({ create: IMPORT_CHUNK_ROWS.toLocaleString('zh-CN'), update: '0', unchanged: '0', invalid: '1' });
  expect(await tableRows('.import-preview [aria-label="错误明细"]')).toEqual([[String(IMPORT_CHUNK_ROWS + 2), '学号', '文件内重复：与第 2 行学号相同']]);
});

test('a bills file with mistakes shows each with its row and column, and the error report', async () => {
  await clickText('.import-panel__kind label', '账单');
  const file = await writeBillsFile('2026-2027-1 账单.xlsx', [
    ['2025300001', TERM, '学费', 4800, MARCH_31, '是'],
    ['2025300002', '2026-2027学年第一学期', '学费', '4,800.00', `${DEADLINE_YEAR}/3/31`, ''],
    ['2099999999', TERM, '学费', 4800, MARCH_31, ''],
    ['0025300003', TERM, '学费', '48OO', MARCH_31, ''],
    ['2025300001', TERM, '学费', 4800, MARCH_31, ''],
    ['0025300003', TERM, '教材费', { formula: '400+50.5', result: 450.5 }, MARCH_31, ''],
  ]);
  await pickFile('选择文件', file);
  await findByText('.import-panel button', '确认导入');
  expect(await outcomeCounts()).toEqual({ create: '3', update: '0', unchanged: '0', invalid: '3' });
  expect((await tableRows('.import-preview [aria-label="错误明细"]')).map((row) => row.slice(0, 3))).toEqual([
    ['4', '学号', '学号 2099999999 不存在，请先导入学生名单'],
    ['5', '金额（元）', '金额格式不正确：应为元，最多两位小数，如 4800.00'],
    ['6', '收费项目', '文件内重复：与第 2 行是同一学生、同一学期的同一收费项目'],
  ]);
  expect(await texts('[data-testid="import-summary"]')).toEqual(['确认后写入 3 行（新增 3、更新 0）；有错误的 3 行将跳过。']);
  await screenshot('imports-bills-preview-errors');

  await clickText('.import-panel button', '下载错误报告');
  const report = (await downloaded('2026-2027-1 账单-错误报告.xlsx')).getWorksheet('账单')!;
  const reasonColumn = IMPORT_COLUMNS.bills.length + 1;
  expect(report.getRow(1).getCell(reasonColumn).value).toBe('错误原因');
  expect([2, 3, 4, 5, 6, 7].map((row) => String(report.getRow(row).getCell(reasonColumn).value ?? ''))).toEqual([
    '',
    '',
    '学号：学号 2099999999 不存在，请先导入学生名单',
    '金额（元）：金额格式不正确：应为元，最多两位小数，如 4800.00',
    '收费项目：文件内重复：与第 2 行是同一学生、同一学期的同一收费项目',
    '',
  ]);
  // Still nothing written: the preview only checks.
  expect(await collection(cloud.running.cloud.sdkDatabase(), 'bills').count({ term: TERM })).toBe(0);
});

test('the fixed file is imported, and the batch is listed', async () => {
  const file = await writeBillsFile('2026-2027-1 账单.xlsx', [
    ['2025300001', TERM, '学费', 4800, MARCH_31, '是'],
    ['2025300002', '2026-2027学年第一学期', '学费', '4,800.00', `${DEADLINE_YEAR}/3/31`, ''],
    ['2025300002', TERM, '教材费', '450.50', MARCH_31, ''],
    ['0025300003', TERM, '学费', '4800', MARCH_31, ''],
    ['0025300003', TERM, '教材费', { formula: '400+50.5', result: 450.5 }, MARCH_31, ''],
  ]);
  await pickFile('重新选择文件', file);
  await page.waitForFunction(() => [...document.querySelectorAll('.import-panel [data-outcome="invalid"]')].some((tile) => tile.innerText.startsWith('0')));
  expect(await outcomeCounts()).toEqual({ create: '5', update: '0', unchanged: '0', invalid: '0' });
  await clickText('.import-panel button', '确认导入');
  await waitForText('导入完成');
  expect(await texts('[data-testid="import-result"]')).toEqual(['已新增 5 张账单，更新 0，无变化 0。']);
  await page.waitForFunction(() => [...document.querySelectorAll('[aria-label="导入记录"] tbody tr')].some((tr) => tr.innerText.includes('2026-2027-1 账单.xlsx')));
  const batch = (await tableRows('[aria-label="导入记录"]')).find((row) => row.includes('2026-2027-1 账单.xlsx'))!;
  expect(batch.slice(1)).toEqual(['账单', '2026-2027-1 账单.xlsx', '李敏', '5', '0', '0', '0', '已完成', '撤回']);
  await screenshot('imports-bills-imported');
});

test('账单: a student’s bill is found and its amount adjusted with a reason', async () => {
  await clickText('nav[aria-label="主菜单"] a', '账单');
  await waitForHash('#/bills');
  // The status filter names statuses as the server does.
  await page.click('#bill-filter-status');
  await page.waitForSelector('.t-select-option', { visible: true });
  expect(await texts('.t-select-option')).toEqual(Object.values(BILL_STATUS_TEXT));
  await clickText('h1', '账单');
  await page.waitForSelector('.t-select-option', { hidden: true });
  await page.type('#bill-filter-no', '2025300001');
  await clickText('.bill-filters button', '查询');
  await waitForText('共 1 张账单');
  expect((await tableRows('[aria-label="账单列表"]'))[0]!.slice(0, 8)).toEqual(['2025300001', '王晓明', '会计学 2025级', TERM, '学费', '4,800.00', DEADLINE_TEXT, '待缴费']);
  await clickText('[aria-label="账单列表"] button', '详情');
  await page.waitForSelector('[data-testid="bill-amount"]', { visible: true });
  expect(await texts('[data-testid="bill-amount"]')).toEqual(['¥4,800.00']);
  await screenshot('bill-detail');

  await clickText('.record-actions button', '调整金额');
  await page.waitForFunction(() => document.activeElement?.id === 'bill-change-amount');
  await page.type('#bill-change-amount', '4,500.5');
  await waitForText('将从 ¥4,800.00 调整为 ¥4,500.50');
  await page.type('#bill-change-reason', '更正');
  await clickText('[role="dialog"] button', '确认调整');
  await waitForText(`原因至少 ${REASON_MIN_LENGTH} 个字`);
  await page.type('#bill-change-reason', '：学院核定学费');
  await screenshot('bill-adjust');
  await clickText('[role="dialog"] button', '确认调整');
  await page.waitForSelector('#bill-change-amount', { hidden: true });
  await page.waitForFunction(() => document.querySelector('[data-testid="bill-amount"]')?.innerText === '¥4,500.50');
  await waitForText('原金额 ¥4,800.00');
  await screenshot('bill-adjusted');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="bill-amount"]', { hidden: true });
  // The list shows it too, and so does the server when asked again.
  await clickText('.bill-filters button', '查询');
  await page.waitForFunction(() => [...document.querySelectorAll('[aria-label="账单列表"] tbody td')].some((td) => td.innerText.startsWith('4,500.50')));
});

/** Today in Beijing, as the console writes it into a file's name. */
const fileDate = (): string => shanghaiDate(new Date()).replace(/-/g, '');

/** The first `count` cells of a sheet's row, as exceljs reads them back. */
const sheetRow = (sheet: ExcelJS.Worksheet, rowNumber: number, count: number): ExcelJS.CellValue[] =>
  Array.from({ length: count }, (_, index) => sheet.getRow(rowNumber).getCell(index + 1).value);

test('账单: 导出当前结果 writes the bills of the search into a sheet, amounts as numbers in 元', async () => {
  await waitForText('共 1 张账单');
  await clickText('.list-toolbar button:not([disabled])', '导出当前结果');
  await waitForText('按当前筛选条件（学号 2025300001）导出 1 张账单');
  await page.waitForSelector('[data-testid="download-done"]', { visible: true });
  const name = `账单明细_全部学期_${fileDate()}.xlsx`;
  expect(await texts('[data-testid="download-done"]')).toEqual([`已导出 1 行，文件“${name}”已开始下载。`]);
  const sheet = (await downloaded(name)).getWorksheet('账单明细')!;
  const width = EXPORT_COLUMNS.bills.length;
  expect(sheetRow(sheet, 1, width)).toEqual(EXPORT_COLUMNS.bills.map((column) => column.header));
  expect(sheetRow(sheet, 2, width)).toEqual(['2025300001', '王晓明', '继续教育学院', '会计学', '2025级', '会计2501班', TERM, '学费', 4500.5, DEADLINE_TEXT, '是', '待缴费']);
  expect(sheet.getRow(2).getCell(9).numFmt).toBe('0.00');
  expect(sheet.rowCount).toBe(2);
  await screenshot('bills-export');
  await clickText('[role="dialog"] button', '完成');
  await page.waitForSelector('[data-testid="download-done"]', { hidden: true });
});

test('学生: an imported student is found with the ID number masked, gets an activation code once, and later has the account reset with a new phone', async () => {
  await clickText('nav[aria-label="主菜单"] a', '学生');
  await waitForHash('#/students');
  const zhao = ROSTER[2]!;
  await page.type('#student-query', zhao.studentNo);
  await clickText('.students__actions button', '查询');
  await waitForText('共 1 名学生');
  const [row] = await tableRows('[aria-label="学生列表"]');
  expect(row!.slice(0, 3)).toEqual([zhao.studentNo, zhao.name, `${zhao.idNumber.slice(0, 4)}${'*'.repeat(10)}${zhao.idNumber.slice(-4)}`]);
  await clickText('[aria-label="学生列表"] button', '详情');
  await waitForText('学校未登记（首次登录需要激活码）');
  await clickText('.student-drawer__actions button', '发放激活码');
  await page.waitForFunction(() => document.activeElement?.id === 'student-action-reason');
  await page.type('#student-action-reason', '学生来电，本人无手机号');
  await clickText('[role="dialog"][aria-modal="true"] button', '发放激活码');
  const code = await page.waitForSelector('[data-testid="activation-code"]', { visible: true });
  expect(await code!.evaluate((element) => (element as unknown as PageElement).innerText)).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
  await waitForText('激活码只显示这一次');
  await screenshot('student-activation-code');
  await clickText('[role="dialog"][aria-modal="true"] button', '完成');
  await page.waitForSelector('[data-testid="activation-code"]', { hidden: true });

  // The student calls again: they have a phone now. 重置账号 checks the ID number and puts it on file.
  await clickText('.student-drawer__actions button', '重置账号');
  await page.waitForFunction(() => document.activeElement?.id === 'student-account-id');
  await page.type('#student-account-id', zhao.idNumber);
  await page.type('#student-account-phone', '13905351234');
  await page.type('#student-action-reason', '学生来电，已登记本人新手机号');
  await clickText('[role="dialog"][aria-modal="true"] button', '确认重置账号');
  await waitForText('登记手机号改为 139****1234');
  await screenshot('student-account-reset');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#student-account-id', { hidden: true });
  await page.keyboard.press('Escape');
});

test('收费项目 are listed for a 收费员 to read, not to edit', async () => {
  await clickText('nav[aria-label="主菜单"] a', '收费项目');
  await waitForHash('#/fee-items');
  await page.waitForFunction((count: number) => document.querySelectorAll('[aria-label="收费项目列表"] tbody tr').length === count, {}, DEMO_FEE_ITEMS.length);
  expect((await tableRows('[aria-label="收费项目列表"]')).map((row) => row.slice(0, 2))).toEqual(DEMO_FEE_ITEMS.map((item) => [item._id, item.name]));
  expect(await page.$$eval('[aria-label="收费项目列表"] button', (buttons) => buttons.length)).toBe(0);
  await screenshot('fee-items-cashier');
});

test('导出: the 未缴学生名单 of the newest term downloads with the server’s columns, one row per student', async () => {
  await clickText('nav[aria-label="主菜单"] a', '导出');
  await waitForHash('#/exports');
  expect(await texts('.exports__kind label')).toEqual(Object.values(EXPORT_LABELS));
  // The newest term with bills is chosen already.
  await page.waitForFunction((label: string) => (document.querySelector('#export-term') as unknown as { value: string } | null)?.value === label, {}, '2026-2027学年第一学期');
  // The first page fails: the page says so and 重试 goes on from that page.
  refuseNextExportPage = true;
  await clickText('.exports__actions button', '导出');
  await waitForText('读取第 1 页失败：服务繁忙，请稍后重试');
  await waitForText('已取得 0 / 3 行');
  expect(takeRefusals(503)).toHaveLength(1);
  await screenshot('exports-page-failed');
  await clickText('[data-testid="download-progress"] button', '重试');
  await page.waitForSelector('[data-testid="download-done"]', { visible: true });
  // Counted and recorded once, however many tries the pages took (the bills export before it, and this one).
  expect(await collection(cloud.running.cloud.sdkDatabase(), 'auditLog').count({ action: 'admin.startExport' })).toBe(2);
  const name = `未缴学生_${TERM}_${fileDate()}.xlsx`;
  expect(await texts('[data-testid="download-done"]')).toEqual([`已导出 3 行，文件“${name}”已开始下载。`]);
  const sheet = (await downloaded(name)).getWorksheet('未缴学生')!;
  const width = EXPORT_COLUMNS.unpaid.length;
  expect(sheetRow(sheet, 1, width)).toEqual(EXPORT_COLUMNS.unpaid.map((column) => column.header));
  expect(sheet.rowCount).toBe(4);
  const rows = [2, 3, 4].map((rowNumber) => sheetRow(sheet, rowNumber, width));
  // The adjusted 学费 of 王晓明, and 李雪's two bills summed.
  expect(rows.find((row) => row[0] === '2025300001')).toEqual(['2025300001', '王晓明', '继续教育学院', '会计学', '2025级', '会计2501班', '学费', 4500.5, '', null, DEADLINE_TEXT]);
  expect(rows.find((row) => row[0] === '2025300002')).toEqual(['2025300002', '李雪', '继续教育学院', '会计学', '2025级', '会计2501班', '教材费、学费', 5250.5, '', null, DEADLINE_TEXT]);
  await screenshot('exports-unpaid');
});

test('the 收费员 signs out', async () => {
  await clickText('header button', '退出');
  await waitForHash('#/login');
  await page.waitForSelector('img[alt="登录小程序码"]', { visible: true });
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
});

test('a 审核 finds the adjustment in 审计日志 with who, before → after and the reason, and exports it', async () => {
  await simulateScanAs('审核');
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览', '账单', '退款', '待核实', '对账', '学生', '导入', '导出', '收费项目', '审计日志']);
  await clickText('nav[aria-label="主菜单"] a', '审计日志');
  await waitForHash('#/audit');
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="审计日志"] tbody tr').length > 1);
  // The actions to filter by, named as the server names them.
  await page.click('#audit-action');
  await page.waitForSelector('.t-select-option', { visible: true });
  expect(await texts('.t-select-option')).toEqual(Object.entries(AUDIT_ACTION_LABELS).map(([action, label]) => `${label}（${action}）`));
  await clickText('.t-select-option', '调整账单金额（admin.adjustBill）');
  await page.waitForSelector('.t-select-option', { hidden: true });
  await clickText('.audit__actions button', '查询');
  await waitForText('共 1 条记录');
  const [row] = await tableRows('[aria-label="审计日志"]');
  const [at, ...rest] = row!.filter((cell) => cell !== '');
  expect(at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  expect(rest).toEqual(['李敏', '收费员', '调整账单金额', `账单 bill-2025300001-${TERM}-XF`, '金额：¥4,800.00 → ¥4,500.50', '更正：学院核定学费']);
  // The whole record on expand: each field before and after.
  await clickText('[aria-label="审计日志"] tbody td', '调整账单金额');
  await page.waitForSelector('[data-testid="audit-detail"]', { visible: true });
  expect(await tableRows('[data-testid="audit-detail"] .audit__change-table')).toEqual([
    ['¥4,800.00', '¥4,500.50'],
    ['待缴费', '待缴费'],
  ]);
  expect(await texts('[data-testid="audit-detail"] .audit__change-table tbody th')).toEqual(['金额', '状态']);
  await screenshot('audit', { fullPage: true });

  await clickText('.audit__actions button', '导出');
  await page.waitForSelector('[data-testid="download-done"]', { visible: true });
  const sheet = (await downloaded(`审计日志_全部_${fileDate()}.xlsx`)).getWorksheet('审计日志')!;
  expect(sheetRow(sheet, 1, 8)).toEqual(['时间', '人员', '角色', '操作', '对象', '变更', '原因', '其他记录']);
  expect(sheetRow(sheet, 2, 8)).toEqual([at, '李敏', '收费员', '调整账单金额', `账单 bill-2025300001-${TERM}-XF`, '金额：¥4,800.00 → ¥4,500.50', '更正：学院核定学费', '']);
  expect(sheet.rowCount).toBe(2);
});

test('the 审核 signs out', async () => {
  await clickText('header button', '退出');
  await waitForHash('#/login');
  await page.waitForSelector('img[alt="登录小程序码"]', { visible: true });
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
});

// ---- money the office handles by hand: a refund with four eyes, a review case, a day reconciled ----

describe('退款, 待核实 and 对账: a refund asked for by one person and approved by another', () => {
  /** A student who paid a term's three bills in one order, and one whose payment WeChat reports differently. */
  const PAYER = { studentNo: '2025300088', name: '周晓燕' };
  const PAYER_ITEMS = [
    { itemCode: 'XF', itemName: '学费', amount: 480000 },
    { itemCode: 'ZSF', itemName: '住宿费', amount: 120000 },
    { itemCode: 'JCF', itemName: '教材费', amount: 45050 },
  ];
  const DISPUTED = { studentNo: '2025300099', name: '陈晨' };
  let payerOrderId = '';
  let disputedOrderId = '';
  /** The Beijing day the disputed payment was taken, for 对账. */
  let disputedDay = '';

  /** A student with the term's bills and an order of them (立即支付 tapped), in the console's cloud. */
  async function studentWithOrder(who: { studentNo: string; name: string }, items: typeof PAYER_ITEMS): Promise<{ openid: string; orderId: string; total: number }> {
    const db = cloud.running.cloud.sdkDatabase();
    const now = cloud.running.cloud.clock.now();
    const student = await createSignedInStudent(cloud.running.cloud, { studentNo: who.studentNo });
    const org = { name: who.name, college: '继续教育学院', major: '会计学', grade: '2025级', className: '会计2501班' };
    await collection(db, 'students').updateById(student.studentId, org);
    const deadline = new Date(now.getTime() + 90 * 24 * 3600_000);
    const bills = items.map((item) => newBill({ studentId: student.studentId, studentNo: student.studentNo, student: org, term: TERM, ...item, amount: fen(item.amount), mandatory: true, deadline, now }));
    for (const bill of bills) await collection(db, 'bills').insert(bill);
    const created = (await cloud.running.cloud.invoke('pay', { action: 'create', billIds: bills.map((bill) => bill._id), email: 'student@example.edu.cn' }, { openid: student.openid })) as ApiResult<{
      order: { id: string; total: number };
    }>;
    if (!created.ok) throw new Error(created.message);
    return { openid: student.openid, orderId: created.data.order.id, total: created.data.order.total };
  }

  beforeAll(async () => {
    const paid = await studentWithOrder(PAYER, PAYER_ITEMS);
    payerOrderId = paid.orderId;
    await cloudPaySandboxOf(cloud.running.cloud).pay(paid.orderId, { openid: paid.openid });
    await cloudPaySandboxOf(cloud.running.cloud).settle();
  });

  /** Clicks the visible element matching the selector whose text contains this (a checkbox or radio with more than its label). */
  async function clickContaining(selector: string, text: string): Promise<void> {
    const found = await page.waitForFunction(
      (css: string, expected: string) => [...document.querySelectorAll(css)].find((element) => element.innerText.includes(expected) && element.getClientRects().length > 0) ?? null,
      {},
      selector,
      text,
    );
    await (found.asElement() as ElementHandle<PageElement>).click();
  }

  /** The side panel has finished sliding in (for a screenshot of all of it). */
  async function drawerOpened(): Promise<void> {
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.t-drawer--open .t-drawer__content-wrapper')].some((panel) => ['none', 'matrix(1, 0, 0, 1, 0, 0)'].includes(getComputedStyle(panel).transform)),
    );
  }

  /** The rows of 退款列表 once the page has its answer. */
  async function refundRows(): Promise<string[][]> {
    await page.waitForFunction(() => !document.querySelector('[aria-label="退款列表"] .t-table__loading, [aria-label="退款列表"] .t-loading'));
    await page.waitForFunction(() => !document.body.innerText.includes('正在查询…'));
    return tableRows('[aria-label="退款列表"]');
  }

  test('a 收费员 asks for a refund of 住宿费 from the bill’s detail: the amount is shown, the reason checked', async () => {
    await simulateScanAs('收费员');
    await clickText('nav[aria-label="主菜单"] a', '账单');
    await waitForHash('#/bills');
    await page.type('#bill-filter-no', PAYER.studentNo);
    await clickText('.bill-filters button', '查询');
    await waitForText('共 3 张账单');
    await page.click(`[aria-label="${PAYER.name} 住宿费 详情"]`);
    await page.waitForSelector('[data-testid="bill-amount"]', { visible: true });
    await waitForText('如需退还，请申请退款');
    await clickText('.record-actions button', '申请退款');
    await page.waitForSelector('#refund-request-reason', { visible: true });
    // Once it has opened, focus is inside it.
    await page.waitForFunction(() => document.activeElement?.closest('[role="dialog"]') !== null);
    // Nothing refunded yet: the whole order is offered first.
    await waitForText('¥6,450.50，原路退回学生的微信支付账户');
    await clickText('[role="dialog"] .t-radio', '选择账单');
    await waitForText('请选择要退款的账单');
    await clickContaining('[role="dialog"] .refund-request__bill', '住宿费');
    expect(await texts('[data-testid="refund-request-amount"]')).toEqual(['¥1,200.00，原路退回学生的微信支付账户']);
    await clickContaining('[role="dialog"] .refund-request__become .t-radio', '待缴费');
    await page.type('#refund-request-reason', '未入住');
    await clickText('[role="dialog"] button', '提交退款申请');
    await waitForText(`原因至少 ${REASON_MIN_LENGTH} 个字`);
    await page.type('#refund-request-reason', '，退回住宿费');
    await screenshot('refund-request');
    await clickText('[role="dialog"] button', '提交退款申请');
    await page.waitForSelector('#refund-request-reason', { hidden: true });
    await waitForText('已提交退款申请 ¥1,200.00，等待审核人员审批');
    // Nothing moves before a 审核 decides: the bill is still paid.
    expect(await texts('.record-summary__figure .t-tag')).toEqual(['已缴费']);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="bill-amount"]', { hidden: true });
  });

  test('退款 lists it as 待审核 for the 收费员, who cannot decide it', async () => {
    await clickText('nav[aria-label="主菜单"] a', '退款');
    await waitForHash('#/refunds');
    // The states to filter by, named as the server names them.
    const states = await texts('[data-testid="refund-states"] label');
    expect(states[0]).toBe('全部');
    expect([...states.slice(1)].sort()).toEqual(Object.values(REFUND_STATE_TEXT).sort());
    await waitForText('共 1 笔退款');
    const [row] = await refundRows();
    expect(row!.slice(1, 7)).toEqual([PAYER.studentNo, `住宿费\n${TERM}`, '1,200.00\n订单实付 6,450.50', '待缴费', '李敏', '待审核']);
    expect(await texts('[aria-label="退款列表"] tbody button')).toEqual(['详情']);
    await screenshot('refunds-cashier');
    await clickText('header button', '退出');
    await waitForHash('#/login');
  });

  test('the requester made a 审核 meanwhile still cannot approve their own request', async () => {
    const admin = await cloud.signInAs('admin');
    const moved = await cloud.api('updateStaff', { staffId: cloud.openidOf('cashier'), role: 'reviewer', reason: '临时兼任审核' }, { token: admin });
    expect(moved.result.ok).toBe(true);
    try {
      // 李敏's phone scans the code: the same person, now a 审核.
      await simulateScanAs('收费员');
      expect(await texts('[data-testid="staff-name"]')).toEqual(['李敏']);
      expect(await texts('[data-testid="staff-role"]')).toEqual(['审核']);
      await clickText('nav[aria-label="主菜单"] a', '退款');
      await waitForHash('#/refunds');
      // A 审核 starts on what waits for a decision.
      await waitForText('共 1 笔退款');
      expect(await texts('[data-testid="refund-states"] .t-is-checked')).toEqual(['待审核']);
      const disabled = await page.$$eval('[aria-label="退款列表"] tbody button', (buttons) =>
        buttons.map((button) => [(button as unknown as PageElement).innerText.trim(), (button as unknown as { disabled: boolean }).disabled]),
      );
      expect(disabled).toEqual([
        ['详情', false],
        ['批准', true],
        ['驳回', true],
      ]);
      await waitForText('本人申请，须由另一位审核人员审批');
      await clickText('[aria-label="退款列表"] button', '详情');
      await waitForText('这是您本人提出的申请，须由另一位审核人员审批');
      await drawerOpened();
      await screenshot('refund-own-request');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid="refund-progress"]', { hidden: true });
      await clickText('header button', '退出');
      await waitForHash('#/login');
    } finally {
      const back = await cloud.api('updateStaff', { staffId: cloud.openidOf('cashier'), role: 'cashier', reason: '兼任结束，恢复收费员' }, { token: admin });
      expect(back.result.ok).toBe(true);
    }
  });

  test('a 审核 approves it; once WeChat has paid it back it is 已退款, step by step', async () => {
    await simulateScanAs('审核');
    await clickText('nav[aria-label="主菜单"] a', '退款');
    await waitForHash('#/refunds');
    await waitForText('共 1 笔退款');
    await clickText('[aria-label="退款列表"] button', '批准');
    await page.waitForFunction(() => document.activeElement?.id === 'refund-decision-reason');
    await waitForText('批准后，¥1,200.00 立即提交微信支付');
    await screenshot('refund-approve');
    await clickText('[role="dialog"] button', '确认批准');
    await waitForText('已批准：¥1,200.00 已提交微信支付退款');
    await waitForText('没有待审核的退款申请');
    // WeChat pays it back and says so (the refund-result callback).
    await settleRefunds(cloud);
    await clickText('[data-testid="refund-states"] label', '已退款');
    await waitForText('共 1 笔退款');
    const [row] = await refundRows();
    expect(row!.slice(1, 7)).toEqual([PAYER.studentNo, `住宿费\n${TERM}`, '1,200.00\n订单实付 6,450.50', '待缴费', '李敏', '已退款']);
    await screenshot('refunds');
    await clickText('[aria-label="退款列表"] button', '详情');
    await page.waitForSelector('[data-testid="refund-progress"]', { visible: true });
    await drawerOpened();
    expect(await texts('[data-testid="refund-state"]')).toEqual(['已退款']);
    expect(await texts('[data-testid="refund-progress"] strong')).toEqual(['提出申请', '已批准', '已退款']);
    await waitForText('李敏：未入住，退回住宿费');
    await screenshot('refund-detail');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="refund-progress"]', { hidden: true });
  });

  test('账单 shows what was asked for: 住宿费 待缴费 again, the rest still paid, the order partly refunded', async () => {
    await clickText('nav[aria-label="主菜单"] a', '账单');
    await waitForHash('#/bills');
    await page.type('#bill-filter-no', PAYER.studentNo);
    await clickText('.bill-filters button', '查询');
    await waitForText('共 3 张账单');
    expect((await tableRows('[aria-label="账单列表"]')).map((row) => [row[4], row[7]])).toEqual([
      ['教材费', '已缴费'],
      ['学费', '已缴费'],
      ['住宿费', '待缴费'],
    ]);
    await page.click(`[aria-label="${PAYER.name} 学费 详情"]`);
    await page.waitForSelector('[aria-label="该账单的订单"]', { visible: true });
    const [order] = await tableRows('[aria-label="该账单的订单"]');
    expect([order![0], order![1], order![2], order![6]]).toEqual([payerOrderId, '已支付', '6,450.50', '1,200.00']);
    await page.keyboard.press('Escape');
  });

  test('待核实 is empty', async () => {
    await clickText('nav[aria-label="主菜单"] a', '待核实');
    await waitForHash('#/cases');
    await waitForText('共 0 件待核实');
    await waitForText('没有待核实的事项');
    // The kinds to filter by, named as the server names them.
    await page.click('#case-filter-kind');
    await page.waitForSelector('.t-select-option', { visible: true });
    expect(await texts('.t-select-option')).toEqual(Object.values(CASE_KIND_TEXT));
    await clickText('h1', '待核实');
    await page.waitForSelector('.t-select-option', { hidden: true });
    await screenshot('cases-empty');
  });

  test('a payment WeChat reports with another amount: 概览 links to it, our record and WeChat’s side by side; it cannot be confirmed or closed while WeChat holds the money, and the case says what to do', async () => {
    const disputed = await studentWithOrder(DISPUTED, [{ itemCode: 'XF', itemName: '学费', amount: 480000 }]);
    disputedOrderId = disputed.orderId;
    const sandbox = cloudPaySandboxOf(cloud.running.cloud);
    sandbox.dropNextCallbacks();
    await sandbox.pay(disputed.orderId, { openid: disputed.openid });
    disputedDay = shanghaiDate(cloud.running.cloud.clock.now());
    sandbox.alterOrder(disputed.orderId, { totalFee: 1 });
    await sandbox.sendCallback({ ...sandbox.callbackEventFor(disputed.orderId), totalFee: disputed.total });

    await clickText('nav[aria-label="主菜单"] a', '概览');
    await waitForHash('#/dashboard');
    await waitForText('有 1 件待处理');
    await clickText('a', '去处理');
    await waitForHash('#/cases');
    await waitForText('共 1 件待核实');
    const [row] = await tableRows('[aria-label="待核实事项"]');
    expect(row!.slice(1)).toEqual(['支付待核实', '微信支付记录的金额与订单金额不符', DISPUTED.studentNo, disputedOrderId, '4,800.00', '待核实', '详情']);
    await clickText('[aria-label="待核实事项"] button', '详情');
    await page.waitForSelector('[aria-label="本系统记录与微信支付记录"]', { visible: true });
    await drawerOpened();
    expect(await tableRows('[aria-label="本系统记录与微信支付记录"]')).toEqual(
      expect.arrayContaining([
        ['待支付', '支付成功'],
        ['¥4,800.00', '¥0.01'],
      ]),
    );
    expect(await texts('[aria-label="本系统记录与微信支付记录"] tr[data-differs] th')).toEqual(['支付状态 不一致', '金额 不一致']);
    await screenshot('case-detail');

    // WeChat's record does not fit: confirming is refused, in the server's words, and nothing changes.
    await clickText('[data-testid="case-actions"] button', '确认已缴费');
    await page.waitForFunction(() => document.activeElement?.id === 'case-resolve-reason');
    await page.type('#case-resolve-reason', '已核对微信支付记录');
    await clickText('[role="dialog"][aria-modal="true"] button', '确认已缴费');
    await waitForText('微信支付记录的金额（0.01 元）与订单金额（4,800.00 元）不一致');
    expect(takeRefusals(422)).toHaveLength(1);
    await clickText('[role="dialog"][aria-modal="true"] button', '取消');
    await page.waitForSelector('#case-resolve-reason', { hidden: true });

    // Closing would strand the student's 0.01 元: it is not offered, and the case says how to settle it first.
    expect(await texts('[data-testid="case-actions"] button')).not.toContain('关闭');
    await waitForText('请先在微信支付商户平台（pay.weixin.qq.com）的“交易中心 → 退款”中将该笔款项原路退还学生');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[aria-label="本系统记录与微信支付记录"]', { hidden: true });
    expect(await texts('.cases [role="status"]')).toEqual(['共 1 件待核实']);
    await screenshot('cases');
  });

  test('对账 lists the days with why each is not reconciled yet', async () => {
    await clickText('nav[aria-label="主菜单"] a', '对账');
    await waitForHash('#/reconciliation');
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="对账结果"] tbody tr').length >= 30);
    await waitForText('共 30 天');
    // The newest day is yesterday: not reconciled here, where no timer has run.
    const first = (await tableRows('[aria-label="对账结果"]'))[0]!;
    expect(first[1]).toMatch(/^未对账/);
    await screenshot('reconciliation');
    await clickText('header button', '退出');
    await waitForHash('#/login');
  });

  test('the next morning a 审核 reconciles the day again: the payment WeChat has at another amount is a difference that links to its case', async () => {
    // 10:30 the next morning (Beijing): the day's statement exists.
    const code = await page.waitForSelector('img[alt="登录小程序码"][src^="data:image/png"]', { visible: true });
    const stale = await code!.evaluate((element) => (element as unknown as PageElement).src);
    const nextMorning = Date.parse(`${shanghaiDate(new Date(Date.parse(`${disputedDay}T12:00:00+08:00`) + 24 * 3600_000))}T10:30:00+08:00`);
    cloud.running.cloud.clock.advance(nextMorning - cloud.running.cloud.clock.nowMs());
    // The code on the login page expired overnight and is replaced by itself.
    await page.waitForFunction(
      (previous: string) => [...document.querySelectorAll('img[alt="登录小程序码"]')].some((image) => image.src.startsWith('data:') && image.src !== previous),
      {},
      stale,
    );
    await simulateScanAs('审核');
    await clickText('nav[aria-label="主菜单"] a', '对账');
    await waitForHash('#/reconciliation');
    await page.waitForSelector(`[aria-label="${disputedDay} 重新对账"]`, { visible: true });
    await page.click(`[aria-label="${disputedDay} 重新对账"]`);
    await waitForText(`从微信支付下载 ${disputedDay} 的对账单`);
    await page.waitForFunction(() => document.activeElement?.closest('[role="dialog"]') !== null);
    await clickText('[role="dialog"] button', '确认重新对账');
    await page.waitForSelector('[data-testid="reconciliation-differences"]', { visible: true });
    // WeChat's statement has the disputed 0.01 元 beside the two payments applied here; the refund agrees.
    const day = (await tableRows('[aria-label="对账结果"]')).find((row) => row[0] === disputedDay)!;
    expect(day[1]).toMatch(/^有差异/);
    const totals = (cell: string): [number, number] => {
      const [amount, count] = cell.split('\n');
      return [Math.round(Number(amount!.replace(/,/g, '')) * 100), Number.parseInt(count!, 10)];
    };
    const [wechatPaid, ourPaid] = [totals(day[2]!), totals(day[3]!)];
    expect([wechatPaid[0] - ourPaid[0], wechatPaid[1] - ourPaid[1]]).toEqual([1, 1]);
    expect(day.slice(4, 7)).toEqual(['1,200.00\n1 笔', '1,200.00\n1 笔', '1 项']);
    await screenshot('reconciliation-differences', { fullPage: true });
    const differences = await tableRows('[data-testid="reconciliation-differences"] table');
    expect(differences).toEqual([expect.arrayContaining([disputedOrderId, '查看事项'])]);
    await clickText('[data-testid="reconciliation-differences"] a', '查看事项');
    await waitForHash('#/cases');
    await page.waitForSelector('[aria-label="本系统记录与微信支付记录"]', { visible: true });
    // The difference is the disputed payment, which its order's open case already holds: the link
    // leads to that case, still waiting to be settled, rather than to a second one.
    expect(await texts('.case-drawer__kind .t-tag')).toEqual(['支付待核实']);
    expect(await texts('[data-testid="case-state"]')).toEqual(['待核实']);
    expect(await tableRows('[aria-label="本系统记录与微信支付记录"]')).toEqual(expect.arrayContaining([['¥4,800.00', '¥0.01']]));
    await page.keyboard.press('Escape');
    await page.waitForSelector('[aria-label="本系统记录与微信支付记录"]', { hidden: true });
  });
});
