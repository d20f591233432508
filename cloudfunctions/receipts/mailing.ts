/**
 * Receipts by email: once automatically when a receipt is issued (to the order's address), and on
 * request from 我的发票 (to that address or one the student types), a few times a day at most.
 * Each send is recorded in `messages` under a unique key, which is what makes "once" and "a few
 * times" hold under concurrent calls.
 */
import { AppError, collection, isDuplicateKeyError, maskName, type BaseDoc, type RequestContext } from '../shared/runtime';
import { formatFenPlain } from '../shared/domain/money';
import {
  maskEmail,
  normalizeReceiptEmail,
  receiptFileName,
  shanghaiDate,
  type ReceiptDoc,
} from '../shared/domain/receipt';
import { readSmtpSettings, sendMail, type OutgoingMail, type SmtpSettings } from './mail';
import type { ReceiptsSettings } from './settings';

export interface ReceiptMessageDoc extends BaseDoc {
  key: string;
  kind: 'receipt-email';
  receiptId: string;
  trigger: 'issued' | 'student';
  toMasked: string;
  status: 'SENDING' | 'SENT' | 'FAILED';
  createdAt: Date;
  updatedAt: Date;
}

/** Sends a student may ask for, per receipt per day (Asia/Shanghai). */
export const MAX_SENDS_PER_DAY = 5;

const messages = (ctx: Pick<RequestContext, 'db'>) => collection<ReceiptMessageDoc>(ctx.db, 'messages');

export function composeReceiptMail(receipt: ReceiptDoc, to: string, pdf: Buffer, settings: ReceiptsSettings): OutgoingMail {
  const items = [...new Set(receipt.lines.map((line) => line.itemName))].join('、');
  const voided = receipt.status === 'VOIDED';
  const text = [
    `${maskName(receipt.payerName)} 同学：`,
    '',
    `您好！附件是您的电子票据${voided ? '（已冲红）' : ''}，请查收。`,
    '',
    `票据代码：${receipt.receiptCode}`,
    `票据号码：${receipt.receiptNo}`,
    `校验码：${receipt.checkCode}`,
    `开票日期：${shanghaiDate(receipt.issuedAt)}`,
    `缴费项目：${items}${receipt.academicYear ? `（${receipt.academicYear} 学年）` : ''}`,
    `金额合计：¥${formatFenPlain(receipt.total)}（${receipt.totalInWords}）`,
    '',
    '也可以在小程序“我的 → 我的发票”中随时查看和下载。',
    `本邮件由系统自动发送，请勿回复。如有疑问请联系${settings.contact}。`,
  ].join('\n');
  return {
    to,
    subject: `【智慧缴费】电子票据 ${receipt.receiptNo}${voided ? '（已冲红）' : ''}`,
    text,
    attachments: [{ filename: receiptFileName(receipt), content: pdf, contentType: 'application/pdf' }],
  };
}

async function claim(ctx: RequestContext, doc: Omit<ReceiptMessageDoc, '_id'>): Promise<string | null> {
  try {
    return await messages(ctx).insert(doc);
  } catch (error) {
    if (isDuplicateKeyError(error)) return null;
    throw error;
  }
}

async function deliver(ctx: RequestContext, messageId: string, smtp: SmtpSettings, mail: OutgoingMail): Promise<boolean> {
  try {
    await sendMail(smtp, mail);
    await messages(ctx).updateById(messageId, { status: 'SENT', updatedAt: ctx.now() });
    return true;
  } catch (error) {
    ctx.log.error('receipt email failed', { messageId, error });
    await messages(ctx).updateById(messageId, { status: 'FAILED', updatedAt: ctx.now() }).catch(() => 0);
    return false;
  }
}

/** After issuing: to the order's address, once. Never fails the issue; the student can resend. */
export async function mailReceiptOnce(ctx: RequestContext, receipt: ReceiptDoc, pdf: Buffer, settings: ReceiptsSettings): Promise<void> {
  try {
    if (!settings.autoEmail || !receipt.email) return;
    const to = normalizeReceiptEmail(receipt.email);
    const smtp = readSmtpSettings();
    if (!to || !smtp) {
      ctx.log.info('receipt not emailed', { receiptId: receipt._id, reason: to ? 'smtp not configured' : 'no valid address' });
      return;
    }
    const at = ctx.now();
    const messageId = await claim(ctx, {
      key: `receipt-mail:${receipt._id}:issued`,
      kind: 'receipt-email',
      receiptId: receipt._id,
      trigger: 'issued',
      toMasked: maskEmail(to),
      status: 'SENDING',
      createdAt: at,
      updatedAt: at,
    });
    if (!messageId) return;
    await deliver(ctx, messageId, smtp, composeReceiptMail({ ...receipt, status: 'ISSUED' }, to, pdf, settings));
  } catch (error) {
    ctx.log.error('receipt email after issuing failed', { receiptId: receipt._id, error });
  }
}

/** 发送到邮箱: the address the student typed, or the order's. Returns the address used, masked. */
export async function emailReceiptOnRequest(
  ctx: RequestContext,
  receipt: ReceiptDoc,
  requested: string | undefined,
  settings: ReceiptsSettings,
): Promise<string> {
  const raw = requested?.trim() ? requested : receipt.email;
  if (!raw) throw new AppError('RECEIPT_EMAIL_REQUIRED');
  const to = normalizeReceiptEmail(raw);
  if (!to) throw new AppError('RECEIPT_EMAIL_INVALID');
  const smtp = readSmtpSettings();
  if (!smtp) {
    ctx.log.warn('receipt email requested but SMTP is not configured');
    throw new AppError('RECEIPT_EMAIL_UNAVAILABLE');
  }
  if (!receipt.pdfFileID) throw new AppError('RECEIPT_NOT_READY');

  const at = ctx.now();
  const day = shanghaiDate(at).replace(/-/g, '');
  let messageId: string | null = null;
  for (let slot = 1; slot <= MAX_SENDS_PER_DAY && !messageId; slot += 1) {
    messageId = await claim(ctx, {
      key: `receipt-mail:${receipt._id}:${day}:${slot}`,
      kind: 'receipt-email',
      receiptId: receipt._id,
      trigger: 'student',
      toMasked: maskEmail(to),
      status: 'SENDING',
      createdAt: at,
      updatedAt: at,
    });
  }
  if (!messageId) throw new AppError('RECEIPT_EMAIL_LIMIT');

  const downloaded = await ctx.cloud.downloadFile({ fileID: receipt.pdfFileID });
  const pdf = Buffer.from(downloaded.fileContent as Buffer);
  const sent = await deliver(ctx, messageId, smtp, composeReceiptMail(receipt, to, pdf, settings));
  if (!sent) throw new AppError('RECEIPT_EMAIL_FAILED');
  ctx.log.info('receipt emailed on request', { receiptId: receipt._id, messageId });
  return maskEmail(to);
}
