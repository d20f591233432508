/**
 * Bills and orders: pricing, the rules of the order state machine and the decisions the payment
 * functions take. Pure: the clock, ids and random parts are passed in; nothing here talks to the
 * platform.
 */
import { chinaWallClock, formatWxTime } from '../../kernel/china-time';
import { fen, sumFen, type Fen } from '../../kernel/money';
import type {
  BillDoc,
  BillStatus,
  OrderDoc,
  OrderLine,
  OrderRefundSummary,
  OrderStatus,
  PrepayRequest,
  RefundDecision,
  RefundDoc,
  RefundReason,
  RefundRequestInfo,
  RefundStatus,
  ReviewCaseStatus,
} from './records';

const MINUTE = 60_000;

/** How long WeChat accepts payment for an order (its time_expire). */
export const PAY_WINDOW_MS = 15 * MINUTE;
/** WeChat refuses closeOrder within 5 minutes of the order's creation. */
export const CLOSE_MIN_AGE_MS = 5 * MINUTE;
/** unifiedOrder refuses a time_expire closer than 5 minutes; keep a margin for the pay sheet. */
export const PREPAY_MIN_REMAINING_MS = 6 * MINUTE;
/** Payment params handed out must leave the student this long to finish paying. */
export const RESUME_MIN_REMAINING_MS = 1 * MINUTE;
/** Most bills one order may carry. */
export const MAX_BILLS_PER_ORDER = 50;
/** The callback function named in unifiedOrder. */
export const PAY_CALLBACK_FUNCTION = 'payNotify';

// ---- time in Asia/Shanghai (kept in china-time.ts; re-exported for the payment code) ---------

export {
  formatWxTime,
  parseWxTime,
  shanghaiHour,
  shanghaiDay,
  previousShanghaiDay,
  parseShanghaiDateTime,
  shanghaiDayRange,
  shanghaiDayBefore,
} from '../../kernel/china-time';

// ---- labels -------------------------------------------------------------------------------------

const TERM_NUMBERS = ['', '一', '二', '三', '四'];

/** "2026-2027-1" → "2026-2027学年第一学期"; anything else is shown as it is. */
export function termLabel(term: string): string {
  const m = /^(\d{4})-(\d{4})-([1-4])$/.exec(term);
  if (!m) return term;
  return `${m[1]}-${m[2]}学年第${TERM_NUMBERS[Number(m[3])]}学期`;
}

// ---- choosing bills and pricing -----------------------------------------------------------------

export type BillSelection =
  | { kind: 'ok'; bills: BillDoc[] }
  /** Some ids are not this student's bills (or do not exist). */
  | { kind: 'missing'; ids: string[] }
  /** Some bills are paid, refunded or void. */
  | { kind: 'not-payable'; ids: string[] }
  /** Some bills are in open orders: `sameOrderId` when exactly these bills make up one open order. */
  | { kind: 'in-open-order'; orderIds: string[]; sameOrderId: string | null };

/**
 * What the requested bills allow: `found` are the student's bills among the requested ids, as the
 * database has them now. The caller's identity was used to fetch them; ownership is checked again.
 */
export function selectBills(requestedIds: readonly string[], found: readonly BillDoc[], studentId: string): BillSelection {
  const byId = new Map(found.filter((bill) => bill.studentId === studentId).map((bill) => [bill._id, bill]));
  const missing = requestedIds.filter((id) => !byId.has(id));
  if (missing.length > 0) return { kind: 'missing', ids: missing };
  const bills = requestedIds.map((id) => byId.get(id) as BillDoc);
  const notPayable = bills.filter((bill) => bill.status !== 'UNPAID' && bill.status !== 'PAYING').map((bill) => bill._id);
  if (notPayable.length > 0) return { kind: 'not-payable', ids: notPayable };
  const held = bills.filter((bill) => bill.status === 'PAYING' || bill.orderId);
  if (held.length > 0) {
    const orderIds = [...new Set(held.map((bill) => bill.orderId ?? ''))].filter((id) => id !== '');
    const sameOrderId = held.length === bills.length && orderIds.length === 1 ? (orderIds[0] as string) : null;
    return { kind: 'in-open-order', orderIds, sameOrderId };
  }
  return { kind: 'ok', bills };
}

/** True when an order carries exactly these bills (in any order). */
export function sameBills(order: Pick<OrderDoc, 'billIds'>, billIds: readonly string[]): boolean {
  if (order.billIds.length !== billIds.length) return false;
  const wanted = new Set(billIds);
  return order.billIds.every((id) => wanted.has(id));
}

export class PricingError extends Error {}

/** The order's lines and total, from the bills as stored (the client never sends an amount). */
export function priceBills(bills: readonly BillDoc[]): { lines: OrderLine[]; total: Fen } {
  if (bills.length === 0) throw new PricingError('an order needs at least one bill');
  if (bills.length > MAX_BILLS_PER_ORDER) throw new PricingError(`an order carries at most ${MAX_BILLS_PER_ORDER} bills`);
  const lines = bills.map((bill): OrderLine => {
    const amount = fen(bill.amount);
    if (amount <= 0) throw new PricingError(`bill ${bill._id} has no positive amount`);
    return {
      billId: bill._id,
      term: bill.term,
      academicYear: bill.academicYear,
      itemCode: bill.itemCode,
      itemName: bill.itemName,
      amount,
    };
  });
  return { lines, total: sumFen(lines.map((line) => line.amount)) };
}

