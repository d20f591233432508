/** A reason field as the server checks it: the kernel's REASON_MIN_LENGTH, counted in characters. */
import type { FormRule } from 'tdesign-vue-next';
import { REASON_MIN_LENGTH } from '../../../cloudfunctions/shared/kernel/validate';

const reasonLength = (text: string): number => Array.from(text.trim()).length;

export const REASON_RULES: FormRule[] = [
  { required: true, message: '请填写原因' },
  { validator: (value: string) => reasonLength(value) >= REASON_MIN_LENGTH, message: `原因至少 ${REASON_MIN_LENGTH} 个字` },
];

export const REASON_HELP = `必填，至少 ${REASON_MIN_LENGTH} 个字，记入审计日志`;
