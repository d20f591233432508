/**
 * 我的发票: the student's receipts from the local cloud — the list, the empty state, opening a PDF
 * (wx.downloadFile + wx.openDocument) and 发送到邮箱 with a bad and a good address; and 票据查验,
 * the page a receipt's QR code leads to, used by someone who is not the student.
 *
 * Paid orders come from the local cloud's receipts sandbox (POST /sandbox/receipts/paid-order),
 * which pays for new bills through the real payment flow (pay.create → the cloudPay sandbox →
 * payNotify, which has the receipt issued).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { httpGet, postJson, type HttpReply } from '../support/http';
import os from 'node:os';
import path from 'node:path';
import { openPage, requestsSettled, type OpenedPage } from './harness';
import { clearRecordedCalls, recordedCalls } from './wx-fake';

const cloudUrl = (): string => process.env.PAGES_LOCAL_CLOUD_URL as string;
/** 我的发票 and 票据查验, in the receipts subpackage. */
const RECEIPTS_PAGE = 'package-receipts/pages/receipts/index';
const VERIFY_PAGE = 'package-receipts/pages/verify/index';
const wxGlobal = (globalThis as unknown as { wx: Record<string, unknown> }).wx;

const post = (url: string, body: unknown, openid?: string): Promise<HttpReply> => postJson(url, body, openid);

/** This device's WeChat account: a fresh one per test, kept where the dev transport keeps it. */
function newDevice(): string {
  const openid = `dev-${randomBytes(12).toString('hex')}`;
  wxGlobal.setStorageSync = wxGlobal.setStorageSync ?? (() => undefined);
  (wxGlobal.setStorageSync as (key: string, value: unknown) => void)('zhjf.devOpenid', openid);
  return openid;
}

interface PaidOrder {
  studentNo: string;
  orderId: string | null;
  receipt: { ok: boolean; data?: { receiptNo: string; receiptId: string } } | null;
  verification: { receiptCode: string; receiptNo: string; checkCode: string } | null;
}

async function paidOrder(openid: string, body: Record<string, unknown> = {}): Promise<PaidOrder> {
  const res = await post(`${cloudUrl()}/sandbox/receipts/paid-order`, body, openid);
  if (res.status === 404) {
    throw new Error('The local cloud has no receipts sandbox: local/sandboxes.ts must call installLocalReceipts(cloud, server) from local/receipts.');
  }
  if (res.status !== 200) throw new Error(`sandbox answered ${res.status}: ${JSON.stringify(res.json)}`);
  const made = res.json as PaidOrder;
  if (made.receipt && !made.receipt.ok) throw new Error(`issuing failed: ${JSON.stringify(made.receipt)}`);
  return made;
}

// WeChat's file APIs, as a phone does them: download over HTTP to a temporary file; open it.
const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhjf-pages-receipts-'));
const opened: { filePath: string; fileType?: string }[] = [];
const downloads: { url: string; statusCode: number }[] = [];

beforeAll(async () => {
  // The receipts function loads pdfkit and its font on first use; load it before the pages time
  // their requests (a cold start on a busy machine can exceed the transport's timeout).
  await post(`${cloudUrl()}/functions/receipts`, { action: 'list' }, 'dev-warm-up');
  wxGlobal.downloadFile = (options: { url: string; success?: (res: Record<string, unknown>) => void; fail?: (res: Record<string, unknown>) => void }) => {
    httpGet(options.url).then(
      (reply) => {
        const tempFilePath = path.join(tempDir, `${downloads.length + 1}.tmp`);
        fs.writeFileSync(tempFilePath, reply.body);
        downloads.push({ url: options.url, statusCode: reply.status });
        options.success?.({ tempFilePath, statusCode: reply.status, errMsg: 'downloadFile:ok' });
      },
      (error: Error) => options.fail?.({ errMsg: `downloadFile:fail ${error.message}` }),
    );
  };
  wxGlobal.openDocument = (options: { filePath: string; fileType?: string; success?: (res: Record<string, unknown>) => void }) => {
    opened.push({ filePath: options.filePath, fileType: options.fileType });
    setTimeout(() => options.success?.({ errMsg: 'openDocument:ok' }), 0);
  };
});

