/**
 * cloudPay sandbox: what WeChat Pay (through Cloud Development) answers to `cloud.cloudPay.*`, with
 * cloudPay's field names and rules, plus the two things a real payment needs from outside the
 * functions: the student paying (the pay sheet) and the payment callback.
 *
 * - APIs: unifiedOrder, queryOrder, closeOrder, refund, queryRefund, downloadBill. Each handler
 *   receives the snake_case request the genuine SDK sends and answers snake_case, with
 *   return_code / result_code / err_code / err_code_des as WeChat Pay v2 does. The SDK then does
 *   what it does in production, including overwriting err_code with `errCode: 0`.
 * - Rules: out_trade_no ≤ 32 characters and unique per merchant (the same parameters again return
 *   the same prepay; different ones are refused as 商户订单号重复); time_expire at least 5 minutes
 *   ahead; no payment after time_expire; closeOrder refused within 5 minutes of creation and
 *   answering ORDERPAID / ORDERCLOSED; queryOrder reports USERPAYING while the student is in the
 *   pay sheet, total_fee as the order's amount and cash_fee as what was charged; refunds need
 *   env_id / function_name, are at most the order's amount, idempotent per out_refund_no, PROCESSING
 *   first and settled a minute later (SUCCESS, or REFUNDCLOSE / CHANGE when a test says so), with a
 *   refund result callback; queryRefund answers a refund's first query with empty lists, as cloudPay
 *   has been seen to do; downloadBill for a day once it is over (after 09:00 the next day).
 * - Paying: `pay()` (in-process) or `POST /sandbox/pay` (the mini program's local transport, in
 *   place of wx.requestPayment) pays an order as its payer; `startPaying()` leaves it USERPAYING
 *   until the student finishes or gives up.
 * - Callbacks: delivered to the function named in unifiedOrder (payments) or refund (refund results)
 *   with SOURCE wx_paycallback, at least once: an answer other than `{ errcode: 0 }` (or a crash) is
 *   retried on WeChat's schedule (15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min…) by the local
 *   clock — `tick()` delivers what is due (the HTTP server's pump calls it every second). Tests can
 *   hold them, drop them, duplicate them, tamper with them or lose the function's answer.
 * - State is durable: a journal file in the local cloud's data folder, replayed on start.
 *
 * Everything runs on the local cloud's clock, so tests move time instead of sleeping.
 */
import { formatWxTime, parseWxTime as parseWxTimeAt, shanghaiDateTime } from '../../cloudfunctions/shared/domain/china-time';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';
import { decodeOpenApiRequest, openApiJson } from './openapi';

/** The 子商户号 the sandbox's cloudPay is bound to (PAY_SUB_MCH_ID defaults to it locally). */
export const SANDBOX_SUB_MCH_ID = '1900000109';
/** The service provider's merchant id (微信支付 itself, for cloudPay). */
export const SANDBOX_MCH_ID = '1800000001';
/** Template id of the 缴费成功 subscribe message in the local cloud. */
export const SANDBOX_PAY_SUCCESS_TEMPLATE_ID = 'local-pay-success-template';

/** Environment defaults the pay functions read, as the console would set them. */
export const LOCAL_PAY_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  PAY_SUB_MCH_ID: SANDBOX_SUB_MCH_ID,
  PAY_SUCCESS_TEMPLATE_ID: SANDBOX_PAY_SUCCESS_TEMPLATE_ID,
};

const MINUTE = 60_000;
const CLOSE_MIN_AGE_MS = 5 * MINUTE;
const MIN_EXPIRE_AHEAD_MS = 5 * MINUTE;
const DEFAULT_EXPIRE_MS = 2 * 60 * MINUTE;
/** WeChat's redelivery schedule for a callback that was not answered `{ errcode: 0 }` (after each failed attempt). */
export const CALLBACK_RETRY_SCHEDULE_MS: readonly number[] = [
  15_000,
  15_000,
  30_000,
  3 * MINUTE,
  10 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  30 * MINUTE,
  30 * MINUTE,
  60 * MINUTE,
  3 * 60 * MINUTE,
  3 * 60 * MINUTE,
  3 * 60 * MINUTE,
  6 * 60 * MINUTE,
  6 * 60 * MINUTE,
];
/** How long (local clock) a refund stays PROCESSING before WeChat settles it. */
export const REFUND_PROCESSING_MS = MINUTE;

export type CloudPayApiName = 'unifiedOrder' | 'queryOrder' | 'closeOrder' | 'refund' | 'queryRefund' | 'downloadBill';

/**
 * timeout: the call fails before WeChat does anything; timeout-after: WeChat does it, the answer
 * is lost; system-error: WeChat answers result_code FAIL / SYSTEMERROR.
 */
export type CloudPayFault = 'timeout' | 'timeout-after' | 'system-error';

export type SandboxTradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'USERPAYING';

export type SandboxRefundStatus = 'SUCCESS' | 'PROCESSING' | 'REFUNDCLOSE' | 'CHANGE';

export interface SandboxRefund {
  outRefundNo: string;
  refundId: string;
  refundFee: number;
  totalFee: number;
  status: SandboxRefundStatus;
  /** What the refund becomes once it settles. */
  outcome: Exclude<SandboxRefundStatus, 'PROCESSING'>;
  createdAtMs: number;
  settlesAtMs: number;
  successAtMs: number | null;
  /** Where the refund result goes (refund's env_id / function_name). */
  envId: string;
  functionName: string;
  /** queryRefund answers still to come with empty lists. */
  emptyAnswersLeft: number;
}

export interface SandboxOrder {
  outTradeNo: string;
  subMchId: string;
  body: string;
  totalFee: number;
  nonceStr: string;
  timeExpire: string | null;
  openid: string | null;
  attach: string;
  envId: string;
  functionName: string;
  tradeType: string;
  prepayId: string;
  createdAtMs: number;
  expiresAtMs: number;
  state: SandboxTradeState;
  transactionId: string | null;
  paidAtMs: number | null;
  /** What was actually charged (differs from totalFee only when a test says so). */
  paidFee: number | null;
  payerOpenid: string | null;
  closedAtMs: number | null;
  refunds: SandboxRefund[];
  /** How often queryOrder was asked about it (inspection only). */
  queried?: number;
}

