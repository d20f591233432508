/**
 * 我的发票: the student's e-receipts. Listing, sending by email, and opening the PDF (the temporary
 * URL from the receipts function → wx.downloadFile → wx.openDocument) all go through here.
 */
import type { ReceiptEmailSent, ReceiptListItem } from '../../cloudfunctions/shared/contracts/receipts';
import { callFunction } from './call';
import { ServiceError } from './errors';

export type { ReceiptListItem } from '../../cloudfunctions/shared/contracts/receipts';

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