afterAll(() => {
  fs.rmSync(tempDir, { recursive: true, force: true });
});

let page: OpenedPage | undefined;

beforeEach(() => {
  clearRecordedCalls();
  opened.length = 0;
  downloads.length = 0;
});

afterEach(async () => {
  await page?.close();
  page = undefined;
});

/** Types into a native input as a finger would: the input event, then a tick for its handler. */
async function type(target: OpenedPage, selector: string, value: string): Promise<void> {
  target.find(selector).dispatchEvent('input', { detail: { value } });
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const receiptRequests = (action: string) =>
  recordedCalls('request').filter((call) => String(call.options.url).endsWith('/functions/receipts') && (call.options.data as { action?: string }).action === action);

/** A new device signed in as a student who has paid once, on 我的发票 showing that receipt. */
async function receiptsPageAfterPaying(body: Record<string, unknown> = {}): Promise<{ shown: OpenedPage; made: PaidOrder; receiptNo: string }> {
  const made = await paidOrder(newDevice(), body);
  const receiptNo = made.receipt!.data!.receiptNo;
  const shown = (page = await openPage(RECEIPTS_PAGE));
  await shown.waitForText(`票据号码 ${receiptNo}`);
  return { shown, made, receiptNo };
}

test('a student who is not signed in is asked to sign in', async () => {
  newDevice();
  page = await openPage(RECEIPTS_PAGE);
  await page.waitForText('登录后查看发票');
  await page.tapText('去登录');
  expect(recordedCalls('navigateTo').map((call) => call.options.url)).toEqual(['/pages/login/index']);
});

test('a signed-in student without paid orders sees 暂无发票', async () => {
  const openid = newDevice();
  await paidOrder(openid, { order: false, name: '陈玥' });
  page = await openPage(RECEIPTS_PAGE);
  await page.waitForText('暂无发票');
  expect(page.text()).toContain('缴费成功后，电子票据会显示在这里');
  expect(page.text()).not.toContain('票据号码');
});

test('lists the receipts newest first with number, amount, date and 已开具', async () => {
  const openid = newDevice();
  const first = await paidOrder(openid, { name: '刘䶮玥' });
  const second = await paidOrder(openid, { lines: [{ itemCode: 'JCF', itemName: '教材费', amount: 45050 }] });
  const firstNo = first.receipt!.data!.receiptNo;
  const secondNo = second.receipt!.data!.receiptNo;

  page = await openPage(RECEIPTS_PAGE);
  await page.waitForText(`票据号码 ${secondNo}`);
  const text = page.text();
  expect(text).toContain('共 2 张电子票据');
  expect(text).toContain(`票据号码 ${firstNo}`);
  expect(text).toContain('¥4,400.00');
  expect(text).toContain('¥450.50');
  expect(text).toContain('已开具');
  expect(text).toContain('2026-2027 学年 · 学费、住宿费');
  expect(text).toMatch(/开票日期 \d{4}-\d{2}-\d{2}/);
  // Newest first.
  expect(text.indexOf(secondNo)).toBeLessThan(text.indexOf(firstNo));
});

test('tapping a receipt downloads its PDF and opens it', async () => {
  const { shown, receiptNo } = await receiptsPageAfterPaying({ name: '王㛃' });
  page = shown;
  await page.tap(`#receipt-${receiptNo}`);
  await requestsSettled();
  for (let i = 0; i < 100 && opened.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));

  expect(receiptRequests('download')).toHaveLength(1);
  expect(downloads).toHaveLength(1);
  expect(downloads[0]!.url.startsWith(`${cloudUrl()}/storage/`)).toBe(true);
  expect(downloads[0]!.statusCode).toBe(200);
  expect(opened).toHaveLength(1);
  expect(opened[0]!.fileType).toBe('pdf');
  const pdf = fs.readFileSync(opened[0]!.filePath);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(recordedCalls('showToast')).toEqual([]);
});

