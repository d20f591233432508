/**
 * A typed port over `cloud.cloudPay.*` (WeChat Pay through Cloud Development). Requests use
 * cloudPay's field names exactly (the SDK turns them into snake_case on the wire); answers are
 * narrowed into a few outcomes the payment code can act on.
 *
 * One platform quirk shapes this file: the SDK adds `errCode: 0` to every answer, overwriting the
 * business `err_code` (ORDERPAID, ORDERNOTEXIST…) that cloudPay returned. Only `resultCode` and
 * `errCodeDes` survive, so callers never branch on a business code: after any refusal they ask
 * `queryOrder` how the order really stands.
 */
import { randomBytes } from 'node:crypto';
import { parseWxTime } from './domain/billing';
import type { PrepayRequest } from './domain/records';
import type { WxCloud } from '../runtime/platform';
import { variableSpec, type VariableName } from '../runtime/environment';

/** Environment variable holding the 子商户号 that cloudPay is bound to (云开发控制台 → 微信支付). */
export const SUB_MCH_ID_ENV = 'PAY_SUB_MCH_ID' satisfies VariableName;

export class PayConfigError extends Error {}

export function subMchIdFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[SUB_MCH_ID_ENV]?.trim();
  if (!value) throw new PayConfigError(`环境变量 ${SUB_MCH_ID_ENV} 未设置：请在云开发控制台为 ${variableSpec(SUB_MCH_ID_ENV).functions.join('、')} 函数设置微信支付子商户号`);
  return value;
}

type Raw = Record<string, unknown>;
type CloudPayApi = (data: Raw) => Promise<Raw>;

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

export interface Failure {
  /** The business code when the transport kept it (the genuine SDK does not: see above). */
  code: string | null;
  description: string;
}

export type Unavailable = { kind: 'unavailable'; error: string };

export type UnifiedOrderResult =
  | { kind: 'ok'; prepayId: string; payment: Raw }
  | ({ kind: 'rejected' } & Failure)
  | Unavailable;

export interface QueriedOrder {
  kind: 'found';
  tradeState: TradeState;
  outTradeNo: string;
  subMchId: string;
  /** The order's amount as it was placed (what the order is checked against). */
  totalFee: number;
  /** What the payer paid in cash (less than totalFee when a coupon paid part of it). */
  cashFee: number | null;
  transactionId: string | null;
  paidAt: Date | null;
  openid: string | null;
}

export type QueryOrderResult = QueriedOrder | { kind: 'not-found'; description: string } | ({ kind: 'failed' } & Failure) | Unavailable;

export type CloseOrderResult = { kind: 'closed' } | ({ kind: 'refused' } & Failure) | Unavailable;

/**
 * `requestRefused`: returnCode FAIL — WeChat refused the request itself (parameters, or refunds
 * never authorised for cloud development), which the SDK still reports with errCode 0.
 */
export type RefundResult = { kind: 'accepted'; refundId: string | null } | ({ kind: 'rejected'; requestRefused: boolean } & Failure) | Unavailable;

export type RefundState = 'SUCCESS' | 'PROCESSING' | 'REFUNDCLOSE' | 'CHANGE';
export type QueryRefundResult =
  | { kind: 'found'; status: RefundState }
  /**
   * WeChat answered SUCCESS but without the refund's status: cloudPay's queryRefund can return
   * empty lists (outRefundNoList: [], refundStatusList: [] with refundCount 1) and no `_0` fields.
   * Nothing can be concluded; ask again later.
   */
  | { kind: 'unknown'; refundCount: number | null }
  | { kind: 'not-found' }
  | ({ kind: 'failed' } & Failure)
  | Unavailable;

export type DownloadBillResult = { kind: 'ok'; text: string } | { kind: 'none'; description: string } | Unavailable;

export interface RefundRequest {
  outTradeNo: string;
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  refundDesc: string;
}

export interface CloudPayPort {
  readonly subMchId: string;
  unifiedOrder(request: PrepayRequest, callback: { envId: string; functionName: string }): Promise<UnifiedOrderResult>;
  queryOrder(outTradeNo: string): Promise<QueryOrderResult>;
  closeOrder(outTradeNo: string): Promise<CloseOrderResult>;
  /** `callback`: where WeChat sends the refund result (cloudPay requires envId and functionName). */
  refund(request: RefundRequest, callback: { envId: string; functionName: string }): Promise<RefundResult>;
  queryRefund(outRefundNo: string): Promise<QueryRefundResult>;
  /** billDate yyyyMMdd; billType ALL | SUCCESS | REFUND. */
  downloadBill(billDate: string, billType?: 'ALL' | 'SUCCESS' | 'REFUND'): Promise<DownloadBillResult>;
}

