/**
 * How the console names the kinds of review case (the billing contract's CASE_KIND_TEXT; the
 * console may import only types from it, so the words are repeated here and the browser test
 * checks they match what the server says).
 */
import type { CaseKindView } from '../api/types';

export const CASE_KINDS: readonly CaseKindView[] = ['PAYMENT', 'REFUND', 'RECONCILIATION'];

export const CASE_KIND_TEXT: Readonly<Record<CaseKindView, string>> = {
  PAYMENT: '支付待核实',
  REFUND: '退款失败',
  RECONCILIATION: '对账差异',
};

export const CASE_KIND_THEME: Readonly<Record<CaseKindView, 'warning' | 'danger' | 'primary'>> = {
  PAYMENT: 'warning',
  REFUND: 'danger',
  RECONCILIATION: 'primary',
};
