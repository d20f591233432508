/**
 * How the console shows refunds: the states' names are the billing contract's REFUND_STATE_TEXT,
 * and what the refunded bills become is named as the bill status it is; the order of the filters,
 * the tag colours and the help beside each choice are the console's.
 */
import { REFUND_STATE_TEXT } from '../../../cloudfunctions/shared/billing/contract';
import type { RefundedBillsView, RefundStateView } from '../api/types';
import { BILL_STATUS_TEXT } from './bills';

export { REFUND_STATE_TEXT };

/** In the order the 退款 page offers them as filters: what waits for someone first. */
export const REFUND_STATES: readonly RefundStateView[] = ['REQUESTED', 'REFUNDING', 'REFUNDED', 'FAILED', 'REJECTED'];

export const REFUND_STATE_THEME: Readonly<Record<RefundStateView, 'default' | 'primary' | 'warning' | 'danger' | 'success'>> = {
  REQUESTED: 'warning',
  REJECTED: 'default',
  REFUNDING: 'primary',
  REFUNDED: 'success',
  FAILED: 'danger',
};

/** What the refunded bills become once the money is back: the bill status they take. */
export const BILLS_BECOME_TEXT: Readonly<Record<RefundedBillsView, string>> = {
  REFUNDED: BILL_STATUS_TEXT.REFUNDED,
  UNPAID: BILL_STATUS_TEXT.UNPAID,
};

export const BILLS_BECOME_HELP: Readonly<Record<RefundedBillsView, string>> = {
  REFUNDED: '学生不再需要缴纳这些项目（如退学、免缴）',
  UNPAID: '学生需要重新缴纳（如缴错学期、金额调整后重缴）',
};
