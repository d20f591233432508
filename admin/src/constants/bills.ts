/**
 * How the console names bill and order statuses (the billing contract's BILL_STATUS_TEXT; the
 * console may import only types from it, so the words are repeated here and the browser test
 * checks they match what the server says).
 */
import type { BillStatusView, OrderStatusView } from '../api/types';

export const BILL_STATUSES: readonly BillStatusView[] = ['UNPAID', 'PAYING', 'PAID', 'REFUNDED', 'VOID', 'WAIVED'];

export const BILL_STATUS_TEXT: Readonly<Record<BillStatusView, string>> = {
  UNPAID: '待缴费',
  PAYING: '缴费中',
  PAID: '已缴费',
  REFUNDED: '已退费',
  VOID: '已作废',
  WAIVED: '已减免',
};

export const BILL_STATUS_THEME: Readonly<Record<BillStatusView, 'default' | 'primary' | 'warning' | 'danger' | 'success'>> = {
  UNPAID: 'warning',
  PAYING: 'primary',
  PAID: 'success',
  REFUNDED: 'default',
  VOID: 'default',
  WAIVED: 'default',
};

export const ORDER_STATUS_TEXT: Readonly<Record<OrderStatusView, string>> = {
  PENDING: '待支付',
  PAID: '已支付',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};
