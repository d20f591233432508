/**
 * 我的发票: the student's e-receipts. Listing, sending by email, and opening the PDF (the temporary
 * URL from the receipts function → wx.downloadFile → wx.openDocument) all go through here; so does
 * 票据查验 (the verify page any WeChat user reaches from a receipt's QR code).
 */
import type { ReceiptEmailSent, ReceiptListItem, ReceiptVerification } from '../../cloudfunctions/shared/contracts/receipts';
import { callFunction } from './call';
import { ServiceError } from './errors';

export type { ReceiptListItem, ReceiptVerification } from '../../cloudfunctions/shared/contracts/receipts';

export const DOWNLOAD_FAILED_MESSAGE = '票据下载失败，请稍后再试';
export const OPEN_FAILED_MESSAGE = '无法打开票据，请稍后再试';

/** Newest first. */
export async function listReceipts(): Promise<ReceiptListItem[]> {
  return (await callFunction('receipts', 'list', {})).items;
}

/** Sends the receipt by email; without `email`, to the address given when paying. Returns it masked. */
export async function sendReceiptEmail(receiptId: string, email?: string): Promise<string> {
  const result: ReceiptEmailSent = await callFunction('receipts', 'sendEmail', email ? { receiptId, email } : { receiptId });
  return result.sentTo;
}

function downloadPdf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url,
      success(res) {
        if (res.statusCode === 200 && res.tempFilePath) resolve(res.tempFilePath);
        else reject(new ServiceError('NETWORK', DOWNLOAD_FAILED_MESSAGE, { status: res.statusCode }));
      },
      fail(err) {
        reject(new ServiceError('NETWORK', DOWNLOAD_FAILED_MESSAGE, { errMsg: err.errMsg }));
      },
    });
  });
}

function openPdf(filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.openDocument({
      filePath,
      fileType: 'pdf',
      showMenu: true,
      success: () => resolve(),
      fail(err) {
        reject(new ServiceError('NETWORK', OPEN_FAILED_MESSAGE, { errMsg: err.errMsg }));
      },
    });
  });
}

/** Fetches the receipt's PDF and opens it in WeChat's document viewer (save / forward from its menu). */
export async function openReceipt(receiptId: string): Promise<void> {
  const { url } = await callFunction('receipts', 'download', { receiptId });
  await openPdf(await downloadPdf(url));
}

const EMAIL_PATTERN = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * What the student typed, as an address the server will accept, or null. The same rules as the
 * receipts function (which checks again): one mailbox, no spaces, at most 100 characters.
 */
export function normalizeEmailInput(input: string): string | null {
  const value = input.trim();
  if (value.length === 0 || value.length > 100 || !EMAIL_PATTERN.test(value)) return null;
  const local = value.slice(0, value.lastIndexOf('@'));
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  return value;
}

/** What identifies a receipt for 查验: 票据代码, 票据号码, 校验码. */
export interface ReceiptQuery {
  receiptCode: string;
  receiptNo: string;
  checkCode: string;
}

/** The three fields as typed or scanned, checked for shape (8 digits, 10 digits, 6 letters or digits); null if not. */
export function receiptQueryOf(code: unknown, no: unknown, check: unknown): ReceiptQuery | null {
  const receiptCode = typeof code === 'string' ? code.trim() : '';
  const receiptNo = typeof no === 'string' ? no.trim() : '';
  const checkCode = typeof check === 'string' ? check.trim().toUpperCase() : '';
  if (!/^\d{8}$/.test(receiptCode) || !/^\d{10}$/.test(receiptNo) || !/^[0-9A-Z]{6}$/.test(checkCode)) return null;
  return { receiptCode, receiptNo, checkCode };
}

const decode = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

/** `a=1&b=2` (the part after `?`, if any) as a map. No URL class: not every base library has one. */
function queryParams(text: string): Record<string, string> {
  const start = text.indexOf('?');
  const query = (start >= 0 ? text.slice(start + 1) : text).split('#')[0] ?? '';
  const out: Record<string, string> = {};
  for (const part of query.split('&')) {
    const at = part.indexOf('=');
    if (at > 0) out[decode(part.slice(0, at))] = decode(part.slice(at + 1));
  }
  return out;
}

/**
 * What a receipt's QR code carries, in any of its forms: the fields alone (ZHJF|代码|号码|校验码|…),
 * an https link with them as its query (code, no, check), or a 明文 URL Scheme
 * (weixin://dl/business/?appid=…&path=…&query=<the same query, encoded>).
 */
export function parseReceiptCode(text: string): ReceiptQuery | null {
  const value = text.trim();
  if (value.startsWith('ZHJF|')) {
    const [, code, no, check] = value.split('|');
    return receiptQueryOf(code, no, check);
  }
  let params = queryParams(value);
  if (/^weixin:\/\//i.test(value) && params.query) params = queryParams(params.query);
  return receiptQueryOf(params.code, params.no, params.check);
}

/**
 * The receipt the verify page was opened for: `q` when WeChat opened it from a scanned link
 * (扫普通链接二维码打开小程序 passes the whole link, encoded), else code/no/check in the page's own
 * query (a 明文 URL Scheme, or a path inside the mini program).
 */
export function receiptQueryFromPageOptions(options: Record<string, string | undefined>): ReceiptQuery | null {
  if (options.q) return parseReceiptCode(decode(options.q));
  return receiptQueryOf(options.code, options.no, options.check);
}

/** 查验: is this receipt genuine and still valid (any WeChat user may ask). */
export async function verifyReceipt(query: ReceiptQuery): Promise<ReceiptVerification> {
  return callFunction('receipts', 'verify', { ...query });
}

export const SCAN_FAILED_MESSAGE = '未能识别二维码，请重试或手动输入';

/** Scans a QR code with the camera and returns what it carries; rejects if cancelled or unreadable. */
export function scanReceiptCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      onlyFromCamera: false,
      scanType: ['qrCode'],
      success: (res) => resolve(res.result),
      fail(err) {
        reject(new ServiceError('NETWORK', SCAN_FAILED_MESSAGE, { errMsg: err.errMsg }));
      },
    });
  });
}
