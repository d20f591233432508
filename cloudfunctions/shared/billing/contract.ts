/**
 * The billing feature's contract: the bills function (what a student owes and has paid), the pay
 * function (立即支付, 取消订单, the check after the pay sheet) and the payments timer.
 */
import { action, access } from '../kernel/contract';
import { v, docId, reasonText } from '../kernel/validate';
import type { PaymentParams, ReconcileDifferenceKind, ReviewCaseKind, ReviewCaseReason, ReviewCaseResolution, ReviewCaseStatus } from './domain/records';

export type { PaymentParams };

// ---- bills --------------------------------------------------------------------------------------

/** Codes the bills function returns besides the common ones. */
export const BILLS_ERRORS = {
  BILL_NOT_FOUND: '账单不存在或不属于当前学生，请刷新后重试',
  BILL_NOT_PAYABLE: '所选账单已缴费或已作废，请刷新后重试',
  ORDER_NOT_FOUND: '订单不存在',
} as const;

export type BillStatusView = 'UNPAID' | 'PAYING' | 'PAID' | 'REFUNDED' | 'VOID' | 'WAIVED';

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
  /**
   * 立即支付 takes it now. False for a bill whose fee item closed at its deadline (已截止): it cannot
   * be ticked, and `notPayableReason` says whom to contact.
   */
  payableOnline: boolean;
  /** Why it cannot be paid online, in the words the student reads; null when it can. */
  notPayableReason: string | null;
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
  /**
   * For an order with refunds under way or done: why and how much goes back (all its refunds
   * together; `refundedAt` once all of it is back); `manual`: finance refunds by hand. `state`:
   * 退款中 (REFUNDING), 已退款 (REFUNDED), 已退款（线下办理） (REFUNDED_OFFLINE: all of it is back,
   * some of it refunded by finance outside WeChat Pay), 退款失败 (FAILED: WeChat did not complete
   * it; finance takes it over). Requests still waiting for a 审核 are not shown.
   */
  refund: { amount: number; reason: string; refundedAt: string | null; manual: boolean; state: 'REFUNDING' | 'REFUNDED' | 'REFUNDED_OFFLINE' | 'FAILED' } | null;
}

