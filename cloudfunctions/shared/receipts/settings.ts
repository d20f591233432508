/**
 * The receipts function's configuration, read from environment variables at each call (云开发控制台
 * → 云函数 → receipts → 配置 → 环境变量; the local cloud sets its own defaults). Nothing here is a
 * code constant that differs between environments.
 */
import { RECEIPT_CODE_PATTERN, type ReceiptIssuerSettings } from './domain/receipt';
import { KeyRingConfigError, readKeyRing } from '../runtime/key-ring';
import { variableSpec, type VariableName } from '../runtime/environment';

/** A key of the 校验码 HMAC and the id printed nowhere but stored on each receipt it made. */
export interface CheckKey {
  id: string;
  secret: string;
}

export interface ReceiptsSettings {
  issuer: ReceiptIssuerSettings;
  /** The key new receipts are made with; null when not configured (then nothing is issued). */
  checkKey: CheckKey | null;
  /** Every key a receipt may have been made with, by id: the current one and the previous ones. */
  checkKeys: ReadonlyMap<string, string>;
  /** https prefix for the QR code (扫普通链接二维码打开小程序 → the verify page); empty: see verifyAppId. */
  verifyUrl: string;
  /** The mini program's AppID for a 明文 URL Scheme in the QR code when there is no verifyUrl. */
  verifyAppId: string;
  /** Email the receipt to the order's address once it is issued (queued; the timer sends it). */
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
  checkKeyId: 'RECEIPT_CHECK_KEY_ID',
  previousSecrets: 'RECEIPT_CHECK_SECRET_PREVIOUS',
  verifyUrl: 'RECEIPT_VERIFY_URL',
  verifyAppId: 'RECEIPT_VERIFY_APPID',
  autoEmail: 'RECEIPT_AUTO_EMAIL',
  contact: 'RECEIPT_CONTACT',
} as const satisfies Record<string, VariableName>;

const DEFAULTS = {
  title: '山东省非税收入统一票据（电子）',
  receiptCode: '37060126',
  payeeUnit: '计划财务处',
  contact: '计划财务处收费管理科 0535-6916496',
  checkKeyId: 'k1',
} as const;

/** A check-code key shorter than this is treated as missing (declared with the variable). */
export const MIN_SECRET_LENGTH = variableSpec('RECEIPT_CHECK_SECRET').minLength;

const text = (env: Env, name: string, fallback = ''): string => {
  const value = env[name];
  return value === undefined ? fallback : value.trim();
};

export class ReceiptsConfigError extends Error {}

/**
 * RECEIPT_CHECK_SECRET_PREVIOUS: keys retired by a rotation, as `id:secret` separated by commas
 * (e.g. `k1:old-secret-…`). Receipts made with them still verify; no new receipt uses them.
 */
function readCheckKeys(env: Env): { checkKey: CheckKey | null; checkKeys: ReadonlyMap<string, string> } {
  try {
    const ring = readKeyRing(
      env,
      { secret: RECEIPT_ENV.checkSecret, keyId: RECEIPT_ENV.checkKeyId, previous: RECEIPT_ENV.previousSecrets },
      { minSecretLength: MIN_SECRET_LENGTH, defaultKeyId: DEFAULTS.checkKeyId },
    );
    return { checkKey: ring.current, checkKeys: ring.byId };
  } catch (error) {
    if (error instanceof KeyRingConfigError) throw new ReceiptsConfigError(error.message);
    throw error;
  }
}

export function readReceiptsSettings(env: Env = process.env): ReceiptsSettings {
  const receiptCode = text(env, RECEIPT_ENV.receiptCode, DEFAULTS.receiptCode);
  if (!RECEIPT_CODE_PATTERN.test(receiptCode)) throw new ReceiptsConfigError(`${RECEIPT_ENV.receiptCode} must be 8 digits`);
  const verifyUrl = text(env, RECEIPT_ENV.verifyUrl);
  if (verifyUrl && !/^https:\/\/[^\s]+$/i.test(verifyUrl)) throw new ReceiptsConfigError(`${RECEIPT_ENV.verifyUrl} must be an https address`);
  const verifyAppId = text(env, RECEIPT_ENV.verifyAppId);
  if (verifyAppId && !/^wx[0-9a-z]{16}$/i.test(verifyAppId)) throw new ReceiptsConfigError(`${RECEIPT_ENV.verifyAppId} must be a mini program AppID (wx…)`);
  return {
    issuer: {
      title: text(env, RECEIPT_ENV.title, DEFAULTS.title) || DEFAULTS.title,
      receiptCode,
      payeeUnit: text(env, RECEIPT_ENV.payeeUnit, DEFAULTS.payeeUnit),
      reviewer: text(env, RECEIPT_ENV.reviewer),
      payee: text(env, RECEIPT_ENV.payee),
      watermark: text(env, RECEIPT_ENV.watermark),
    },
    ...readCheckKeys(env),
    verifyUrl,
    verifyAppId,
    autoEmail: !/^(0|false|no|off)$/i.test(text(env, RECEIPT_ENV.autoEmail, 'true')),
    contact: text(env, RECEIPT_ENV.contact, DEFAULTS.contact),
  };
}
