/**
 * Receipts by email.
 *
 * - Automatically, once, to the order's address: issuing queues a message in `messages` once the
 *   receipt exists (`_id` = key = receipt-mail:<receipt>:issued, so there is never a second one)
 *   and the receipts timer sends it. A failure, or a run killed while sending
 *   (SENDING for longer than a run can last), is retried with growing pauses, at most
 *   MAX_EMAIL_ATTEMPTS times; a recipient the mail server refuses for good (5xx) is not retried.
 *   Nothing is sent while a payment waits. Stored error texts are scrubbed of addresses.
 * - On request from 我的发票 (发送到邮箱), to that address or one the student types: at most
 *   MAX_SENDS_PER_RECEIPT_PER_DAY per receipt and MAX_SENDS_PER_STUDENT_PER_DAY per student (days
 *   in Asia/Shanghai). Each send claims a slot under a unique key, which is what makes the limits
 *   hold under concurrent calls; a send that fails gives its slots back.
 */
import { normalizeEmail } from '../kernel/email';
import {
  AppError,
  collection,
  commands,
  isDuplicateKeyError,
  maskName,
  scrubPersonalData,
  type BaseDoc,
  type NewDocument,
  type RequestContext,
} from '../runtime';
import { formatFenPlain } from '../kernel/money';
import {
  maskEmail,
  needsPdf,
  receiptFileName,
  shanghaiDate,
  type ReceiptDoc,
} from './domain/receipt';
import { isRecipientRefused, readSmtpSettings, sendMail, type OutgoingMail, type SmtpSettings } from './mail';
import type { ReceiptsSettings } from './settings';

/**
 * PENDING: queued, to be sent at nextAttemptAt. SENDING: being sent (claimedAt). SENT. FAILED: the
 * last attempt failed, tried again at nextAttemptAt. GAVE_UP: MAX_EMAIL_ATTEMPTS failed. SKIPPED:
 * not sent (the receipt was voided first, or a limit refused it).
 */
export type ReceiptMessageStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'GAVE_UP' | 'SKIPPED';

