import type { Fen } from '../../kernel/money';

/**
 * The stored shape of bills and orders (collections `bills`, `orders`). Every function that reads
 * them uses these types; fields may be added, never renamed.
 */

export type BillStatus = 'UNPAID' | 'PAYING' | 'PAID' | 'REFUNDED' | 'VOID';

export interface BillDoc {
  _id: string;
  studentId: string;
  studentNo: string;
  /** e.g. "2026-2027-1" (学年 + 学期). */
  term: string;
  /** e.g. "2026-2027". */
  academicYear: string;
  /** 项目编码, e.g. "XF" for 学费. */
  itemCode: string;
  /** 项目名称, e.g. 学费, 住宿费, 教材费. */
  itemName: string;
  amount: Fen;
  deadline: Date;
  mandatory: boolean;
  status: BillStatus;
  /** The open (PENDING) order this bill is in, or null. */
  orderId: string | null;
  /** The order that paid it. */
  paidOrderId: string | null;
  importBatchId?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type OrderStatus = 'PENDING' | 'PAID' | 'CLOSED' | 'REFUNDING' | 'REFUNDED';

export interface OrderLine {
  billId: string;
  term: string;
  academicYear: string;
  itemCode: string;
  itemName: string;
  amount: Fen;
}

export interface OrderDoc {
  _id: string;
  /** New for every payment attempt; unique. */
  outTradeNo: string;
  studentId: string;
  studentNo: string;
  payerOpenid: string;
  billIds: string[];
  /** The bills as priced when the order was made. */
  lines: OrderLine[];
  total: Fen;
  status: OrderStatus;
  /** Where the receipt is sent. */
  email: string;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  /**
   * WeChat Pay transaction id, absent until the order is paid. That one transaction is recorded for
   * one order only is kept by `payments/{transactionId}` (claimed before the order becomes PAID),
   * not by an index here: the cloud database has no sparse unique index.
   */
  transactionId?: string | null;

