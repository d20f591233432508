/**
 * The 退款结果 subscribe message: once a refund has its outcome — 已退款 (WeChat confirmed it),
 * 退款失败 (WeChat will not complete it and 计划财务处 refunds by hand) or 线下退款 (计划财务处 recorded
 * that it was refunded outside WeChat Pay) — the payer of the order is
 * told, once per refund and outcome, whatever number of callbacks, timer rounds or statements
 * report it. The student accepted the template in the prompt before paying; WeChat itself answers
 * 43101 to an account that did not (or has no acceptance left), so a send is simply refused there.
 * It runs after the change is committed, and a failure is recorded and logged, never retried, and
 * never undoes or delays the refund's own state.
 */
import { chinaWallClock } from '../kernel/china-time';
import { formatFenForMessage } from '../kernel/money';
import { itemsThing } from '../kernel/message-fields';
import type { VariableName } from '../runtime/environment';
import type { OrderDoc, RefundDoc } from './domain/records';
import type { PaymentContext } from './context';
import { PAID_ORDERS_PAGE, sendSubscribeMessageOnce } from './after-paid';

/** Environment variable with the template id of the 退款结果 subscribe message. */
export const REFUND_RESULT_TEMPLATE_ENV = 'REFUND_RESULT_TEMPLATE_ID' satisfies VariableName;

/** How a refund ended, as the student reads it (the order's refund state 已退款 / 退款失败 / 已退款（线下办理）). */
export type RefundOutcome = 'REFUNDED' | 'FAILED' | 'REFUNDED_OFFLINE';

const OUTCOME_PHRASE: Readonly<Record<RefundOutcome, string>> = {
  REFUNDED: '已退款',
  FAILED: '退款失败',
  REFUNDED_OFFLINE: '线下退款',
};

const OUTCOME_HINT: Readonly<Record<RefundOutcome, string>> = {
  REFUNDED: '款项已原路退回至付款账户',
  FAILED: '计划财务处将为您人工退款',
  REFUNDED_OFFLINE: '计划财务处已为您办理退款',
};

/** WeChat's time, to the minute in Beijing time, e.g. 2026年11月28日 10:03. */
function chinaMinute(at: Date): string {
  const d = chinaWallClock(at);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** When the refund reached this outcome. */
function outcomeTime(refund: RefundDoc, outcome: RefundOutcome): Date {
  const at = outcome === 'REFUNDED' ? refund.refundedAt : outcome === 'FAILED' ? refund.manual?.since : refund.offline?.at;
  return new Date(at ?? refund.updatedAt);
}

/**
 * The template's fields: thing1 缴费项目 (the refunded bills' items), amount2 退款金额, phrase3
 * 退款状态, time4 退款时间, thing5 温馨提示. Choose a 退款结果 template with these keywords in 订阅消息,
 * or adapt here. Nothing that identifies the student goes into it.
 */
export function refundMessageData(refund: RefundDoc, order: Pick<OrderDoc, 'lines'>, outcome: RefundOutcome): Record<string, { value: string }> {
  const refunded = new Set(refund.billIds);
  const lines = order.lines.filter((line) => refunded.has(line.billId));
  return {
    thing1: { value: itemsThing((lines.length > 0 ? lines : order.lines).map((line) => line.itemName)) },
    amount2: { value: formatFenForMessage(refund.refundFee) },
    phrase3: { value: OUTCOME_PHRASE[outcome] },
    time4: { value: chinaMinute(outcomeTime(refund, outcome)) },
    thing5: { value: OUTCOME_HINT[outcome] },
  };
}

/**
 * Tells the order's payer how their refund ended, once per refund and outcome. Never throws: the
 * refund's state is committed already, and nothing here may make its caller (a callback WeChat
 * would redeliver, the timer, a 审核's approval) report a failure.
 */
export async function sendRefundResultOnce(pc: PaymentContext, refund: RefundDoc, order: OrderDoc, outcome: RefundOutcome): Promise<void> {
  const ids = { orderId: order._id, outRefundNo: refund.outRefundNo, outcome };
  const templateId = process.env[REFUND_RESULT_TEMPLATE_ENV]?.trim();
  if (!templateId) {
    pc.log.info('no refund-result template configured; message skipped', ids);
    return;
  }
  try {
    const sent = await sendSubscribeMessageOnce(pc, {
      key: `refund-result:${refund.outRefundNo}:${outcome}`,
      openid: order.payerOpenid,
      templateId,
      orderId: order._id,
      outRefundNo: refund.outRefundNo,
      page: PAID_ORDERS_PAGE,
      data: refundMessageData(refund, order, outcome),
    });
    if (sent.kind === 'failed') pc.log.warn('refund-result message not sent', { ...ids, error: sent.error });
    else if (sent.kind === 'sent') pc.log.info('refund-result message sent', ids);
  } catch (error) {
    pc.log.error('refund-result message failed', { ...ids, error });
  }
}