const nonce = (): string => randomBytes(16).toString('hex');
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
const success = (value: unknown): boolean => value === 'SUCCESS';

function failureOf(res: Raw): Failure {
  const code = typeof res.errCode === 'string' ? res.errCode : typeof res.err_code === 'string' ? res.err_code : null;
  const description = text(res.errCodeDes) || text(res.returnMsg) || text(res.errMsg) || 'unknown';
  return { code, description };
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { errMsg?: unknown; message?: unknown; errCode?: unknown };
    return `${text(e.errCode)} ${text(e.errMsg) || text(e.message)}`.trim();
  }
  return String(error);
}

const TRADE_STATES: readonly TradeState[] = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'];
const REFUND_STATES: readonly RefundState[] = ['SUCCESS', 'PROCESSING', 'REFUNDCLOSE', 'CHANGE'];
const NOT_FOUND = /不存在|ORDERNOTEXIST|REFUNDNOTEXIST|not\s*exist/i;

/** The port over this function's initialised SDK. */
export function cloudPayOf(cloud: WxCloud, subMchId: string = subMchIdFromEnv()): CloudPayPort {
  const api = (name: string): CloudPayApi => {
    const pay = (cloud as unknown as { cloudPay: Record<string, CloudPayApi> }).cloudPay;
    return (data) => pay[name]!(data);
  };
  const call = async (name: string, data: Raw): Promise<Raw | Unavailable> => {
    try {
      return await api(name)(data);
    } catch (error) {
      return { kind: 'unavailable', error: errorText(error) };
    }
  };
  const isUnavailable = (res: Raw | Unavailable): res is Unavailable => (res as Unavailable).kind === 'unavailable';

  return {
    subMchId,

    async unifiedOrder(request, callback) {
      const res = await call('unifiedOrder', {
        body: request.body,
        outTradeNo: request.outTradeNo,
        totalFee: request.totalFee,
        spbillCreateIp: request.spbillCreateIp,
        subMchId,
        envId: callback.envId,
        functionName: callback.functionName,
        nonceStr: request.nonceStr,
        tradeType: 'JSAPI',
        timeExpire: request.timeExpire,
        openid: request.openid,
        attach: request.attach,
      });
      if (isUnavailable(res)) return res;
      if (!success(res.returnCode) || !success(res.resultCode)) return { kind: 'rejected', ...failureOf(res) };
      const payment = res.payment;
      if (!payment || typeof payment !== 'object') return { kind: 'rejected', code: null, description: 'unifiedOrder returned no payment' };
      return { kind: 'ok', prepayId: text(res.prepayId), payment: payment as Raw };
    },

    async queryOrder(outTradeNo) {
      const res = await call('queryOrder', { subMchId, outTradeNo, nonceStr: nonce() });
      if (isUnavailable(res)) return res;
      if (!success(res.returnCode)) return { kind: 'failed', ...failureOf(res) };
      if (!success(res.resultCode)) {
        const failure = failureOf(res);
        return NOT_FOUND.test(`${failure.code ?? ''} ${failure.description}`)
          ? { kind: 'not-found', description: failure.description }
          : { kind: 'failed', ...failure };
      }
      const tradeState = text(res.tradeState) as TradeState;
      if (!TRADE_STATES.includes(tradeState)) return { kind: 'failed', code: null, description: `unknown trade_state ${tradeState}` };
      return {
        kind: 'found',
        tradeState,
        outTradeNo: text(res.outTradeNo),
        subMchId: text(res.subMchId),
        totalFee: Number(res.totalFee),
        cashFee: res.cashFee === undefined || res.cashFee === null || res.cashFee === '' ? null : Number(res.cashFee),
        transactionId: text(res.transactionId) || null,
        paidAt: parseWxTime(res.timeEnd),
        openid: text(res.subOpenid) || text(res.openid) || null,
      };
    },

    async closeOrder(outTradeNo) {
      const res = await call('closeOrder', { subMchId, outTradeNo, nonceStr: nonce() });
      if (isUnavailable(res)) return res;
      if (success(res.returnCode) && success(res.resultCode)) return { kind: 'closed' };
      return { kind: 'refused', ...failureOf(res) };
    },

    async refund(request, callback) {
      const res = await call('refund', {
        subMchId,
        envId: callback.envId,
        functionName: callback.functionName,
        nonceStr: nonce(),
        outTradeNo: request.outTradeNo,
        outRefundNo: request.outRefundNo,
        totalFee: request.totalFee,
        refundFee: request.refundFee,
        refundDesc: request.refundDesc,
      });
      if (isUnavailable(res)) return res;
      if (success(res.returnCode) && success(res.resultCode)) return { kind: 'accepted', refundId: text(res.refundId) || null };
      return { kind: 'rejected', requestRefused: !success(res.returnCode), ...failureOf(res) };
    },

    async queryRefund(outRefundNo) {
      const res = await call('queryRefund', { subMchId, nonceStr: nonce(), outRefundNo });
      if (isUnavailable(res)) return res;
      if (!success(res.returnCode)) return { kind: 'failed', ...failureOf(res) };
      if (!success(res.resultCode)) {
        const failure = failureOf(res);
        return NOT_FOUND.test(`${failure.code ?? ''} ${failure.description}`) ? { kind: 'not-found' } : { kind: 'failed', ...failure };
      }
      return refundStateOf(res, outRefundNo);
    },

    async downloadBill(billDate, billType = 'ALL') {
      const res = await call('downloadBill', { subMchId, nonceStr: nonce(), billDate, billType });
      if (isUnavailable(res)) return res;
      if (typeof res.data === 'string') return { kind: 'ok', text: res.data };
      const failure = failureOf(res);
      return { kind: 'none', description: failure.description };
    },
  };
}

