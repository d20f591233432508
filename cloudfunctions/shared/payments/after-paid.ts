/**
 * What follows an order becoming PAID, wherever that was learnt (callback, sync, sweep,
 * reconciliation). It may run more than once for the same order (duplicate callbacks, retries), so
 * each step is idempotent on its own; a step that fails is logged and never undoes the payment.
 */
import { formatFenPlain } from '../domain/money';
import type { OrderDoc } from '../domain/records';
import { isDuplicateKeyError } from '../runtime/errors';
import { collection } from '../runtime/db';
import { callOtherFunction } from '../runtime/platform';
import type { PaymentContext } from './context';

/** Environment variable with the template id of the 缴费成功 subscribe message. */
export const PAY_SUCCESS_TEMPLATE_ENV = 'PAY_SUCCESS_TEMPLATE_ID';

/** messages/{key}: a message sent (or being sent) once. */
export interface MessageDoc {
  _id: string;
  key: string;
  kind: 'subscribe';
  openid: string;
  templateId: string;
  orderId: string;
  status: 'SENDING' | 'SENT' | 'FAILED';
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** The single place that runs after an order becomes PAID. */
export async function afterOrderPaid(pc: PaymentContext, order: OrderDoc): Promise<void> {
  await step(pc, order, 'pay-success subscribe message', () => sendPaidMessageOnce(pc, order));
  // The e-receipt (我的发票): issuing is idempotent per order, and the receipts sweep retries any
  // paid order this call could not finish, so a failure here never loses a receipt.
  await step(pc, order, 'receipt', () => issueReceipt(pc, order));
}

async function issueReceipt(pc: PaymentContext, order: OrderDoc): Promise<void> {
  const result = await callOtherFunction(pc.cloud, 'receipts', { action: 'issue', orderId: order._id });
  if (!result.ok) throw new Error(`receipts.issue refused: ${result.code}`);
}

async function step(pc: PaymentContext, order: OrderDoc, name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    pc.log.error(`after payment: ${name} failed`, { orderId: order._id, error });
  }
}

const shanghaiMinute = (at: Date): string => {
  const d = new Date(at.getTime() + 8 * 3600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
};

/**
 * The template's fields: 缴费项目 (thing1), 缴费金额 (amount2), 缴费时间 (time3), 订单号
 * (character_string4). Choose a 缴费成功 template with these keywords in 订阅消息, or adapt here.
 */
export function paidMessageData(order: OrderDoc): Record<string, { value: string }> {
  const names = [...new Set(order.lines.map((line) => line.itemName))];
  const items = Array.from(names.join('、')).slice(0, 20).join('');
  return {
    thing1: { value: items || '继续教育缴费' },
    amount2: { value: `${formatFenPlain(order.total)}元` },
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
  const messages = collection<MessageDoc>(pc.db, 'messages');
  const key = `pay-success:${order._id}`;
  try {
    await messages.insert({
      _id: key,
      key,
      kind: 'subscribe',
      openid: order.payerOpenid,
      templateId,
      orderId: order._id,
      status: 'SENDING',
      error: null,
      createdAt: pc.now(),
      sentAt: null,
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) return; // sent (or being sent) already
    throw error;
  }
  try {
    const openapi = (pc.cloud as unknown as { openapi: { subscribeMessage: { send(data: unknown): Promise<unknown> } } }).openapi;
    await openapi.subscribeMessage.send({
      touser: order.payerOpenid,
      templateId,
      page: 'pages/bills/index?tab=done',
      data: paidMessageData(order),
    });
    await messages.updateById(key, { status: 'SENT', sentAt: pc.now() });
  } catch (error) {
    // 43101 (the user did not subscribe) and the like: not retried, the message is optional.
    const text = String((error as { errMsg?: unknown })?.errMsg ?? (error as Error)?.message ?? error);
    await messages.updateById(key, { status: 'FAILED', error: text.slice(0, 200) });
    pc.log.warn('pay-success message not sent', { orderId: order._id, error: text });
  }
}
