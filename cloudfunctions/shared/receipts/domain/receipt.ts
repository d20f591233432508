/**
 * E-receipts (电子票据): the stored record, how one is made from a paid order, its numbers and the
 * input of its check code. Pure: the sequence number, the clock, the settings and the keyed digest
 * of the check code are passed in.
 *
 * A receipt is modelled on a 财政电子票据 (非税收入统一票据): 票据代码 (8 digits, configured),
 * 票据号码 (10 digits, one sequence per 票据代码, no gaps, no repeats), 校验码 (6 characters derived
 * with a secret, so a receipt can be verified), 开票日期, 交款人 and their masked ID as
 * 交款人统一社会信用代码, one line per bill, 金额合计 in figures and in capitals, 其他信息,
 * 收款单位, 复核人, 收款人.
 */
import { amountInWords } from './amount-in-words';
import { shanghaiDate } from '../../kernel/china-time';
import { fen, sumFen, type Fen } from '../../kernel/money';

/**
 * PENDING_PDF: the number is allocated and the record written; the document is not stored yet (a
 * retry completes it). ISSUED: the document is stored. VOIDED: 已冲红 (the order was refunded).
 */
export type ReceiptStatus = 'PENDING_PDF' | 'ISSUED' | 'VOIDED';

/** Which version of the document is stored: as issued, or marked 已冲红. */
export type ReceiptPdfVersion = 'ISSUED' | 'VOIDED';

export interface ReceiptLine {
  /** 项目编码 */
  itemCode: string;
  /** 项目名称 */
  itemName: string;
  /** 数量 */
  quantity: number;
  /** 标准 (unit amount) */
  unitAmount: Fen;
  /** 金额 */
  amount: Fen;
}

/** What is printed besides the order: configured per environment, copied onto each receipt. */
export interface ReceiptIssuerSettings {
  /** e.g. 山东省非税收入统一票据（电子） */
  title: string;
  /** 票据代码, 8 digits. */
  receiptCode: string;
  /** 收款单位 */
  payeeUnit: string;
  /** 复核人 */
  reviewer: string;
  /** 收款人 */
  payee: string;
  /** Printed across the page when not empty (样张 in the local cloud). */
  watermark: string;
}

/** The stored shape of a receipt (collection `receipts`, `_id` = the order's id). */
export interface ReceiptDoc {
  _id: string;
  orderId: string;
  studentId: string;
  studentNo: string;
  status: ReceiptStatus;
  /** 票据代码 */
  receiptCode: string;
  /** 票据号码: 10 digits. */
  receiptNo: string;
  /** The same number as an integer (for ordering and checks). */
  sequence: number;
  /** 校验码: 6 characters. */
  checkCode: string;
  /** Which edition of the order's receipt this is (absent: the first); see receiptIdOf. */
  edition?: number;
  /**
   * Which key the 校验码 was derived with (RECEIPT_CHECK_KEY_ID when it was issued), so a receipt
   * stays verifiable after the key is rotated. Absent on receipts from before key ids existed.
   */
  checkKeyId?: string;
  /** How the 校验码 was derived (see CheckCodeScheme); absent on receipts from before scheme 2. */
  checkCodeScheme?: CheckCodeScheme;
  /** When the number was allocated; 开票日期 is its date in Asia/Shanghai. */
  issuedAt: Date;
  title: string;
  /** 交款人 */
  payerName: string;
  /** 交款人统一社会信用代码: the masked ID number. */
  payerIdMasked: string;
  lines: ReceiptLine[];
  total: Fen;
  /** 金额合计（大写） */
  totalInWords: string;
  /** 学年, e.g. 2026-2027 (several joined with 、). */
  academicYear: string;
  /** 订单号 (the merchant order number). */
  outTradeNo: string;
  /** 交易号, masked. */
  transactionIdMasked: string;
  paidAt: Date | null;
  payeeUnit: string;
  reviewer: string;
  payee: string;
  watermark: string;
  /** Where the order asked the receipt to be sent (may be empty). */
  email: string;
  /**
   * 128 random bits (32 hex digits) in the document's cloud path, so a path cannot be guessed from
   * the receipt number. Absent only on receipts from before it existed (then made when rendering).
   */
  storageKey?: string;
  /** The stored document, once rendered. */
  pdfFileID: string | null;
  pdfBytes: number | null;
  pdfVersion: ReceiptPdfVersion | null;
  voidedAt: Date | null;
  voidReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export class ReceiptError extends Error {}

export const RECEIPT_CODE_PATTERN = /^\d{8}$/;
export const RECEIPT_NO_PATTERN = /^\d{10}$/;
export const MAX_RECEIPT_SEQUENCE = 9_999_999_999;

/** 1 → "0000000001" */
export function formatReceiptNo(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > MAX_RECEIPT_SEQUENCE) {
    throw new ReceiptError(`receipt sequence out of range: ${sequence}`);
  }
  return String(sequence).padStart(10, '0');
}

