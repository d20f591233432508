import type { FormRule } from 'tdesign-vue-next';
import type { REASON_MIN_LENGTH as SERVER_REASON_MIN_LENGTH } from '../../../cloudfunctions/shared/kernel/validate';

/**
 * The shortest reason the server accepts for a change, counted in characters. Typed as the
 * server's own constant, so if the server's rule changes the console no longer type-checks until
 * this follows.
 */
export const REASON_MIN_LENGTH: typeof SERVER_REASON_MIN_LENGTH = 4;

export const reasonLength = (text: string): number => Array.from(text.trim()).length;

/** A reason field's rules, as the server checks it. */
export const REASON_RULES: FormRule[] = [
  { required: true, message: '请填写原因' },
  { validator: (value: string) => reasonLength(value) >= REASON_MIN_LENGTH, message: `原因至少 ${REASON_MIN_LENGTH} 个字` },
];

export const REASON_HELP = `必填，至少 ${REASON_MIN_LENGTH} 个字，记入审计日志`;
