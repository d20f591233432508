/**
 * How the console shows bills and orders: the statuses' names are the billing contract's own
 * (BILL_STATUS_TEXT, ORDER_STATUS_TEXT); their tag colours are the console's.
 */
import { BILL_STATUS_TEXT, ORDER_STATUS_TEXT } from '../../../cloudfunctions/shared/billing/contract';
import type { BillStatusView } from '../api/types';

export { BILL_STATUS_TEXT, ORDER_STATUS_TEXT };

/** In the contract's order, as the filters offer them. */
export const BILL_STATUSES = Object.keys(BILL_STATUS_TEXT) as readonly BillStatusView[];

export const BILL_STATUS_THEME: Readonly<Record<BillStatusView, 'default' | 'primary' | 'warning' | 'danger' | 'success'>> = {
  UNPAID: 'warning',
  PAYING: 'primary',
  PAID: 'success',
  REFUNDED: 'default',
  VOID: 'default',
  WAIVED: 'default',
};
