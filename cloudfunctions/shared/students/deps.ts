import { hashPassword, identityHmacKey, lookupHasher, verifyPassword, type LookupPurpose, type VerifyResult } from './credentials';
import { passwordContextOf, type StudentDoc } from './domain/student';

/** The keyed hash for ID numbers, phone numbers and account names, keyed from the environment. */
export function identityHash(): (purpose: LookupPurpose, value: string) => string {
  return lookupHasher(identityHmacKey());
}

export interface StudentPasswordCheck extends VerifyResult {
  /** The hash to store for the password just accepted (an initial password used for the first time). */
  newHash?: string;
}

/**
 * Checks a student's password with exactly one scrypt derivation, whether a hash is stored or the
 * initial password has never been used (passwordHash null). In that case the one derivation makes
 * the hash to store, and the password is compared with its keyed hash.
 */
export async function verifyStudentPassword(student: Pick<StudentDoc, 'passwordHash' | 'studentNo' | 'idRunHashes'>, candidate: string): Promise<StudentPasswordCheck> {
  if (student.passwordHash !== null) return verifyPassword(candidate, student.passwordHash);
  const hashed = await hashPassword(candidate);
  const ok = passwordContextOf(student, identityHash()).isInitialPassword(candidate);
  return ok ? { ok, needsRehash: false, newHash: hashed } : { ok, needsRehash: false };
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
