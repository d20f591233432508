/**
 * The finance console in a real Chromium (the one @sparticuz/chromium ships), served by the local
 * cloud as `npm start` serves it: sign in by scanning, the dashboard, the staff page, inviting,
 * signing out, and what a read-only member sees. Screenshots at 1366×768 go to a temp folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { STAFF_ROLES } from '../../cloudfunctions/shared/kernel/contract';
import { REASON_MIN_LENGTH } from '../../cloudfunctions/shared/kernel/validate';
import { DEVELOPMENT_DEFAULTS } from '../../cloudfunctions/shared/runtime/environment';
import { ADMIN_ERRORS, ROLE_DUTIES, ROLE_LABELS, type StaffInvitationView } from '../../cloudfunctions/shared/staff/contract';
import { readWxacodeText } from '../../local/wechat-openapi/wxacode';
import { DEMO_STAFF } from '../../local/seed/staff';
import { startConsoleCloud, type ConsoleCloud } from '../integration/admin/support';
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
}
declare const document: {
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
  readonly head: PageElement;
  readonly cookie: string;
  readonly fonts: { readonly ready: Promise<unknown> };
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  createElement(tag: 'style'): PageElement;
  addEventListener(type: 'DOMContentLoaded', listener: () => void): void;
};
declare const location: { hash: string };
declare function getComputedStyle(element: PageElement): { readonly outlineStyle: string };
declare const sessionStorage: PageStorage;
declare const localStorage: PageStorage;

const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = mkdtempSync(path.join(os.tmpdir(), 'zhjf-console-shots-'));
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
  const executablePath = (unpacked as PromiseFulfilledResult<string>).value;
  consoleUrl = `${cloud.origin}/admin/`;
  // Its Lambda defaults turn web security off, which also drops the Origin header a real browser
  // sends with every POST; the admin function (rightly) refuses a request without one.
  const args = chromium.args.filter((arg) => arg !== '--disable-web-security');
  browser = await puppeteer.launch({ executablePath, args, headless: true, defaultViewport: { width: 1366, height: 768 } });
  page = await browser.newPage();
  page.setDefaultTimeout(8_000);
  page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(`console: ${message.text()}`);
  });
  const font = readFileSync(FONT_FILE);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === FONT_PATH) void request.respond({ status: 200, contentType: 'font/otf', body: font });
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

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
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

async function screenshot(name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  shotNumber += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shotNumber).padStart(2, '0')}-${name}.png`) });
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
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览', '财务人员']);
  // The token is in this tab's sessionStorage only: no cookie, nothing in localStorage.
  const storage = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
  expect(storage).toEqual({ session: 1, local: 0, cookie: '' });
  await screenshot('dashboard-admin');
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

test('a 只读 member does not see 财务人员, nor reach it by address', async () => {
  await simulateScanAs('只读');
  await page.waitForSelector('[data-testid="staff-name"]');
  expect(await texts('[data-testid="staff-name"]')).toEqual(['孙悦']);
  expect(await texts('[data-testid="staff-role"]')).toEqual(['只读']);
  expect(await texts('nav[aria-label="主菜单"] a')).toEqual(['概览']);
  await page.evaluate(() => {
    location.hash = '#/staff';
  });
  await waitForText('您的角色不能使用“财务人员”');
  expect(await hash()).toBe('#/dashboard');
  await screenshot('dashboard-viewer');
});

test('a session the server has ended takes the person back to the login page', async () => {
  const ended = await cloud.api('signOut', {}, { token: (await sessionToken()) ?? '' });
  expect(ended.result.ok).toBe(true);
  await page.reload();
  await waitForHash('#/login');
  await waitForText('登录已失效');
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(takeRefusals(401)).toHaveLength(1);
});

test('an expired code is replaced by itself five times, then waits for 刷新二维码', async () => {
  const codeSource = (): Promise<string> => page.$eval('img[alt="登录小程序码"]', (element) => (element as unknown as PageElement).src);
  const expireCode = (): void => cloud.running.cloud.clock.advance(2 * 60_000 + 1000);
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