export interface BillsOverview {
  /**
   * Who is paying, for the check the payment guide asks for before paying: the name and 学号 as on
   * the student's record, the ID number masked as it is stored (3706**********123X). From the
   * student's record, whether or not they have bills: the server always sends it (null is the
   * page's state before the first answer).
   */
  payer: { name: string; idMasked: string; studentNo: string } | null;
  /** 待缴费: bills still owed; those with `payableOnline` false are shown but cannot be ticked. */
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

// ---- pay ----------------------------------------------------------------------------------------

/** Codes the pay function returns besides the common ones. */
export const PAY_ERRORS = {
  EMAIL_INVALID: '请填写正确的邮箱地址，电子票据将发送到该邮箱',
  BILLS_IN_OPEN_ORDER: '所选账单已在“缴费中”的订单里，请继续支付或取消该订单后重新选择',
  BILLS_CHANGED: '账单状态刚刚发生变化，请刷新后重试',
  PAY_BUSY: '正在处理您上一次的支付操作，请稍候在“缴费中”查看',
  PAY_MANDATORY_FIRST: '请先缴纳本学期的必缴项目，或与选缴项目一并勾选',
  PAY_ITEM_CLOSED: '该项目已过缴费截止日期，不能再在线缴费，请联系计划财务处收费管理科',
  ORDER_NOT_PENDING: '该订单已关闭或已支付，请刷新后查看',
  ORDER_EXPIRED: '订单已超时关闭，请在“待缴费”中重新选择账单支付',
  ORDER_PROCESSING: '该订单的支付结果正在确认中，请勿重复支付',
  ORDER_UNDER_REVIEW: '该订单的支付结果与微信支付记录不一致，已转计划财务处核实，请联系计划财务处收费管理科',
  ORDER_OTHER_PAYER: '该订单由另一个微信账号发起，请在原微信中继续支付，或取消订单后重新支付',
  PAY_UNAVAILABLE: '微信支付暂时不可用，请稍后重试',
  PAY_REJECTED: '微信支付下单失败，请稍后重试',
} as const;

export type PayErrorCode = keyof typeof PAY_ERRORS;

export interface PayStart {
  order: OrderView;
  /** Null only when the order turned out to be paid already. */
  payment: PaymentParams | null;
}

export interface CancelOutcome {
  order: OrderView;
  /** CANCELLED: the bills are back under 待缴费; PAID: it had been paid, nothing was cancelled. */
  outcome: 'CANCELLED' | 'PAID';
}

const orderRef = v.object({ orderId: docId() });

export const payContract = {
  /**
   * 立即支付: the client sends bill ids only; the server prices them. A second tap (or a second
   * device) for the same bills gets the same open order and payment back.
   */
  create: action<PayStart>()({
    request: v.object({
      billIds: v.array(docId(), { min: 1, max: 50, unique: true }),
      email: v.string({ min: 1, max: 100 }),
      /** The student accepted the 缴费成功 subscribe message on this tap. */
      subscribed: v.optional(v.boolean()),
    }),
    access: access.student,
  }),
  /** 继续支付: the payment of an open order again (the same one while it is valid). */
  resume: action<PayStart>()({ request: orderRef, access: access.student }),
  /**
   * Asks WeChat how the order stands and applies it. `afterPayment`: the pay sheet just reported
   * success, so the order is shown as 处理中 and never offered for payment again.
   */
  sync: action<{ order: OrderView }>()({
    request: v.object({ orderId: docId(), afterPayment: v.optional(v.boolean()) }),
    access: access.student,
  }),
  /** 取消订单: releases the bills at once (WeChat is told to close the order as soon as it allows). */
  cancel: action<CancelOutcome>()({ request: orderRef, access: access.student }),
};

// ---- the payments timer -------------------------------------------------------------------------

/** Codes the payments timer (paymentsSweep) returns besides the common ones. */
export const PAYMENTS_SWEEP_ERRORS = {} as const;

export interface SweepReport {
  /** Open orders looked at. */
  checked: number;
  /** Found paid at WeChat and marked paid here (a lost callback). */
  paid: number;
  /** Expired (or superseded) orders closed; their bills are back under 待缴费. */
  closed: number;
  /** Of those, expired orders that never got payment parameters, closed without asking WeChat. */
  closedUnasked: number;
  /** Orders closed locally earlier that WeChat has now also closed. */
  wechatClosed: number;
  /** Refunds WeChat confirmed. */
  refunded: number;
  /** Refunds handed to finance (REFUNDCLOSE, CHANGE, never confirmed). */
  manualRefunds: number;
  /** Paid orders whose 缴费成功 message step was finished here. */
  followedUp: number;
  /** Orders whose payment WeChat reports differently: set aside for finance. */
  review: number;
  /** Orders and refunds left for a later run (WeChat unavailable, still in the 5-minute window…). */
  deferred: number;
  /** Orders and refunds still due when the run's time budget ran out (the next run goes on with them, oldest first). */
  leftOver: number;
  /** At minute 30 of every hour the same run also reconciles (a function has one timer trigger). */
  reconcile?: ReconcileReport;
}

export interface ReconcileDayReport {
  /** yyyyMMdd (Asia/Shanghai) of the statement. */
  billDate: string;
  /** Rows in WeChat's statement. */
  rows: number;
  /** Payments WeChat has that were not yet marked paid here, now repaired. */
  repaired: number;
  /** Differences recorded for finance (both directions, payments and refunds). */
  mismatches: number;
  /** The day is reconciled (recorded in auditLog); false: tried again next hour. */
  done: boolean;
  /** Why it is not done yet. */
  note: string | null;
}

export interface ReconcileReport {
  /** Days tried in this run, oldest first. */
  days: ReconcileDayReport[];
}

const timerEvent = v.object({ Type: v.literal('Timer'), TriggerName: v.string(), Time: v.optional(v.string()) });

export const paymentsSweepContract = {
  /**
   * Every minute (the function's one timer trigger): due orders, oldest due first (open ones,
   * deferred closes, refunds, paid follow-ups); at minute 30 of each hour also `reconcile`.
   */
  sweep: action<SweepReport>()({ request: timerEvent, access: access.timer }),
  /**
   * Every recent day not yet reconciled whose statement (downloadBill) should exist, against the
   * orders. Run hourly by the sweep trigger; a timer event named `reconcile` runs it on its own.
   */
  reconcile: action<ReconcileReport>()({ request: timerEvent, access: access.timer }),
};

// ---- the finance console (admin function) -------------------------------------------------------

export const BILLING_CONSOLE_ERRORS = {
  BILL_IN_OPEN_ORDER: '该账单正在支付中（学生已下单），不能修改。请待订单支付完成或关闭后再操作',
  BILL_NOT_CHANGEABLE: '该账单已缴费、已退费、已减免或已作废，不能再修改；已缴费的请办理退款',
  BILL_CHANGED: '该账单刚刚被修改，请刷新后重试',
  FEE_ITEM_NAME_TAKEN: '已有同名的收费项目',
  REFUND_ORDER_NOT_FOUND: '订单不存在',
  REFUND_ORDER_NOT_PAID: '该订单未支付、正在原路退回或已全额退款，不能再申请退款',
  REFUND_NOT_ORDERS_BILLS: '所选账单不属于该订单',
  REFUND_BILL_TAKEN: '所选账单已在另一笔退款申请中或已退款',
  REFUND_ABOVE_PAID: '退款金额超过该订单尚可退的金额',
  REFUND_TOO_MANY: '该订单的退款已达微信支付上限（50 笔），请线下办理',
  REFUND_TOO_OLD: '该订单支付已超过一年，微信支付不再受理退款，请线下办理',
  REFUND_NOT_FOUND: '退款申请不存在',
  REFUND_SELF_APPROVAL: '不能审批自己提出的退款申请，请由另一位审核人员审批',
  REFUND_ALREADY_DECIDED: '该退款申请已审批，请刷新后查看',
  CASE_NOT_FOUND: '待核实事项不存在',
  CASE_ALREADY_RESOLVED: '该事项已办结，不能再次处理，请刷新后查看',
  CASE_REFUND_AWAITING: '该事项已申请退款，正等待审核人员审批或微信支付的退款结果；如不退款，请先驳回该退款申请',
  CASE_REFUND_NOT_FINAL: '微信支付尚未确认该退款已失败（可能仍在处理或已退款），不能重新申请退款，请稍后刷新查看',
  CASE_ACTION_NOT_FITTING: '该事项现在不适用这种处理方式，请刷新后查看可用的处理方式',
  CASE_WECHAT_UNAVAILABLE: '暂时无法向微信支付核实该订单，未做任何更改，请稍后再试',
  CASE_NOT_PAID_AT_WECHAT: '微信支付显示该订单没有支付成功，不能确认为已缴费',
  CASE_WECHAT_AMOUNT_DIFFERS: '微信支付记录的金额与订单金额不一致，不能确认为已缴费',
  CASE_WECHAT_MERCHANT_DIFFERS: '微信支付记录的商户号不是本校的商户号，不能确认为已缴费',
  CASE_WECHAT_ORDER_DIFFERS: '微信支付记录的商户订单号与该订单不一致，不能确认为已缴费',
  CASE_TRANSACTION_ELSEWHERE: '该笔微信支付交易已记在另一个订单上，不能确认为已缴费；订单仍待核实',
  RECON_DAY_NOT_READY: '该日的微信对账单尚未生成（次日 10:00 后可以对账）',
  RECON_DAY_TOO_OLD: '微信支付只提供最近三个月的对账单，该日不能再对账',
  RECON_RANGE_TOO_LONG: '一次最多查看 92 天的对账结果，请缩短日期范围',
} as const;

/** How the console names each order status. */
export const ORDER_STATUS_TEXT: Readonly<Record<OrderStatusView, string>> = {
  PENDING: '待支付',
  PAID: '已支付',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};

/** How the console names each bill status. */
export const BILL_STATUS_TEXT: Readonly<Record<BillStatusView, string>> = {
  UNPAID: '待缴费',
  PAYING: '缴费中',
  PAID: '已缴费',
  REFUNDED: '已退费',
  VOID: '已作废',
  WAIVED: '已减免',
};

/** A bill as the console lists it. Amounts in fen, times ISO 8601. */
export interface ConsoleBill {
  billId: string;
  studentNo: string;
  studentName: string;
  college: string;
  major: string;
  grade: string;
  className: string;
  term: string;
  itemCode: string;
  itemName: string;
  amount: number;
  /** The amount it was made with, when the office has since adjusted it. */
  originalAmount: number | null;
  deadline: string;
  overdue: boolean;
  mandatory: boolean;
  status: BillStatusView;
  statusText: string;
  orderId: string | null;
  paidOrderId: string | null;
  importBatchId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BillPage {
  items: ConsoleBill[];
  total: number;
}

export interface ConsoleBillOrder {
  orderId: string;
  outTradeNo: string;
  status: OrderStatusView;
  total: number;
  createdAt: string;
  paidAt: string | null;
  /** WeChat's transaction id, masked. */
  transactionId: string | null;
  refunded: number;
}

export interface BillDetail {
  bill: ConsoleBill;
  orders: ConsoleBillOrder[];
}

export interface FeeItemView {
  code: string;
  name: string;
  mandatory: boolean;
  payableAfterDeadline: boolean;
  active: boolean;
  sortOrder: number;
}

export const billFilters = {
  studentNo: v.optional(v.string({ max: 32 })),
  studentName: v.optional(v.string({ max: 30 })),
  college: v.optional(v.string({ max: 50 })),
  major: v.optional(v.string({ max: 50 })),
  grade: v.optional(v.string({ max: 50 })),
  term: v.optional(v.string({ max: 20 })),
  itemCode: v.optional(v.string({ max: 20 })),
  status: v.optional(v.literal('UNPAID', 'PAYING', 'PAID', 'REFUNDED', 'VOID', 'WAIVED')),
  /** YYYY-MM-DD, China time, inclusive. */
  deadlineFrom: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
  deadlineTo: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
};

/**
 * The collection figures of a term, in fen. 应收 receivable = 待缴费 + 缴费中 + 已缴费; 实收 received =
 * 已缴费; 未缴 unpaid = 待缴费 + 缴费中; 退款 refunded = 已退费; 减免 waived = 已减免. 缴费率 is
 * received / receivable (by amount) and paidCount / billCount (by bill), in per mille.
 */
export interface CollectionFigures {
  receivable: number;
  received: number;
  unpaid: number;
  refunded: number;
  waived: number;
  billCount: number;
  paidCount: number;
  unpaidCount: number;
  /** 缴费率 by amount, ‰ (e.g. 875 = 87.5%). */
  rateByAmount: number;
  /** 缴费率 by bill, ‰. */
  rateByCount: number;
}

export interface FiguresBy extends CollectionFigures {
  /** The 学院, 专业 or 年级 ('' for bills made before bills carried it). */
  name: string;
}

/**
 * One day's money for a term's bills, fen. The days' `net` together equal the 实收 card, as long
 * as no payment that arrived after its bills were settled is still on its way back.
 */
export interface DailyIncome {
  /** YYYY-MM-DD, China time. */
  date: string;
  /** 收款: what was paid that day (paid orders' lines of this term). */
  received: number;
  /** 退款: what went back to payers that day (refunds completed that day, their lines of this term). */
  refunded: number;
  /** 实收 of the day: received − refunded (below zero on a day of more refunds than payments). */
  net: number;
  /** Orders paid that day, and refunds completed that day. */
  payments: number;
  refunds: number;
}

export interface Dashboard {
  term: string;
  /** Every term that has bills, newest first. */
  terms: string[];
  totals: CollectionFigures;
  byCollege: FiguresBy[];
  byMajor: FiguresBy[];
  byGrade: FiguresBy[];
  dailyIncome: DailyIncome[];
  /**
   * Open review cases (待核实): orders whose payment WeChat reports differently, refunds WeChat will
   * not complete, differences in the daily statement — the same count listCases gives for OPEN.
   */
  openReviewCases: number;
}

/** What the console exports (.xlsx, written in the browser page by page, with progress). */
export type ExportKind = 'unpaid' | 'payments' | 'bills';

export const EXPORT_LABELS: Readonly<Record<ExportKind, string>> = {
  unpaid: '未缴学生名单（催缴）',
  payments: '缴费记录',
  bills: '账单明细',
};

/**
 * The columns of each export, in order: the header and the row field. Amounts (fen in the rows)
 * become numbers in 元 with two decimals; times are China time.
 */
export const EXPORT_COLUMNS = {
  unpaid: [
    { header: '学号', field: 'studentNo' },
    { header: '姓名', field: 'studentName' },
    { header: '学院', field: 'college' },
    { header: '专业', field: 'major' },
    { header: '年级', field: 'grade' },
    { header: '班级', field: 'className' },
    { header: '未缴必缴项目', field: 'mandatoryItems' },
    { header: '必缴金额（元）', field: 'mandatoryAmount', money: true },
    { header: '未缴选缴项目', field: 'optionalItems' },
    { header: '选缴金额（元）', field: 'optionalAmount', money: true },
    { header: '最早截止日期', field: 'earliestDeadline' },
  ],
  payments: [
    { header: '支付时间', field: 'paidAt' },
    { header: '商户订单号', field: 'outTradeNo' },
    { header: '微信支付单号', field: 'transactionId' },
    { header: '学号', field: 'studentNo' },
    { header: '收费项目', field: 'items' },
    { header: '金额（元）', field: 'amount', money: true },
    { header: '已退款（元）', field: 'refunded', money: true },
    { header: '订单状态', field: 'statusText' },
  ],
  bills: [
    { header: '学号', field: 'studentNo' },
    { header: '姓名', field: 'studentName' },
    { header: '学院', field: 'college' },
    { header: '专业', field: 'major' },
    { header: '年级', field: 'grade' },
    { header: '班级', field: 'className' },
    { header: '学年学期', field: 'term' },
    { header: '收费项目', field: 'itemName' },
    { header: '金额（元）', field: 'amount', money: true },
    { header: '缴费截止日期', field: 'deadline' },
    { header: '是否必缴', field: 'mandatory' },
    { header: '状态', field: 'statusText' },
  ],
} as const satisfies Record<ExportKind, readonly { header: string; field: string; money?: true }[]>;

/**
 * One exported row: text, or fen for the money columns. 未缴学生名单 with 只含必缴 leaves the 选缴
 * columns empty ('') rather than 0: they were not looked at.
 */
export type ExportRow = Record<string, string | number>;

export interface ExportPage {
  rows: ExportRow[];
  /**
   * Pass back as `after` for the page that follows (where this page ended, so rows that change
   * meanwhile move no other row out of the export); null on the last.
   */
  next: string | null;
  /** Rows in the whole export, for the progress bar. */
  total: number;
}

/** Rows per export page. */
export const EXPORT_PAGE_ROWS = 1000;

// ---- refunds in the console (four eyes: a 收费员 requests, another person, a 审核, decides) ----------

/**
 * How the console (and the student) see a refund: 待审核, 已驳回, 退款中 (approved, with WeChat),
 * 已退款, 退款失败 (WeChat will not complete it: a review case).
 */
export type RefundStateView = 'REQUESTED' | 'REJECTED' | 'REFUNDING' | 'REFUNDED' | 'FAILED';

export const REFUND_STATE_TEXT: Readonly<Record<RefundStateView, string>> = {
  REQUESTED: '待审核',
  REJECTED: '已驳回',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  FAILED: '退款失败',
};

/** What the refunded bills become once the money is back: 已退费, or 待缴费 again. */
export type RefundedBillsView = 'REFUNDED' | 'UNPAID';

export interface ConsoleRefundLine {
  billId: string;
  term: string;
  itemName: string;
  amount: number;
}

/** A refund as the console lists it. Amounts in fen, times ISO 8601. */
export interface ConsoleRefund {
  /** The merchant refund number (商户退款单号): the id of the request, stable from the request on. */
  refundId: string;
  orderId: string;
  outTradeNo: string;
  studentNo: string;
  amount: number;
  /** What the order was paid. */
  orderTotal: number;
  lines: ConsoleRefundLine[];
  /** Null for a refund the payments made by themselves (a second payment of paid bills). */
  billsBecome: RefundedBillsView | null;
  state: RefundStateView;
  stateText: string;
  /** The requester's reason, or why the payments refunded it by themselves. */
  reason: string;
  requestedBy: string | null;
  requestedByStaffId: string | null;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The 审核's note (why it was rejected). */
  decisionNote: string | null;
  refundedAt: string | null;
  /** Why WeChat did not complete it (退款失败). */
  failure: string | null;
  /** A failed refund asked for again: the refund asked for in its place. */
  retriedAs: string | null;
  /** A refund asked for again: the failed refund it replaces. */
  retryOf: string | null;
  /** Refunded by finance outside WeChat Pay (已退款（线下办理）). */
  offline: boolean;
  /** The review case it was asked for from (approving it resolves the case). */
  caseId: string | null;
}

export interface RefundPage {
  items: ConsoleRefund[];
  total: number;
}

// ---- review cases (待核实) and reconciliation in the console -------------------------------------

export type CaseKindView = ReviewCaseKind;
export type CaseStateView = ReviewCaseStatus;

export const CASE_KIND_TEXT: Readonly<Record<CaseKindView, string>> = {
  PAYMENT: '支付待核实',
  REFUND: '退款失败',
  RECONCILIATION: '对账差异',
};

export const CASE_STATE_TEXT: Readonly<Record<CaseStateView, string>> = {
  OPEN: '待核实',
  RESOLVED: '已办结',
};

/** Why the payments set it aside, in the office's words. */
export const CASE_REASON_TEXT: Readonly<Record<ReviewCaseReason, string>> = {
  WRONG_ORDER: '微信支付记录的商户订单号与订单不符',
  WRONG_MERCHANT: '微信支付记录的商户号不是本校的',
  AMOUNT_MISMATCH: '微信支付记录的金额与订单金额不符',
  TRANSACTION_CONFLICT: '同一笔微信支付交易对应了两个订单，或一个订单有两笔交易',
  REFUND_FAILED: '微信支付未能完成退款（退款失败），需人工处理',
  UNKNOWN_PAYMENT: '对账单中有一笔本系统没有的支付',
  PAYMENT_MISMATCH: '对账单中的支付与订单的交易号或金额不符',
  MISSING_AT_WECHAT: '本系统已支付的订单不在微信对账单中',
  UNKNOWN_REFUND: '对账单中有一笔本系统没有的退款',
  REFUND_MISMATCH: '对账单中的退款与本系统记录的金额或订单不符',
  REFUND_NOT_RECORDED: '对账单显示已退款，本系统未记为已退款',
};

export const CASE_RESOLUTION_TEXT: Readonly<Record<ReviewCaseResolution, string>> = {
  CONFIRM_PAID: '核实后确认已缴费',
  REFUND: '退款（已审批）',
  CLOSE: '关闭',
  WECHAT_REFUNDED: '微信支付已完成退款',
  RETRY_FAILED: '重新申请的退款仍未成功',
  REFUNDED_OFFLINE: '已线下退款',
};

/**
 * What can be done with a case now: confirmPaid, refundedOffline (已线下退款) and close by a 审核;
 * refund and retryRefund (重新申请退款, for a refund that failed for good at WeChat) requested by a
 * 收费员 through requestCaseRefund.
 */
export type CaseActionView = 'confirmPaid' | 'refund' | 'retryRefund' | 'refundedOffline' | 'close';

export interface CaseResolutionView {
  action: ReviewCaseResolution;
  actionText: string;
  /** Who decided (for a refund: the 审核 who approved it). */
  by: string;
  /** For a refund: the 收费员 who asked for it. */
  requestedBy: string | null;
  reason: string;
  refundId: string | null;
  at: string;
}

/** A review case as the console lists it. Amounts in fen, times ISO 8601. */
export interface ConsoleCase {
  caseId: string;
  kind: CaseKindView;
  kindText: string;
  reason: ReviewCaseReason;
  reasonText: string;
  /** What the payment code found, in its own (technical) words. */
  detail: string;
  state: CaseStateView;
  stateText: string;
  orderId: string | null;
  outTradeNo: string | null;
  outRefundNo: string | null;
  studentNo: string | null;
  amount: number | null;
  /** The statement day (YYYY-MM-DD) of a reconciliation difference. */
  billDate: string | null;
  openedAt: string;
  /** A refund asked for from the case, waiting for a 审核: the case is resolved when it is approved. */
  awaitingRefundId: string | null;
  resolution: CaseResolutionView | null;
}

export interface CasePage {
  items: ConsoleCase[];
  total: number;
}

/** Our record of the order, beside WeChat's. */
export interface CaseOrderView {
  orderId: string;
  outTradeNo: string;
  status: OrderStatusView;
  statusText: string;
  total: number;
  /** Our merchant (子商户号) the order was placed with. */
  subMchId: string | null;
  /** Masked. */
  transactionId: string | null;
  createdAt: string;
  paidAt: string | null;
  lines: ConsoleRefundLine[];
  /** Why it is set aside, while it is. */
  reviewText: string | null;
}

/** A WeChat transaction recorded here for the order. */
export interface CasePaymentView {
  /** Masked. */
  transactionId: string;
  orderId: string;
  totalFee: number;
  subMchId: string;
  paidAt: string;
  /** How it was learnt: 支付回调, 查询, 对账. */
  viaText: string;
}

/** WeChat's side, asked live when the case is opened in the console. */
export interface CaseWechatView {
  /** False when WeChat could not be asked; `message` says why, and only our record is shown. */
  asked: boolean;
  message: string | null;
  order: {
    found: boolean;
    tradeState: string | null;
    tradeStateText: string | null;
    totalFee: number | null;
    subMchId: string | null;
    /** The merchant is ours. */
    ourMerchant: boolean | null;
    /** Masked. */
    transactionId: string | null;
    paidAt: string | null;
  } | null;
  refund: {
    /** FOUND; NOT_FOUND: WeChat holds no such refund; UNKNOWN: WeChat answered without the refund's details. */
    state: 'FOUND' | 'NOT_FOUND' | 'UNKNOWN';
    status: string | null;
    statusText: string | null;
  } | null;
}

export interface CaseDetail {
  case: ConsoleCase;
  /** What fits the case now (the console shows each to the role that may do it). */
  actions: CaseActionView[];
  /** What to do about a 退款失败 case, in the office's words (e.g. where to handle 退款异常); null for other cases. */
  guidance: string | null;
  ours: {
    order: CaseOrderView | null;
    payments: CasePaymentView[];
    refunds: ConsoleRefund[];
    bills: ConsoleBill[];
  };
  wechat: CaseWechatView;
  /** Where our record and WeChat's disagree: 金额, 商户号, 微信支付单号, 支付状态, 退款状态. */
  differences: string[];
}

export type ReconciliationStateView = 'BALANCED' | 'DIFFERENCES' | 'NOT_RECONCILED';

export const RECONCILIATION_STATE_TEXT: Readonly<Record<ReconciliationStateView, string>> = {
  BALANCED: '已对平',
  DIFFERENCES: '有差异',
  NOT_RECONCILED: '未对账',
};

export const RECONCILE_DIFFERENCE_TEXT: Readonly<Record<ReconcileDifferenceKind, string>> = {
  UNKNOWN_PAYMENT: '微信有此支付，本系统无此订单',
  PAYMENT_MISMATCH: '支付与订单不符',
  MISSING_AT_WECHAT: '本系统已支付，微信对账单中没有',
  UNKNOWN_REFUND: '微信有此退款，本系统没有',
  REFUND_MISMATCH: '退款金额或订单不符',
  REFUND_NOT_RECORDED: '微信已退款，本系统未记为已退款',
};

/** Counted and summed (fen). */
export interface ReconciliationTotals {
  payments: { count: number; amount: number };
  refunds: { count: number; amount: number };
}

export interface ReconciliationDifferenceView {
  kind: ReconcileDifferenceKind;
  kindText: string;
  outTradeNo: string;
  outRefundNo: string | null;
  amount: number | null;
  /** What was found, in the payment code's (technical) words. */
  note: string;
  /** The review case that holds it (null for a day reconciled before cases were kept). */
  caseId: string | null;
}

export interface ReconciliationDay {
  /** YYYY-MM-DD (Beijing), the statement's day. */
  date: string;
  state: ReconciliationStateView;
  stateText: string;
  /** Why it is not reconciled (yet), in the office's words. */
  waitingText: string | null;
  /** WeChat's statement; null until one was read (or for a day reconciled before totals were kept). */
  wechat: ReconciliationTotals | null;
  /** Orders paid that day here and refunds WeChat accepted that day; null as above. */
  ours: ReconciliationTotals | null;
  /** Payments WeChat had that were recorded here only by this reconciliation. */
  repaired: number;
  /** The differences shown (at most 200) and how many there were. */
  differences: ReconciliationDifferenceView[];
  differenceCount: number;
  reconciledAt: string | null;
}

const everyRole = access.console('admin', 'cashier', 'reviewer', 'viewer');
/**
 * unpaid: the term (required), and mandatoryOnly (只含必缴: only 必缴 bills, and only students who
 * owe one; absent or false: 选缴 bills too, in their own columns); payments: paidFrom/paidTo
 * (YYYY-MM-DD, China time); bills: the bill filters.
 */
const exportFilters = {
  ...billFilters,
  mandatoryOnly: v.optional(v.boolean()),
  paidFrom: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
  paidTo: v.optional(v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ })),
};
const billId = () => v.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
/** order:<orderId>:<reason>, refund:<outRefundNo>, recon:<yyyyMMdd>:<outTradeNo | outRefundNo>. */
const caseId = () => v.string({ min: 1, max: 120, pattern: /^(order|refund|recon):[A-Za-z0-9_|*@:-]+$/ });
/** YYYY-MM-DD, Beijing. */
const day = () => v.string({ pattern: /^\d{4}-\d{2}-\d{2}$/ });

