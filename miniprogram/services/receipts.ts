/**
 * 我的发票: the student's e-receipts. Listing, sending by email, and opening the PDF (the temporary
 * URL from the receipts function → wx.downloadFile → wx.openDocument) all go through here; so does
 * 票据查验 (the verify page any WeChat user reaches from a receipt's QR code), whose reading of
 * the QR code itself is package-receipts/pages/verify/receipt-code.ts.
 */
import type { ReceiptEmailSent, ReceiptListItem, ReceiptVerification } from '../../cloudfunctions/shared/receipts/contract';
import { callFunction } from './call';
import { ServiceError } from './errors';

export type { ReceiptListItem, ReceiptVerification } from '../../cloudfunctions/shared/receipts/contract';

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

/** What identifies a receipt for 查验: 票据代码, 票据号码, 校验码. */
export interface ReceiptQuery {
  receiptCode: string;
  receiptNo: string;
  checkCode: string;
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
