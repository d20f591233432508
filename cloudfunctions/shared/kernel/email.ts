/**
 * The one rule for an email address, wherever one is typed or used: 立即支付, the student record,
 * the receipts mailer and (generated from this file) the mini program's pages. One mailbox, no
 * display name, no spaces, at most 100 characters; a local part of RFC 5322 "atext" characters
 * without leading, trailing or doubled dots; a host name of labels that neither start nor end with
 * a hyphen, ending in a top-level domain of letters.
 */

export const EMAIL_MAX_LENGTH = 100;
const LOCAL_PART_MAX_LENGTH = 64;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** The address as stored and used (trimmed, full-width folded, domain in lower case), or null when it is not one. */
export function normalizeEmail(input: string): string | null {
  const value = input.normalize('NFKC').trim();
  if (value.length === 0 || value.length > EMAIL_MAX_LENGTH) return null;
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > LOCAL_PART_MAX_LENGTH || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) return null;
  return `${local}@${domain.toLowerCase()}`;
}

export const isValidEmail = (input: string): boolean => normalizeEmail(input) !== null;
