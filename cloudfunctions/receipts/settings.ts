/**
 * The receipts function's configuration, read from environment variables at each call (云开发控制台
 * → 云函数 → receipts → 配置 → 环境变量; the local cloud sets its own defaults). Nothing here is a
 * code constant that differs between environments.
 */
import { RECEIPT_CODE_PATTERN, type ReceiptIssuerSettings } from '../shared/domain/receipt';

export interface ReceiptsSettings {
  issuer: ReceiptIssuerSettings;
  /** Key of the 校验码 HMAC; null when not configured (then nothing is issued). */
  checkSecret: string | null;
  /** Prefix of the verification link in the QR code; empty: the QR carries the fields only. */
  verifyUrl: string;
  /** How far back the sweep looks again for paid orders before its cursor (late PAID transitions). */
  sweepOverlapHours: number;
  /** Email the receipt to the order's address once it is issued. */
  autoEmail: boolean;
  /** The line at the end of every email: who to call. */
  contact: string;
}

type Env = Record<string, string | undefined>;

export const RECEIPT_ENV = {
  title: 'RECEIPT_TITLE',
  receiptCode: 'RECEIPT_CODE',
  payeeUnit: 'RECEIPT_PAYEE_UNIT',
  reviewer: 'RECEIPT_REVIEWER',
  payee: 'RECEIPT_PAYEE',
  watermark: 'RECEIPT_WATERMARK',
  checkSecret: 'RECEIPT_CHECK_SECRET',
  verifyUrl: 'RECEIPT_VERIFY_URL',
  sweepOverlapHours: 'RECEIPT_SWEEP_OVERLAP_HOURS',
  autoEmail: 'RECEIPT_AUTO_EMAIL',
  contact: 'RECEIPT_CONTACT',
} as const;

const DEFAULTS = {
  title: '山东省非税收入统一票据（电子）',
  receiptCode: '37060126',
  payeeUnit: '计划财务处',
  contact: '计划财务处收费管理科 0535-6916496',
} as const;

/** A check-code key shorter than this is treated as missing. */
export const MIN_SECRET_LENGTH = 16;

const text = (env: Env, name: string, fallback = ''): string => {
  const value = env[name];
  return value === undefined ? fallback : value.trim();
};

export class ReceiptsConfigError extends Error {}

export function readReceiptsSettings(env: Env = process.env): ReceiptsSettings {
  const receiptCode = text(env, RECEIPT_ENV.receiptCode, DEFAULTS.receiptCode);
  if (!RECEIPT_CODE_PATTERN.test(receiptCode)) throw new ReceiptsConfigError(`${RECEIPT_ENV.receiptCode} must be 8 digits`);
  const secret = text(env, RECEIPT_ENV.checkSecret);
  const overlap = Number(text(env, RECEIPT_ENV.sweepOverlapHours, '24'));
  return {
    issuer: {
      title: text(env, RECEIPT_ENV.title, DEFAULTS.title) || DEFAULTS.title,
      receiptCode,
      payeeUnit: text(env, RECEIPT_ENV.payeeUnit, DEFAULTS.payeeUnit),
      reviewer: text(env, RECEIPT_ENV.reviewer),
      payee: text(env, RECEIPT_ENV.payee),
      watermark: text(env, RECEIPT_ENV.watermark),
    },
    checkSecret: secret.length >= MIN_SECRET_LENGTH ? secret : null,
    verifyUrl: text(env, RECEIPT_ENV.verifyUrl),
    sweepOverlapHours: Number.isFinite(overlap) && overlap >= 0 ? overlap : 24,
    autoEmail: !/^(0|false|no|off)$/i.test(text(env, RECEIPT_ENV.autoEmail, 'true')),
    contact: text(env, RECEIPT_ENV.contact, DEFAULTS.contact),
  };
}
