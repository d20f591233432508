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
  /**
   * Set for the receipts feature (receiptMarks): ISSUED once its receipt exists, VOIDED once 冲红 or
   * voided before issuing (then none is issued); OUTDATED once a refund of part of it was confirmed:
   * the receipt is voided and the next edition issued for what remains paid.
   */
  receiptState?: 'ISSUED' | 'VOIDED' | 'OUTDATED';
  /** The edition its receipt must have (1 until a part of it is refunded; then 2, 3…). */
  receiptEdition?: number;
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
 * (refunded in full, automatically); BILLS_CHANGED: a payment for a cancelled order whose bills the
 * office waived, voided or re-priced meanwhile (refunded in full, automatically);
 * ARRANGED_BY_FINANCE: 计划财务处 refunds (part of) a payment.
 */
export type RefundReason = 'BILLS_ALREADY_PAID' | 'BILLS_CHANGED' | 'ARRANGED_BY_FINANCE';

/**
 * REQUESTED: a 收费员 asked for it and a 审核 has yet to decide (待审核); REJECTED: the 审核 refused it
 * (已驳回, nothing moved); PENDING: to be submitted to WeChat; SUBMITTED: WeChat accepted it and is
 * paying it back; SUCCESS: WeChat confirmed it; MANUAL: WeChat will not complete it (REFUNDCLOSE,
 * CHANGE, refused or unconfirmed for too long) and a person refunds by hand; RETRIED: it failed for
 * good at WeChat and a new refund (`retriedAs`) was asked for in its place, so it no longer counts;
 * OFFLINE: finance refunded it outside WeChat Pay (线下退款) and closed its case.
 */
export type RefundStatus = 'REQUESTED' | 'REJECTED' | 'PENDING' | 'SUBMITTED' | 'SUCCESS' | 'MANUAL' | 'RETRIED' | 'OFFLINE';

/**
 * Why a refund went to a person. REFUSED: WeChat refused the request itself and holds no such refund
 * (e.g. the refund permission was never granted); CLOSED: WeChat closed it (REFUNDCLOSE); both are
 * final at WeChat, so a new refund can be asked for. ABNORMAL: 退款异常 (CHANGE), the money waits at
 * WeChat to be sent on in the merchant platform; UNCONFIRMED: WeChat never said how it ended. Neither
 * of these two may be asked for again: the first refund may still reach the student.
 */
export type RefundFailureCause = 'REFUSED' | 'CLOSED' | 'ABNORMAL' | 'UNCONFIRMED';

/** What the refunded bills become once the money is back: 已退费, or 待缴费 again (to be paid anew). */
export type RefundedBillsBecome = 'REFUNDED' | 'UNPAID';

/** A staff member as a refund record names them. */
export interface StaffRef {
  staffId: string;
  name: string;
}

/** Who asked for a refund from the console, why, and what its bills become (RefundDoc.request). */
export interface RefundRequestInfo {
  by: StaffRef;
  reason: string;
  billsBecome: RefundedBillsBecome;
  at: Date;
  /** The review case it was asked for from: approving the refund resolves the case. */
  caseId?: string;
  /** The failed refund (its outRefundNo) this one is asked for in place of: its case waits for this one's outcome. */
  retryOf?: string;
}

/** The 审核's decision on a requested refund (RefundDoc.decision). */
export interface RefundDecision {
  by: StaffRef;
  approved: boolean;
  /** Required when rejecting. */
  note: string | null;
  at: Date;
}

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
  manual?: { reason: string; since: Date; cause?: RefundFailureCause };
  /** RETRIED: the refund asked for in its place. */
  retriedAs?: string | null;
  /** OFFLINE: who recorded that it was refunded outside WeChat Pay, and what they said. */
  offline?: { by: StaffRef; reason: string; at: Date };
  /** When the payments timer next looks at it (to submit it, or to ask WeChat), and how often it has. */
  nextCheckAt: Date | null;
  checkAttempts: number;
  createdAt: Date;
  submittedAt: Date | null;
  refundedAt: Date | null;
  updatedAt: Date;
  /** Set on a refund requested in the console (absent on the automatic ones). */
  request?: RefundRequestInfo;
  /** Set once a 审核 approved or rejected the request. */
  decision?: RefundDecision;
  /** The student number of the order (for the console's lists). Absent on older records. */
  studentNo?: string;
}

