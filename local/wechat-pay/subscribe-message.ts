/**
 * 订阅消息: the 缴费成功 message the pay functions send once per paid order (openapi
 * subscribeMessage.send), checked as WeChat checks it and recorded for the tests to read.
 */
import type { LocalCloud } from '../cloud';
import { decodeOpenApiRequest, openApiJson } from '../wechat-openapi';
import { digits } from './wire';

/** Template id of the 缴费成功 subscribe message in the local cloud. */
export const SANDBOX_PAY_SUCCESS_TEMPLATE_ID = 'local-pay-success-template';

export interface SentSubscribeMessage {
  touser: string;
  templateId: string;
  page: string | null;
  data: Record<string, { value: string }>;
  sentAtMs: number;
}

/** Registers subscribeMessage.send on the cloud; returns the list it records sent messages in, oldest first. */
export function recordSubscribeMessages(cloud: LocalCloud): readonly SentSubscribeMessage[] {
  const sentMessages: SentSubscribeMessage[] = [];
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
    }
    sentMessages.push({
      touser,
      templateId,
      page: typeof params.page === 'string' ? params.page : null,
      data: data as Record<string, { value: string }>,
      sentAtMs: cloud.clock.nowMs(),
    });
    return openApiJson({ errcode: 0, errmsg: 'ok', msgid: Number(digits(12)) });
  });
  return sentMessages;
}
