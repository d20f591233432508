/**
 * 账单缴费's view-model: what the page shows, made from what the bills service returns. Pure: no
 * wx, no services, no clock, so a unit test can check what a student reads (the 待缴费 groups,
 * the cards, the total of the ticked bills, the order states).
 *
 * Amounts stay integer fen until they are formatted here; the total is added from each bill's
 * fen, never from text.
 */
import type { ApiResponse } from '../../../cloudfunctions/shared/contracts';
import { formatFen } from '../../utils/money';
import { formatShanghai } from '../../utils/date';

export type BillView = ApiResponse<'bills', 'overview'>['unpaid'][number];
export type OrderView = ApiResponse<'bills', 'order'>['order'];
export type ReminderConsent = ApiResponse<'bills', 'remindMe'>;

/** Ticked bills, by id. */
export type Ticks = Record<string, boolean>;

/** A bill under 待缴费. */
export interface BillCard {
  id: string;
  itemName: string;
  amountText: string;
  /** The deadline's day in Beijing time, e.g. 2026-12-31. */
  deadlineText: string;
  mandatory: boolean;
  overdue: boolean;
  /** 立即支付 can take it; otherwise (已截止) it cannot be ticked and `closedText` says whom to contact. */
  payable: boolean;
  closedText: string;
  checked: boolean;
}

/** 待缴费's bills of one term, in the order the server lists them. */
export interface BillGroup {
  term: string;
  termLabel: string;
  bills: BillCard[];
}

/** One bill in an order's detail. */
export interface LineRow {
  key: string;
  label: string;
  termLabel: string;
  amountText: string;
}

/** An order under 缴费中 or 已完成, and in the order detail. */
export interface OrderCard {
  id: string;
  outTradeNo: string;
  statusText: string;
  itemsText: string;
  totalText: string;
  createdText: string;
  expiresText: string;
  paidText: string;
  transactionText: string;
  email: string;
  /** 处理中: the pay sheet said yes; never offered for payment again. */
  processing: boolean;
  canResume: boolean;
  canCancel: boolean;
  otherPayer: boolean;
  underReview: boolean;
  noticeText: string;
  refundText: string;
  lines: LineRow[];
}

/** 待缴费 as shown, with each bill's amount in fen for the total. */
export interface UnpaidView {
  groups: BillGroup[];
  amounts: Record<string, number>;
  unpaidCount: number;
}

/** The pay bar: what is ticked and what it comes to. */
export interface SelectionView {
  checked: Ticks;
  groups: BillGroup[];
  selectedCount: number;
  allChecked: boolean;
  totalText: string;
}

const STATUS_TEXT: Record<OrderView['status'], string> = {
  PENDING: '待支付',
  PAID: '已支付',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};

const REFUND_STATE_TEXT: Record<NonNullable<OrderView['refund']>['state'], string> = {
  REFUNDING: '退款中',
  REFUNDED: '已退款',
  REFUNDED_OFFLINE: '已退款（线下办理）',
  FAILED: '退款失败',
};

/** 已退款 ¥1,200.00（2026-11-28 10:05）：计划财务处办理的退款，已原路退回 */
function refundText(refund: NonNullable<OrderView['refund']>): string {
  const when = refund.refundedAt ? `（${formatShanghai(refund.refundedAt)}）` : '';
  return `${REFUND_STATE_TEXT[refund.state]} ${formatFen(refund.amount)}${when}：${refund.reason}`;
}

export interface OrderCardOptions {
  /** This device's pay sheet said yes for the order (remembered on the device). */
  paidOnThisDevice?: boolean;
  /** The finance office's number, added to the notice of an order under review. */
  financePhone?: string | null;
}