/** The counter document (collection `counters`) that numbers the receipts of one 票据代码. */
export const receiptCounterId = (receiptCode: string): string => `receipt-no-${receiptCode}`;

/**
 * The receipt of an order has the order's id, so one order can never get two receipts of one
 * edition. After 计划财务处 refunds part of an order its receipt is voided and the next edition is
 * issued for what remains paid: `<order id>-2`, `-3`…
 */
export const receiptIdOf = (orderId: string, edition = 1): string => (edition <= 1 ? orderId : `${orderId}-${edition}`);

export { shanghaiDate, shanghaiDateTime } from '../../kernel/china-time';

/**
 * How a receipt's 校验码 is derived from the keyed digest of its fields.
 * - 1: each of 6 digest bytes taken % 31 — slightly biased (256 is not a multiple of 31, so 8
 *   symbols come up 9/256 of the time instead of 8/256). Receipts issued before scheme 2; their
 *   codes are recomputed this way to verify them, so they stay valid.
 * - 2: rejection sampling — bytes 248–255 are skipped, each symbol has exactly 8 of the 248 others.
 * Stored on each receipt (absent: 1), like the key id, so verifying never has to guess.
 */
export type CheckCodeScheme = 1 | 2;
export const CURRENT_CHECK_CODE_SCHEME: CheckCodeScheme = 2;

/** The fields a check code is derived from. */
export interface CheckCodeFields {
  receiptCode: string;
  receiptNo: string;
  issuedAt: Date;
  total: Fen;
  studentNo: string;
  checkKeyId?: string | null;
  checkCodeScheme?: CheckCodeScheme;
}

/**
 * The text the check code is derived from: everything a verifier reads off the receipt to check
 * it (code, number, date, amount, 学号), and the id of the key used, so that rotating the key
 * changes nothing for receipts made with an older one. Changing any of them changes the code.
 * Each scheme has its own prefix; a receipt without a key id (made before key ids existed) uses
 * the first form.
 */
export function checkCodeInput(fields: CheckCodeFields): string {
  const common = [fields.receiptCode, fields.receiptNo, shanghaiDate(fields.issuedAt), String(fields.total), fields.studentNo];
  if ((fields.checkCodeScheme ?? 1) === 2) {
    if (!fields.checkKeyId) throw new ReceiptError('a check code of scheme 2 needs the id of its key');
    return ['ZHJF-RECEIPT-3', fields.checkKeyId, ...common].join('|');
  }
  if (!fields.checkKeyId) return ['ZHJF-RECEIPT-1', ...common].join('|');
  return ['ZHJF-RECEIPT-2', fields.checkKeyId, ...common].join('|');
}

/** Letters and digits that cannot be confused when read aloud or typed (no 0/O, 1/I/L): 31 of them. */
export const CHECK_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CHECK_CODE_LENGTH = 6;
/** The largest multiple of 31 within a byte: bytes from here on are skipped (scheme 2). */
const UNBIASED_BYTE_LIMIT = 256 - (256 % CHECK_CODE_ALPHABET.length);

/** Scheme 2: the symbol a digest byte stands for, or null for a byte that is skipped. */
export function checkSymbolOf(byte: number): string | null {
  return byte < UNBIASED_BYTE_LIMIT ? CHECK_CODE_ALPHABET[byte % CHECK_CODE_ALPHABET.length]! : null;
}

/** The keyed digest (HMAC-SHA256 with the receipt's key) of a text. */
export type KeyedDigest = (text: string) => Uint8Array;

/**
 * The 6-character 校验码 of a receipt, by the receipt's scheme. Scheme 2 reads digest bytes until
 * six are usable, asking for more digest (input|1, input|2…) in the rare case a whole one is not
 * enough, so every code is exact and every receipt gets one.
 */
