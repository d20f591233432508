import { timingSafeEqual } from 'node:crypto';
import type { ReceiptListItem, receiptsContract } from './contract';
import { AppError, consumeRateLimit, maskName, type Handlers, type RateLimit, type RequestContext, type StudentContext } from '../runtime';
import {
  maskEmail,
  needsPdf,
  RECEIPT_STATUS_TEXT,
  receiptFileName,
  shanghaiDate,
  type ReceiptDoc,
} from './domain/receipt';
import { checkCodeOf, completePdf, issueReceipt, receiptsOf, refreshReceipt, settingsOrFail, stateOf, sweepReceipts, voidReceipt } from './issuing';
import { emailReceiptOnRequest } from './mailing';

/** How long a download link stays valid. */
const DOWNLOAD_URL_SECONDS = 10 * 60;
/** 我的发票 shows at most this many (one per paid order; a student has a handful a year). */
const LIST_LIMIT = 100;

function listItem(receipt: ReceiptDoc): ReceiptListItem {
  const issuedAt = new Date(receipt.issuedAt);
  return {
    receiptId: receipt._id,
    receiptCode: receipt.receiptCode,
    receiptNo: receipt.receiptNo,
    total: receipt.total,
    issuedAt: issuedAt.toISOString(),
    issuedDate: shanghaiDate(issuedAt),
    state: stateOf(receipt.status),
    stateText: RECEIPT_STATUS_TEXT[receipt.status],
    items: [...new Set(receipt.lines.map((line) => line.itemName))].join('、'),
    academicYear: receipt.academicYear,
    orderEmailMasked: receipt.email ? maskEmail(receipt.email) : null,
  };
}

/**
 * 查验 per WeChat account: enough for a clerk checking a pile of receipts, far too little to try
 * check codes (31^6 of them) by guessing.
 */
export const VERIFY_LIMIT: RateLimit = { short: { max: 20, windowMs: 60_000 }, long: { max: 200, windowMs: 3_600_000 } };

/** The wait as a person reads it: seconds under a minute, else whole minutes (rounded up). */
const waitText = (ms: number): string => (ms < 60_000 ? `${Math.ceil(ms / 1000)} 秒` : `${Math.ceil(ms / 60_000)} 分钟`);

async function throttleVerification(ctx: RequestContext): Promise<void> {
  // `verify` is public: the runtime has checked there is an OPENID.
  const openid = ctx.caller.openid ?? '';
  const decision = await consumeRateLimit(ctx.db, `receipt-verify:${openid}`, VERIFY_LIMIT, ctx.now());
  if (decision.allowed) return;
  ctx.log.warn('receipt verification throttled', { retryAfterMs: decision.retryAfterMs });
  throw new AppError('RATE_LIMITED', `查验过于频繁，请 ${waitText(decision.retryAfterMs)}后再试`, {
    retryAfterSeconds: Math.ceil(decision.retryAfterMs / 1000),
  });
}

/** The caller's own receipt. Someone else's is reported exactly like one that does not exist. */
async function ownReceipt(ctx: StudentContext, receiptId: string): Promise<ReceiptDoc> {
  const { student } = ctx;
  const receipt = await receiptsOf(ctx).findById(receiptId);
  if (!receipt || receipt.studentId !== student.studentId) {
    if (receipt) ctx.log.warn('receipt of another student refused', { receiptId });
    throw new AppError('RECEIPT_NOT_FOUND');
  }
  return receipt;
}

/** Makes the document now if it is missing or stale; keeps an older one if that fails. */
async function withDocument(ctx: RequestContext, receipt: ReceiptDoc): Promise<ReceiptDoc> {
  if (!needsPdf(receipt)) return receipt;
  try {
    return await completePdf(ctx, receipt, settingsOrFail(ctx));
  } catch (error) {
    ctx.log.error('receipt document failed on request', { receiptId: receipt._id, error });
    if (receipt.pdfFileID) return receipt;
    throw new AppError('RECEIPT_NOT_READY');
  }
}

export const receiptsHandlers: Handlers<typeof receiptsContract> = {
  async issue({ orderId }, ctx) {
    return issueReceipt(ctx, orderId);
  },

  async issueMissing({ limit }, ctx) {
    return sweepReceipts(ctx, limit);
  },

  async sweep(_request, ctx) {
    return sweepReceipts(ctx);
  },

  async void({ orderId, reason }, ctx) {
    return voidReceipt(ctx, orderId, reason);
  },

  async refresh({ orderId }, ctx) {
    return refreshReceipt(ctx, orderId);
  },

  async list(_request, ctx) {
    const { student } = ctx;
    const docs = await receiptsOf(ctx).find(
      { studentId: student.studentId },
      {
        orderBy: [
          ['issuedAt', 'desc'],
          ['sequence', 'desc'],
        ],
        limit: LIST_LIMIT,
      },
    );
    return { items: docs.map(listItem) };
  },

  async download({ receiptId }, ctx) {
    const receipt = await withDocument(ctx, await ownReceipt(ctx, receiptId));
    if (!receipt.pdfFileID) throw new AppError('RECEIPT_NOT_READY');
    const result = (await ctx.cloud.getTempFileURL({ fileList: [{ fileID: receipt.pdfFileID, maxAge: DOWNLOAD_URL_SECONDS }] })) as {
      fileList: { status: number; tempFileURL: string }[];
    };
    const entry = result.fileList[0];
    if (!entry || entry.status !== 0 || !entry.tempFileURL) {
      ctx.log.error('receipt file missing from storage', { receiptId, status: entry?.status ?? null });
      throw new AppError('RECEIPT_NOT_READY');
    }
    return { url: entry.tempFileURL, maxAge: DOWNLOAD_URL_SECONDS, fileName: receiptFileName(receipt) };
  },

  async sendEmail({ receiptId, email }, ctx) {
    const owned = await ownReceipt(ctx, receiptId);
    if (owned.status === 'VOIDED') throw new AppError('RECEIPT_VOIDED');
    const receipt = await withDocument(ctx, owned);
    const sentTo = await emailReceiptOnRequest(ctx, receipt, email, settingsOrFail(ctx));
    return { sentTo };
  },

  async verify({ receiptCode, receiptNo, checkCode }, ctx) {
    await throttleVerification(ctx);
    const settings = settingsOrFail(ctx);
    const found = await receiptsOf(ctx).findOne({ receiptCode, receiptNo });
    if (!found) return { valid: false };
    // The key the receipt was made with, found by the id stored on it (older keys stay configured
    // as RECEIPT_CHECK_SECRET_PREVIOUS after a rotation). Receipts from before key ids: any key.
    const secrets = found.checkKeyId ? [settings.checkKeys.get(found.checkKeyId)] : [...settings.checkKeys.values()];
    if (found.checkKeyId && !secrets[0]) {
      ctx.log.error('receipt made with a check-code key that is no longer configured', { receiptId: found._id, checkKeyId: found.checkKeyId });
    }
    const given = Buffer.from(checkCode.toUpperCase());
    // The stored code is checked against a fresh derivation too, so an edited record does not verify.
    const valid = secrets.some((secret) => {
      if (!secret) return false;
      const derived = Buffer.from(checkCodeOf(secret, found));
      return given.length === derived.length && timingSafeEqual(given, derived) && found.checkCode === derived.toString();
    });
    if (!valid) return { valid: false };
    return {
      valid: true,
      state: stateOf(found.status),
      stateText: RECEIPT_STATUS_TEXT[found.status],
      total: found.total,
      issuedDate: shanghaiDate(new Date(found.issuedAt)),
      payerName: maskName(found.payerName),
    };
  },
};