test('发送到邮箱 with a bad address says so and sends nothing', async () => {
  const { shown, made, receiptNo } = await receiptsPageAfterPaying({ email: 'wang@example.edu.cn' });
  page = shown;

  await page.tap(`#email-${receiptNo}`);
  await page.waitForText('发送到邮箱');
  expect(page.text()).toContain('缴费时填写的邮箱：wa***@example.edu.cn');
  // Tapping 发送到邮箱 opened the sheet, not the PDF.
  expect(receiptRequests('download')).toHaveLength(0);

  await type(page, '#mail-input', 'wang@example');
  await page.tap('#mail-send');
  await page.waitForText('请输入正确的邮箱地址');
  expect(receiptRequests('sendEmail')).toHaveLength(0);

  // Corrected: it goes, and the sheet closes with a confirmation.
  await type(page, '#mail-input', 'Typed@Example.com');
  expect(page.text()).not.toContain('请输入正确的邮箱地址');
  await page.tap('#mail-send');
  await requestsSettled();
  expect(receiptRequests('sendEmail').map((call) => call.options.data)).toEqual([{ action: 'sendEmail', receiptId: made.receipt!.data!.receiptId, email: 'Typed@Example.com' }]);
  expect(recordedCalls('showToast').map((call) => call.options.title)).toEqual(['已发送到 Ty***@example.com']);
  expect(page.text()).not.toContain('将以 PDF 附件发送');

  // The local mail server has it, with the PDF attached.
  const listed = (await post(`${cloudUrl()}/sandbox/mail/messages`, {})).json as { messages: { to: string[]; subject: string; attachments: { filename: string }[] }[] };
  const mail = listed.messages.find((m) => m.to.includes('Typed@example.com'));
  expect(mail).toMatchObject({ subject: `【智慧缴费】电子票据 ${receiptNo}`, attachments: [{ filename: `电子票据-${receiptNo}.pdf` }] });
});

test('发送到邮箱 without an address when the order had none asks for one', async () => {
  const { shown, receiptNo } = await receiptsPageAfterPaying({ email: '' });
  page = shown;
  await page.tap(`#email-${receiptNo}`);
  await page.waitForText('发送到邮箱');
  await page.tap('#mail-send');
  await page.waitForText('请输入接收票据的邮箱地址');
  expect(receiptRequests('sendEmail')).toHaveLength(0);
  await page.tap('#mail-cancel');
  expect(page.text()).not.toContain('将以 PDF 附件发送');
});

test('the 发送到邮箱 sheet stays open for taps inside it and closes for a tap on the page behind it', async () => {
  const { shown, receiptNo } = await receiptsPageAfterPaying({ email: 'wang@example.edu.cn' });
  page = shown;
  await page.tap(`#email-${receiptNo}`);
  await page.waitForText('将以 PDF 附件发送');
  // The dialog is not inside the overlay that closes it, so a screen reader reads the dialog.
  expect(page.find('#mail-sheet-mask').querySelector('#mail-sheet')).toBeFalsy();
  expect(page.find('#mail-sheet-mask').dom?.textContent ?? '').toBe('');
  expect(page.find('#mail-sheet').dom?.textContent).toContain('发送到邮箱');

  await page.tapText(`票据号码 ${receiptNo}，将以 PDF 附件发送`);
  expect(page.text()).toContain('将以 PDF 附件发送');

  await page.tap('#mail-sheet-mask');
  expect(page.text()).not.toContain('将以 PDF 附件发送');
  expect(receiptRequests('sendEmail')).toHaveLength(0);
  expect(receiptRequests('download')).toHaveLength(0);
});

