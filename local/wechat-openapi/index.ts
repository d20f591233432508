/**
 * openapi sandbox: what WeChat's servers answer to `cloud.openapi.*` calls, for the APIs the
 * product uses. The genuine wx-server-sdk encodes each call (codec.ts) and the SDK then does
 * exactly what it does in production with the answer (errcode → thrown CloudSDKError, snake_case →
 * camelCase, `errCode: 0` and `errMsg: '…:ok'` added).
 *
 * - phonenumber.getPhoneNumber with locally issued codes (phone-number.ts);
 * - wxacode.getUnlimited draws a real QR code naming the page and scene (wxacode.ts);
 * - subscribeMessage.send checked and recorded (缴费成功, 退款结果, 缴费提醒), with 43101 on demand
 *   (subscribe-message.ts).
 */
import type { LocalCloud } from '../cloud';
import type { LocalCloudServer } from '../server';
import { installPhoneNumber } from './phone-number';
import { installWxacode } from './wxacode';
import { installSubscribeMessages } from './subscribe-message';

export { decodeOpenApiRequest, openApiJson, type DecodedOpenApiCall } from './codec';
export { readWxacodeText } from './wxacode';
export {
  SANDBOX_DEADLINE_REMINDER_TEMPLATE_ID,
  SANDBOX_PAY_SUCCESS_TEMPLATE_ID,
  SANDBOX_REFUND_RESULT_TEMPLATE_ID,
  subscribeMessagesOf,
  type SentSubscribeMessage,
  type SubscribeMessageSandbox,
} from './subscribe-message';
export { PHONE_CODE_TTL_MS, parseSandboxPhone, phoneSandboxOf, type PhoneSandbox } from './phone-number';

export function installOpenApiSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  installPhoneNumber(cloud, server);
  installWxacode(cloud);
  installSubscribeMessages(cloud);
}