/**
 * The refund's status in a queryRefund answer. cloudPay answers with parallel lists
 * (outRefundNoList, refundStatusList…), the XML API's `_0` fields camel-cased (refundStatus0), or —
 * observed in production — empty lists with only refundCount: then the status is unknown.
 */
export function refundStateOf(res: Raw, outRefundNo: string): QueryRefundResult {
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);
  let numbers = list(res.outRefundNoList);
  let statuses = list(res.refundStatusList);
  if (statuses.length === 0) {
    const numbered = (prefix: string): string[] => {
      const out: string[] = [];
      for (let i = 0; i < 50; i += 1) {
        const value = text(res[`${prefix}${i}`]);
        if (value === '') break;
        out.push(value);
      }
      return out;
    };
    numbers = numbered('outRefundNo');
    statuses = numbered('refundStatus');
  }
  const refundCount = res.refundCount === undefined || res.refundCount === null || res.refundCount === '' ? null : Number(res.refundCount);
  if (statuses.length === 0) return { kind: 'unknown', refundCount };
  // With the numbers missing but one status, that status is this refund's (one refund per order here).
  const index = numbers.length === 0 && statuses.length === 1 ? 0 : numbers.indexOf(outRefundNo);
  if (index < 0) return { kind: 'unknown', refundCount };
  const status = (statuses[index] ?? '') as RefundState;
  return REFUND_STATES.includes(status) ? { kind: 'found', status } : { kind: 'unknown', refundCount };
}

/**
 * A refund result callback as cloudPay delivers it to the function named in `refund` (the 退款结果通知
 * with its encrypted req_info already opened, camel-cased). Told apart from a payment callback by
 * its refund fields; some deliveries nest them under `reqInfo`.
 */
export interface RefundCallbackEvent {
  returnCode?: string;
  appid?: string;
  mchId?: string;
  subAppid?: string;
  subMchId?: string;
  nonceStr?: string;
  transactionId?: string;
  outTradeNo?: string;
  refundId?: string;
  outRefundNo?: string;
  totalFee?: number;
  settlementTotalFee?: number;
  refundFee?: number;
  settlementRefundFee?: number;
  /** SUCCESS | CHANGE (退款异常) | REFUNDCLOSE (退款关闭). */
  refundStatus?: string;
  /** yyyy-MM-dd HH:mm:ss, Beijing time. */
  successTime?: string;
  refundRecvAccout?: string;
  refundAccount?: string;
  refundRequestSource?: string;
  reqInfo?: Record<string, unknown>;
}

/** True for a refund result callback (it carries refund fields), false for a payment callback. */
export function isRefundCallback(event: Record<string, unknown>): boolean {
  const info = typeof event.reqInfo === 'object' && event.reqInfo !== null ? (event.reqInfo as Record<string, unknown>) : {};
  return ['outRefundNo', 'refundStatus', 'refundId'].some((key) => typeof event[key] === 'string' || typeof info[key] === 'string') || typeof event.reqInfo === 'string';
}

/** The payment callback's event, as cloudPay delivers it to the callback function (camelCase). */
export interface PayCallbackEvent {
  returnCode?: string;
  resultCode?: string;
  appid?: string;
  mchId?: string;
  subAppid?: string;
  subMchId?: string;
  openid?: string;
  subOpenid?: string;
  tradeType?: string;
  bankType?: string;
  totalFee?: number;
  cashFee?: number;
  feeType?: string;
  transactionId?: string;
  outTradeNo?: string;
  timeEnd?: string;
  attach?: string;
  nonceStr?: string;
}
