import { action, access } from './define';
import { v, docId } from './validate';

/** Codes the bills function returns besides the common ones. */
export const BILLS_ERRORS = {
  BILL_NOT_FOUND: '账单不存在或不属于当前学生，请刷新后重试',
  BILL_NOT_PAYABLE: '所选账单已缴费或已作废，请刷新后重试',
  ORDER_NOT_FOUND: '订单不存在',
} as const;

export type BillStatusView = 'UNPAID' | 'PAYING' | 'PAID' | 'REFUNDED' | 'VOID';

/** A bill as the 账单缴费 page shows it. Amounts are integer fen; the page formats them. */
export interface BillView {
  id: string;
  /** e.g. "2026-2027-1". */
  term: string;
  /** e.g. "2026-2027学年第一学期". */
  termLabel: string;
  itemCode: string;
  /** 学费, 住宿费, 教材费… */
  itemName: string;
  amount: number;
  /** ISO 8601. */
  deadline: string;
  mandatory: boolean;
  status: BillStatusView;
  /** The deadline has passed and the bill is still unpaid. */
  overdue: boolean;
}

export interface OrderLineView {
  billId: string;
  term: string;
  termLabel: string;
  itemCode: string;
  itemName: string;
  amount: number;
}

/**
 * PENDING: 缴费中 (waiting for payment); PAID: 已完成; REFUNDING / REFUNDED: a second payment for
 * bills already paid by another order, being / already returned to the payer; CLOSED: cancelled or
 * expired.
 */
export type OrderStatusView = 'PENDING' | 'PAID' | 'CLOSED' | 'REFUNDING' | 'REFUNDED';

export interface OrderView {
  /** The order id; it is also the merchant order number (商户订单号). */
  id: string;
  outTradeNo: string;
  status: OrderStatusView;
  total: number;
  lines: OrderLineView[];
  email: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: after this WeChat no longer accepts payment for it. */
  expiresAt: string;
  paidAt: string | null;
  /** WeChat Pay transaction id, masked (4200****7890). */
  transactionIdMasked: string | null;
  /** The pay sheet reported success and the result is being confirmed (处理中): never pay it again. */
  processing: boolean;
  /** 继续支付 is offered (pending, not processing, still valid, started by this WeChat account). */
  canResume: boolean;
  /** 取消订单 is offered. */
  canCancel: boolean;
  /** Set when the order was paid from another WeChat account than the caller's. */
  otherPayer: boolean;
  /**
   * WeChat's record of the payment disagrees with the order: nothing was applied and 计划财务处 is
   * checking it. Neither 继续支付 nor 取消订单 is offered; `notice` says whom to contact.
   */
  underReview: boolean;
  /** Something the student must be told about this order (review, a refund finance completes by hand). */
  notice: string | null;
  /** For REFUNDING / REFUNDED orders: why and how much goes back; `manual`: finance refunds by hand. */
  refund: { amount: number; reason: string; refundedAt: string | null; manual: boolean } | null;
}

export interface BillsOverview {
  /** 待缴费: bills that can be ticked and paid. */
  unpaid: BillView[];
  /** 缴费中: open orders. */
  paying: OrderView[];
  /** 已完成: paid orders (and refunded second payments), newest first. */
  done: OrderView[];
  /** The email remembered from the last payment (receipts are sent there), or null. */
  email: string | null;
  /** Server time (ISO 8601): the page never trusts the phone's clock for deadlines. */
  serverTime: string;
}

export const billsContract = {
  /** Everything the 账单缴费 page shows, for the signed-in student. */
  overview: action<BillsOverview>()({ request: v.object({}), access: access.student }),
  /** One order of the signed-in student (order detail). */
  order: action<{ order: OrderView }>()({ request: v.object({ orderId: docId() }), access: access.student }),
};
