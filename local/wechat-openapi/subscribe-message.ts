/**
 * 订阅消息 (openapi subscribeMessage.send): the 缴费成功 message the pay functions send once per paid
 * order, the 退款结果 they send once a refund has its outcome, and the 缴费提醒 the bills timer sends,
 * checked as WeChat checks them and recorded for the tests to read. WeChat answers 43101 when the
 * user has no acceptance left or withdrew it; tests ask for that with `refuse(openid)`.
 */
import { randomInt } from 'node:crypto';
import type { LocalCloud } from '../cloud';
import { decodeOpenApiRequest, openApiJson } from './codec';

/** Template ids of the subscribe messages in the local cloud. */
export const SANDBOX_PAY_SUCCESS_TEMPLATE_ID = 'local-pay-success-template';
export const SANDBOX_DEADLINE_REMINDER_TEMPLATE_ID = 'local-deadline-reminder-template';
export const SANDBOX_REFUND_RESULT_TEMPLATE_ID = 'local-refund-result-template';

/** Environment the functions read for the templates, as the console would set it. */
export const LOCAL_TEMPLATE_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  PAY_SUCCESS_TEMPLATE_ID: SANDBOX_PAY_SUCCESS_TEMPLATE_ID,
  DEADLINE_REMINDER_TEMPLATE_ID: SANDBOX_DEADLINE_REMINDER_TEMPLATE_ID,
  REFUND_RESULT_TEMPLATE_ID: SANDBOX_REFUND_RESULT_TEMPLATE_ID,
};

/** WeChat's `phrase`: at most 5 characters, Chinese only (e.g. 已退款). */
const PHRASE = /^\p{Script=Han}{1,5}$/u;
/** WeChat's `amount`: a currency sign, at most 10 digits with an optional decimal part, optionally 元 (¥4400.00). */
const AMOUNT = /^[¥￥$]?(?=(?:\D*\d){1,10}\D*$)\d+(?:\.\d{1,2})?元?$/u;

export interface SentSubscribeMessage {
  touser: string;
  templateId: string;
  page: string | null;
  data: Record<string, { value: string }>;
  sentAtMs: number;
}

export interface SubscribeMessageSandbox {
  /** Messages WeChat accepted, oldest first. */
  sent(): SentSubscribeMessage[];
  /** From now on WeChat answers 43101 for this user (no acceptance left, or withdrawn). */
  refuse(openid: string): void;
  /** The user accepted again. */
  accept(openid: string): void;
}

const sandboxes = new WeakMap<LocalCloud, SubscribeMessageSandbox>();

export function subscribeMessagesOf(cloud: LocalCloud): SubscribeMessageSandbox {
  const sandbox = sandboxes.get(cloud);
  if (!sandbox) throw new Error('the subscribe message sandbox is not installed on this local cloud');
  return sandbox;
}

/** Registers subscribeMessage.send on the cloud. */
export function installSubscribeMessages(cloud: LocalCloud): void {
  for (const [name, value] of Object.entries(LOCAL_TEMPLATE_ENV_DEFAULTS)) {
    if (!process.env[name]) process.env[name] = value;
  }
  const sentMessages: SentSubscribeMessage[] = [];
  const refusing = new Set<string>();
  sandboxes.set(cloud, {
    sent: () => sentMessages.map((message) => ({ ...message })),
    refuse: (openid) => void refusing.add(openid),
    accept: (openid) => void refusing.delete(openid),
  });
  cloud.registerOpenApi('subscribeMessage.send', (request) => {
    const { params } = decodeOpenApiRequest(request.raw as Buffer);
    const touser = typeof params.touser === 'string' ? params.touser : '';
    const templateId = typeof params.template_id === 'string' ? params.template_id : '';
    const data = params.data;
    if (!touser) return openApiJson({ errcode: 40003, errmsg: 'invalid openid' });
    if (!templateId) return openApiJson({ errcode: 40037, errmsg: 'invalid template_id' });
    if (typeof data !== 'object' || data === null) return openApiJson({ errcode: 47003, errmsg: 'argument invalid! data.* is empty' });
    for (const [key, field] of Object.entries(data as Record<string, unknown>)) {
      const value = (field as { value?: unknown } | null)?.value;
      if (typeof value !== 'string' || value === '') return openApiJson({ errcode: 47003, errmsg: `argument invalid! data.${key}.value is empty` });
      if (key.startsWith('thing') && Array.from(value).length > 20) return openApiJson({ errcode: 47003, errmsg: `argument invalid! data.${key}.value too long` });
      if (key.startsWith('phrase') && !PHRASE.test(value)) return openApiJson({ errcode: 47003, errmsg: `argument invalid! data.${key}.value invalid` });
      if (key.startsWith('amount') && !AMOUNT.test(value)) return openApiJson({ errcode: 47003, errmsg: `argument invalid! data.${key}.value invalid` });
    }
    if (refusing.has(touser)) return openApiJson({ errcode: 43101, errmsg: 'user refuse to accept the msg' });
    sentMessages.push({
      touser,
      templateId,
      page: typeof params.page === 'string' ? params.page : null,
      data: data as Record<string, { value: string }>,
      sentAtMs: cloud.clock.nowMs(),
    });
    return openApiJson({ errcode: 0, errmsg: 'ok', msgid: randomInt(1e11, 1e12) });
  });
}