export const billingConsoleContract = {
  dashboard: action<Dashboard>()({ request: v.object({ term: v.optional(v.string({ max: 20 })) }), access: everyRole }),
  searchBills: action<BillPage>()({
    request: v.object({ ...billFilters, page: v.integer({ min: 1, max: 10_000 }), pageSize: v.integer({ min: 1, max: 100 }) }),
    access: everyRole,
  }),
  billDetail: action<BillDetail>()({ request: v.object({ billId: billId() }), access: everyRole }),
  adjustBill: action<ConsoleBill>()({
    request: v.object({ billId: billId(), amount: v.integer({ min: 1, max: 100_000_000 }), reason: reasonText() }),
    access: access.console('cashier'),
    audited: true,
  }),
  waiveBill: action<ConsoleBill>()({ request: v.object({ billId: billId(), reason: reasonText() }), access: access.console('cashier'), audited: true }),
  voidBill: action<ConsoleBill>()({ request: v.object({ billId: billId(), reason: reasonText() }), access: access.console('cashier'), audited: true }),
  listFeeItems: action<{ items: FeeItemView[] }>()({ request: v.object({}), access: everyRole }),
  /** Recorded once per export, with what was asked for (personal data leaves the system). */
  startExport: action<{ total: number }>()({ request: v.object({ kind: v.literal('unpaid', 'payments', 'bills'), ...exportFilters }), access: everyRole, audited: true }),
  exportRows: action<ExportPage>()({
    request: v.object({ kind: v.literal('unpaid', 'payments', 'bills'), ...exportFilters, after: v.optional(v.string({ min: 1, max: 600, pattern: /^[A-Za-z0-9_-]+$/ })) }),
    access: everyRole,
  }),
  /**
   * 收费员: a refund of a paid order, whole (no billIds) or some of its bills, with a reason and
   * what the bills become. Nothing goes to WeChat before a 审核 approves it.
   */
  requestRefund: action<ConsoleRefund>()({
    request: v.object({
      orderId: docId(),
      billIds: v.optional(v.array(billId(), { min: 1, max: 50, unique: true })),
      billsBecome: v.literal('REFUNDED', 'UNPAID'),
      reason: reasonText(),
    }),
    access: access.console('cashier'),
    audited: true,
  }),
  /** 审核 (not the requester): the refund goes to WeChat at once and is followed to its end. */
  approveRefund: action<ConsoleRefund>()({
    request: v.object({ refundId: docId(), reason: v.optional(v.string({ max: 200 })) }),
    access: access.console('reviewer'),
    audited: true,
  }),
  /** 审核 (not the requester): nothing moves; the bills can be requested again. */
  rejectRefund: action<ConsoleRefund>()({ request: v.object({ refundId: docId(), reason: reasonText() }), access: access.console('reviewer'), audited: true }),
  listRefunds: action<RefundPage>()({
    request: v.object({
      state: v.optional(v.literal('REQUESTED', 'REJECTED', 'REFUNDING', 'REFUNDED', 'FAILED')),
      studentNo: v.optional(v.string({ max: 32 })),
      orderId: v.optional(docId()),
      page: v.integer({ min: 1, max: 10_000 }),
      pageSize: v.integer({ min: 1, max: 100 }),
    }),
    access: everyRole,
  }),
  /** 待核实 (OPEN) or 已办结 (RESOLVED), of one kind or all, newest first. */
  listCases: action<CasePage>()({
    request: v.object({
      state: v.optional(v.literal('OPEN', 'RESOLVED')),
      kind: v.optional(v.literal('PAYMENT', 'REFUND', 'RECONCILIATION')),
      page: v.integer({ min: 1, max: 10_000 }),
      pageSize: v.integer({ min: 1, max: 100 }),
    }),
    access: everyRole,
  }),
  /** Our record (order, payments, refunds, bills) beside WeChat's, asked live; and what fits the case now. */
  caseDetail: action<CaseDetail>()({ request: v.object({ caseId: caseId() }), access: everyRole }),
  /**
   * 审核: confirmPaid (WeChat is asked first: SUCCESS, this order's amount, our merchant; the payment
   * is then applied once, as a callback would), refundedOffline (a 退款失败 case refunded outside
   * WeChat Pay: the refund and the student's order say 已退款（线下办理）) or close with a reason. A
   * case is resolved once.
   */
  resolveCase: action<ConsoleCase>()({
    request: v.object({ caseId: caseId(), resolution: v.literal('confirmPaid', 'refundedOffline', 'close'), reason: reasonText() }),
    access: access.console('reviewer'),
    audited: true,
  }),
  /**
   * 收费员: a refund of the case's order (whole, or some of its bills), asked for as any refund is;
   * the case waits for it and is resolved when a 审核 who is not the requester approves it. From a
   * 退款失败 case whose refund failed for good at WeChat (retryRefund): the same bills asked for again
   * under a new number, in place of the failed refund; the case is settled by the new one's outcome.
   */
  requestCaseRefund: action<{ case: ConsoleCase; refund: ConsoleRefund }>()({
    request: v.object({
      caseId: caseId(),
      billIds: v.optional(v.array(billId(), { min: 1, max: 50, unique: true })),
      billsBecome: v.literal('REFUNDED', 'UNPAID'),
      reason: reasonText(),
    }),
    access: access.console('cashier'),
    audited: true,
  }),
  /** Per statement day, newest first (default: the last 30 days to yesterday; at most 92). */
  reconciliationDays: action<{ days: ReconciliationDay[] }>()({
    request: v.object({ from: v.optional(day()), to: v.optional(day()) }),
    access: everyRole,
  }),
  /** Reconciles one day again with WeChat's statement (a difference already held opens no second case). */
  rerunReconciliation: action<ReconciliationDay>()({
    request: v.object({ date: day() }),
    access: access.console('cashier', 'reviewer'),
    audited: true,
  }),
  saveFeeItem: action<FeeItemView>()({
    request: v.object({
      code: v.string({ min: 1, max: 10, pattern: /^[A-Z0-9]+$/ }),
      name: v.string({ min: 1, max: 20 }),
      mandatory: v.boolean(),
      payableAfterDeadline: v.boolean(),
      active: v.boolean(),
      sortOrder: v.integer({ min: 0, max: 999 }),
    }),
    access: access.console('admin'),
    audited: true,
  }),
};