/** An order's refunds, summed (OrderDoc.refundSummary). */
export interface OrderRefundSummary {
  /** Refund records made for the order. */
  count: number;
  /** Their amounts together: never above the order's total. */
  requested: Fen;
  /** Of that, what went back: confirmed by WeChat, or refunded outside it (`offline`). */
  refunded: Fen;
  /** Of `refunded`, what finance refunded outside WeChat Pay (线下退款). Absent until then. */
  offline?: Fen;
  /** Records a person has to refund by hand. */
  manual: number;
  /** The latest refund's reason (what the student is told). */
  latestReason: RefundReason;
  /** When WeChat last confirmed one of them. */
  lastRefundedAt: Date | null;
  /**
   * Requests waiting for a 审核 (待审核): their amount, not yet in `requested`. Absent until the
   * first console request.
   */
  awaiting?: Fen;
  /** Records that were rejected (they count towards `count`, never towards WeChat's limit). */
  rejected?: number;
  /** The bills in a requested, approved or completed console refund: each is refunded at most once. */
  billIds?: string[];
  /** Bills whose refund WeChat confirmed (the receipt for what remains paid leaves them out). */
  refundedBillIds?: string[];
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

export type ReconcileDifferenceKind =
  | 'UNKNOWN_PAYMENT'
  | 'PAYMENT_MISMATCH'
  | 'MISSING_AT_WECHAT'
  | 'UNKNOWN_REFUND'
  | 'REFUND_MISMATCH'
  | 'REFUND_NOT_RECORDED';

/**
 * A difference between WeChat's statement and the orders, for 计划财务处 (kept in auditLog
 * `pay.reconcile` and in the day's reconciliations record), and the review case it opened (or the
 * order's own case, when the payment set the order aside).
 */
export interface ReconcileDifference {
  kind: ReconcileDifferenceKind;
  outTradeNo: string;
  outRefundNo?: string;
  note: string;
  /** The order it is about, when there is one here. */
  orderId?: string;
  studentNo?: string;
  /** The payment's or the refund's amount, as WeChat's statement has it (ours when WeChat lacks it). */
  amount?: Fen;
  caseId?: string;
}

/** Payments and refunds of one day, counted and summed (fen). */
export interface DayTotals {
  payments: { count: number; amount: Fen };
  refunds: { count: number; amount: Fen };
}

/** Why a day is not reconciled yet. */
export type ReconcileWait = 'NO_STATEMENT_YET' | 'WECHAT_UNAVAILABLE' | 'STATEMENT_UNREADABLE';

/**
 * reconciliations/{billDate}: the last reconciliation of a statement day (yyyyMMdd, Beijing): WeChat's
 * totals against ours, the differences with their cases; or why it is not done yet. A day done is
 * never replaced by a later attempt that could not finish.
 */
export interface ReconciliationDoc {
  _id: string;
  billDate: string;
  done: boolean;
  /** Set while not done. */
  waitingFor: ReconcileWait | null;
  /** The technical reason, for logs and finance. */
  note: string | null;
  /** Rows of WeChat's statement. */
  rows: number;
  /** From the statement; null until one was read. */
  wechat: DayTotals | null;
  /** Orders paid that day here (repairs included) and refunds WeChat accepted that day. */
  ours: DayTotals;
  /** Payments WeChat had that were not yet recorded here, repaired by this reconciliation. */
  repaired: number;
  /** The differences kept (at most MAX_DIFFERENCES_KEPT), and how many there were. */
  differences: ReconcileDifference[];
  differenceCount: number;
  /** When it was last done (or tried). */
  reconciledAt: Date | null;
  updatedAt: Date;
}

/**
 * PAYMENT: WeChat's payment and an order disagree (the order was set aside); REFUND: WeChat will not
 * complete a refund (退款失败); RECONCILIATION: a difference the daily statement showed.
 */
export type ReviewCaseKind = 'PAYMENT' | 'REFUND' | 'RECONCILIATION';

/** OPEN: 待核实; RESOLVED: 已办结 (once, by one decision). */
export type ReviewCaseStatus = 'OPEN' | 'RESOLVED';

export type ReviewCaseReason = ReviewReason | 'REFUND_FAILED' | ReconcileDifferenceKind;

/**
 * CONFIRM_PAID: a 审核 checked WeChat's record and the payment was applied; REFUND: a refund asked for
 * from the case was approved by a 审核 (for a refund asked for again after a failure: once WeChat
 * confirmed it); CLOSE: closed with a reason (handled outside the system); WECHAT_REFUNDED: WeChat
 * completed the failed refund after all (settled by the system); RETRY_FAILED: the refund asked for
 * again failed too, and its own case takes over; REFUNDED_OFFLINE: a 审核 recorded that finance
 * refunded it outside WeChat Pay.
 */
export type ReviewCaseResolution = 'CONFIRM_PAID' | 'REFUND' | 'CLOSE' | 'WECHAT_REFUNDED' | 'RETRY_FAILED' | 'REFUNDED_OFFLINE';

export interface ReviewCaseDecision {
  action: ReviewCaseResolution;
  /** Who decided (for REFUND: the 审核 who approved it; SYSTEM_STAFF for what WeChat settled). */
  by: StaffRef;
  /** For REFUND: the 收费员 who asked for it. */
  requestedBy?: StaffRef;
  reason: string;
  /** For REFUND: the refund (its outRefundNo). */
  refundId?: string;
  at: Date;
}

/**
 * reviewCases/{id}: one thing the payments could not settle on their own, for 计划财务处 to check and
 * decide (待核实). The id names its subject (`order:<orderId>:<reason>`, `refund:<outRefundNo>`,
 * `recon:<billDate>:<outTradeNo | outRefundNo>`), so it is opened once however often it is seen
 * while it is open; a difference seen again after its case was settled opens `<id>:2`, `:3`…
 */
export interface ReviewCaseDoc {
  _id: string;
  kind: ReviewCaseKind;
  reason: ReviewCaseReason;
  status: ReviewCaseStatus;
  /** What the payment code found, in a few words. */
  note: string;
  orderId: string | null;
  outTradeNo: string | null;
  outRefundNo: string | null;
  studentNo: string | null;
  /** The order's, the refund's or the statement row's amount. */
  amount: Fen | null;
  /** yyyyMMdd of the statement, for a reconciliation difference. */
  billDate: string | null;
  openedAt: Date;
  /** A refund asked for from this case, waiting for a 审核 (the case stays open until it is decided). */
  awaitingRefundId: string | null;
  /** Absent until it is resolved. */
  resolution?: ReviewCaseDecision;
  resolvedAt: Date | null;
  updatedAt: Date;
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
