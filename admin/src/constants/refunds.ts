/**
 * How the console names refund states (the billing contract's REFUND_STATE_TEXT; the console may
 * import only types from it, so the words are repeated here and the browser test checks they
 * match what the server says), and what the refunded bills can become.
 */
import type { RefundedBillsView, RefundStateView } from '../api/types';

/** In the order the 退款 page offers them as filters: what waits for someone first. */
export const REFUND_STATES: readonly RefundStateView[] = ['REQUESTED', 'REFUNDING', 'REFUNDED', 'FAILED', 'REJECTED'];

export const REFUND_STATE_TEXT: Readonly<Record<RefundStateView, string>> = {
  REQUESTED: '待审核',
  REJECTED: '已驳回',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  FAILED: '退款失败',
};

export const REFUND_STATE_THEME: Readonly<Record<RefundStateView, 'default' | 'primary' | 'warning' | 'danger' | 'success'>> = {
  REQUESTED: 'warning',
  REJECTED: 'default',
  REFUNDING: 'primary',
  REFUNDED: 'success',
  FAILED: 'danger',
};

/** What the refunded bills become once the money is back, as the request dialog offers it. */
export const BILLS_BECOME_TEXT: Readonly<Record<RefundedBillsView, string>> = {
  REFUNDED: '已退费',
  UNPAID: '待缴费',
};

export const BILLS_BECOME_HELP: Readonly<Record<RefundedBillsView, string>> = {
  REFUNDED: '学生不再需要缴纳这些项目（如退学、免缴）',
  UNPAID: '学生需要重新缴纳（如缴错学期、金额调整后重缴）',
};
