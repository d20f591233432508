/** How a refund reads on the 退款 page: its bills in a line, its progress step by step, and whose it is. */
import type { ConsoleIdentity, ConsoleRefund } from '../../api/types';
import { BILLS_BECOME_TEXT } from '../../constants/refunds';
import { formatYuan } from '../../utils/money';

/** "住宿费、教材费" (the term once when every bill is of one term). */
export function billsText(refund: ConsoleRefund): string {
  if (refund.lines.length === 0) return '—';
  const terms = new Set(refund.lines.map((line) => line.term));
  const items = refund.lines.map((line) => (terms.size > 1 ? `${line.term} ${line.itemName}` : line.itemName)).join('、');
  return terms.size === 1 ? `${[...terms][0]} ${items}` : items;
}

/** For the list: the items on one line, their terms on the next. */
export function itemsText(refund: ConsoleRefund): string {
  return refund.lines.length === 0 ? '—' : refund.lines.map((line) => line.itemName).join('、');
}

export function termsText(refund: ConsoleRefund): string {
  return [...new Set(refund.lines.map((line) => line.term))].join('、');
}

export function scopeText(refund: ConsoleRefund): string {
  return refund.amount === refund.orderTotal ? `整笔订单 ${formatYuan(refund.amount)}` : `部分退款 ${formatYuan(refund.amount)}（订单实付 ${formatYuan(refund.orderTotal)}）`;
}

export function becomeText(refund: ConsoleRefund): string {
  return refund.billsBecome ? `变为“${BILLS_BECOME_TEXT[refund.billsBecome]}”` : '—';
}

/**
 * The signed-in 审核 asked for it: the server refuses their decision (four eyes), so the page says
 * so before they try. Told by the staff member's id, as the server tells it: two people may share a name.
 */
export function isOwnRequest(refund: ConsoleRefund, identity: ConsoleIdentity | null): boolean {
  return identity !== null && refund.requestedByStaffId !== null && refund.requestedByStaffId === identity.staffId;
}

export const OWN_REQUEST_TEXT = '这是您本人提出的申请，须由另一位审核人员审批';

export interface ProgressStep {
  key: string;
  title: string;
  detail: string;
  at: string | null;
  tone: 'done' | 'waiting' | 'failed' | 'rejected';
}

/** 提出申请 → 审批 → 微信退款, as far as it has come. */
export function progressOf(refund: ConsoleRefund): ProgressStep[] {
  const steps: ProgressStep[] = [
    {
      key: 'requested',
      title: refund.requestedBy ? '提出申请' : '系统发起',
      detail: refund.requestedBy ? `${refund.requestedBy}：${refund.reason}` : refund.reason,
      at: refund.requestedAt,
      tone: 'done',
    },
  ];
  if (refund.state === 'REQUESTED') {
    steps.push({ key: 'decision', title: '等待审核', detail: '由另一位审核人员批准或驳回', at: null, tone: 'waiting' });
    return steps;
  }
  if (refund.state === 'REJECTED') {
    steps.push({ key: 'decision', title: '已驳回', detail: `${refund.decidedBy ?? ''}：${refund.decisionNote ?? ''}`, at: refund.decidedAt, tone: 'rejected' });
    return steps;
  }
  if (refund.decidedBy) {
    steps.push({ key: 'decision', title: '已批准', detail: refund.decisionNote ? `${refund.decidedBy}：${refund.decisionNote}` : refund.decidedBy, at: refund.decidedAt, tone: 'done' });
  }
  if (refund.state === 'REFUNDING') steps.push({ key: 'wechat', title: '退款中', detail: '已提交微信支付，等待退款结果', at: null, tone: 'waiting' });
  if (refund.state === 'REFUNDED') steps.push({ key: 'wechat', title: '已退款', detail: '微信支付已原路退回', at: refund.refundedAt, tone: 'done' });
  if (refund.state === 'FAILED') steps.push({ key: 'wechat', title: '退款失败', detail: refund.failure ?? '微信支付未能完成退款，已转待核实，由人工处理', at: null, tone: 'failed' });
  return steps;
}