export interface ReceiptMessageDoc extends BaseDoc {
  key: string;
  kind: 'receipt-email';
  receiptId: string;
  studentId: string;
  /** issued: the automatic email (outbox); student: 发送到邮箱. */
  trigger: 'issued' | 'student';
  /** The address, kept only while the outbox still has to send to it. */
  to: string | null;
  toMasked: string;
  status: ReceiptMessageStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  claimedAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One of a student's daily sends (key receipt-mail-quota:<student>:<day>:<n>). */
export interface ReceiptEmailQuotaDoc extends BaseDoc {
  key: string;
  kind: 'receipt-email-quota';
  studentId: string;
  receiptId: string;
  messageId: string;
  createdAt: Date;
}

/** What the messages collection keeps, told apart by `kind`. */
export type ReceiptMailDoc = ReceiptMessageDoc | ReceiptEmailQuotaDoc;

export const isReceiptEmail = (doc: ReceiptMailDoc): doc is ReceiptMessageDoc => doc.kind === 'receipt-email';

/** Sends a student may ask for, per receipt per day (Asia/Shanghai). */
export const MAX_SENDS_PER_RECEIPT_PER_DAY = 5;
/** Sends a student may ask for, over all their receipts, per day. */
export const MAX_SENDS_PER_STUDENT_PER_DAY = 10;

/** Attempts at the automatic email before it is given up. */
export const MAX_EMAIL_ATTEMPTS = 8;
/** Pause after the first failed attempt; doubled after each further one, up to EMAIL_RETRY_MAX_MS. */
export const EMAIL_RETRY_BASE_MS = 2 * 60_000;
export const EMAIL_RETRY_MAX_MS = 2 * 60 * 60_000;
/** A message SENDING for longer than this was being sent by a run that died (the function's timeout is 60 s). */
export const STALE_SENDING_MS = 3 * 60_000;
/** Queued emails one timer run sends at most, and for at most this long. */
const OUTBOX_BATCH = 20;
const OUTBOX_RUN_MS = 30_000;
/** The document is not made yet: look again after this long (not counted as an attempt). */
const WAIT_FOR_DOCUMENT_MS = 60_000;

export const retryDelayMs = (attempts: number): number => Math.min(EMAIL_RETRY_BASE_MS * 2 ** Math.max(attempts - 1, 0), EMAIL_RETRY_MAX_MS);

const messages = (ctx: Pick<RequestContext, 'db'>) => collection(ctx.db, 'messages');
const receipts = (ctx: Pick<RequestContext, 'db'>) => collection(ctx.db, 'receipts');

export const issuedEmailKey = (receiptId: string): string => `receipt-mail:${receiptId}:issued`;

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

/**
 * The automatic email of a receipt being issued, queued once its receipt exists; null when there
 * is none to send (turned off, no valid address, or no SMTP configured).
 */
export function issuedEmailMessage(receipt: Pick<ReceiptDoc, '_id' | 'email' | 'studentId'>, at: Date, settings: ReceiptsSettings): ReceiptMessageDoc | null {
  if (!settings.autoEmail || !receipt.email) return null;
  const to = normalizeEmail(receipt.email);
  if (!to || !readSmtpSettings()) return null;
  const key = issuedEmailKey(receipt._id);
  return {
    _id: key,
    key,
    kind: 'receipt-email',
    receiptId: receipt._id,
    studentId: receipt.studentId,
    trigger: 'issued',
    to,
    toMasked: maskEmail(to),
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: at,
    claimedAt: null,
    lastError: null,
    sentAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** Queues the automatic email unless it was queued before (its key is the message's id): never a second one. */
export async function queueIssuedEmail(ctx: Pick<RequestContext, 'db'>, message: ReceiptMessageDoc | null): Promise<void> {
  if (!message) return;
  try {
    await messages(ctx).insert(message);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/**
 * What is stored of a failure: scrubbed like a log line (an SMTP refusal quotes the recipient's
 * address), then cut — in that order, so a cut never leaves half an address unmasked.
 */
const errorText = (error: unknown): string =>
  scrubPersonalData(String((error as { message?: unknown })?.message ?? (error as { errMsg?: unknown })?.errMsg ?? error)).slice(0, 200);

async function storedPdf(ctx: RequestContext, fileID: string): Promise<Buffer> {
  const downloaded = await ctx.cloud.downloadFile({ fileID });
  return Buffer.from(downloaded.fileContent as Buffer);
}

/** refused: the mail server refused the recipient for good (given up at once; the server is up). */
type OutboxOutcome = 'sent' | 'failed' | 'refused' | 'waiting' | 'skipped' | 'taken';

/** One queued email: claimed (so two runs never send it at once), sent, recorded. */
async function sendQueued(ctx: RequestContext, message: ReceiptMessageDoc, settings: ReceiptsSettings): Promise<OutboxOutcome> {
  const now = ctx.now();
  const finish = (patch: Partial<ReceiptMessageDoc>) => messages(ctx).updateById(message._id, { ...patch, updatedAt: ctx.now() });
  if (message.attempts >= MAX_EMAIL_ATTEMPTS) {
    // Its last attempt died while sending.
    const closed = await messages(ctx).updateWhere(
      { _id: message._id, status: message.status, attempts: message.attempts },
      { status: 'GAVE_UP', to: null, nextAttemptAt: null, lastError: message.lastError ?? 'the last attempt did not finish', updatedAt: now },
    );
    if (closed === 1) ctx.log.error('receipt email given up', { messageId: message._id, receiptId: message.receiptId, attempts: message.attempts });
    return closed === 1 ? 'failed' : 'taken';
  }
  const attempts = message.attempts + 1;
  const claimed = await messages(ctx).updateWhere(
    { _id: message._id, status: message.status, attempts: message.attempts },
    { status: 'SENDING', attempts, claimedAt: now, updatedAt: now },
  );
  if (claimed !== 1) return 'taken';

  const receipt = await receipts(ctx).findById(message.receiptId);
  if (!receipt || receipt.status === 'VOIDED' || !message.to) {
    await finish({ status: 'SKIPPED', to: null, nextAttemptAt: null, claimedAt: null, lastError: receipt ? 'receipt voided before it was emailed' : 'receipt missing' });
    return 'skipped';
  }
  if (receipt.status !== 'ISSUED' || !receipt.pdfFileID || needsPdf(receipt)) {
    await finish({ status: 'PENDING', attempts: message.attempts, claimedAt: null, nextAttemptAt: new Date(now.getTime() + WAIT_FOR_DOCUMENT_MS) });
    return 'waiting';
  }
  try {
    const smtp = readSmtpSettings();
    if (!smtp) throw new Error('SMTP is not configured');
    await sendMail(smtp, composeReceiptMail(receipt, message.to, await storedPdf(ctx, receipt.pdfFileID), settings));
    await finish({ status: 'SENT', to: null, sentAt: ctx.now(), nextAttemptAt: null, claimedAt: null, lastError: null });
    ctx.log.info('receipt emailed', { messageId: message._id, receiptId: receipt._id, attempts });
    return 'sent';
  } catch (error) {
    const refused = isRecipientRefused(error);
    const gaveUp = refused || attempts >= MAX_EMAIL_ATTEMPTS;
    const next = gaveUp ? null : new Date(ctx.now().getTime() + retryDelayMs(attempts));
    await finish({ status: gaveUp ? 'GAVE_UP' : 'FAILED', ...(gaveUp ? { to: null } : {}), nextAttemptAt: next, claimedAt: null, lastError: errorText(error) });
    const what = refused ? 'receipt email refused by the mail server; not retried' : gaveUp ? 'receipt email given up' : 'receipt email failed; retried later';
    ctx.log[gaveUp ? 'error' : 'warn'](what, { messageId: message._id, receiptId: receipt._id, attempts, nextAttemptAt: next, error });
    return refused ? 'refused' : 'failed';
  }
}

/**
 * The outbox: queued emails that are due, failed ones whose pause is over, and ones a dead run
 * left SENDING. Stops at the first failure (the server is likely down: the rest wait for the next
 * run) — but not at a refused recipient, which says the server is up — and after OUTBOX_RUN_MS.
 */
export async function sendDueReceiptEmails(ctx: RequestContext, settings: ReceiptsSettings): Promise<{ sent: number; failed: number }> {
  const _ = commands(ctx.db);
  const started = ctx.now().getTime();
  const due = [
    ...(await messages(ctx).find(
      { kind: 'receipt-email', trigger: 'issued', status: _.in(['PENDING', 'FAILED']), nextAttemptAt: _.lte(new Date(started)) },
      { orderBy: [['nextAttemptAt', 'asc']], limit: OUTBOX_BATCH },
    )),
    ...(await messages(ctx).find(
      { kind: 'receipt-email', trigger: 'issued', status: 'SENDING', claimedAt: _.lt(new Date(started - STALE_SENDING_MS)) },
      { orderBy: [['claimedAt', 'asc']], limit: OUTBOX_BATCH },
    )),
  ].filter(isReceiptEmail);
  const result = { sent: 0, failed: 0 };
  for (const message of due.slice(0, OUTBOX_BATCH)) {
    if (ctx.now().getTime() - started > OUTBOX_RUN_MS) break;
    const outcome = await sendQueued(ctx, message, settings);
    if (outcome === 'sent') result.sent += 1;
    if (outcome === 'refused') result.failed += 1;
    if (outcome === 'failed') {
      result.failed += 1;
      break;
    }
  }
  return result;
}

interface Slot {
  id: string;
  key: string;
}

/** Claims the first free slot of `max` (unique keys); null when all are taken. */
async function claimSlot(
  ctx: RequestContext,
  keyOf: (slot: number) => string,
  max: number,
  make: (key: string) => NewDocument<ReceiptMailDoc>,
): Promise<Slot | null> {
  for (let slot = 1; slot <= max; slot += 1) {
    const key = keyOf(slot);
    try {
      return { id: await messages(ctx).insert(make(key)), key };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  return null;
}

/** Gives a slot back: the document stays (as a record), its key no longer holds the slot. */
async function releaseSlot(ctx: RequestContext, slot: Slot, patch: Record<string, unknown> = {}): Promise<void> {
  await messages(ctx).updateById(slot.id, { key: `${slot.key}#released-${slot.id}`, ...patch, updatedAt: ctx.now() });
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
  const to = normalizeEmail(raw);
  if (!to) throw new AppError('RECEIPT_EMAIL_INVALID');
  const smtp: SmtpSettings | null = readSmtpSettings();
  if (!smtp) {
    ctx.log.warn('receipt email requested but SMTP is not configured');
    throw new AppError('RECEIPT_EMAIL_UNAVAILABLE');
  }
  if (!receipt.pdfFileID) throw new AppError('RECEIPT_NOT_READY');

  const at = ctx.now();
  const day = shanghaiDate(at).replace(/-/g, '');
  const messageKey = (slot: number) => `receipt-mail:${receipt._id}:${day}:${slot}`;
  const message = await claimSlot(ctx, messageKey, MAX_SENDS_PER_RECEIPT_PER_DAY, (key) => ({
    key,
    kind: 'receipt-email',
    receiptId: receipt._id,
    studentId: receipt.studentId,
    trigger: 'student',
    to: null,
    toMasked: maskEmail(to),
    status: 'SENDING',
    attempts: 1,
    nextAttemptAt: null,
    claimedAt: at,
    lastError: null,
    sentAt: null,
    createdAt: at,
    updatedAt: at,
  }));
  if (!message) throw new AppError('RECEIPT_EMAIL_LIMIT');

  const quota = await claimSlot(ctx, (slot) => `receipt-mail-quota:${receipt.studentId}:${day}:${slot}`, MAX_SENDS_PER_STUDENT_PER_DAY, (key) => ({
    key,
    kind: 'receipt-email-quota',
    studentId: receipt.studentId,
    receiptId: receipt._id,
    messageId: message.id,
    createdAt: at,
  }));
  if (!quota) {
    await releaseSlot(ctx, message, { status: 'SKIPPED', claimedAt: null, lastError: 'daily limit of the student' });
    throw new AppError('RECEIPT_EMAIL_DAILY_LIMIT');
  }

  try {
    const pdf = await storedPdf(ctx, receipt.pdfFileID);
    await sendMail(smtp, composeReceiptMail(receipt, to, pdf, settings));
  } catch (error) {
    ctx.log.error('receipt email failed', { messageId: message.id, receiptId: receipt._id, error });
    // A failed send does not use up the student's sends.
    await releaseSlot(ctx, message, { status: 'FAILED', claimedAt: null, lastError: errorText(error) }).catch(() => undefined);
    await releaseSlot(ctx, quota).catch(() => undefined);
    throw new AppError('RECEIPT_EMAIL_FAILED');
  }
  await messages(ctx).updateById(message.id, { status: 'SENT', sentAt: ctx.now(), claimedAt: null, updatedAt: ctx.now() });
  ctx.log.info('receipt emailed on request', { receiptId: receipt._id, messageId: message.id });
  return maskEmail(to);
}
