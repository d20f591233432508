/**
 * WeChat Pay v2 as cloudPay speaks it: the sandbox's merchant ids, WeChat Pay's time and money
 * formats, and the shape of every answer (return_code / result_code / err_code / err_code_des).
 */
import { randomBytes } from 'node:crypto';
import { formatWxTime, parseWxTime as parseWxTimeAt, shanghaiDateTime } from '../../cloudfunctions/shared/kernel/china-time';

/** The 子商户号 the sandbox's cloudPay is bound to (PAY_SUB_MCH_ID defaults to it locally). */
export const SANDBOX_SUB_MCH_ID = '1900000109';
/** The service provider's merchant id (微信支付 itself, for cloudPay). */
export const SANDBOX_MCH_ID = '1800000001';

export const MINUTE = 60_000;

/** A request as the genuine SDK sends it, snake_case. */
export type PayRequest = Record<string, unknown>;
/** An answer, snake_case, as WeChat Pay gives it (the SDK camel-cases it). */
export type Answer = Record<string, unknown>;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// WeChat Pay's own time formats, both Beijing time, from the shared China-time helpers.
export const wxTime = (ms: number): string => formatWxTime(new Date(ms));
export const statementTime = (ms: number): string => shanghaiDateTime(new Date(ms));
export const parseWxTime = (text: string): number | null => parseWxTimeAt(text)?.getTime() ?? null;

export const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${pad(fen % 100)}`;
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const digits = (n: number): string => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The request itself is wrong: return_code FAIL. */
export const fail = (message: string): Answer => ({ return_code: 'FAIL', return_msg: message });

/** What every API checks first: the sub-merchant the sandbox is bound to, and a nonce. */
export function merchantCheck(request: PayRequest): Answer | null {
  if (str(request.sub_mch_id) === '') return fail('sub_mch_id 参数缺失');
  if (str(request.sub_mch_id) !== SANDBOX_SUB_MCH_ID) return fail('sub_mch_id与sub_appid不匹配');
  if (str(request.nonce_str) === '' || str(request.nonce_str).length > 32) return fail('nonce_str 参数格式错误');
  return null;
}

/** The fields every answer that got through starts with. */
export function answerBase(appid: string, subMchId: string): Answer {
  return {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid,
    mch_id: SANDBOX_MCH_ID,
    sub_appid: appid,
    sub_mch_id: subMchId,
    nonce_str: hex(8),
    sign: hex(16).toUpperCase(),
  };
}

/** A business refusal: result_code FAIL with WeChat Pay's err_code and its description. */
export function businessFailure(appid: string, code: string, description: string): Answer {
  return { ...answerBase(appid, SANDBOX_SUB_MCH_ID), result_code: 'FAIL', err_code: code, err_code_des: description };
}
