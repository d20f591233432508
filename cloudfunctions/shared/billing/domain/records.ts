import type { Fen } from '../../kernel/money';

/**
 * The stored shape of bills and orders (collections `bills`, `orders`). Every function that reads
 * them uses these types; fields may be added, never renamed.
 */

/** WAIVED: 减免 in full by the finance office; VOID: 作废 (a bill that should not exist, or a withdrawn import). */
export type BillStatus = 'UNPAID' | 'PAYING' | 'PAID' | 'REFUNDED' | 'VOID' | 'WAIVED';

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
  /**
   * The student as the bill was made (姓名, 学院, 专业, 年级, 班级): the console searches and the
   * dashboard groups bills by them without reading every student. Absent on bills made before.
   */
  studentName?: string;
  college?: string;
  major?: string;
  grade?: string;
  className?: string;
  /** The amount the bill was made with, kept once the office adjusted or reduced it. */
  originalAmount?: Fen;
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
   * WeChat; PAID: send the 缴费成功 message if the step that paid it stopped before it could. (Its
   * refunds are followed through their own records.)
   */
  nextCheckAt?: Date | null;
  checkAttempts?: number;
  /**
   * The order's refunds summed up, for the pages and for the limits a new refund must keep. The
   * records in `refunds` are the source; this is written in the same transaction as they are.
   * Absent until the first refund.
   */
  refundSummary?: OrderRefundSummary;
  /**
   * WeChat's record of the payment disagrees with the order (amount, merchant, transaction): nothing
   * is applied, the sweep stops asking, and 计划财务处 looks at it (auditLog `pay.review`).
   */
  review?: OrderReview | null;
  updatedAt?: Date;
  /** Set for the receipts feature (receiptMarks): ISSUED once its receipt exists, VOIDED once 冲红 or voided before issuing (then none is issued). */
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
  /** Another tap (another selection, or the office) took or changed some of its bills before any payment was requested. */
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

/**
 * Why money goes back. BILLS_ALREADY_PAID: a second payment for bills another order had paid
 * (refunded in full, automatically); ARRANGED_BY_FINANCE: 计划财务处 refunds (part of) a payment.
 */
export type RefundReason = 'BILLS_ALREADY_PAID' | 'ARRANGED_BY_FINANCE';

/**
 * PENDING: to be submitted to WeChat; SUBMITTED: WeChat accepted it and is paying it back;
 * SUCCESS: WeChat confirmed it; MANUAL: WeChat will not complete it (REFUNDCLOSE, CHANGE, refused
 * or unconfirmed for too long) and a person refunds by hand.
 */
export type RefundStatus = 'PENDING' | 'SUBMITTED' | 'SUCCESS' | 'MANUAL';

/**
 * refunds/{outRefundNo}: one refund of (part of) an order's payment, the source of truth about it.
 * An order may have several (at most MAX_REFUNDS_PER_ORDER, together never more than it was paid);
 * each has its own stable outRefundNo, so submitting one again can never refund twice.
 */
export interface RefundDoc {
  _id: string;
  outRefundNo: string;
  orderId: string;
  outTradeNo: string;
  transactionId: string | null;
  studentId: string;
  /** The order's payment (WeChat's total_fee), which this refund returns part or all of. */
  totalFee: Fen;
  /** What this refund returns, in fen. */
  refundFee: Fen;
  /** The bills it covers. */
  billIds: string[];
  reason: RefundReason;
  /** 1 for the order's first refund, then 2, 3… */
  sequence: number;
  status: RefundStatus;
  /** WeChat's refund id, once WeChat accepted it. */
  refundId: string | null;
  /** WeChat's 退款状态 as last learnt (SUCCESS, PROCESSING, REFUNDCLOSE, CHANGE). */
  wechatStatus: string | null;
  /** How its status was last learnt, in a few words (for finance and logs). */
  note: string | null;
  /** Rounds that ended without a definite answer (refused, unreachable, an empty queryRefund). */
  attempts: number;
  /**
   * Why and since when a person has to refund it by hand (absent until then, and kept once it is
   * settled; the cloud database cannot set fields inside a null).
   */
  manual?: { reason: string; since: Date };
  /** When the payments timer next looks at it (to submit it, or to ask WeChat), and how often it has. */
  nextCheckAt: Date | null;
  checkAttempts: number;
  createdAt: Date;
  submittedAt: Date | null;
  refundedAt: Date | null;
  updatedAt: Date;
}

/** An order's refunds, summed (OrderDoc.refundSummary). */
export interface OrderRefundSummary {
  /** Refund records made for the order. */
  count: number;
  /** Their amounts together: never above the order's total. */
  requested: Fen;
  /** Of that, what WeChat confirmed. */
  refunded: Fen;
  /** Records a person has to refund by hand. */
  manual: number;
  /** The latest refund's reason (what the student is told). */
  latestReason: RefundReason;
  /** When WeChat last confirmed one of them. */
  lastRefundedAt: Date | null;
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