export type CallbackEvent = Record<string, unknown>;

export interface DeliveryRecord {
  kind: 'payment' | 'refund';
  outTradeNo: string | null;
  event: CallbackEvent;
  /** What the callback function answered (null when it crashed or the answer was lost). */
  answer: unknown;
  /** WeChat considers it delivered (the answer was `{ errcode: 0 }` and reached it). */
  ok: boolean;
  error?: string;
  attempt: number;
}

interface QueuedCallback {
  kind: 'payment' | 'refund';
  functionName: string;
  event: CallbackEvent;
  attempt: number;
  /** When WeChat (re)delivers it, by the local clock; null while a test holds it. */
  dueAtMs: number | null;
}

/** A student inside the pay sheet (queryOrder says USERPAYING) until they finish or give up. */
export interface PayingHandle {
  readonly outTradeNo: string;
  /** The password is right: WeChat takes the money (and sends the callback). */
  finish(): Promise<{ outTradeNo: string; transactionId: string }>;
  /** The student closes the sheet: the order is NOTPAY again. */
  abandon(): void;
}

/** A test's hold on the next call of an API: it waits (before WeChat does anything) until released. */
export interface HeldCall {
  /** Resolves when the held call has arrived. */
  readonly reached: Promise<void>;
  release(): void;
}

export interface PayOptions {
  /** The WeChat user paying; must be the order's payer (the pay sheet only opens for them). */
  openid?: string | null;
  /** Charge this instead of the order's amount (a mismatch test). */
  chargedFee?: number;
}