test('查看 PDF beside the receipt opens it too', async () => {
  const { shown, receiptNo } = await receiptsPageAfterPaying();
  page = shown;
  await page.tap(`#open-${receiptNo}`);
  await requestsSettled();
  for (let i = 0; i < 100 && opened.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(receiptRequests('download')).toHaveLength(1);
  expect(opened.map((file) => file.fileType)).toEqual(['pdf']);
});

test('我的发票 leads to 票据查验', async () => {
  const openid = newDevice();
  await paidOrder(openid, { order: false });
  page = await openPage(RECEIPTS_PAGE);
  await page.waitForText('暂无发票');
  await page.tap('#verify-link');
  expect(recordedCalls('navigateTo').map((call) => call.options.url)).toEqual([`/${VERIFY_PAGE}`]);
});

describe('票据查验 (what the QR code on a receipt leads to)', () => {
  let printed: NonNullable<PaidOrder['verification']>;

  beforeAll(async () => {
    const made = await paidOrder(`dev-${randomBytes(12).toString('hex')}`, { name: '刘䶮玥' });
    printed = made.verification!;
  });

  const verifyRequests = () => receiptRequests('verify');

  test('a receipt printed with the old address (pages/verify/index) still opens 票据查验', async () => {
    newDevice();
    const link = `https://pay.example.edu.cn/r?code=${printed.receiptCode}&no=${printed.receiptNo}&check=${printed.checkCode}&date=20261128&amount=440000`;
    page = await openPage('pages/verify/index', { q: encodeURIComponent(link) });
    const redirects = recordedCalls('redirectTo').map((call) => String(call.options.url));
    expect(redirects).toEqual([`/${VERIFY_PAGE}?q=${encodeURIComponent(link)}`]);
    await page.close();
    page = undefined;
    // WeChat opens the page it was sent to with that query.
    const query = Object.fromEntries(redirects[0]!.split('?')[1]!.split('&').map((pair) => pair.split('=') as [string, string]));
    page = await openPage(VERIFY_PAGE, query);
    await page.waitForText('票据真实有效');
  });

  test('opened from the scanned link on a receipt, on a phone that never signed in: 票据真实有效', async () => {
    newDevice(); // a bank clerk's WeChat
    const link = `https://pay.example.edu.cn/r?code=${printed.receiptCode}&no=${printed.receiptNo}&check=${printed.checkCode}&date=20261128&amount=440000`;
    page = await openPage(VERIFY_PAGE, { q: encodeURIComponent(link) });
    await page.waitForText('票据真实有效');
    const text = page.text();
    expect(text).toContain(`票据号码 ${printed.receiptNo}`);
    expect(text).toContain('金额合计 ¥4,400.00');
    expect(text).toContain('交款人 刘*玥');
    expect(text).toContain('已开具');
    expect(verifyRequests().map((call) => call.options.data)).toEqual([
      { action: 'verify', receiptCode: printed.receiptCode, receiptNo: printed.receiptNo, checkCode: printed.checkCode },
    ]);
  });

  test('opened by the 明文 URL Scheme (the fields in the page query)', async () => {
    newDevice();
    page = await openPage(VERIFY_PAGE, { code: printed.receiptCode, no: printed.receiptNo, check: printed.checkCode.toLowerCase() });
    await page.waitForText('票据真实有效');
  });

  test('扫码查验 reads the QR code (fields only, when no link is configured)', async () => {
    newDevice();
    wxGlobal.scanCode = (options: { success?: (res: Record<string, unknown>) => void }) =>
      setTimeout(() => options.success?.({ result: `ZHJF|${printed.receiptCode}|${printed.receiptNo}|${printed.checkCode}|20261128|440000`, errMsg: 'scanCode:ok' }), 0);
    page = await openPage(VERIFY_PAGE);
    await page.waitForText('扫码查验');
    await page.tap('#scan-button');
    await page.waitForText('票据真实有效');
  });

  test('typed by hand: a wrong check code is not confirmed, a malformed one is not sent', async () => {
    newDevice();
    page = await openPage(VERIFY_PAGE);
    await page.waitForText('扫码查验');
    await type(page, '#code-input', printed.receiptCode);
    await type(page, '#no-input', printed.receiptNo);
    await type(page, '#check-input', '12');
    await page.tap('#verify-button');
    await page.waitForText('请输入 8 位票据代码、10 位票据号码和 6 位校验码');
    expect(verifyRequests()).toHaveLength(0);

    const wrong = printed.checkCode === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    await type(page, '#check-input', wrong);
    await page.tap('#verify-button');
    await page.waitForText('未查到该票据，或校验码不符');
    expect(page.text()).not.toContain('金额合计');
  });
});
