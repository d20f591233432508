import { createHmac } from 'node:crypto';

/**
 * Keyed hashes used to find a record by a personal number without storing the number: the same
 * input and key always give the same value, and without the key the value cannot be reversed by
 * trying all ID or phone numbers. Each purpose is domain-separated.
 */
export type LookupPurpose =
  /** a canonical 18-character ID number */
  | 'id'
  /** a 6-character run of an ID number, or its last 8 characters (password rules) */
  | 'idRun'
  /** a phone number with its country code */
  | 'phone'
  /** an account name as typed at sign-in (attempt counting) */
  | 'login'
  /** an activation code the finance office issued (first sign-in without a phone on file) */
  | 'activation';

export function lookupHash(key: string, purpose: LookupPurpose, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\u0000${value}`, 'utf8').digest('hex');
}

/** The keyed hash as a function, the shape domain code takes it in (it never sees the key). */
export const lookupHasher =
  (key: string) =>
  (purpose: LookupPurpose, value: string): string =>
    lookupHash(key, purpose, value);