/** The test controls of the sandbox. */
export interface CloudPaySandbox {
  readonly subMchId: string;
  /** Pays an order (by out_trade_no, prepay_id or the `package` string) as the pay sheet would. */
  pay(ref: string, options?: PayOptions): Promise<{ outTradeNo: string; transactionId: string }>;
  /** The student opens the pay sheet and is entering the password: USERPAYING until finish / abandon. */
  startPaying(ref: string, options?: PayOptions): PayingHandle;
  /** The next `times` calls of `api` fail this way. */
  failNext(api: CloudPayApiName, fault: CloudPayFault, times?: number): void;
  /** The next call of `api` waits until the test releases it (to interleave a concurrent request). */
  holdNext(api: CloudPayApiName): HeldCall;
  /**
   * WeChat's record of an order changes (another system on the same merchant reusing the order
   * number, a data error): its queries then disagree with the order here.
   */
  alterOrder(outTradeNo: string, patch: Partial<Pick<SandboxOrder, 'totalFee' | 'subMchId'>>): void;
  /** The next refunds settle this way instead of SUCCESS (REFUNDCLOSE: 退款关闭; CHANGE: 退款异常). */
  settleNextRefundsAs(outcome: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE', times?: number): void;
  /** The next `n` queryRefund answers come with empty lists (besides each refund's first). */
  emptyRefundListsNext(n?: number): void;
  /**
   * What WeChat does as the local clock moves: settles refunds that are due and delivers callbacks
   * (payments' retries, refund results) whose time has come. Returns those deliveries.
   */
  tick(): Promise<DeliveryRecord[]>;
  /** 'auto' delivers callbacks as soon as they happen; 'hold' queues them until `releaseCallbacks`. */
  setCallbackMode(mode: 'auto' | 'hold'): void;
  /** In 'auto' mode, callbacks arrive this long after the payment (real time; for demos, not tests). */
  setCallbackDelay(ms: number): void;
  readonly callbackDelayMs: number;
  /** The next `n` callbacks are lost for good (WeChat gave up, or never sent). */
  dropNextCallbacks(n?: number): void;
  /** The next payment's callback arrives `1 + extra` times. */
  duplicateNextCallbacks(extra?: number): void;
  /** Fields of the next callback event are replaced (wrong amount, other merchant…). */
  tamperNextCallback(patch: CallbackEvent): void;
  /** The callback function runs but WeChat never hears its answer `n` times (so it redelivers). */
  loseNextAnswers(n?: number): void;
  /** Callbacks waiting (held, or failed and waiting for a retry at `dueAtMs`). */
  pendingCallbacks(): { kind: 'payment' | 'refund'; outTradeNo: string | null; attempt: number; dueAtMs: number | null }[];
  /** Callbacks WeChat stopped redelivering (the schedule ran out). */
  readonly abandonedCallbacks: readonly DeliveryRecord[];
  /** Delivers every waiting callback (of one order, if given) once, held or failed; returns what happened. */
  releaseCallbacks(outTradeNo?: string): Promise<DeliveryRecord[]>;
  /** Waits until every callback already under way has been delivered (or given up on). */
  settle(): Promise<void>;
  /** Delivers any event to the callback function as WeChat would (SOURCE wx_paycallback). */
  sendCallback(event: CallbackEvent, functionName?: string): Promise<unknown>;
  /** The callback event WeChat would send for a paid order. */
  callbackEventFor(outTradeNo: string): CallbackEvent;
  /** The refund result callback WeChat would send for a refund. */
  refundEventFor(outRefundNo: string): CallbackEvent;
  readonly deliveries: readonly DeliveryRecord[];
  order(outTradeNo: string): SandboxOrder | null;
  orders(): SandboxOrder[];
  /** How many API calls of each kind the functions made. */
  readonly calls: Readonly<Record<CloudPayApiName, number>>;
  /** Forgets every fault and callback setting (not the orders). */
  resetControls(): void;
  /** 订阅消息 sent through subscribeMessage.send (the 缴费成功 message), oldest first. */
  subscribeMessages(): SentSubscribeMessage[];
}

export interface SentSubscribeMessage {
  touser: string;
  templateId: string;
  page: string | null;
  data: Record<string, { value: string }>;
  sentAtMs: number;
}

const sandboxes = new WeakMap<LocalCloud, CloudPaySandbox>();

/** The cloudPay sandbox installed on a cloud (tests in-process use it; the server exposes some of it over HTTP). */
export function cloudPaySandboxOf(cloud: LocalCloud): CloudPaySandbox {
  const sandbox = sandboxes.get(cloud);
  if (!sandbox) throw new Error('the cloudPay sandbox is not installed on this local cloud');
  return sandbox;
}

// ---- formats --------------------------------------------------------------------------------

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// WeChat Pay's own time formats, both Beijing time, from the shared China-time helpers.
const wxTime = (ms: number): string => formatWxTime(new Date(ms));
const statementTime = (ms: number): string => shanghaiDateTime(new Date(ms));
const parseWxTime = (text: string): number | null => parseWxTimeAt(text)?.getTime() ?? null;

const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${pad(fen % 100)}`;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const digits = (n: number): string => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*@]{1,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

type Answer = Record<string, unknown>;

const fail = (message: string): Answer => ({ return_code: 'FAIL', return_msg: message });

/** Errors the SDK sees when the transport fails (it wraps them as CloudSDKError). */
function transportTimeout(api: string): Error & { errCode: number; errMsg: string } {
  const error = new Error(`cloudPay.${api}:fail ESOCKETTIMEDOUT`) as Error & { errCode: number; errMsg: string };
  error.errCode = -501001;
  error.errMsg = `cloudPay.${api}:fail ESOCKETTIMEDOUT (local sandbox fault)`;
  return error;
}

// ---- the sandbox ----------------------------------------------------------------------------

class Sandbox implements CloudPaySandbox {
  readonly subMchId = SANDBOX_SUB_MCH_ID;
  readonly deliveries: DeliveryRecord[] = [];
  readonly sentMessages: SentSubscribeMessage[] = [];
  readonly calls: Record<CloudPayApiName, number> = {
    unifiedOrder: 0,
    queryOrder: 0,
    closeOrder: 0,
    refund: 0,
    queryRefund: 0,
    downloadBill: 0,
  };

  private readonly byTradeNo = new Map<string, SandboxOrder>();
  private readonly byPrepayId = new Map<string, string>();
  private faults = new Map<CloudPayApiName, CloudPayFault[]>();
  private mode: 'auto' | 'hold' = 'auto';
  private delayMs = 0;
  private dropCount = 0;
  private duplicateExtra = 0;
  private tamperPatch: CallbackEvent | null = null;
  private loseAnswers = 0;
  private queue: QueuedCallback[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private holds = new Map<CloudPayApiName, { arrived: () => void; released: Promise<void> }[]>();
  private refundOutcomes: Exclude<SandboxRefundStatus, 'PROCESSING'>[] = [];
  private emptyRefundLists = 0;
  readonly abandonedCallbacks: DeliveryRecord[] = [];

  constructor(
    private readonly cloud: LocalCloud,
    private readonly journalFile: string,
  ) {
    this.replay();
  }

  // ---- durability ----

  private replay(): void {
    if (!existsSync(this.journalFile)) return;
    for (const line of readFileSync(this.journalFile, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const order = JSON.parse(line) as SandboxOrder;
        this.byTradeNo.set(order.outTradeNo, order);
        this.byPrepayId.set(order.prepayId, order.outTradeNo);
      } catch {
        // A torn last line (the process died mid-write): the previous state of that order stands.
      }
    }
  }

  private save(order: SandboxOrder): void {
    appendFileSync(this.journalFile, `${JSON.stringify(order)}\n`);
  }

  private now(): number {
    return this.cloud.clock.nowMs();
  }

  // ---- faults ----

  failNext(api: CloudPayApiName, fault: CloudPayFault, times = 1): void {
    const list = this.faults.get(api) ?? [];
    for (let i = 0; i < times; i += 1) list.push(fault);
    this.faults.set(api, list);
  }

  private takeFault(api: CloudPayApiName): CloudPayFault | null {
    return this.faults.get(api)?.shift() ?? null;
  }

  holdNext(api: CloudPayApiName): HeldCall {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const list = this.holds.get(api) ?? [];
    list.push({ arrived, released });
    this.holds.set(api, list);
    return { reached, release };
  }

  alterOrder(outTradeNo: string, patch: Partial<Pick<SandboxOrder, 'totalFee' | 'subMchId'>>): void {
    const order = this.byTradeNo.get(outTradeNo);
    if (!order) throw new Error(`no sandbox order ${outTradeNo}`);
    Object.assign(order, patch);
    this.save(order);
  }

  settleNextRefundsAs(outcome: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE', times = 1): void {
    for (let i = 0; i < times; i += 1) this.refundOutcomes.push(outcome);
  }

  emptyRefundListsNext(n = 1): void {
    this.emptyRefundLists += n;
  }

  /** Runs one API call with its fault, if a test set one. */
  async handle(api: CloudPayApiName, request: Record<string, unknown>, run: (request: Record<string, unknown>) => Answer | Buffer): Promise<Answer | Buffer> {
    this.calls[api] += 1;
    const hold = this.holds.get(api)?.shift();
    if (hold) {
      hold.arrived();
      await hold.released;
    }
    this.settleDueRefunds();
    const fault = this.takeFault(api);
    if (fault === 'timeout') throw transportTimeout(api);
    if (fault === 'system-error') {
      return { return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统超时，请稍后再试' };
    }
    const answer = run(request);
    if (fault === 'timeout-after') throw transportTimeout(api);
    return answer;
  }

  private merchantCheck(request: Record<string, unknown>): Answer | null {
    if (str(request.sub_mch_id) === '') return fail('sub_mch_id 参数缺失');
    if (str(request.sub_mch_id) !== this.subMchId) return fail('sub_mch_id与sub_appid不匹配');
    if (str(request.nonce_str) === '' || str(request.nonce_str).length > 32) return fail('nonce_str 参数格式错误');
    return null;
  }

  private base(order: SandboxOrder | null): Answer {
    return {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: this.cloud.appid,
      mch_id: SANDBOX_MCH_ID,
      sub_appid: this.cloud.appid,
      sub_mch_id: order?.subMchId ?? this.subMchId,
      nonce_str: hex(8),
      sign: hex(16).toUpperCase(),
    };
  }

  private business(code: string, description: string): Answer {
    return { ...this.base(null), result_code: 'FAIL', err_code: code, err_code_des: description };
  }

  // ---- APIs ----

  unifiedOrder(request: Record<string, unknown>): Answer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    const outTradeNo = str(request.out_trade_no);
    const body = str(request.body);
    const totalFee = request.total_fee;
    const tradeType = str(request.trade_type) || 'JSAPI';
    const openid = str(request.openid) || str(request.sub_openid) || null;
    const missing = ['body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'env_id', 'function_name'].filter(
      (field) => request[field] === undefined || request[field] === '',
    );
    if (missing.length > 0) return fail(`缺少参数 ${missing.join(', ')}`);
    if (!OUT_TRADE_NO.test(outTradeNo)) return fail('out_trade_no 参数格式错误');
    if (Array.from(body).length > 128) return fail('body 参数长度有误');
    if (typeof totalFee !== 'number' || !Number.isSafeInteger(totalFee) || totalFee <= 0) return fail('total_fee 参数格式错误');
    if (tradeType === 'JSAPI' && !openid) return this.business('PARAM_ERROR', 'JSAPI支付必须传openid');
    const nowMs = this.now();
    const timeExpire = str(request.time_expire) || null;
    let expiresAtMs = nowMs + DEFAULT_EXPIRE_MS;
    if (timeExpire) {
      const parsed = parseWxTime(timeExpire);
      if (parsed === null) return this.business('PARAM_ERROR', 'time_expire 格式错误');
      if (parsed - nowMs < MIN_EXPIRE_AHEAD_MS) return this.business('PARAM_ERROR', 'time_expire时间过短，刷卡至少1分钟，其他5分钟');
      expiresAtMs = parsed;
    }
    const existing = this.byTradeNo.get(outTradeNo);
    if (existing) {
      if (existing.state === 'SUCCESS' || existing.state === 'REFUND') return this.business('ORDERPAID', '该订单已支付');
      if (existing.state === 'CLOSED') return this.business('ORDERCLOSED', '该订单已关');
      const same =
        existing.body === body &&
        existing.totalFee === totalFee &&
        existing.timeExpire === timeExpire &&
        existing.openid === openid &&
        existing.attach === str(request.attach);
      if (!same) return this.business('INVALID_REQUEST', '201 商户订单号重复');
      return this.prepayAnswer(existing);
    }
    const order: SandboxOrder = {
      outTradeNo,
      subMchId: this.subMchId,
      body,
      totalFee,
      nonceStr: str(request.nonce_str),
      timeExpire,
      openid,
      attach: str(request.attach),
      envId: str(request.env_id),
      functionName: str(request.function_name),
      tradeType,
      prepayId: `wx${wxTime(nowMs)}${hex(11)}`,
      createdAtMs: nowMs,
      expiresAtMs,
      state: 'NOTPAY',
      transactionId: null,
      paidAtMs: null,
      paidFee: null,
      payerOpenid: null,
      closedAtMs: null,
      refunds: [],
    };
    this.byTradeNo.set(outTradeNo, order);
    this.byPrepayId.set(order.prepayId, outTradeNo);
    this.save(order);
    return this.prepayAnswer(order);
  }

  private prepayAnswer(order: SandboxOrder): Answer {
    const timeStamp = String(Math.floor(this.now() / 1000));
    const nonceStr = hex(16);
    const pkg = `prepay_id=${order.prepayId}`;
    const paySign = createHash('md5').update(`${this.cloud.appid}${timeStamp}${nonceStr}${pkg}`).digest('hex').toUpperCase();
    return {
      ...this.base(order),
      result_code: 'SUCCESS',
      trade_type: order.tradeType,
      prepay_id: order.prepayId,
      payment: { app_id: this.cloud.appid, time_stamp: timeStamp, nonce_str: nonceStr, package: pkg, sign_type: 'MD5', pay_sign: paySign },
    };
  }

  private findOrder(request: Record<string, unknown>): SandboxOrder | null {
    const outTradeNo = str(request.out_trade_no);
    if (outTradeNo) return this.byTradeNo.get(outTradeNo) ?? null;
    const transactionId = str(request.transaction_id);
    if (transactionId) return [...this.byTradeNo.values()].find((order) => order.transactionId === transactionId) ?? null;
    return null;
  }

  queryOrder(request: Record<string, unknown>): Answer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    if (!str(request.out_trade_no) && !str(request.transaction_id)) return fail('out_trade_no 与 transaction_id 至少填一个');
    const order = this.findOrder(request);
    if (!order) return this.business('ORDERNOTEXIST', '此交易订单号不存在');
    order.queried = (order.queried ?? 0) + 1;
    const answer: Answer = {
      ...this.base(order),
      result_code: 'SUCCESS',
      out_trade_no: order.outTradeNo,
      trade_state: order.state,
      trade_state_desc: TRADE_STATE_DESC[order.state],
      total_fee: order.totalFee,
      fee_type: 'CNY',
      trade_type: order.tradeType,
      openid: order.payerOpenid ?? order.openid ?? '',
      attach: order.attach,
    };
    if (order.state === 'SUCCESS' || order.state === 'REFUND') {
      // total_fee stays the order's amount; cash_fee is what the payer was charged in cash.
      Object.assign(answer, {
        transaction_id: order.transactionId,
        cash_fee: order.paidFee ?? order.totalFee,
        bank_type: 'OTHERS',
        time_end: wxTime(order.paidAtMs ?? order.createdAtMs),
        is_subscribe: 'N',
      });
    }
    return answer;
  }

  closeOrder(request: Record<string, unknown>): Answer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    const order = this.findOrder(request);
    if (!order) return this.business('ORDERNOTEXIST', '此交易订单号不存在');
    if (order.state === 'SUCCESS' || order.state === 'REFUND') return this.business('ORDERPAID', '订单已支付，不能发起关单');
    if (order.state === 'CLOSED') return this.business('ORDERCLOSED', '订单已关闭，无法重复关闭');
    if (this.now() - order.createdAtMs < CLOSE_MIN_AGE_MS) {
      return this.business('INVALID_REQUEST', '订单生成后不能马上调用关单接口，最短调用时间间隔为5分钟');
    }
    order.state = 'CLOSED';
    order.closedAtMs = this.now();
    this.save(order);
    return { ...this.base(order), result_code: 'SUCCESS', result_msg: 'OK' };
  }

  refund(request: Record<string, unknown>): Answer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    // cloudPay.refund: env_id and function_name are required (the result is sent to that function).
    const missing = ['env_id', 'function_name'].filter((field) => str(request[field]) === '');
    if (missing.length > 0) return fail(`缺少参数 ${missing.join(', ')}`);
    const outRefundNo = str(request.out_refund_no);
    if (!OUT_REFUND_NO.test(outRefundNo)) return fail('out_refund_no 参数格式错误');
    const totalFee = request.total_fee;
    const refundFee = request.refund_fee;
    if (typeof totalFee !== 'number' || typeof refundFee !== 'number' || !Number.isSafeInteger(refundFee) || refundFee <= 0) {
      return fail('total_fee / refund_fee 参数格式错误');
    }
    const order = this.findOrder(request);
    if (!order) return this.business('ORDERNOTEXIST', '订单号不存在');
    if (order.state !== 'SUCCESS' && order.state !== 'REFUND') return this.business('TRADE_STATE_ERROR', '订单状态错误');
    const paid = order.totalFee;
    if (totalFee !== paid) return this.business('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
    const existing = order.refunds.find((refund) => refund.outRefundNo === outRefundNo);
    if (existing) {
      if (existing.refundFee !== refundFee) return this.business('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
      return this.refundAnswer(order, existing);
    }
    const refunded = order.refunds.reduce((sum, refund) => sum + refund.refundFee, 0);
    if (refunded + refundFee > paid) return this.business('ERROR', '申请退款金额超过订单可退金额');
    const nowMs = this.now();
    const refund: SandboxRefund = {
      outRefundNo,
      refundId: `50${digits(26)}`,
      refundFee,
      totalFee: paid,
      status: 'PROCESSING',
      outcome: this.refundOutcomes.shift() ?? 'SUCCESS',
      createdAtMs: nowMs,
      settlesAtMs: nowMs + REFUND_PROCESSING_MS,
      successAtMs: null,
      envId: str(request.env_id),
      functionName: str(request.function_name),
      emptyAnswersLeft: 1,
    };
    order.refunds.push(refund);
    order.state = 'REFUND';
    this.save(order);
    return this.refundAnswer(order, refund);
  }

  private refundAnswer(order: SandboxOrder, refund: SandboxRefund): Answer {
    return {
      ...this.base(order),
      result_code: 'SUCCESS',
      transaction_id: order.transactionId,
      out_trade_no: order.outTradeNo,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      refund_fee: refund.refundFee,
      total_fee: order.totalFee,
      cash_fee: order.paidFee ?? order.totalFee,
    };
  }

  /** Refunds whose time has come settle (SUCCESS, or the outcome a test chose) and their result is sent. */
  private settleDueRefunds(): void {
    const nowMs = this.now();
    for (const order of this.byTradeNo.values()) {
      let changed = false;
      for (const refund of order.refunds) {
        if (refund.status !== 'PROCESSING' || nowMs < (refund.settlesAtMs ?? 0)) continue;
        refund.status = refund.outcome ?? 'SUCCESS';
        if (refund.status === 'SUCCESS') refund.successAtMs = nowMs;
        changed = true;
        if (refund.functionName) {
          this.enqueue({ kind: 'refund', functionName: refund.functionName, event: this.refundEvent(order, refund), attempt: 0, dueAtMs: nowMs });
        }
      }
      if (changed) this.save(order);
    }
  }

  /** The fields every WeChat Pay notification (payment or refund) starts with. */
  private notificationHeader(order: SandboxOrder): CallbackEvent {
    return {
      returnCode: 'SUCCESS',
      appid: this.cloud.appid,
      mchId: SANDBOX_MCH_ID,
      subAppid: this.cloud.appid,
      subMchId: order.subMchId,
      nonceStr: hex(8),
    };
  }

  private refundEvent(order: SandboxOrder, refund: SandboxRefund): CallbackEvent {
    // 退款结果通知 with its req_info opened, camel-cased, as cloudPay hands it to the function.
    return {
      ...this.notificationHeader(order),
      transactionId: order.transactionId ?? '',
      outTradeNo: order.outTradeNo,
      refundId: refund.refundId,
      outRefundNo: refund.outRefundNo,
      totalFee: order.totalFee,
      settlementTotalFee: order.totalFee,
      refundFee: refund.refundFee,
      settlementRefundFee: refund.refundFee,
      refundStatus: refund.status,
      ...(refund.successAtMs ? { successTime: statementTime(refund.successAtMs) } : {}),
      refundRecvAccout: '支付用户零钱',
      refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
      refundRequestSource: 'API',
    };
  }

  refundEventFor(outRefundNo: string): CallbackEvent {
    const order = [...this.byTradeNo.values()].find((o) => o.refunds.some((r) => r.outRefundNo === outRefundNo));
    const refund = order?.refunds.find((r) => r.outRefundNo === outRefundNo);
    if (!order || !refund) throw new Error(`no sandbox refund ${outRefundNo}`);
    return this.refundEvent(order, refund);
  }

  queryRefund(request: Record<string, unknown>): Answer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    const outRefundNo = str(request.out_refund_no);
    let order: SandboxOrder | null = null;
    if (outRefundNo) order = [...this.byTradeNo.values()].find((o) => o.refunds.some((r) => r.outRefundNo === outRefundNo)) ?? null;
    else order = this.findOrder(request);
    if (!order || order.refunds.length === 0) return this.business('REFUNDNOTEXIST', '退款订单查询失败');
    const refunds = outRefundNo ? order.refunds.filter((r) => r.outRefundNo === outRefundNo) : order.refunds;
    // As cloudPay has been seen to answer: SUCCESS with refund_count, every list empty.
    const emptyAnswer = refunds.some((r) => r.emptyAnswersLeft > 0) || this.emptyRefundLists > 0;
    if (emptyAnswer) {
      if (this.emptyRefundLists > 0) this.emptyRefundLists -= 1;
      for (const r of refunds) if (r.emptyAnswersLeft > 0) r.emptyAnswersLeft -= 1;
      this.save(order);
    }
    const listed = emptyAnswer ? [] : refunds;
    return {
      ...this.base(order),
      result_code: 'SUCCESS',
      transaction_id: order.transactionId,
      out_trade_no: order.outTradeNo,
      total_fee: order.totalFee,
      cash_fee: order.paidFee ?? order.totalFee,
      refund_count: refunds.length,
      out_refund_no_list: listed.map((r) => r.outRefundNo),
      refund_id_list: listed.map((r) => r.refundId),
      refund_fee_list: listed.map((r) => r.refundFee),
      refund_status_list: listed.map((r) => r.status),
      refund_success_time_list: listed.map((r) => (r.successAtMs ? statementTime(r.successAtMs) : '')),
    };
  }

  /** WeChat Pay's statement (对账单) for one Beijing day, in its CSV layout; a Buffer, as the API returns a file. */
  downloadBill(request: Record<string, unknown>): Answer | Buffer {
    const merchant = this.merchantCheck(request);
    if (merchant) return merchant;
    this.settleDueRefunds();
    const billDate = str(request.bill_date);
    const billType = str(request.bill_type) || 'ALL';
    const dayStart = parseWxTime(`${billDate}000000`);
    if (dayStart === null) return this.business('PARAM_ERROR', 'bill_date 格式错误');
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(billType)) return this.business('PARAM_ERROR', 'bill_type 参数错误');
    const dayEnd = dayStart + 24 * 60 * MINUTE;
    // Statements are generated from 09:00 the next day.
    if (this.now() < dayEnd + 9 * 60 * MINUTE) return this.business('20002', 'No Bill Exist');
    const rows: string[] = [];
    let paidCount = 0;
    let paidSum = 0;
    let refundSum = 0;
    for (const order of this.byTradeNo.values()) {
      if (order.paidAtMs !== null && order.paidAtMs >= dayStart && order.paidAtMs < dayEnd && billType !== 'REFUND') {
        const fee = order.paidFee ?? order.totalFee;
        paidCount += 1;
        paidSum += fee;
        rows.push(
          statementRow({
            time: order.paidAtMs,
            appid: this.cloud.appid,
            order,
            state: 'SUCCESS',
            settle: fee,
            refund: null,
          }),
        );
      }
      for (const refund of order.refunds) {
        if (refund.createdAtMs >= dayStart && refund.createdAtMs < dayEnd && billType !== 'SUCCESS') {
          refundSum += refund.refundFee;
          rows.push(statementRow({ time: refund.createdAtMs, appid: this.cloud.appid, order, state: 'REFUND', settle: 0, refund }));
        }
      }
    }
    if (rows.length === 0) return this.business('20002', 'No Bill Exist');
    const lines = [
      STATEMENT_HEADER,
      ...rows,
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      ['`' + paidCount, yuan(paidSum), yuan(refundSum), '0.00', '0.00', yuan(paidSum), yuan(refundSum)].map((v, i) => (i === 0 ? v : '`' + v)).join(','),
    ];
    return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  }

  // ---- paying ----

  async pay(ref: string, options: PayOptions = {}): Promise<{ outTradeNo: string; transactionId: string }> {
    return this.startPaying(ref, options).finish();
  }

  startPaying(ref: string, options: PayOptions = {}): PayingHandle {
    const tradeNo = ref.startsWith('prepay_id=') ? this.byPrepayId.get(ref.slice('prepay_id='.length)) : this.byPrepayId.get(ref) ?? ref;
    const order = tradeNo ? this.byTradeNo.get(tradeNo) : undefined;
    if (!order) throw new HttpError(404, 'ORDER_NOT_FOUND', '支付订单不存在');
    if (options.openid !== undefined && options.openid !== null && order.openid && options.openid !== order.openid) {
      throw new HttpError(403, 'PAYER_MISMATCH', '支付验证失败：付款微信号与下单用户不一致');
    }
    if (order.state === 'SUCCESS' || order.state === 'REFUND') throw new HttpError(409, 'ORDERPAID', '该订单已支付');
    if (order.state === 'CLOSED') throw new HttpError(409, 'ORDERCLOSED', '该订单已关闭');
    if (order.state === 'USERPAYING') throw new HttpError(409, 'USERPAYING', '用户支付中');
    if (this.now() >= order.expiresAtMs) throw new HttpError(409, 'ORDER_EXPIRED', '订单已过期，请重新下单');
    order.state = 'USERPAYING';
    this.save(order);
    return {
      outTradeNo: order.outTradeNo,
      // A payment started before time_expire completes even if the password comes a little later.
      finish: async () => {
        if (order.state === 'CLOSED') throw new HttpError(409, 'ORDERCLOSED', '该订单已关闭');
        if (order.state !== 'USERPAYING') throw new HttpError(409, 'ORDERPAID', '该订单已支付');
        order.state = 'SUCCESS';
        order.transactionId = `4200${digits(24)}`;
        order.paidAtMs = this.now();
        order.paidFee = options.chargedFee ?? order.totalFee;
        order.payerOpenid = options.openid ?? order.openid;
        this.save(order);
        this.scheduleCallback(order);
        return { outTradeNo: order.outTradeNo, transactionId: order.transactionId };
      },
      abandon: () => {
        if (order.state !== 'USERPAYING') return;
        order.state = 'NOTPAY';
        this.save(order);
      },
    };
  }

  callbackEventFor(outTradeNo: string): CallbackEvent {
    const order = this.byTradeNo.get(outTradeNo);
    if (!order || !order.transactionId) throw new Error(`order ${outTradeNo} is not paid in the sandbox`);
    return {
      ...this.notificationHeader(order),
      resultCode: 'SUCCESS',
      openid: order.payerOpenid ?? '',
      isSubscribe: 'N',
      subOpenid: order.payerOpenid ?? '',
      subIsSubscribe: 'N',
      tradeType: order.tradeType,
      bankType: 'OTHERS',
      totalFee: order.totalFee,
      feeType: 'CNY',
      cashFee: order.paidFee ?? order.totalFee,
      transactionId: order.transactionId,
      outTradeNo: order.outTradeNo,
      attach: order.attach,
      timeEnd: wxTime(order.paidAtMs ?? this.now()),
    };
  }

  // ---- callbacks ----

  setCallbackMode(mode: 'auto' | 'hold'): void {
    this.mode = mode;
  }

  get callbackDelayMs(): number {
    return this.delayMs;
  }

  setCallbackDelay(ms: number): void {
    this.delayMs = Math.max(0, Math.min(ms, 10 * MINUTE));
  }

  dropNextCallbacks(n = 1): void {
    this.dropCount += n;
  }

  duplicateNextCallbacks(extra = 1): void {
    this.duplicateExtra += extra;
  }

  tamperNextCallback(patch: CallbackEvent): void {
    this.tamperPatch = { ...patch };
  }

  loseNextAnswers(n = 1): void {
    this.loseAnswers += n;
  }

  private scheduleCallback(order: SandboxOrder): void {
    if (this.dropCount > 0) {
      this.dropCount -= 1;
      return;
    }
    let event = this.callbackEventFor(order.outTradeNo);
    if (this.tamperPatch) {
      event = { ...event, ...this.tamperPatch };
      this.tamperPatch = null;
    }
    const copies = 1 + this.duplicateExtra;
    this.duplicateExtra = 0;
    for (let i = 0; i < copies; i += 1) {
      const item: QueuedCallback = { kind: 'payment', functionName: order.functionName, event: { ...event }, attempt: 0, dueAtMs: this.now() };
      if (this.mode === 'hold') this.queue.push({ ...item, dueAtMs: null });
      else if (this.delayMs > 0) {
        const delay = this.delayMs;
        this.track(new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() => this.attempt(item)));
      } else this.track(this.attempt(item));
    }
  }

  /** A callback WeChat is about to send: held for a test, or queued for the next tick. */
  private enqueue(item: QueuedCallback): void {
    this.queue.push(this.mode === 'hold' ? { ...item, dueAtMs: null } : item);
  }

  private track(work: Promise<unknown>): void {
    const done = work.then(() => undefined);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** One delivery; a failure is queued for WeChat's next retry (or given up once the schedule runs out). */
  private async attempt(item: QueuedCallback): Promise<DeliveryRecord> {
    const record = await this.deliver(item);
    if (!record.ok) {
      const wait = CALLBACK_RETRY_SCHEDULE_MS[item.attempt - 1];
      if (wait === undefined) this.abandonedCallbacks.push(record);
      else this.queue.push({ ...item, dueAtMs: this.now() + wait });
    }
    return record;
  }

  /** One delivery attempt, as WeChat makes it. */
  private async deliver(item: QueuedCallback): Promise<DeliveryRecord> {
    item.attempt += 1;
    const outTradeNo = typeof item.event.outTradeNo === 'string' ? item.event.outTradeNo : null;
    let answer: unknown = null;
    let error: string | undefined;
    try {
      answer = await this.cloud.invoke(item.functionName, item.event, CALLBACK_CALLER);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    let ok = !error && typeof answer === 'object' && answer !== null && (answer as { errcode?: unknown }).errcode === 0;
    if (ok && item.kind === 'payment' && this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      ok = false;
      error = 'the answer was lost on the way back to WeChat (sandbox fault)';
    }
    const record: DeliveryRecord = { kind: item.kind, outTradeNo, event: item.event, answer, ok, attempt: item.attempt, ...(error ? { error } : {}) };
    this.deliveries.push(record);
    return record;
  }

  pendingCallbacks(): { kind: 'payment' | 'refund'; outTradeNo: string | null; attempt: number; dueAtMs: number | null }[] {
    return this.queue.map((item) => ({
      kind: item.kind,
      outTradeNo: typeof item.event.outTradeNo === 'string' ? item.event.outTradeNo : null,
      attempt: item.attempt,
      dueAtMs: item.dueAtMs,
    }));
  }

  async tick(): Promise<DeliveryRecord[]> {
    await this.settle();
    this.settleDueRefunds();
    const nowMs = this.now();
    const due = this.queue.filter((item) => item.dueAtMs !== null && item.dueAtMs <= nowMs);
    this.queue = this.queue.filter((item) => !due.includes(item));
    const records: DeliveryRecord[] = [];
    for (const item of due) records.push(await this.attempt(item));
    return records;
  }

  async releaseCallbacks(outTradeNo?: string): Promise<DeliveryRecord[]> {
    await this.settle();
    const chosen = (item: QueuedCallback): boolean => outTradeNo === undefined || item.event.outTradeNo === outTradeNo;
    const items = this.queue.filter(chosen);
    this.queue = this.queue.filter((item) => !chosen(item));
    const records: DeliveryRecord[] = [];
    for (const item of items) records.push(await this.attempt(item));
    return records;
  }

  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async sendCallback(event: CallbackEvent, functionName = 'payNotify'): Promise<unknown> {
    return this.cloud.invoke(functionName, event, CALLBACK_CALLER);
  }

  // ---- inspection ----

  order(outTradeNo: string): SandboxOrder | null {
    const order = this.byTradeNo.get(outTradeNo);
    return order ? (JSON.parse(JSON.stringify(order)) as SandboxOrder) : null;
  }

  orders(): SandboxOrder[] {
    return [...this.byTradeNo.values()].map((order) => JSON.parse(JSON.stringify(order)) as SandboxOrder);
  }

  subscribeMessages(): SentSubscribeMessage[] {
    return this.sentMessages.map((message) => ({ ...message }));
  }

  resetControls(): void {
    this.faults = new Map();
    this.mode = 'auto';
    this.delayMs = 0;
    this.dropCount = 0;
    this.duplicateExtra = 0;
    this.tamperPatch = null;
    this.loseAnswers = 0;
    for (const list of this.holds.values()) for (const hold of list) hold.arrived();
    this.holds = new Map();
    this.refundOutcomes = [];
    this.emptyRefundLists = 0;
  }
}

/**
 * How a callback invocation looks to the function: SOURCE wx_paycallback and no user identity (the
 * payer is named in the event, which the function checks against its own order).
 */
const CALLBACK_CALLER = { source: 'wx_paycallback' } as const;

const TRADE_STATE_DESC: Record<SandboxTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  USERPAYING: '用户支付中',
};

const STATEMENT_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

function statementRow(input: {
  time: number;
  appid: string;
  order: SandboxOrder;
  state: 'SUCCESS' | 'REFUND';
  settle: number;
  refund: SandboxRefund | null;
}): string {
  const { order, refund } = input;
  const fee = order.totalFee;
  const values = [
    statementTime(input.time),
    input.appid,
    SANDBOX_MCH_ID,
    order.subMchId,
    '',
    order.transactionId ?? '',
    order.outTradeNo,
    order.payerOpenid ?? '',
    order.tradeType,
    input.state,
    'OTHERS',
    'CNY',
    yuan(input.settle),
    '0.00',
    refund ? refund.refundId : '0',
    refund ? refund.outRefundNo : '0',
    refund ? yuan(refund.refundFee) : '0.00',
    '0.00',
    refund ? 'ORIGINAL' : '',
    refund ? refund.status : '',
    order.body.replace(/[,\r\n]/g, ' '),
    order.attach.replace(/[,\r\n]/g, ' '),
    '0.00000',
    '0.60%',
    yuan(fee),
    refund ? yuan(refund.refundFee) : '0.00',
    '',
  ];
  return values.map((value) => `\`${value}`).join(',');
}