export function deriveCheckCode(fields: CheckCodeFields, digest: KeyedDigest): string {
  const input = checkCodeInput(fields);
  if ((fields.checkCodeScheme ?? 1) === 1) {
    const bytes = digest(input);
    if (bytes.length < CHECK_CODE_LENGTH) throw new ReceiptError('digest too short for a check code');
    return Array.from(bytes.subarray(0, CHECK_CODE_LENGTH), (byte) => CHECK_CODE_ALPHABET[byte % CHECK_CODE_ALPHABET.length]!).join('');
  }
  let out = '';
  for (let block = 0; out.length < CHECK_CODE_LENGTH; block += 1) {
    if (block > 64) throw new ReceiptError('the keyed digest does not vary: no check code can be drawn from it');
    for (const byte of digest(block === 0 ? input : `${input}|${block}`)) {
      const symbol = checkSymbolOf(byte);
      if (symbol) out += symbol;
      if (out.length === CHECK_CODE_LENGTH) break;
    }
  }
  return out;
}

/** The mini program page that verifies a receipt (app.json lists it). */
export const VERIFY_PAGE_PATH = 'pages/verify/index';

/** Where the QR code on a receipt leads. */
export interface VerificationTarget {
  /**
   * An https address registered for the mini program under 扫普通链接二维码打开小程序 (rule → the
   * verify page); the fields are added as its query. Scanning it in WeChat opens the verify page.
   */
  url?: string;
  /**
   * The mini program's AppID, used when there is no url: the QR carries a 明文 URL Scheme
   * (weixin://dl/business/?appid=…&path=pages/verify/index&query=…) that a phone camera or
   * browser opens in WeChat (the path must be declared under 明文 Scheme 拉起此小程序).
   */
  appId?: string;
}

/**
 * What the QR code on a receipt carries: enough to verify it against the issuer. The query names
 * (code, no, check, date, amount) are what the verify page reads, however it was opened. With
 * neither a url nor an AppID, the fields alone (ZHJF|…), which the verify page's 扫码查验 reads.
 */
export function verificationPayload(
  receipt: Pick<ReceiptDoc, 'receiptCode' | 'receiptNo' | 'checkCode' | 'issuedAt' | 'total'>,
  target: VerificationTarget | string = {},
): string {
  const { url = '', appId = '' } = typeof target === 'string' ? { url: target } : target;
  const fields = {
    code: receipt.receiptCode,
    no: receipt.receiptNo,
    check: receipt.checkCode,
    date: shanghaiDate(receipt.issuedAt).replace(/-/g, ''),
    amount: String(receipt.total),
  };
  const query = Object.entries(fields)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  if (url) return `${url}${url.includes('?') ? '&' : '?'}${query}`;
  if (appId) return `weixin://dl/business/?appid=${encodeURIComponent(appId)}&path=${VERIFY_PAGE_PATH}&query=${encodeURIComponent(query)}`;
  return ['ZHJF', fields.code, fields.no, fields.check, fields.date, fields.amount].join('|');
}

/**
 * What a receipt is made from: the paid order as the billing feature records it (its OrderDoc has
 * these fields), described here so that this domain depends on no other feature.
 */
export interface PaidOrder {
  _id: string;
  studentId: string;
  studentNo: string;
  lines: readonly { itemCode: string; itemName: string; academicYear: string; amount: Fen }[];
  total: Fen;
  outTradeNo: string;
  paidAt: Date | null;
  email: string;
}

/** The payer as printed: from the student record. */
export interface ReceiptPayer {
  name: string;
  studentNo: string;
  idMasked: string;
}

export interface NewReceiptInput {
  order: PaidOrder;
  payer: ReceiptPayer;
  settings: ReceiptIssuerSettings;
  sequence: number;
  checkCode: string;
  /** Id of the key the check code is derived with. */
  checkKeyId: string;
  /** 32 random hex digits for the document's cloud path. */
  storageKey: string;
  transactionIdMasked: string;
  at: Date;
}

/** One line per bill: 数量 1, 标准 = 金额. */
export function receiptLinesOf(order: Pick<PaidOrder, 'lines'>): ReceiptLine[] {
  return order.lines.map((line) => ({
    itemCode: line.itemCode,
    itemName: line.itemName,
    quantity: 1,
    unitAmount: line.amount,
    amount: line.amount,
  }));
}

