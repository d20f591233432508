/**
 * The link the school's learning platform makes after it has verified a student's face, and draws
 * as a QR code: the 学号, an expiry, a random nonce and the id of the key that signed them, with an
 * HMAC-SHA256 over the four under a secret shared with the school. It never calls us; WeChat opens
 * the login page with the scanned link, and the auth function checks it (docs/desktop-link.md).
 *
 *   <prefix>?s=<学号>&e=<expiry, Unix seconds>&n=<nonce>&k=<key id>&sig=<64 hex digits>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the platform signs. */
export interface DesktopLinkFields {
  /** The 学号 as the platform has it. */
  studentNo: string;
  /** When the link stops working, in Unix seconds. */
  expires: number;
  /** Random, never reused: what makes a photographed QR work only once. */
  nonce: string;
  /** Which of the shared keys signed it (DESKTOP_LINK_KEY_ID on our side). */
  keyId: string;
}

export interface SignedDesktopLink extends DesktopLinkFields {
  /** HMAC-SHA256 of `desktopLinkSigningText(fields)`, lower-case hex. */
  signature: string;
}

/** How long the platform makes a link valid for. */
export const DESKTOP_LINK_LIFETIME_SECONDS = 10 * 60;
/** How far ahead of ours the platform's clock may run before a link counts as valid for too long. */
export const DESKTOP_LINK_CLOCK_SKEW_SECONDS = 2 * 60;

/** The query names of the link, in the order the platform writes them. */
export const DESKTOP_LINK_PARAMS = ['s', 'e', 'n', 'k', 'sig'] as const;

const STUDENT_NO = /^[0-9A-Za-z]{4,20}$/;
const EXPIRES = /^[1-9]\d{8,10}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** The text the HMAC is computed over: a fixed label and the four fields, joined by `|`. */
export function desktopLinkSigningText(fields: DesktopLinkFields): string {
  return ['ZHJF-DESKTOP-LOGIN-1', fields.keyId, fields.studentNo, String(fields.expires), fields.nonce].join('|');
}

export function desktopLinkSignature(secret: string, fields: DesktopLinkFields): string {
  return createHmac('sha256', secret).update(desktopLinkSigningText(fields), 'utf8').digest('hex');
}

/** Whether the fields are what a link may carry (the platform's side checks the same before signing). */
export function isWellFormed(fields: DesktopLinkFields): boolean {
  return (
    STUDENT_NO.test(fields.studentNo) &&
    EXPIRES.test(String(fields.expires)) &&
    NONCE.test(fields.nonce) &&
    KEY_ID.test(fields.keyId)
  );
}

/** The link for `fields`, signed with `secret`, under the registered `prefix` (an https address). */
export function buildDesktopLink(prefix: string, fields: DesktopLinkFields, secret: string): string {
  if (!isWellFormed(fields)) throw new Error('desktop link fields are malformed');
  const values: Record<(typeof DESKTOP_LINK_PARAMS)[number], string> = {
    s: fields.studentNo,
    e: String(fields.expires),
    n: fields.nonce,
    k: fields.keyId,
    sig: desktopLinkSignature(secret, fields),
  };
  const query = DESKTOP_LINK_PARAMS.map((name) => `${name}=${values[name]}`).join('&');
  return `${prefix}${prefix.includes('?') ? '&' : '?'}${query}`;
}

const decode = (value: string): string | null => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
};

/**
 * The signed fields of a link as scanned (the whole address, or only its query), or null when it
 * is not one: a field missing, given twice, or of the wrong form. Anything else in the query (a
 * school's own tracking parameter) is ignored and unsigned.
 */
export function parseDesktopLink(text: string): SignedDesktopLink | null {
  const value = text.trim();
  const start = value.indexOf('?');
  const query = (start >= 0 ? value.slice(start + 1) : value).split('#')[0] ?? '';
  const found = new Map<string, string>();
  for (const part of query.split('&')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = decode(part.slice(0, at));
    const content = decode(part.slice(at + 1));
    if (name === null || content === null) return null;
    if (!(DESKTOP_LINK_PARAMS as readonly string[]).includes(name)) continue;
    if (found.has(name)) return null;
    found.set(name, content);
  }
  const [s, e, n, k, sig] = DESKTOP_LINK_PARAMS.map((name) => found.get(name) ?? '');
  if (!EXPIRES.test(e!) || !SIGNATURE.test(sig!)) return null;
  const fields = { studentNo: s!, expires: Number(e), nonce: n!, keyId: k! };
  return isWellFormed(fields) ? { ...fields, signature: sig!.toLowerCase() } : null;
}

/** What is wrong with a parsed link under the key its id names, or null when it holds. */
export type DesktopLinkProblem = 'signature' | 'expired' | 'lifetime';

/**
 * Checks, in this order: the signature (compared in constant time), the expiry, and that the
 * expiry is not further away than the platform may set it (a link meant to last for days). `secret`
 * is the key named by the link's key id, or undefined when no such key is configured.
 */
export function checkDesktopLink(link: SignedDesktopLink, secret: string | undefined, now: Date): DesktopLinkProblem | null {
  if (secret === undefined) return 'signature';
  const expected = Buffer.from(desktopLinkSignature(secret, link), 'hex');
  const given = Buffer.from(link.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature';
  const nowSeconds = now.getTime() / 1000;
  if (link.expires <= nowSeconds) return 'expired';
  if (link.expires > nowSeconds + DESKTOP_LINK_LIFETIME_SECONDS + DESKTOP_LINK_CLOCK_SKEW_SECONDS) return 'lifetime';
  return null;
}
