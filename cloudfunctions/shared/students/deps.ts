import { identityHmacKey, lookupHasher, type LookupPurpose } from './credentials';

/** The keyed hash for ID numbers, phone numbers and account names, keyed from the environment. */
export function identityHash(): (purpose: LookupPurpose, value: string) => string {
  return lookupHasher(identityHmacKey());
}

/** How long things last. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;
export const SETUP_TTL_MS = 20 * 60_000;
export const DEVICE_TTL_MS = 10 * 60_000;
export const RESET_TTL_MS = 10 * 60_000;

/**
 * First sign-in of a student with no phone on file, where the number WeChat verifies becomes the
 * student's: a phone number may already belong to fewer than `studentsPerPhone` other students, and
 * a WeChat account may have completed the first sign-in for fewer than `studentsPerWechat` others.
 * Anything beyond is for the finance office to look at.
 */
export const FIRST_SIGN_IN_LIMITS = {
  studentsPerPhone: 1,
  studentsPerWechat: 1,
} as const;

/** The auth function's timer trigger (config.json) and what it purges. */
export const CLEANUP_TRIGGER = 'authCleanup';
/** Used getPhoneNumber codes are kept this long (WeChat's own limit is 5 minutes). */
export const PHONE_CODE_RETENTION_MS = 24 * 3600_000;