/** What the pay sheet shows as the goods (≤ 128 characters): "学费、住宿费等3项（2026-2027学年）". */
export function payBody(lines: readonly OrderLine[]): string {
  const names = [...new Set(lines.map((line) => line.itemName))];
  const years = [...new Set(lines.map((line) => line.academicYear).filter((y) => y !== ''))];
  const head = names.length <= 2 ? names.join('、') : `${names.slice(0, 2).join('、')}等${lines.length}项`;
  const body = `继续教育缴费-${head}${years.length === 1 ? `（${years[0]}学年）` : ''}`;
  return Array.from(body).slice(0, 40).join('');
}

/** Who the bill is for, as the console finds and groups bills. */
export interface BillStudent {
  name: string;
  college: string;
  major: string;
  grade: string;
  className: string;
}

/** The student's details as a bill keeps them, for the console's search, grouping and exports. */
export type BillStudentFields = Partial<Pick<BillDoc, 'studentName' | 'college' | 'major' | 'grade' | 'className'>>;

/** The bill's fields for the student's details given (姓名 is studentName on a bill), always in this order. */
export const studentOnBill = (student: Partial<BillStudent>): BillStudentFields => ({
  ...(student.name !== undefined ? { studentName: student.name } : {}),
  ...(student.college !== undefined ? { college: student.college } : {}),
  ...(student.major !== undefined ? { major: student.major } : {}),
  ...(student.grade !== undefined ? { grade: student.grade } : {}),
  ...(student.className !== undefined ? { className: student.className } : {}),
});

export interface NewBillInput {
  studentId: string;
  studentNo: string;
  student?: BillStudent;
  term: string;
  itemCode: string;
  itemName: string;
  amount: Fen;
  deadline: Date;
  mandatory: boolean;
  importBatchId?: string;
  now: Date;
}