// ---- installation -----------------------------------------------------------------------------

function applyPayEnvDefaults(): void {
  for (const [name, value] of Object.entries(LOCAL_PAY_ENV_DEFAULTS)) {
    if (!process.env[name]) process.env[name] = value;
  }
}

/** cloudPay sandbox (unifiedOrder, queryOrder, closeOrder, refund, queryRefund, downloadBill, paying, callbacks). */
export function installCloudPaySandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  applyPayEnvDefaults();
  const dir = path.join(cloud.dataDir, 'sandbox');
  mkdirSync(dir, { recursive: true });
  const sandbox = new Sandbox(cloud, path.join(dir, 'cloudpay.jsonl'));
  sandboxes.set(cloud, sandbox);

  cloud.registerPayApi('unifiedOrder', (request) => sandbox.handle('unifiedOrder', request, (r) => sandbox.unifiedOrder(r)));
  cloud.registerPayApi('queryOrder', (request) => sandbox.handle('queryOrder', request, (r) => sandbox.queryOrder(r)));
  cloud.registerPayApi('closeOrder', (request) => sandbox.handle('closeOrder', request, (r) => sandbox.closeOrder(r)));
  cloud.registerPayApi('refund', (request) => sandbox.handle('refund', request, (r) => sandbox.refund(r)));
  cloud.registerPayApi('queryRefund', (request) => sandbox.handle('queryRefund', request, (r) => sandbox.queryRefund(r)));
  cloud.registerPayApi('downloadBill', (request) => sandbox.handle('downloadBill', request, (r) => sandbox.downloadBill(r)));

  // The pay sheet, for the mini program's local transport: pays as the caller (x-wx-openid). The
  // answer comes once the callback has been delivered (or queued), like WeChat's own order of events.
  server?.route('/sandbox/pay', async ({ body, openid }) => {
    if (!openid) throw new HttpError(401, 'OPENID_REQUIRED', '缺少调用者身份');
    const ref = (body as { package?: unknown; prepayId?: unknown } | null) ?? {};
    const pkg = typeof ref.package === 'string' ? ref.package : typeof ref.prepayId === 'string' ? ref.prepayId : '';
    if (!pkg) throw new HttpError(400, 'PACKAGE_REQUIRED', '缺少 package（prepay_id=…）');
    const paid = await sandbox.pay(pkg, { openid });
    if (sandbox.callbackDelayMs === 0) await sandbox.settle();
    return { errMsg: 'requestPayment:ok', outTradeNo: paid.outTradeNo };
  });

  // WeChat acts on its own as time passes (refunds settle, failed callbacks are sent again): with a
  // server running (npm start, page tests), once a second by the local clock.
  if (server) {
    let ticking = false;
    const pump = setInterval(() => {
      if (ticking) return;
      ticking = true;
      sandbox
        .tick()
        .catch(() => undefined)
        .finally(() => (ticking = false));
    }, 1000);
    pump.unref();
  }

  // 订阅消息: the 缴费成功 message the pay functions send once per paid order, recorded here.
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
    sandbox.sentMessages.push({
      touser,
      templateId,
      page: typeof params.page === 'string' ? params.page : null,
      data: data as Record<string, { value: string }>,
      sentAtMs: cloud.clock.nowMs(),
    });
    return openApiJson({ errcode: 0, errmsg: 'ok', msgid: Number(digits(12)) });
  });


  // Test controls over HTTP, for tests that run the local cloud in another process (page tests):
  // faults, held callbacks, an order's amount changed at WeChat. Never part of a demo.
  server?.testRoute('/sandbox/cloudpay/control', async ({ body }) => {
    const command = (body ?? {}) as { action?: unknown; api?: unknown; fault?: unknown; times?: unknown; mode?: unknown; n?: unknown; ms?: unknown };
    switch (command.action) {
      case 'failNext':
        sandbox.failNext(command.api as CloudPayApiName, command.fault as CloudPayFault, typeof command.times === 'number' ? command.times : 1);
        return { ok: true };
      case 'setCallbackMode':
        sandbox.setCallbackMode(command.mode === 'hold' ? 'hold' : 'auto');
        return { ok: true };
      case 'setCallbackDelay':
        sandbox.setCallbackDelay(typeof command.ms === 'number' ? command.ms : 0);
        return { ok: true };
      case 'dropNextCallbacks':
        sandbox.dropNextCallbacks(typeof command.n === 'number' ? command.n : 1);
        return { ok: true };
      case 'releaseCallbacks':
        return { ok: true, deliveries: (await sandbox.releaseCallbacks()).map((d) => ({ outTradeNo: d.outTradeNo, ok: d.ok })) };
      case 'alterOrder': {
        const patch = (body ?? {}) as { outTradeNo?: unknown; totalFee?: unknown };
        if (typeof patch.outTradeNo !== 'string' || typeof patch.totalFee !== 'number') throw new HttpError(400, 'BAD_REQUEST', '需要 outTradeNo 与 totalFee');
        sandbox.alterOrder(patch.outTradeNo, { totalFee: patch.totalFee });
        return { ok: true };
      }
      case 'tick':
        return { ok: true, deliveries: (await sandbox.tick()).map((d) => ({ kind: d.kind, outTradeNo: d.outTradeNo, ok: d.ok })) };
      case 'resetControls':
        sandbox.resetControls();
        return { ok: true };
      default:
        throw new HttpError(400, 'UNKNOWN_ACTION', '不支持的沙箱操作');
    }
  });
}