export function orderCard(order: OrderView, options: OrderCardOptions = {}): OrderCard {
  const names = order.lines.map((line) => line.itemName).filter((name, i, all) => all.indexOf(name) === i);
  const processing = order.processing || (Boolean(options.paidOnThisDevice) && order.status === 'PENDING' && !order.underReview);
  const financePhone = order.underReview ? options.financePhone : null;
  return {
    id: order.id,
    outTradeNo: order.outTradeNo,
    statusText: order.underReview ? '待核实' : processing ? '处理中' : STATUS_TEXT[order.status],
    itemsText: names.join('、'),
    totalText: formatFen(order.total),
    createdText: formatShanghai(order.createdAt),
    expiresText: formatShanghai(order.expiresAt),
    paidText: order.paidAt ? formatShanghai(order.paidAt, 'YYYY-MM-DD HH:mm:ss') : '',
    transactionText: order.transactionIdMasked ?? '',
    email: order.email,
    processing,
    canResume: order.canResume && !processing,
    canCancel: order.canCancel && !processing,
    otherPayer: order.otherPayer,
    underReview: order.underReview,
    noticeText: order.notice ? `${order.notice}${financePhone ? `（${financePhone}）` : ''}` : '',
    refundText: order.refund ? refundText(order.refund) : '',
    lines: order.lines.map((line) => ({
      key: line.billId,
      label: line.itemName,
      termLabel: line.termLabel,
      amountText: formatFen(line.amount),
    })),
  };
}

/** An order whose pay sheet just said yes: 处理中 at once, with nothing left to pay or cancel. */
export function processingCard(order: OrderView, options: OrderCardOptions = {}): OrderCard {
  return { ...orderCard(order, options), processing: true, statusText: '处理中', canResume: false, canCancel: false };
}

function groupsOf(bills: readonly BillView[], checked: Ticks): BillGroup[] {
  const groups: BillGroup[] = [];
  for (const bill of bills) {
    let group = groups.find((g) => g.term === bill.term);
    if (!group) {
      group = { term: bill.term, termLabel: bill.termLabel, bills: [] };
      groups.push(group);
    }
    group.bills.push({
      id: bill.id,
      itemName: bill.itemName,
      amountText: formatFen(bill.amount),
      deadlineText: formatShanghai(bill.deadline, 'YYYY-MM-DD'),
      mandatory: bill.mandatory,
      overdue: bill.overdue,
      payable: bill.payableOnline,
      closedText: bill.payableOnline ? '' : (bill.notPayableReason ?? ''),
      checked: Boolean(checked[bill.id]),
    });
  }
  return groups;
}

/** 待缴费 from the server's bills. Ticks survive a refresh only for bills that are still payable. */
export function unpaidView(bills: readonly BillView[], previouslyChecked: Ticks): UnpaidView & { checked: Ticks } {
  const checked: Ticks = {};
  for (const bill of bills) if (previouslyChecked[bill.id] && bill.payableOnline) checked[bill.id] = true;
  const amounts: Record<string, number> = {};
  for (const bill of bills) amounts[bill.id] = bill.amount;
  return { groups: groupsOf(bills, checked), amounts, unpaidCount: bills.length, checked };
}

/**
 * The cards ticked as `checked` says, and the pay bar's count and total (added in fen). A bill that
 * cannot be paid online never counts as ticked, however it was tapped.
 */
export function selectionView(groups: readonly BillGroup[], amounts: Readonly<Record<string, number>>, checked: Ticks): SelectionView {
  let total = 0;
  let count = 0;
  let all = 0;
  const kept: Ticks = {};
  const ticked = groups.map((group) => ({
    ...group,
    bills: group.bills.map((bill) => {
      if (bill.payable) all += 1;
      const on = bill.payable && Boolean(checked[bill.id]);
      if (on) {
        kept[bill.id] = true;
        count += 1;
        total += amounts[bill.id] ?? 0;
      }
      return { ...bill, checked: on };
    }),
  }));
  return { checked: kept, groups: ticked, selectedCount: count, allChecked: all > 0 && count === all, totalText: formatFen(total) };
}

/** Ticks one bill on or off. */
export function toggled(checked: Ticks, billId: string): Ticks {
  const next = { ...checked };
  if (next[billId]) delete next[billId];
  else next[billId] = true;
  return next;
}