/** The stable id of a student's bill for one item in one term (the unique key, readable). */
export function billIdFor(studentNo: string, term: string, itemCode: string): string {
  return `bill-${studentNo}-${term}-${itemCode}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** An unpaid bill as stored. The academic year is the term's first part ("2026-2027-1" → "2026-2027"). */
export function newBill(input: NewBillInput): BillDoc {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new PricingError('a bill needs a positive amount in fen');
  return {
    _id: billIdFor(input.studentNo, input.term, input.itemCode),
    studentId: input.studentId,
    studentNo: input.studentNo,
    term: input.term,
    academicYear: /^\d{4}-\d{4}/.exec(input.term)?.[0] ?? '',
    itemCode: input.itemCode,
    itemName: input.itemName,
    amount: input.amount,
    deadline: input.deadline,
    mandatory: input.mandatory,
    status: 'UNPAID',
    orderId: null,
    paidOrderId: null,
    ...(input.importBatchId ? { importBatchId: input.importBatchId } : {}),
    ...(input.student ? studentOnBill(input.student) : {}),
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/** What a voided bill becomes when an import issues it again: `set` is what its conditional update (still VOID) writes. */
export interface ReissuedBill {
  billId: string;
  set: Pick<BillDoc, 'status' | 'amount' | 'deadline' | 'mandatory' | 'orderId' | 'paidOrderId' | 'updatedAt'> &
    Partial<Pick<BillDoc, 'importBatchId' | 'studentId' | 'studentName' | 'college' | 'major' | 'grade' | 'className'>>;
}

const STUDENT_FIELDS = ['studentId', 'studentName', 'college', 'major', 'grade', 'className'] as const;

/**
 * The voided bill `known` made again as `fresh` (newBill of the imported row) says: unpaid, in no
 * order, with the row's amount, deadline and 必缴, under the new batch. It keeps its id and when it
 * was first made; the student's fields are written only where they differ, so reissued bills of the
 * same amount and deadline share one write. (Its adjusted-from amount is dropped by the store.)
 */
export function reissuedBill(known: BillDoc, fresh: BillDoc): ReissuedBill {
  const student: Partial<Pick<BillDoc, (typeof STUDENT_FIELDS)[number]>> = {};
  for (const field of STUDENT_FIELDS) {
    const value = fresh[field];
    if (value !== undefined && value !== known[field]) student[field] = value;
  }
  return {
    billId: known._id,
    set: {
      ...billStatusChange('VOID', 'UNPAID').set,
      amount: fresh.amount,
      deadline: fresh.deadline,
      mandatory: fresh.mandatory,
      ...(fresh.importBatchId ? { importBatchId: fresh.importBatchId } : {}),
      ...student,
      orderId: null,
      paidOrderId: null,
      updatedAt: fresh.updatedAt,
    },
  };
}

/** The academic year an instant falls in (from September): 2026-11-28 → "2026-2027". */
export function academicYearOf(at: Date): string {
  const d = chinaWallClock(at);
  const year = d.getUTCMonth() >= 8 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
  return `${year}-${year + 1}`;
}

// ---- ids ----------------------------------------------------------------------------------------

const SUFFIX_PATTERN = /^[0-9A-Z]{10,16}$/;

/**
 * A merchant order number (≤ 32 characters, digits and letters): "ZJ" + a Beijing time to the
 * second + a suffix of 10–16 [0-9A-Z] the caller makes. New for every payment attempt.
 */
export function newOutTradeNo(at: Date, randomSuffix: string): string {
  if (!SUFFIX_PATTERN.test(randomSuffix)) throw new Error('outTradeNo suffix must be 10–16 characters [0-9A-Z]');
  return `ZJ${formatWxTime(at)}${randomSuffix}`;
}

/**
 * What makes a new order for these bills the same order for every tap that saw them alike: the
 * student, the bills as they stood when read (every change of a bill moves its updatedAt) and how
 * many orders of that same state came before (one that ended without changing the bills). Its
 * digest, with the time of the latest change, is the order's number: two taps of one selection
 * insert the same order, and the second finds the first's.
 */
export function selectionState(studentId: string, bills: readonly Pick<BillDoc, '_id' | 'updatedAt' | 'amount' | 'status'>[], earlierOrders: number): { text: string; changedAt: Date } {
  const sorted = [...bills].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  const changedAt = Math.max(...sorted.map((bill) => new Date(bill.updatedAt).getTime()));
  const text = JSON.stringify([studentId, earlierOrders, sorted.map((bill) => [bill._id, new Date(bill.updatedAt).getTime(), bill.amount, bill.status])]);
  return { text, changedAt: new Date(changedAt) };
}

/**
 * The refund number of an order's `sequence`-th refund (RF + the order number, then -2, -3…):
 * stable, so resubmitting a refund can never refund twice.
 */
export function outRefundNoFor(outTradeNo: string, sequence = 1): string {
  return sequence === 1 ? `RF${outTradeNo}` : `RF${outTradeNo}-${sequence}`;
}

// ---- the order ----------------------------------------------------------------------------------

/**
 * Which status changes are allowed, for orders, bills, refunds and review cases; every status write
 * goes through `orderStatusChange` / `billStatusChange` / `refundStatusChange` /
 * `reviewCaseStatusChange` (lint checks it), so a change not
 * listed here cannot be written, and a write is conditional on the status it starts from.
 */
const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PAID', 'CLOSED'],
  // A closed order can still be paid (the pay sheet was open, or WeChat was told to close late):
  // kept when its bills are unpaid, refunded when another order paid them.
  CLOSED: ['PAID', 'REFUNDING'],
  // 计划财务处 refunded every bill of it.
  PAID: ['REFUNDED'],
  REFUNDING: ['REFUNDED'],
  REFUNDED: [],
};

const BILL_TRANSITIONS: Record<BillStatus, readonly BillStatus[]> = {
  // Taken into an order; or paid by a payment that arrived for a cancelled order; or, by the
  // finance office, waived (减免) or voided (作废) while in no order.
  UNPAID: ['PAYING', 'PAID', 'WAIVED', 'VOID'],
  // Its order was paid, or closed (back to 待缴费).
  PAYING: ['PAID', 'UNPAID'],
  // Refunded by 计划财务处: 已退费, or 待缴费 again when the office chose so (to be paid anew).
  PAID: ['REFUNDED', 'UNPAID'],
  REFUNDED: [],
  // Reissued by an import: the same row imported again after the bill was voided (its batch
  // withdrawn, or 作废 of a wrong bill) makes it a bill to pay again.
  VOID: ['UNPAID'],
  WAIVED: [],
};

const REFUND_TRANSITIONS: Record<RefundStatus, readonly RefundStatus[]> = {
  // A console request: a 审核 approves it (then it is submitted) or rejects it.
  REQUESTED: ['PENDING', 'REJECTED'],
  REJECTED: [],
  // Confirmed even before its submission was recorded (WeChat accepted it, the answer was lost).
  PENDING: ['SUBMITTED', 'SUCCESS', 'MANUAL'],
  SUBMITTED: ['SUCCESS', 'MANUAL'],
  // WeChat's confirmation still counts after a person was asked to step in; a failure final at
  // WeChat is asked for again under a new number; or finance refunds it outside WeChat Pay.
  MANUAL: ['SUCCESS', 'RETRIED', 'OFFLINE'],
  // The refund asked for in its place was rejected by a 审核: with a person again.
  RETRIED: ['MANUAL'],
  OFFLINE: [],
  SUCCESS: [],
};

/** A review case (待核实) is decided once: by a 审核, or by the approval of a refund asked for from it. */
const REVIEW_CASE_TRANSITIONS: Record<ReviewCaseStatus, readonly ReviewCaseStatus[]> = {
  OPEN: ['RESOLVED'],
  RESOLVED: [],
};

export class StatusChangeError extends Error {
  constructor(kind: 'order' | 'bill' | 'refund' | 'review case', from: string, to: string) {
    super(`${kind} status ${from} → ${to} is not an allowed change`);
    this.name = 'StatusChangeError';
  }
}

function change<S extends string>(table: Record<S, readonly S[]>, kind: 'order' | 'bill' | 'refund' | 'review case', from: S | readonly S[], to: S): { froms: readonly S[]; set: { status: S } } {
  const froms: readonly S[] = typeof from === 'string' ? [from] : from;
  for (const one of froms) if (!table[one].includes(to)) throw new StatusChangeError(kind, one, to);
  return { froms, set: { status: to } };
}

/**
 * The order moves `from` → `to`: `where` is what a conditional write adds to its query (the order
 * must still be `from`), `set` what it writes. Throws for a change the table does not allow.
 */
export function orderStatusChange(from: OrderStatus, to: OrderStatus): { where: { status: OrderStatus }; set: { status: OrderStatus } } {
  change(ORDER_TRANSITIONS, 'order', from, to);
  return { where: { status: from }, set: { status: to } };
}

/** The bill moves from `from` (one status, or any of several) → `to`; throws for a change the table does not allow. */
export function billStatusChange(from: BillStatus | readonly BillStatus[], to: BillStatus): { froms: readonly BillStatus[]; set: { status: BillStatus } } {
  return change(BILL_TRANSITIONS, 'bill', from, to);
}

/** The refund record moves from `from` (one status, or any of several) → `to`; throws for a change the table does not allow. */
export function refundStatusChange(from: RefundStatus | readonly RefundStatus[], to: RefundStatus): { froms: readonly RefundStatus[]; set: { status: RefundStatus } } {
  return change(REFUND_TRANSITIONS, 'refund', from, to);
}

/** The review case moves `from` → `to`; throws for a change the table does not allow. */
export function reviewCaseStatusChange(from: ReviewCaseStatus, to: ReviewCaseStatus): { froms: readonly ReviewCaseStatus[]; set: { status: ReviewCaseStatus } } {
  return change(REVIEW_CASE_TRANSITIONS, 'review case', from, to);
}

export interface NewOrderInput {
  id: string;
  studentId: string;
  studentNo: string;
  payerOpenid: string;
  bills: readonly BillDoc[];
  email: string;
  notifyOnPaid: boolean;
  nonceStr: string;
  now: Date;
}

/** A PENDING order for these bills, with the unifiedOrder request it will (re)send. */
export function newOrder(input: NewOrderInput): OrderDoc {
  const { lines, total } = priceBills(input.bills);
  const expiresAt = new Date(input.now.getTime() + PAY_WINDOW_MS);
  const prepayRequest: PrepayRequest = {
    body: payBody(lines),
    outTradeNo: input.id,
    totalFee: total,
    nonceStr: input.nonceStr,
    timeExpire: formatWxTime(expiresAt),
    spbillCreateIp: '127.0.0.1',
    openid: input.payerOpenid,
    attach: input.studentNo,
  };
  return {
    _id: input.id,
    outTradeNo: input.id,
    studentId: input.studentId,
    studentNo: input.studentNo,
    payerOpenid: input.payerOpenid,
    billIds: lines.map((line) => line.billId),
    lines,
    total,
    status: 'PENDING',
    email: input.email,
    createdAt: input.now,
    expiresAt,
    paidAt: null,
    prepayRequest,
    // payment and refund stay absent until set: the cloud database cannot set fields inside a null.
    prepayId: null,
    prepayAt: null,
    clientPaidAt: null,
    notifyOnPaid: input.notifyOnPaid,
    paidVia: null,
    closedAt: null,
    closeReason: null,
    wxClose: 'NONE',
    nextCheckAt: new Date(input.now.getTime() + nextCheckDelayMs(0)),
    checkAttempts: 0,
    updatedAt: input.now,
  };
}

const ms = (value: Date | string | null | undefined): number => (value ? new Date(value).getTime() : Number.NaN);

/**
 * The sweep first looks at an open order 90 s after it was made (the callback normally arrives
 * well before), then after 1, 2, 4 and 8 more minutes, then every 10 minutes: recent orders (where
 * a lost callback matters most) often, old ones rarely.
 */
export function nextCheckDelayMs(attempts: number): number {
  const steps = [1.5, 1, 2, 4, 8];
  return (steps[attempts] ?? 10) * MINUTE;
}

/** How long after a payment the sweep makes sure its 缴费成功 message was sent. */
export const AFTER_PAID_CHECK_MS = 2 * MINUTE;

/** A refund is asked about again after 1, 2, 5, 10 and 30 minutes, then hourly. */
export function refundRetryDelayMs(attempts: number): number {
  const steps = [1, 2, 5, 10, 30];
  return (steps[attempts] ?? 60) * MINUTE;
}

/**
 * When the payments timer next looks at an order (`nextCheckAt`), by what just happened to it: the
 * one place that decides it (lint refuses any other value). `now` is the time of the change.
 */
export const nextCheck = {
  /** Nothing left to follow (settled, held for finance, closed at WeChat too). */
  never: (): null => null,
  /** Right away (a refund to submit). */
  now: (now: Date): Date => now,
  /** Parameters were handed out: ask WeChat in a while if no callback comes. */
  afterPrepay: (now: Date): Date => new Date(now.getTime() + nextCheckDelayMs(0)),
  /** The pay sheet said it went through: confirm soon. */
  afterPaySheet: (now: Date): Date => new Date(now.getTime() + 30_000),
  /**
   * Paid: make sure the 缴费成功 message went out, if the student asked for one. Nothing else needs
   * this timer: the receipts timer issues any receipt a paid order still lacks.
   */
  afterPayment: (order: Pick<OrderDoc, 'notifyOnPaid'>, now: Date): Date | null =>
    order.notifyOnPaid ? new Date(now.getTime() + AFTER_PAID_CHECK_MS) : null,
  /** The timer could not handle it this time: again in a minute. */
  retryAfterError: (now: Date): Date => new Date(now.getTime() + MINUTE),
  /** Not yet asked for parameters: look at it when it expires. */
  atExpiry: (order: Pick<OrderDoc, 'expiresAt'>): Date => new Date(order.expiresAt),
  /**
   * Still open at WeChat after `attempts` looks: growing waits, but never after it expires (nor
   * sooner than 30 s); a student paying right now is looked at again in a minute.
   */
  pending: (order: Pick<OrderDoc, 'expiresAt'>, attempts: number, now: Date, userPaying: boolean): Date =>
    new Date(
      userPaying
        ? now.getTime() + MINUTE
        : Math.min(now.getTime() + nextCheckDelayMs(attempts), Math.max(new Date(order.expiresAt).getTime(), now.getTime() + 30_000)),
    ),
  /** Closed here, to be closed at WeChat once WeChat allows (5 minutes after the prepay). */
  wechatClose: (order: Pick<OrderDoc, 'createdAt' | 'prepayAt'>, now: Date): Date =>
    new Date(Math.max(wechatCloseAllowedAt(order).getTime(), now.getTime())),
  /** WeChat could not close it yet: again after a growing wait, not before WeChat allows. */
  wechatCloseRetry: (order: Pick<OrderDoc, 'createdAt' | 'prepayAt'>, attempts: number, now: Date): Date =>
    new Date(Math.max(wechatCloseAllowedAt(order).getTime(), now.getTime() + nextCheckDelayMs(attempts))),
  /**
   * Released from review by a 审核 who checked WeChat's record: asked about again at once, so the
   * timer finishes the payment should the step that released it stop before applying it.
   */
  afterReview: (now: Date): Date => now,
  /** A refund not yet confirmed after `checks` looks. */
  refundRetry: (checks: number, now: Date): Date => new Date(now.getTime() + refundRetryDelayMs(checks - 1)),
} as const;

// ---- refunds ------------------------------------------------------------------------------------

/** Most refunds one order may have. */
export const MAX_REFUNDS_PER_ORDER = 50;

export type RefundRefusal =
  /** Only money WeChat took can go back: the order is not paid (or is closed without a payment). */
  | 'NOT_PAID'
  | 'TOO_MANY'
  /** The refunds together would return more than was paid. */
  | 'ABOVE_PAID'
  | 'BAD_AMOUNT'
  /** A bill it names is not one of the order's. */
  | 'NOT_THE_ORDERS_BILLS'
  /** A bill it names is already in another refund (requested, under way or done). */
  | 'BILL_ALREADY_REFUNDED'
  /** WeChat refunds nothing paid more than a year ago. */
  | 'TOO_OLD';

/** WeChat refuses refunds of payments older than this (a year). */
export const REFUND_MAX_AGE_MS = 365 * 24 * 3600_000;

export interface NewRefundInput {
  refundFee: Fen;
  billIds: readonly string[];
  reason: RefundReason;
}

/**
 * Whether the order, as stored now, can have one more refund of this amount: at most
 * MAX_REFUNDS_PER_ORDER, together never above what was paid, covering bills of its own. Decided on
 * the order read in the transaction that writes the refund, so two refunds at once cannot both pass.
 */
export function refundRefusal(
  order: Pick<OrderDoc, 'status' | 'total' | 'billIds' | 'transactionId' | 'refundSummary'>,
  input: NewRefundInput,
): RefundRefusal | null {
  if (!order.transactionId || !(order.status === 'PAID' || order.status === 'REFUNDING' || order.status === 'REFUNDED')) return 'NOT_PAID';
  if (!Number.isSafeInteger(input.refundFee) || input.refundFee <= 0) return 'BAD_AMOUNT';
  const summary = order.refundSummary;
  if (refundsAtWechat(summary) >= MAX_REFUNDS_PER_ORDER) return 'TOO_MANY';
  if ((summary?.requested ?? 0) + (summary?.awaiting ?? 0) + input.refundFee > order.total) return 'ABOVE_PAID';
  const own = new Set(order.billIds);
  if (input.billIds.length === 0 || !input.billIds.every((id) => own.has(id))) return 'NOT_THE_ORDERS_BILLS';
  return null;
}

/** The refunds that count towards WeChat's limit: every record made but the rejected requests. */
function refundsAtWechat(summary: OrderRefundSummary | undefined): number {
  return (summary?.count ?? 0) - (summary?.rejected ?? 0);
}

/** What the console asks for: some of a paid order's bills (all of them for the whole order) back. */
export interface RefundRequestInput {
  billIds: readonly string[];
  request: RefundRequestInfo;
}

/** The amount of these bills as the order priced them. */
export function refundFeeOf(order: Pick<OrderDoc, 'lines'>, billIds: readonly string[]): Fen {
  const wanted = new Set(billIds);
  return sumFen(order.lines.filter((line) => wanted.has(line.billId)).map((line) => line.amount));
}

/**
 * Whether a paid order can take this console request: paid (not a second payment being returned),
 * paid less than a year ago, its own bills, none already in another refund, within WeChat's 50 and
 * never above what was paid (counting the requests still waiting for a 审核).
 */
export function refundRequestRefusal(
  order: Pick<OrderDoc, 'status' | 'total' | 'billIds' | 'lines' | 'transactionId' | 'refundSummary' | 'paidAt'>,
  billIds: readonly string[],
  now: Date,
): RefundRefusal | null {
  if (!order.transactionId || order.status !== 'PAID') return 'NOT_PAID';
  if (order.paidAt && now.getTime() - ms(order.paidAt) > REFUND_MAX_AGE_MS) return 'TOO_OLD';
  const taken = new Set(order.refundSummary?.billIds ?? []);
  if (billIds.some((id) => taken.has(id))) return 'BILL_ALREADY_REFUNDED';
  return refundRefusal(order, { refundFee: refundFeeOf(order, billIds), billIds, reason: 'ARRANGED_BY_FINANCE' });
}

/** A console request, waiting for a 审核 (its number is taken now, so an approval retried submits the same refund). */
export function newRefundRequest(
  order: Pick<OrderDoc, '_id' | 'outTradeNo' | 'transactionId' | 'studentId' | 'studentNo' | 'total' | 'lines' | 'refundSummary'>,
  input: RefundRequestInput,
  now: Date,
): { refund: RefundDoc; summary: OrderRefundSummary } {
  const refundFee = refundFeeOf(order, input.billIds);
  const made = newRefund(order, { refundFee, billIds: input.billIds, reason: 'ARRANGED_BY_FINANCE' }, now);
  const before = order.refundSummary;
  return {
    refund: { ...made.refund, status: 'REQUESTED', nextCheckAt: nextCheck.never(), request: input.request, studentNo: order.studentNo },
    summary: {
      ...made.summary,
      // Not under way until approved: what the student is shown stays as it was.
      requested: before?.requested ?? fen(0),
      latestReason: before?.latestReason ?? 'ARRANGED_BY_FINANCE',
      awaiting: sumFen([before?.awaiting ?? fen(0), refundFee]),
      billIds: [...(before?.billIds ?? []), ...input.billIds],
    },
  };
}

/**
 * Whether the order, as stored now, can take the approved request: still paid, and the refunds
 * under way with it never above what was paid. Decided in the transaction that approves it, so
 * two approvals at once cannot both pass.
 */
export function approvalRefusal(order: Pick<OrderDoc, 'status' | 'total' | 'transactionId' | 'refundSummary' | 'paidAt'>, refund: Pick<RefundDoc, 'refundFee'>, now: Date): RefundRefusal | null {
  if (!order.transactionId || order.status !== 'PAID') return 'NOT_PAID';
  if (order.paidAt && now.getTime() - ms(order.paidAt) > REFUND_MAX_AGE_MS) return 'TOO_OLD';
  if ((order.refundSummary?.requested ?? 0) + refund.refundFee > order.total) return 'ABOVE_PAID';
  return null;
}

/** The record and the summary once a 审核 approved the request: due for submission at once. */
export function approvedRefund(summary: OrderRefundSummary, refund: Pick<RefundDoc, 'refundFee'>, decision: RefundDecision, now: Date) {
  return {
    fields: { ...refundStatusChange('REQUESTED', 'PENDING').set, decision, nextCheckAt: nextCheck.now(now), updatedAt: now },
    summary: {
      ...summary,
      requested: sumFen([summary.requested, refund.refundFee]),
      awaiting: fen(Math.max((summary.awaiting ?? 0) - refund.refundFee, 0)),
      latestReason: 'ARRANGED_BY_FINANCE' as RefundReason,
    },
  };
}

/** The record and the summary once a 审核 rejected the request: its bills are free to be refunded again. */
export function rejectedRefund(summary: OrderRefundSummary, refund: Pick<RefundDoc, 'refundFee' | 'billIds'>, decision: RefundDecision, now: Date) {
  const freed = new Set(refund.billIds);
  return {
    fields: { ...refundStatusChange('REQUESTED', 'REJECTED').set, decision, nextCheckAt: nextCheck.never(), updatedAt: now },
    summary: {
      ...summary,
      awaiting: fen(Math.max((summary.awaiting ?? 0) - refund.refundFee, 0)),
      rejected: (summary.rejected ?? 0) + 1,
      billIds: (summary.billIds ?? []).filter((id) => !freed.has(id)),
    },
  };
}

/** The order's next refund record, to be submitted at once, and the order's summary with it. */
export function newRefund(
  order: Pick<OrderDoc, '_id' | 'outTradeNo' | 'transactionId' | 'studentId' | 'total' | 'refundSummary'>,
  input: NewRefundInput,
  now: Date,
): { refund: RefundDoc; summary: OrderRefundSummary } {
  const before = order.refundSummary;
  const sequence = (before?.count ?? 0) + 1;
  const outRefundNo = outRefundNoFor(order.outTradeNo, sequence);
  const refund: RefundDoc = {
    _id: outRefundNo,
    outRefundNo,
    orderId: order._id,
    outTradeNo: order.outTradeNo,
    transactionId: order.transactionId ?? null,
    studentId: order.studentId,
    totalFee: order.total,
    refundFee: input.refundFee,
    billIds: [...input.billIds],
    reason: input.reason,
    sequence,
    status: 'PENDING',
    refundId: null,
    wechatStatus: null,
    note: null,
    attempts: 0,
    nextCheckAt: nextCheck.now(now),
    checkAttempts: 0,
    createdAt: now,
    submittedAt: null,
    refundedAt: null,
    updatedAt: now,
  };
  const summary: OrderRefundSummary = {
    ...before,
    count: sequence,
    requested: sumFen([before?.requested ?? fen(0), input.refundFee]),
    refunded: before?.refunded ?? fen(0),
    manual: before?.manual ?? 0,
    latestReason: input.reason,
    lastRefundedAt: before?.lastRefundedAt ?? null,
  };
  return { refund, summary };
}

/**
 * The summary once `refund` is back with the payer (which may have been with a person until now):
 * confirmed by WeChat, or (`offline`) refunded by finance outside WeChat Pay.
 */
export function summaryAfterRefunded(
  summary: OrderRefundSummary,
  refund: Pick<RefundDoc, 'refundFee' | 'status' | 'billIds' | 'request'>,
  now: Date,
  options: { offline?: boolean } = {},
): OrderRefundSummary {
  return {
    ...summary,
    refunded: sumFen([summary.refunded, refund.refundFee]),
    manual: refund.status === 'MANUAL' ? Math.max(summary.manual - 1, 0) : summary.manual,
    lastRefundedAt: now,
    ...(options.offline ? { offline: sumFen([summary.offline ?? fen(0), refund.refundFee]) } : {}),
    ...(refund.request ? { refundedBillIds: [...new Set([...(summary.refundedBillIds ?? []), ...refund.billIds])] } : {}),
  };
}

/**
 * Whether a refund with a person can be asked for again under a new number: a console refund of a
 * paid order whose failure is final at WeChat (refused outright, or closed). Not after 退款异常 or
 * without WeChat's last word: the first refund may still reach the student.
 */
export function refundRetryable(refund: Pick<RefundDoc, 'status' | 'manual' | 'wechatStatus' | 'request'>): boolean {
  if (refund.status !== 'MANUAL' || !refund.request) return false;
  const cause = refund.manual?.cause ?? (refund.wechatStatus === 'REFUNDCLOSE' ? 'CLOSED' : null);
  return cause === 'REFUSED' || cause === 'CLOSED';
}

/**
 * The summary once the failed `refund` gave way to a new request: it no longer counts towards what
 * goes back, and its bills are free for the request that replaces it.
 */
export function summaryAfterRetry(summary: OrderRefundSummary, refund: Pick<RefundDoc, 'refundFee' | 'billIds'>): OrderRefundSummary {
  const freed = new Set(refund.billIds);
  return {
    ...summary,
    requested: fen(Math.max(summary.requested - refund.refundFee, 0)),
    manual: Math.max(summary.manual - 1, 0),
    billIds: (summary.billIds ?? []).filter((id) => !freed.has(id)),
  };
}

/** The summary once the request that replaced the failed `refund` was rejected: the failed refund counts again, with a person. */
export function summaryAfterRetryRejected(summary: OrderRefundSummary, refund: Pick<RefundDoc, 'refundFee' | 'billIds'>): OrderRefundSummary {
  return {
    ...summary,
    requested: sumFen([summary.requested, refund.refundFee]),
    manual: summary.manual + 1,
    billIds: [...new Set([...(summary.billIds ?? []), ...refund.billIds])],
  };
}

/** The lines of an order still paid: all of them but the bills whose refund WeChat confirmed. */
export function linesStillPaid(order: Pick<OrderDoc, 'lines' | 'refundSummary'>): OrderLine[] {
  const refunded = new Set(order.refundSummary?.refundedBillIds ?? []);
  return order.lines.filter((line) => !refunded.has(line.billId));
}

/** The summary once `refund` was handed to a person. */
export function summaryAfterManual(summary: OrderRefundSummary): OrderRefundSummary {
  return { ...summary, manual: summary.manual + 1 };
}

/** A second payment being refunded in full, or a paid order whose every bill 计划财务处 refunded, is REFUNDED once WeChat confirmed all of it. */
export function refundCompletesOrder(order: Pick<OrderDoc, 'status' | 'total'>, summary: OrderRefundSummary): boolean {
  return (order.status === 'REFUNDING' || order.status === 'PAID') && summary.refunded >= order.total;
}

// ---- what the bills page must read --------------------------------------------------------------

/**
 * Whether the student may have orders to list (缴费中, 已完成). Every such order took bills when it
 * was made and keeps them PAYING or PAID (a refunded second payment's bills were paid by another
 * order), so a student whose bills are all unpaid and in no order has none: the page's orders need
 * not be read. (An order whose creation stopped before it took its bills is left out: it was never
 * payable, and the timer closes it.)
 */
export function mayHaveOrdersToList(bills: readonly Pick<BillDoc, 'status' | 'orderId'>[]): boolean {
  return bills.some((bill) => bill.status !== 'UNPAID' || Boolean(bill.orderId));
}

/** Rounds without a definite answer (refused, unreachable, an empty queryRefund) before finance takes over. */
export const REFUND_MAX_UNCERTAIN_ROUNDS = 8;

/** WeChat accepts closeOrder for it now (5 minutes after it first created the prepay). */
export function wechatMayClose(order: Pick<OrderDoc, 'createdAt' | 'prepayAt'>, now: Date): boolean {
  const since = Math.max(ms(order.createdAt), ms(order.prepayAt ?? null) || 0);
  return now.getTime() - since >= CLOSE_MIN_AGE_MS;
}

/** When WeChat will first accept closeOrder for it. */
export function wechatCloseAllowedAt(order: Pick<OrderDoc, 'createdAt' | 'prepayAt'>): Date {
  const since = Math.max(ms(order.createdAt), ms(order.prepayAt ?? null) || 0);
  return new Date(since + CLOSE_MIN_AGE_MS);
}

export function isExpired(order: Pick<OrderDoc, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= ms(order.expiresAt);
}

/**
 * Whether an open order can still be paid through this system: its payment params are handed out
 * only while the student has time to pay, and a prepay is only requested while WeChat would accept
 * the order's time_expire.
 */
export function orderUsable(order: Pick<OrderDoc, 'status' | 'expiresAt' | 'payment'>, now: Date): boolean {
  if (order.status !== 'PENDING') return false;
  const remaining = ms(order.expiresAt) - now.getTime();
  return order.payment ? remaining >= RESUME_MIN_REMAINING_MS : remaining >= PREPAY_MIN_REMAINING_MS;
}

// ---- a payment that WeChat confirmed ------------------------------------------------------------

export interface ConfirmedPayment {
  outTradeNo: string;
  transactionId: string;
  totalFee: number;
  subMchId: string;
  paidAt: Date;
}

export type PaymentCheck = { ok: true } | { ok: false; reason: 'WRONG_ORDER' | 'WRONG_MERCHANT' | 'AMOUNT_MISMATCH'; note: string };

/** A confirmed payment belongs to this order only if order number, merchant and amount all match. */
export function checkPaymentAgainstOrder(
  order: Pick<OrderDoc, 'outTradeNo' | 'total'>,
  payment: Pick<ConfirmedPayment, 'outTradeNo' | 'totalFee' | 'subMchId'>,
  merchantId: string,
): PaymentCheck {
  if (payment.outTradeNo !== order.outTradeNo) {
    return { ok: false, reason: 'WRONG_ORDER', note: `outTradeNo ${payment.outTradeNo} ≠ ${order.outTradeNo}` };
  }
  if (payment.subMchId !== merchantId) return { ok: false, reason: 'WRONG_MERCHANT', note: `sub_mch_id ${payment.subMchId} is not ours` };
  if (payment.totalFee !== order.total) {
    return { ok: false, reason: 'AMOUNT_MISMATCH', note: `paid ${payment.totalFee} fen, order is ${order.total} fen` };
  }
  return { ok: true };
}

export type LateDecision =
  /** Keep the payment: the bills become paid by this order; `supersede` are open orders holding some of them. */
  | { kind: 'keep'; supersede: string[] }
  /**
   * Refund the payment in full: BILLS_ALREADY_PAID when another order paid (some of) the bills
   * (`paidBy`), BILLS_CHANGED when the office changed a bill since the order priced it (减免, 作废,
   * a new amount) or it is gone (`changed`).
   */
  | { kind: 'refund'; reason: Extract<RefundReason, 'BILLS_ALREADY_PAID' | 'BILLS_CHANGED'>; paidBy: string[]; changed: string[] };

/**
 * A payment for an order that is no longer open (cancelled or expired, its bills released). It is
 * kept only when every bill can still be paid by it exactly as the order priced it: unpaid (or held
 * by an open order it supersedes) and still of the order line's amount. Otherwise it is refunded in
 * full: one payment per bill, and never a payment of an amount the bill no longer asks for.
 * `holders` are the other orders that hold any of the bills, as stored now.
 */
export function decideLatePayment(
  order: Pick<OrderDoc, '_id' | 'billIds' | 'lines'>,
  bills: readonly (BillDoc | null)[],
  holders: readonly Pick<OrderDoc, '_id' | 'status'>[],
): LateDecision {
  const holderStatus = new Map(holders.map((holder) => [holder._id, holder.status]));
  const pricedAt = new Map(order.lines.map((line) => [line.billId, line.amount]));
  const paidBy = new Set<string>();
  const changed = new Set<string>();
  const supersede = new Set<string>();
  order.billIds.forEach((billId, index) => {
    const bill = bills[index] ?? null;
    if (!bill) {
      changed.add(billId);
      return;
    }
    // Already marked paid by this very order (a retry of this decision).
    if (bill.status === 'PAID' && bill.paidOrderId === order._id) return;
    if (bill.status === 'PAID') {
      paidBy.add(bill.paidOrderId ?? '(unknown)');
      return;
    }
    if (bill.status === 'REFUNDED') {
      paidBy.add(bill.paidOrderId ?? '(refunded)');
      return;
    }
    if (bill.status === 'WAIVED' || bill.status === 'VOID') {
      changed.add(bill._id);
      return;
    }
    const holder = bill.orderId && bill.orderId !== order._id ? bill.orderId : null;
    const holderIs = holder ? holderStatus.get(holder) : undefined;
    // Paid but its bills not marked yet: the other payment counts first.
    if (holder && (holderIs === 'PAID' || holderIs === 'REFUNDING' || holderIs === 'REFUNDED')) paidBy.add(holder);
    else if (pricedAt.get(bill._id) !== bill.amount) changed.add(bill._id);
    else if (holder && holderIs === 'PENDING') supersede.add(holder);
  });
  if (paidBy.size > 0) return { kind: 'refund', reason: 'BILLS_ALREADY_PAID', paidBy: [...paidBy], changed: [...changed] };
  if (changed.size > 0) return { kind: 'refund', reason: 'BILLS_CHANGED', paidBy: [], changed: [...changed] };
  return { kind: 'keep', supersede: [...supersede] };
}