  // ---- payment bookkeeping (bills / pay / payNotify / paymentsSweep) -------------------------------------
  /** The exact unifiedOrder request: a retry sends it unchanged, so WeChat answers with the same prepay. */
  prepayRequest?: PrepayRequest;
  /** What wx.requestPayment needs, reused while the order is valid. */
  payment?: PaymentParamsRecord | null;
  prepayId?: string | null;
  /** First time WeChat confirmed the prepay (its 5-minute close rule counts from here). */
  prepayAt?: Date | null;
  /** The pay sheet reported success: shown as 处理中, never offered for payment again. */
  clientPaidAt?: Date | null;
  /** The student accepted the 缴费成功 subscribe message. */
  notifyOnPaid?: boolean;
  /** How the payment was learnt: the callback, a query (page sync, sweep, cancel) or reconciliation. */
  paidVia?: 'callback' | 'query' | 'reconcile' | null;
  closedAt?: Date | null;
  closeReason?: OrderCloseReason | null;
  /** Whether WeChat must still be told to close it (closeOrder is refused in the first 5 minutes). */
  wxClose?: WxCloseState;
  /**
   * When the sweep looks at it next, and how often it has. PENDING: ask WeChat; CLOSED: close it at
   * WeChat; REFUNDING: follow the refund; PAID: finish what follows the payment (a message, the
   * receipt) if the step that paid it stopped before it could.
   */
  nextCheckAt?: Date | null;
  checkAttempts?: number;
  /** A second payment for bills another order had paid: refunded in full. */
  refund?: OrderRefund | null;
  /**
   * WeChat's record of the payment disagrees with the order (amount, merchant, transaction): nothing
   * is applied, the sweep stops asking, and 计划财务处 looks at it (auditLog `pay.review`).
   */
  review?: OrderReview | null;
  updatedAt?: Date;
  /** Written by receipts only: ISSUED with its receipt (same transaction), VOIDED once 冲红 or voided before issuing (then none is issued). */
  receiptState?: 'ISSUED' | 'VOIDED';
}

export type ReviewReason = 'WRONG_ORDER' | 'WRONG_MERCHANT' | 'AMOUNT_MISMATCH' | 'TRANSACTION_CONFLICT';

export interface OrderReview {
  reason: ReviewReason;
  note: string;
  since: Date;
}

export type OrderCloseReason =
  /** 取消订单 by the student. */
  | 'CANCELLED'
  /** Not paid before it expired. */
  | 'EXPIRED'
  /** Another order of the same bills was paid (or took them over) first. */
  | 'SUPERSEDED'
  /** A double tap lost the race for the bills before any payment was requested. */
  | 'DUPLICATE'
  /** WeChat refused the prepay for good (e.g. merchant order number already used). */
  | 'REJECTED';

/** NONE: WeChat never had it or needs no close; NEEDED: the sweep must close it; DONE: closed there too. */
export type WxCloseState = 'NONE' | 'NEEDED' | 'DONE';

export interface PrepayRequest {
  body: string;
  outTradeNo: string;
  totalFee: Fen;
  nonceStr: string;
  /** yyyyMMddHHmmss, Asia/Shanghai. */
  timeExpire: string;
  spbillCreateIp: string;
  openid: string;
  attach: string;
}

/** What `wx.requestPayment` needs, as cloudPay.unifiedOrder returns it in `payment`. */
export interface PaymentParams {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

export type PaymentParamsRecord = PaymentParams;

export interface OrderRefund {
  outRefundNo: string;
  refundFee: Fen;
  reason: RefundReason;
  submittedAt: Date | null;
  refundedAt: Date | null;
  /** Rounds that ended without a definite answer (refused, unreachable, an empty queryRefund). */
  attempts?: number;
  /** WeChat closed the refund, reported it abnormal, or never confirmed it: finance refunds by hand. */
  manual?: { reason: string; at: Date } | null;
}

export type RefundReason = 'BILLS_ALREADY_PAID';

/** MANUAL: WeChat will not complete it (REFUNDCLOSE, CHANGE, refused or unconfirmed for too long). */
export type RefundStatus = 'PENDING' | 'SUBMITTED' | 'SUCCESS' | 'MANUAL';

/** refunds/{outRefundNo}: one per refunded order; the stable outRefundNo makes a resubmission harmless. */
export interface RefundDoc {
  _id: string;
  outRefundNo: string;
  orderId: string;
  outTradeNo: string;
  transactionId: string | null;
  studentId: string;
  totalFee: Fen;
  refundFee: Fen;
  reason: RefundReason;
  status: RefundStatus;
  refundId: string | null;
  /** WeChat's 退款状态 as last learnt (SUCCESS, PROCESSING, REFUNDCLOSE, CHANGE). */
  wechatStatus?: string | null;
  note?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * payments/{transactionId}: a WeChat transaction and the order it paid, written before the order
 * becomes PAID (the `_id` is what keeps one transaction recorded for one order).
 */
export interface PaymentDoc {
  _id: string;
  orderId: string;
  outTradeNo: string;
  totalFee: number;
  subMchId: string;
  paidAt: Date;
  via: 'callback' | 'query' | 'reconcile';
  recordedAt: Date;
}

/** A difference between WeChat's statement and the orders, for 计划财务处 (kept in auditLog `pay.reconcile`). */
export interface ReconcileDifference {
  kind:
    | 'UNKNOWN_PAYMENT'
    | 'PAYMENT_MISMATCH'
    | 'MISSING_AT_WECHAT'
    | 'UNKNOWN_REFUND'
    | 'REFUND_MISMATCH'
    | 'REFUND_NOT_RECORDED';
  outTradeNo: string;
  outRefundNo?: string;
  note: string;
}

/** What a payment or refund callback turned out to be (stored with the raw event in `notifications`). */
export type NotificationVerdict =
  | 'REFUND_APPLIED'
  | 'REFUND_ALREADY_APPLIED'
  | 'REFUND_PENDING'
  | 'REFUND_MANUAL'
  | 'REFUND_MISMATCH'
  | 'UNKNOWN_REFUND'
  | 'APPLIED'
  | 'ALREADY_APPLIED'
  | 'KEPT_LATE'
  | 'REFUNDING'
  | 'NOT_SUCCESS'
  | 'MALFORMED'
  | 'UNKNOWN_ORDER'
  | 'WRONG_MERCHANT'
  | 'AMOUNT_MISMATCH'
  | 'NOT_PAID_ON_QUERY'
  | 'QUERY_MISMATCH'
  | 'QUERY_FAILED'
  | 'ERROR';

/** notifications: every payment and refund callback as it arrived, append-only. */
export interface NotificationDoc {
  _id: string;
  kind: 'payment' | 'refund';
  outTradeNo: string | null;
  outRefundNo?: string | null;
  transactionId: string | null;
  verdict: NotificationVerdict;
  /** Why, in a few words (for finance and logs). */
  note: string;
  raw: Record<string, unknown>;
  receivedAt: Date;
  requestId: string;
}