/** 全选: every bill that can be paid online ticked, or (when all already are) none. */
export function allToggled(groups: readonly BillGroup[], allChecked: boolean): Ticks {
  const checked: Ticks = {};
  if (!allChecked) for (const group of groups) for (const bill of group.bills) if (bill.payable) checked[bill.id] = true;
  return checked;
}

/** 待缴费 once `order` holds some of its bills: they leave at once, and so does an emptied term. */
export function withoutOrderedBills(groups: readonly BillGroup[], order: OrderView): { groups: BillGroup[]; unpaidCount: number } {
  const ordered = new Set(order.lines.map((line) => line.billId));
  const left = groups
    .map((group) => ({ ...group, bills: group.bills.filter((bill) => !ordered.has(bill.id)) }))
    .filter((group) => group.bills.length > 0);
  return { groups: left, unpaidCount: left.reduce((n, group) => n + group.bills.length, 0) };
}

/** What the student is told once the checks after the pay sheet are over, and which tab shows next. */
export interface ConfirmationNotice {
  message: string;
  /** Shown with WeChat's success tick. */
  success: boolean;
  /** 已完成 when the money has landed (or is on its way back); otherwise the tab stays 缴费中. */
  tab: 'done' | null;
}

/** `order` as the last check saw it, or null when no check got through. */
export function confirmationNotice(order: OrderView | null): ConfirmationNotice {
  if (order?.status === 'PAID') return { message: '缴费成功', success: true, tab: 'done' };
  if (order?.underReview) return { message: '支付结果待核实，请联系计划财务处', success: false, tab: null };
  if (order?.status === 'REFUNDING' || order?.status === 'REFUNDED') {
    // The server's own words for why this payment goes back (another order paid the bills, or the
    // office changed them after the order was cancelled) and how far the refund has got.
    const back = order.status === 'REFUNDED' ? '已原路退回' : '将原路退回';
    return { message: order.refund?.reason ?? `本次支付${back}`, success: false, tab: 'done' };
  }
  return { message: '支付结果确认中，请稍后下拉刷新查看', success: false, tab: null };
}

// ------------------------------------------------------------------ the payment guide's reminder

/** The terms whose bills are under 待缴费, each once. */
export function unpaidTerms(bills: readonly BillView[]): string[] {
  return bills.map((bill) => bill.term).filter((term, i, all) => all.indexOf(term) === i);
}

/**
 * Whether the payment guide's reminder (check the bill and the card, don't interrupt, pay by the
 * deadline) is shown: while bills are owed, until the student dismisses it, and again once bills
 * of a term they have not dismissed it for appear. `dismissedFor` is what the device stored.
 */
export function payGuideShown(owedTerms: readonly string[], dismissedFor: unknown): boolean {
  const dismissed = Array.isArray(dismissedFor) ? dismissedFor : [];
  return owedTerms.some((term) => !dismissed.includes(term));
}

/** The terms to remember the guide as dismissed for: those before, and those owed now. */
export function payGuideDismissedFor(owedTerms: readonly string[], dismissedFor: unknown): string[] {
  const before = Array.isArray(dismissedFor) ? dismissedFor.filter((term): term is string => typeof term === 'string') : [];
  return [...before, ...owedTerms.filter((term) => !before.includes(term))];
}

// ------------------------------------------------------------------ 截止前提醒我

/** Where WeChat keeps the switch for subscribe messages, for a student who said no. */
export const REMINDER_DECLINED_NOTE = '未开启提醒。如需开启，请点右上角“···”→“设置”→“订阅消息”，允许接收缴费提醒，再点“截止前提醒我”。';
export const REMINDER_UNAVAILABLE_NOTE = '暂时无法开启提醒，请稍后再试，或更新微信后再试。';

/** What the student is told once the server has counted their reminder. */
export function reminderAcceptedNote(consent: ReminderConsent): string {
  const next = consent.nextDeadline ? `最近的截止日期为 ${formatShanghai(consent.nextDeadline, 'YYYY-MM-DD')}，` : '';
  return `${next}将在截止日期前 ${consent.daysBefore} 天提醒您（还可提醒 ${consent.remindersLeft} 次）`;
}
