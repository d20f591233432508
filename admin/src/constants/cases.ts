/**
 * How the console shows review cases: the kinds' and states' names are the billing contract's own
 * (CASE_KIND_TEXT, CASE_STATE_TEXT); the kinds' tag colours are the console's.
 */
import { CASE_KIND_TEXT, CASE_STATE_TEXT } from '../../../cloudfunctions/shared/billing/contract';
import type { CaseKindView } from '../api/types';

export { CASE_KIND_TEXT, CASE_STATE_TEXT };

/** In the contract's order, as the filter offers them. */
export const CASE_KINDS = Object.keys(CASE_KIND_TEXT) as readonly CaseKindView[];

export const CASE_KIND_THEME: Readonly<Record<CaseKindView, 'warning' | 'danger' | 'primary'>> = {
  PAYMENT: 'warning',
  REFUND: 'danger',
  RECONCILIATION: 'primary',
};
