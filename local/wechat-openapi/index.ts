/**
 * openapi sandbox: what WeChat's servers answer to `cloud.openapi.*` calls, for the APIs the
 * product uses. The genuine wx-server-sdk encodes each call (codec.ts) and the SDK then does
 * exactly what it does in production with the answer (errcode → thrown CloudSDKError, snake_case →
 * camelCase, `errCode: 0` and `errMsg: '…:ok'` added).
 *
 * - phonenumber.getPhoneNumber with locally issued codes (phone-number.ts);
 * - wxacode.getUnlimited draws a real QR code naming the page and scene (wxacode.ts);
 * - subscribeMessage.send is recorded by the cloudPay sandbox (local/wechat-pay), which owns the
 *   缴费成功 message.
 */
import type { LocalCloud } from '../cloud';
import type { LocalCloudServer } from '../server';
import { installPhoneNumber } from './phone-number';
import { installWxacode } from './wxacode';

export { decodeOpenApiRequest, openApiJson, type DecodedOpenApiCall } from './codec';
export { readWxacodeText } from './wxacode';
export { PHONE_CODE_TTL_MS, parseSandboxPhone, phoneSandboxOf, type PhoneSandbox } from './phone-number';

export function installOpenApiSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  installPhoneNumber(cloud, server);
  installWxacode(cloud);
}
