/**
 * WeChat's notifications to the functions: the payment callback (to the function named in
 * unifiedOrder) and the refund result (to the one named in refund), delivered with SOURCE
 * wx_paycallback, at least once. An answer other than `{ errcode: 0 }` (or a crash) is retried on
 * WeChat's schedule (15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min…) by the local clock:
 * `deliverDue()` delivers what is due (the HTTP server's pump asks every second). Tests can hold
 * them, drop them, duplicate them, tamper with them or lose the function's answer.
 */
import type { LocalCloud } from '../cloud';
import type { MerchantEvents, SandboxOrder, SandboxRefund } from './merchant';
import { MINUTE, SANDBOX_MCH_ID, hex, statementTime, wxTime } from './wire';

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

/**
 * How a callback invocation looks to the function: SOURCE wx_paycallback and no user identity (the
 * payer is named in the event, which the function checks against its own order).
 */
const CALLBACK_CALLER = { source: 'wx_paycallback' } as const;

export class Callbacks implements MerchantEvents {
  readonly deliveries: DeliveryRecord[] = [];
  readonly abandonedCallbacks: DeliveryRecord[] = [];

  private mode: 'auto' | 'hold' = 'auto';
  private delayMs = 0;
  private dropCount = 0;
  private duplicateExtra = 0;
  private tamperPatch: CallbackEvent | null = null;
  private loseAnswers = 0;
  private queue: QueuedCallback[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly cloud: LocalCloud) {}

  private now(): number {
    return this.cloud.clock.nowMs();
  }

  // ---- what WeChat sends ----

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

  refundEvent(order: SandboxOrder, refund: SandboxRefund): CallbackEvent {
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

  /** The callback event WeChat sends for a paid order. */
  paymentEvent(order: SandboxOrder): CallbackEvent {
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

  // ---- when it sends it ----

  paid(order: SandboxOrder): void {
    this.scheduleCallback(order);
  }

  refundSettled(order: SandboxOrder, refund: SandboxRefund): void {
    this.enqueue({ kind: 'refund', functionName: refund.functionName, event: this.refundEvent(order, refund), attempt: 0, dueAtMs: this.now() });
  }

  // ---- test controls ----

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
    let event = this.paymentEvent(order);
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

  /** Delivers the callbacks whose (re)delivery time has come. */
  deliverDue(): Promise<DeliveryRecord[]> {
    const nowMs = this.now();
    return this.deliverQueued((item) => item.dueAtMs !== null && item.dueAtMs <= nowMs);
  }

  async releaseCallbacks(outTradeNo?: string): Promise<DeliveryRecord[]> {
    await this.settle();
    return this.deliverQueued((item) => outTradeNo === undefined || item.event.outTradeNo === outTradeNo);
  }

  /** Takes the chosen callbacks off the queue and delivers each once, in queue order. */
  private async deliverQueued(chosen: (item: QueuedCallback) => boolean): Promise<DeliveryRecord[]> {
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

  /** Forgets every callback setting (not the callbacks under way). */
  resetControls(): void {
    this.mode = 'auto';
    this.delayMs = 0;
    this.dropCount = 0;
    this.duplicateExtra = 0;
    this.tamperPatch = null;
    this.loseAnswers = 0;
  }
}
