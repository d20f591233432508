/**
 * What follows an order becoming PAID: the 缴费成功 message and the e-receipt. It runs once, from
 * the step that turned the order PAID (callback, sync, sweep, reconciliation) — never again on a
 * duplicate callback or a sync of a paid order. For an order whose step stopped before finishing,
 * the payments timer sends the message (a subscriber's paid order keeps its nextCheckAt until it
 * is sent) and the receipts timer issues the receipt (it issues one for any paid order without).
 * Each step is idempotent on its own; a step that fails is logged and never undoes the payment.
 */
import { shanghaiMinute } from '../kernel/china-time';
import { formatFenForMessage } from '../kernel/money';
import { itemsThing } from '../kernel/message-fields';
import type { OrderDoc } from './domain/records';
import { isDuplicateKeyError } from '../runtime/errors';
import { collection } from '../runtime/db';
import { callInternal } from '../runtime/internal-calls';
import type { PaymentContext } from './context';
import type { VariableName } from '../runtime/environment';

/** Environment variable with the template id of the 缴费成功 subscribe message. */
export const PAY_SUCCESS_TEMPLATE_ENV = 'PAY_SUCCESS_TEMPLATE_ID' satisfies VariableName;
/**
 * How long (ms) the paying step waits for the receipts function (PDF + email can be slow); default
 * 3000. The receipts function keeps running on its own, and its timer sweep issues any receipt
 * still missing, so stopping the wait loses nothing — and keeps the 20 s callback well in time.
 */
export const RECEIPT_WAIT_ENV = 'PAY_RECEIPT_WAIT_MS' satisfies VariableName;
const DEFAULT_RECEIPT_WAIT_MS = 3000;

/** subscribeMessages/{key}: a subscribe message sent (or being sent) once. */
export interface SubscribeMessageDoc {
  _id: string;
  key: string;
  kind: 'subscribe';
  openid: string;
  templateId: string;
  orderId: string;
  /** The refund a 退款结果 message is about (absent on 缴费成功). */
  outRefundNo?: string;
  status: 'SENDING' | 'SENT' | 'FAILED';
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

function receiptWaitMs(): number {
  const value = Number(process.env[RECEIPT_WAIT_ENV]);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_RECEIPT_WAIT_MS;
}

/** The single place that runs after an order becomes PAID. Clears the order's follow-up mark, if it has one, when done. */
export async function afterOrderPaid(pc: PaymentContext, order: OrderDoc): Promise<void> {
  await step(pc, order._id, 'pay-success subscribe message', () => sendPaidMessageOnce(pc, order));
  await receiptAfterPayment(pc, order._id);
  if (!order.nextCheckAt) return;
  try {
    await pc.store.clearFollowUp(order._id);
  } catch (error) {
    pc.log.warn('after payment: follow-up mark not cleared (the sweep looks again)', { orderId: order._id, error });
  }
}

/**
 * The e-receipt (我的发票), all that follows the payment of an order whose student asked for no
 * message: issuing is idempotent per order, and the receipts timer issues any paid order's receipt
 * this call could not finish, so neither a failure nor a slow answer loses a receipt.
 */
export async function receiptAfterPayment(pc: PaymentContext, orderId: string): Promise<void> {
  await step(pc, orderId, 'receipt', () => withinWait(pc, orderId, issueReceipt(pc, orderId), receiptWaitMs()));
}

async function issueReceipt(pc: PaymentContext, orderId: string): Promise<void> {
  const result = await callInternal(pc, 'receipts', 'issue', { orderId });
  if (!result.ok) throw new Error(`receipts.issue refused: ${result.code}`);
}

/** Waits for `work` at most `ms`; after that it is left to finish (or fail) on its own. */
async function withinWait(pc: PaymentContext, orderId: string, work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  // Observed either way, so a failure after the wait is logged rather than unhandled.
  const observed = work.then(
    () => 'done' as const,
    (error: unknown) => {
      pc.log.error('after payment: receipt failed (the receipts sweep issues it)', { orderId, error });
      return 'failed' as const;
    },
  );
  const first = await Promise.race([observed, late]);
  if (timer) clearTimeout(timer);
  if (first === 'late') pc.log.warn('after payment: receipt still being issued; not waiting longer', { orderId, waitedMs: ms });
}

async function step(pc: PaymentContext, orderId: string, name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    pc.log.error(`after payment: ${name} failed`, { orderId, error });
  }
}

