import { identityHmacKey, lookupHasher, type LookupPurpose } from '../shared/security';

/** The keyed hash for ID numbers, phone numbers and account names, keyed from the environment. */
export function identityHash(): (purpose: LookupPurpose, value: string) => string {
  return lookupHasher(identityHmacKey());
}

/** How long things last. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;
export const SETUP_TTL_MS = 20 * 60_000;
export const DEVICE_TTL_MS = 10 * 60_000;
export const RESET_TTL_MS = 10 * 60_000;
