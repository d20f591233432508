import type { REASON_MIN_LENGTH as SERVER_REASON_MIN_LENGTH } from '../../../cloudfunctions/shared/kernel/validate';

/**
 * The shortest reason the server accepts for a change, counted in characters. Typed as the
 * server's own constant, so if the server's rule changes the console no longer type-checks until
 * this follows.
 */
export const REASON_MIN_LENGTH: typeof SERVER_REASON_MIN_LENGTH = 4;

export const reasonLength = (text: string): number => Array.from(text.trim()).length;
