/**
 * The merchant's side of cloudPay: every order and refund WeChat Pay holds for the sandbox's
 * sub-merchant, and the APIs that read and change them, with cloudPay's field names and rules.
 *
 * - Rules: out_trade_no ≤ 32 characters and unique per merchant (the same parameters again return
 *   the same prepay; different ones are refused as 商户订单号重复); time_expire at least 5 minutes
 *   ahead; no payment after time_expire; closeOrder refused within 5 minutes of creation and
 *   answering ORDERPAID / ORDERCLOSED; queryOrder reports USERPAYING while the student is in the
 *   pay sheet, total_fee as the order's amount and cash_fee as what was charged; refunds need
 *   env_id / function_name, are at most the order's amount, idempotent per out_refund_no, PROCESSING
 *   first and settled a minute later (SUCCESS, or REFUNDCLOSE / CHANGE when a test says so), with a
 *   refund result callback, at most 50 per order and none of a payment older than a year;
 *   queryRefund answers a refund's first query with empty lists, as cloudPay has been seen to do.
 * - Paying: `pay()` pays an order as its payer would in the pay sheet; `startPaying()` leaves it
 *   USERPAYING until the student finishes or gives up.
 * - State is durable: a journal file in the local cloud's data folder (each order's latest state
 *   appended as a line), replayed on start.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { LocalCloud } from '../cloud';
import { HttpError } from '../server';
import {
  MINUTE,
  SANDBOX_SUB_MCH_ID,
  answerBase,
  businessFailure,
  digits,
  fail,
  hex,
  merchantCheck,
  parseWxTime,
  statementTime,
  str,
  wxTime,
  type Answer,
  type PayRequest,
} from './wire';

const CLOSE_MIN_AGE_MS = 5 * MINUTE;
const MIN_EXPIRE_AHEAD_MS = 5 * MINUTE;
const DEFAULT_EXPIRE_MS = 2 * 60 * MINUTE;
/** How long (local clock) a refund stays PROCESSING before WeChat settles it. */
export const REFUND_PROCESSING_MS = MINUTE;
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*@]{1,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
/** WeChat takes at most this many refunds of one order… */
export const MAX_REFUNDS_PER_ORDER = 50;
/** …and none of a payment older than a year. */
const REFUND_MAX_AGE_MS = 365 * 24 * 60 * MINUTE;

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

/** A student inside the pay sheet (queryOrder says USERPAYING) until they finish or give up. */
export interface PayingHandle {
  readonly outTradeNo: string;
  /** The password is right: WeChat takes the money (and sends the callback). */
  finish(): Promise<{ outTradeNo: string; transactionId: string }>;
  /** The student closes the sheet: the order is NOTPAY again. */
  abandon(): void;
}

export interface PayOptions {
  /** The WeChat user paying; must be the order's payer (the pay sheet only opens for them). */
  openid?: string | null;
  /** Charge this instead of the order's amount (a mismatch test). */
  chargedFee?: number;
}

/** What the merchant's orders set off: WeChat's notifications. */
export interface MerchantEvents {
  /** WeChat took the money: the payment callback is due. */
  paid(order: SandboxOrder): void;
  /** A refund settled and refund named a function: its result callback is due. */
  refundSettled(order: SandboxOrder, refund: SandboxRefund): void;
}

export class Merchant {
  readonly subMchId = SANDBOX_SUB_MCH_ID;

  private readonly byTradeNo = new Map<string, SandboxOrder>();
  private readonly byPrepayId = new Map<string, string>();
  private refundOutcomes: Exclude<SandboxRefundStatus, 'PROCESSING'>[] = [];
  private emptyRefundLists = 0;

  constructor(
    private readonly cloud: LocalCloud,
    private readonly journalFile: string,
    private readonly events: MerchantEvents,
  ) {
    this.replay();
  }

  get appid(): string {
    return this.cloud.appid;
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

  now(): number {
    return this.cloud.clock.nowMs();
  }

  // ---- test controls ----

  alterOrder(outTradeNo: string, patch: Partial<Pick<SandboxOrder, 'totalFee' | 'subMchId' | 'transactionId'>>): void {
    const order = this.byTradeNo.get(outTradeNo);
    if (!order) throw new Error(`no sandbox order ${outTradeNo}`);
    Object.assign(order, patch);
    this.save(order);
  }

  /**
   * A payment WeChat holds for the sub-merchant that the functions never ordered (another system
   * sharing the merchant, a payment made by hand): it is in queryOrder and the statement only.
   */
  recordOutsidePayment(input: { outTradeNo: string; totalFee: number; openid?: string }): SandboxOrder {
    if (this.byTradeNo.has(input.outTradeNo)) throw new Error(`sandbox order ${input.outTradeNo} exists`);
    const nowMs = this.now();
    const order: SandboxOrder = {
      outTradeNo: input.outTradeNo,
      subMchId: this.subMchId,
      body: '其他系统的收款',
      totalFee: input.totalFee,
      nonceStr: hex(16),
      timeExpire: null,
      openid: input.openid ?? null,
      attach: '',
      envId: '',
      functionName: '',
      tradeType: 'JSAPI',
      prepayId: `wx${wxTime(nowMs)}${hex(11)}`,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + DEFAULT_EXPIRE_MS,
      state: 'SUCCESS',
      transactionId: `4200${digits(24)}`,
      paidAtMs: nowMs,
      paidFee: input.totalFee,
      payerOpenid: input.openid ?? null,
      closedAtMs: null,
      refunds: [],
    };
    this.byTradeNo.set(order.outTradeNo, order);
    this.byPrepayId.set(order.prepayId, order.outTradeNo);
    this.save(order);
    return JSON.parse(JSON.stringify(order)) as SandboxOrder;
  }

  settleNextRefundsAs(outcome: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE', times = 1): void {
    for (let i = 0; i < times; i += 1) this.refundOutcomes.push(outcome);
  }

  emptyRefundListsNext(n = 1): void {
    this.emptyRefundLists += n;
  }

  resetControls(): void {
    this.refundOutcomes = [];
    this.emptyRefundLists = 0;
  }

  // ---- answers ----

  private base(order: SandboxOrder): Answer {
    return answerBase(this.cloud.appid, order.subMchId);
  }

  business(code: string, description: string): Answer {
    return businessFailure(this.cloud.appid, code, description);
  }

  // ---- APIs ----

  unifiedOrder(request: PayRequest): Answer {
    const merchant = merchantCheck(request);
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

  private findOrder(request: PayRequest): SandboxOrder | null {
    const outTradeNo = str(request.out_trade_no);
    if (outTradeNo) return this.byTradeNo.get(outTradeNo) ?? null;
    const transactionId = str(request.transaction_id);
    if (transactionId) return [...this.byTradeNo.values()].find((order) => order.transactionId === transactionId) ?? null;
    return null;
  }

  queryOrder(request: PayRequest): Answer {
    const merchant = merchantCheck(request);
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

  closeOrder(request: PayRequest): Answer {
    const merchant = merchantCheck(request);
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

  refund(request: PayRequest): Answer {
    const merchant = merchantCheck(request);
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
    const nowMs = this.now();
    if (order.refunds.length >= MAX_REFUNDS_PER_ORDER) return this.business('ERROR', '订单已经超过可退款的最大限制次数(50次)');
    if (nowMs - (order.paidAtMs ?? nowMs) > REFUND_MAX_AGE_MS) return this.business('ERROR', '订单已经超过退款期限');
    const refunded = order.refunds.reduce((sum, refund) => sum + refund.refundFee, 0);
    if (refunded + refundFee > paid) return this.business('ERROR', '申请退款金额超过订单可退金额');
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
  settleDueRefunds(): void {
    const nowMs = this.now();
    for (const order of this.byTradeNo.values()) {
      let changed = false;
      for (const refund of order.refunds) {
        if (refund.status !== 'PROCESSING' || nowMs < (refund.settlesAtMs ?? 0)) continue;
        refund.status = refund.outcome ?? 'SUCCESS';
        if (refund.status === 'SUCCESS') refund.successAtMs = nowMs;
        changed = true;
        if (refund.functionName) this.events.refundSettled(order, refund);
      }
      if (changed) this.save(order);
    }
  }

  queryRefund(request: PayRequest): Answer {
    const merchant = merchantCheck(request);
    if (merchant) return merchant;
    const outRefundNo = str(request.out_refund_no);
    let order: SandboxOrder | null = null;
    if (outRefundNo) order = this.orderWithRefund(outRefundNo);
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
        this.events.paid(order);
        return { outTradeNo: order.outTradeNo, transactionId: order.transactionId };
      },
      abandon: () => {
        if (order.state !== 'USERPAYING') return;
        order.state = 'NOTPAY';
        this.save(order);
      },
    };
  }

  // ---- inspection ----

  /** A paid order (live), to build its payment notification. */
  paidOrder(outTradeNo: string): SandboxOrder {
    const order = this.byTradeNo.get(outTradeNo);
    if (!order || !order.transactionId) throw new Error(`order ${outTradeNo} is not paid in the sandbox`);
    return order;
  }

  /** A refund and its order (live), to build its result notification. */
  refundNamed(outRefundNo: string): { order: SandboxOrder; refund: SandboxRefund } {
    const order = this.orderWithRefund(outRefundNo);
    const refund = order?.refunds.find((r) => r.outRefundNo === outRefundNo);
    if (!order || !refund) throw new Error(`no sandbox refund ${outRefundNo}`);
    return { order, refund };
  }

  private orderWithRefund(outRefundNo: string): SandboxOrder | null {
    return [...this.byTradeNo.values()].find((o) => o.refunds.some((r) => r.outRefundNo === outRefundNo)) ?? null;
  }

  /** Every order, live, in the order they were placed. */
  all(): IterableIterator<SandboxOrder> {
    return this.byTradeNo.values();
  }

  order(outTradeNo: string): SandboxOrder | null {
    const order = this.byTradeNo.get(outTradeNo);
    return order ? (JSON.parse(JSON.stringify(order)) as SandboxOrder) : null;
  }

  orders(): SandboxOrder[] {
    return [...this.byTradeNo.values()].map((order) => JSON.parse(JSON.stringify(order)) as SandboxOrder);
  }
}

const TRADE_STATE_DESC: Record<SandboxTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  USERPAYING: '用户支付中',
};
