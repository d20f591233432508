/**
 * The receipts function's configuration, read from environment variables at each call (云开发控制台
 * → 云函数 → receipts → 配置 → 环境变量; the local cloud sets its own defaults). Nothing here is a
 * code constant that differs between environments.
 */
import { CHECK_KEY_ID_PATTERN, RECEIPT_CODE_PATTERN, type ReceiptIssuerSettings } from './domain/receipt';
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
function readCheckKeys(env: Env): { checkKey: CheckKey | null; checkKeys: Map<string, string> } {
  const keys = new Map<string, string>();
  const previous = text(env, RECEIPT_ENV.previousSecrets);
  for (const entry of previous ? previous.split(',') : []) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, Math.max(at, 0)).trim();
    const secret = entry.slice(at + 1).trim();
    if (at <= 0 || !CHECK_KEY_ID_PATTERN.test(id) || secret.length < MIN_SECRET_LENGTH) {
      throw new ReceiptsConfigError(`${RECEIPT_ENV.previousSecrets}: each entry is id:secret (id 1–16 of A-Z a-z 0-9 _ -, secret ≥ ${MIN_SECRET_LENGTH} characters)`);
    }
    if (keys.has(id) && keys.get(id) !== secret) throw new ReceiptsConfigError(`${RECEIPT_ENV.previousSecrets}: key id ${id} is listed twice`);
    keys.set(id, secret);
  }
  const secret = text(env, RECEIPT_ENV.checkSecret);
  const id = text(env, RECEIPT_ENV.checkKeyId, DEFAULTS.checkKeyId) || DEFAULTS.checkKeyId;
  if (!CHECK_KEY_ID_PATTERN.test(id)) throw new ReceiptsConfigError(`${RECEIPT_ENV.checkKeyId} must be 1–16 of A-Z a-z 0-9 _ -`);
  if (secret.length < MIN_SECRET_LENGTH) return { checkKey: null, checkKeys: keys };
  if (keys.has(id) && keys.get(id) !== secret) {
    throw new ReceiptsConfigError(`${RECEIPT_ENV.checkKeyId} ${id} is also a previous key with another secret: give the new key a new id`);
  }
  keys.set(id, secret);
  return { checkKey: { id, secret }, checkKeys: keys };
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
