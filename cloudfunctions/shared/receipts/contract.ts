import { action, access } from '../kernel/contract';
import { docId, v } from '../kernel/validate';

/** Codes the receipts function returns besides the common ones. */
export const RECEIPTS_ERRORS = {
  RECEIPT_ORDER_NOT_PAID: '订单尚未支付，不能开具票据',
  RECEIPT_ORDER_REFUNDED: '订单已退款，不再开具票据',
  RECEIPT_NOT_FOUND: '票据不存在',
  RECEIPT_NOT_READY: '票据正在生成，请稍后再试',
  RECEIPT_VOIDED: '该票据已冲红，不能发送',
  RECEIPT_EMAIL_REQUIRED: '请填写接收票据的邮箱',
  RECEIPT_EMAIL_INVALID: '邮箱地址格式不正确',
  RECEIPT_EMAIL_LIMIT: '该票据今天发送次数过多，请明天再试',
  RECEIPT_EMAIL_DAILY_LIMIT: '今天发送票据邮件的次数已达上限，请明天再试',
  RECEIPT_EMAIL_UNAVAILABLE: '邮件服务暂未开通，请稍后再试',
  RECEIPT_EMAIL_FAILED: '邮件发送失败，请稍后再试',
} as const;

export type ReceiptsErrorCode = keyof typeof RECEIPTS_ERRORS;

/** 开具中 (number allocated, document being made), 已开具, 已冲红. */
export type ReceiptState = 'PENDING' | 'ISSUED' | 'VOIDED';

/** One receipt in 我的发票. Amounts are integer fen; times are ISO 8601. */
export interface ReceiptListItem {
  receiptId: string;
  /** 票据代码 */
  receiptCode: string;
  /** 票据号码 (10 digits) */
  receiptNo: string;
  /** 金额合计, fen. */
  total: number;
  issuedAt: string;
  /** 开票日期 in Asia/Shanghai, YYYY-MM-DD. */
  issuedDate: string;
  state: ReceiptState;
  /** 已开具 / 已冲红 / 开具中 */
  stateText: string;
  /** The bills it covers, e.g. 学费、住宿费. */
  items: string;
  academicYear: string;
  /** The order's email, masked (发送到 zh***@qq.com), or null when the order had none. */
  orderEmailMasked: string | null;
}

export interface ReceiptList {
  items: ReceiptListItem[];
}

export interface ReceiptDownload {
  /** A temporary HTTPS URL of the PDF (for wx.downloadFile). */
  url: string;
  /** Seconds the URL stays valid. */
  maxAge: number;
  fileName: string;
}

export interface ReceiptEmailSent {
  /** Where it went, masked. */
  sentTo: string;
}

/** What issuing returns to the calling function (pay, payNotify, paymentsSweep). */
export interface ReceiptIssued {
  receiptId: string;
  receiptNo: string;
  state: ReceiptState;
  /** False when the order already had its receipt (issuing again never makes a second number). */
  created: boolean;
}

export interface ReceiptSweepReport {
  /** Paid orders without a receipt looked at. */
  scanned: number;
  /** Receipts created for paid orders that had none. */
  issued: number;
  /** Receipts whose document was made or re-made (e.g. after a failure, or marked 已冲红). */
  completed: number;
  /** Receipts voided because their order was refunded (or is being refunded). */
  voided: number;
  /** Queued emails sent. */
  emailed: number;
  /** Orders, receipts or emails that failed again (they are retried on a later run). */
  failed: number;
}

export interface ReceiptVoided {
  receiptId: string;
  /**
   * Null when the order had no receipt yet: the void is remembered on the order, and no receipt
   * will be issued for it.
   */
  receiptNo: string | null;
  state: ReceiptState;
  /** False when it was already voided. */
  changed: boolean;
}

/** What `refresh` did after a refund: the receipt voided (冲红), and the one issued for what remains paid. */
export interface ReceiptRefreshed {
  voided: boolean;
  /** Null when the order was refunded in full (or nothing needed issuing). */
  issued: ReceiptIssued | null;
}

export interface ReceiptVerification {
  valid: boolean;
  /** Only when valid. */
  state?: ReceiptState;
  stateText?: string;
  total?: number;
  issuedDate?: string;
  /** Masked (张*丰). */
  payerName?: string;
}

const email = v.string({ min: 1, max: 200 });

export const receiptsContract = {
  /**
   * Issue the receipt of a paid order. Idempotent. Called by the payment code right after PAID,
   * which runs in pay (sync), payNotify (the callback) and paymentsSweep (the sweep, reconciliation).
   */
  issue: action<ReceiptIssued>()({ request: v.object({ orderId: docId() }), access: access.internal('pay', 'payNotify', 'paymentsSweep', 'admin') }),
  /** Receipts for paid orders that have none, and documents that are missing or stale (paymentsSweep). */
  issueMissing: action<ReceiptSweepReport>()({
    request: v.object({ limit: v.optional(v.integer({ min: 1, max: 200 })) }),
    access: access.internal('paymentsSweep'),
  }),
  /** The same sweep from this function's own timer trigger. */
  sweep: action<ReceiptSweepReport>()({ request: v.object({}), access: access.timer }),
  /**
   * 冲红: the order was refunded. Idempotent. Before the receipt exists it is remembered, so the
   * order is never receipted afterwards.
   */
  void: action<ReceiptVoided>()({
    request: v.object({ orderId: docId(), reason: v.string({ min: 1, max: 100 }) }),
    // The refund code of the payment functions (the receipts sweep also voids refunded orders itself).
    access: access.internal('pay', 'payNotify', 'paymentsSweep'),
  }),
  /**
   * After a refund was confirmed: voids the receipt (冲红) and, when part of the order stays paid,
   * issues the next edition for it. Idempotent; the receipts timer also does it for any order left.
   */
  refresh: action<ReceiptRefreshed>()({ request: v.object({ orderId: docId() }), access: access.internal('payNotify', 'paymentsSweep', 'admin') }),
  /** 我的发票, newest first. */
  list: action<ReceiptList>()({ request: v.object({}), access: access.student }),
  download: action<ReceiptDownload>()({ request: v.object({ receiptId: docId() }), access: access.student }),
  sendEmail: action<ReceiptEmailSent>()({
    request: v.object({ receiptId: docId(), email: v.optional(email) }),
    access: access.student,
  }),
  /**
   * What the QR code on a receipt leads to (the mini program's verify page): is this receipt
   * genuine, and is it still valid. Any WeChat user may ask, signed in or not (a bank, an employer).
   */
  verify: action<ReceiptVerification>()({
    request: v.object({
      receiptCode: v.string({ min: 8, max: 8, pattern: /^\d{8}$/ }),
      receiptNo: v.string({ min: 10, max: 10, pattern: /^\d{10}$/ }),
      checkCode: v.string({ min: 6, max: 6, pattern: /^[0-9A-Za-z]{6}$/ }),
    }),
    access: access.public,
  }),
};