/** The record written, in the same transaction as its number, when a paid order gets its receipt. */
export function newReceipt(input: NewReceiptInput): Omit<ReceiptDoc, '_id'> {
  const { order, payer, settings, sequence, at } = input;
  if (!RECEIPT_CODE_PATTERN.test(settings.receiptCode)) throw new ReceiptError('票据代码应为 8 位数字');
  if (!STORAGE_KEY_PATTERN.test(input.storageKey)) throw new ReceiptError('storage key must be 32 hex digits (128 random bits)');
  const lines = receiptLinesOf(order);
  if (lines.length === 0) throw new ReceiptError('an order without lines cannot be receipted');
  const total = sumFen(lines.map((line) => line.amount));
  if (total !== fen(order.total)) throw new ReceiptError(`order ${order._id}: lines add up to ${total}, total is ${order.total}`);
  const years = [...new Set(order.lines.map((line) => line.academicYear).filter((year) => year !== ''))];
  return {
    orderId: order._id,
    studentId: order.studentId,
    studentNo: payer.studentNo || order.studentNo,
    status: 'PENDING_PDF',
    receiptCode: settings.receiptCode,
    receiptNo: formatReceiptNo(sequence),
    sequence,
    checkCode: input.checkCode,
    checkKeyId: input.checkKeyId,
    checkCodeScheme: CURRENT_CHECK_CODE_SCHEME,
    issuedAt: at,
    title: settings.title,
    payerName: payer.name,
    payerIdMasked: payer.idMasked,
    lines,
    total,
    totalInWords: amountInWords(total),
    academicYear: years.join('、'),
    outTradeNo: order.outTradeNo,
    transactionIdMasked: input.transactionIdMasked,
    paidAt: order.paidAt ?? null,
    payeeUnit: settings.payeeUnit,
    reviewer: settings.reviewer,
    payee: settings.payee,
    watermark: settings.watermark,
    email: order.email ?? '',
    storageKey: input.storageKey,
    pdfFileID: null,
    pdfBytes: null,
    pdfVersion: null,
    voidedAt: null,
    voidReason: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** The version of the document a receipt in this state should have stored. */
export const wantedPdfVersion = (status: ReceiptStatus): ReceiptPdfVersion => (status === 'VOIDED' ? 'VOIDED' : 'ISSUED');

/** True when the stored document is missing or shows an older state (e.g. not yet marked 已冲红). */
export const needsPdf = (receipt: Pick<ReceiptDoc, 'status' | 'pdfVersion' | 'pdfFileID'>): boolean =>
  !receipt.pdfFileID || receipt.pdfVersion !== wantedPdfVersion(receipt.status);

/** The random part of a receipt's cloud path: 128 bits as 32 lowercase hex digits. */
export const STORAGE_KEY_PATTERN = /^[0-9a-f]{32}$/;

/**
 * Where the document is stored in cloud storage. The random storage key makes the path
 * unguessable; storage must still be private (仅创建者及管理员可读写, or a rule denying reads under
 * receipts/): students get the file only through a short-lived temporary URL from `download`.
 */
export function receiptCloudPath(receipt: Pick<ReceiptDoc, 'receiptCode' | 'receiptNo' | 'storageKey'>, version: ReceiptPdfVersion): string {
  const key = receipt.storageKey ?? '';
  if (!STORAGE_KEY_PATTERN.test(key)) throw new ReceiptError('a receipt document needs a 128-bit storage key in its path');
  return `receipts/${receipt.receiptCode}/${receipt.receiptNo}-${key}${version === 'VOIDED' ? '-voided' : ''}.pdf`;
}

/** The file name a student sees when saving or receiving it. */
export const receiptFileName = (receipt: Pick<ReceiptDoc, 'receiptNo'>): string => `电子票据-${receipt.receiptNo}.pdf`;

export const RECEIPT_STATUS_TEXT: Record<ReceiptStatus, string> = {
  PENDING_PDF: '开具中',
  ISSUED: '已开具',
  VOIDED: '已冲红',
};


/** One masking rule for addresses: the one the log scrubber uses. */
export { maskEmail } from '../../kernel/mask';