/**
 * The template's fields: 缴费项目 (thing1), 缴费金额 (amount2), 缴费时间 (time3), 订单号
 * (character_string4). Choose a 缴费成功 template with these keywords in 订阅消息, or adapt here.
 */
export function paidMessageData(order: OrderDoc): Record<string, { value: string }> {
  return {
    thing1: { value: itemsThing(order.lines.map((line) => line.itemName)) },
    amount2: { value: formatFenForMessage(order.total) },
    time3: { value: shanghaiMinute(new Date(order.paidAt ?? order.updatedAt ?? order.createdAt)) },
    character_string4: { value: order.outTradeNo },
  };
}

/** Sends 缴费成功 once per order, to the payer, if they subscribed on the 立即支付 tap. */
export async function sendPaidMessageOnce(pc: PaymentContext, order: OrderDoc): Promise<void> {
  if (!order.notifyOnPaid || order.status !== 'PAID') return;
  const templateId = process.env[PAY_SUCCESS_TEMPLATE_ENV]?.trim();
  if (!templateId) {
    pc.log.info('no pay-success template configured; message skipped', { orderId: order._id });
    return;
  }
  const outcome = await sendSubscribeMessageOnce(pc, {
    key: `pay-success:${order._id}`,
    openid: order.payerOpenid,
    templateId,
    orderId: order._id,
    page: PAID_ORDERS_PAGE,
    data: paidMessageData(order),
  });
  if (outcome.kind === 'failed') pc.log.warn('pay-success message not sent', { orderId: order._id, error: outcome.error });
}

/** The page a payment or refund message opens: 账单缴费 on 已完成. */
export const PAID_ORDERS_PAGE = 'pages/bills/index?tab=done';

export interface SubscribeMessageToSend {
  /** Names the event: a second message with the same key is never sent. */
  key: string;
  openid: string;
  templateId: string;
  orderId: string;
  outRefundNo?: string;
  page: string;
  data: Record<string, { value: string }>;
}

export type SubscribeMessageOutcome = { kind: 'sent' } | { kind: 'sent-before' } | { kind: 'failed'; error: string };

/**
 * Sends one subscribe message at most once per key: the key is claimed in subscribeMessages first,
 * so a repeated event finds it taken and sends nothing. A refusal (43101: the user has no
 * acceptance left, or never gave one) or any other failure is recorded on the claim and never
 * retried — the message is optional, and the event that caused it has happened either way.
 */
export async function sendSubscribeMessageOnce(pc: PaymentContext, message: SubscribeMessageToSend): Promise<SubscribeMessageOutcome> {
  const messages = collection(pc.db, 'subscribeMessages');
  try {
    await messages.insert({
      _id: message.key,
      key: message.key,
      kind: 'subscribe',
      openid: message.openid,
      templateId: message.templateId,
      orderId: message.orderId,
      ...(message.outRefundNo ? { outRefundNo: message.outRefundNo } : {}),
      status: 'SENDING',
      error: null,
      createdAt: pc.now(),
      sentAt: null,
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) return { kind: 'sent-before' };
    throw error;
  }
  try {
    const openapi = (pc.cloud as unknown as { openapi: { subscribeMessage: { send(data: unknown): Promise<unknown> } } }).openapi;
    await openapi.subscribeMessage.send({ touser: message.openid, templateId: message.templateId, page: message.page, data: message.data });
    await messages.updateById(message.key, { status: 'SENT', sentAt: pc.now() });
    return { kind: 'sent' };
  } catch (error) {
    const failure = error as { errCode?: unknown; errMsg?: unknown; message?: unknown } | null;
    const code = typeof failure?.errCode === 'number' ? failure.errCode : null;
    const text = String(failure?.errMsg ?? failure?.message ?? error);
    const described = (code === null || text.includes(String(code)) ? text : `${code} ${text}`).slice(0, 200);
    await messages.updateById(message.key, { status: 'FAILED', error: described });
    return { kind: 'failed', error: described };
  }
}
