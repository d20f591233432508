/**
 * The cloudPay sandbox as tests and the local cloud see it: one object over the merchant's orders
 * and their APIs (merchant.ts, statement.ts), the way into those APIs where faults are injected
 * (api-faults.ts), WeChat's notifications (callbacks.ts) and the subscribe messages
 * (subscribe-message.ts). Everything runs on the local cloud's clock, so tests move time instead
 * of sleeping.
 */
import type { LocalCloud } from '../cloud';
import { ApiCalls, type CloudPayApiName, type CloudPayFault, type HeldCall } from './api-faults';
import { Callbacks, type CallbackEvent, type DeliveryRecord } from './callbacks';
import { Merchant, type PayOptions, type PayingHandle, type SandboxOrder } from './merchant';
import { downloadBill } from './statement';
import type { Answer, PayRequest } from './wire';

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
  alterOrder(outTradeNo: string, patch: Partial<Pick<SandboxOrder, 'totalFee' | 'subMchId' | 'transactionId'>>): void;
  /**
   * A payment WeChat holds for the sub-merchant that the functions never ordered (another system on
   * the same merchant, a payment made by hand): paid now, no callback; queryOrder and the statement
   * show it.
   */
  recordOutsidePayment(input: { outTradeNo: string; totalFee: number; openid?: string }): SandboxOrder;
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
}

export class CloudPay implements CloudPaySandbox {
  private readonly apiCalls = new ApiCalls();
  private readonly callbacks: Callbacks;
  private readonly merchant: Merchant;

  constructor(cloud: LocalCloud, journalFile: string) {
    this.callbacks = new Callbacks(cloud);
    this.merchant = new Merchant(cloud, journalFile, this.callbacks);
  }

  /** One call of a cloudPay API as a function makes it; whatever the call's fate, due refunds settle. */
  call(api: CloudPayApiName, request: PayRequest): Promise<Answer | Buffer> {
    const merchant = this.merchant;
    const apis: Record<CloudPayApiName, () => Answer | Buffer> = {
      unifiedOrder: () => merchant.unifiedOrder(request),
      queryOrder: () => merchant.queryOrder(request),
      closeOrder: () => merchant.closeOrder(request),
      refund: () => merchant.refund(request),
      queryRefund: () => merchant.queryRefund(request),
      downloadBill: () => downloadBill(merchant, request),
    };
    return this.apiCalls.run(api, () => merchant.settleDueRefunds(), apis[api]);
  }

  get subMchId(): string {
    return this.merchant.subMchId;
  }

  get calls(): Readonly<Record<CloudPayApiName, number>> {
    return this.apiCalls.calls;
  }

  get callbackDelayMs(): number {
    return this.callbacks.callbackDelayMs;
  }

  get deliveries(): readonly DeliveryRecord[] {
    return this.callbacks.deliveries;
  }

  get abandonedCallbacks(): readonly DeliveryRecord[] {
    return this.callbacks.abandonedCallbacks;
  }

  pay(ref: string, options?: PayOptions): Promise<{ outTradeNo: string; transactionId: string }> {
    return this.merchant.pay(ref, options);
  }

  startPaying(ref: string, options?: PayOptions): PayingHandle {
    return this.merchant.startPaying(ref, options);
  }

  failNext(api: CloudPayApiName, fault: CloudPayFault, times?: number): void {
    this.apiCalls.failNext(api, fault, times);
  }

  holdNext(api: CloudPayApiName): HeldCall {
    return this.apiCalls.holdNext(api);
  }

  alterOrder(outTradeNo: string, patch: Partial<Pick<SandboxOrder, 'totalFee' | 'subMchId' | 'transactionId'>>): void {
    this.merchant.alterOrder(outTradeNo, patch);
  }

  recordOutsidePayment(input: { outTradeNo: string; totalFee: number; openid?: string }): SandboxOrder {
    return this.merchant.recordOutsidePayment(input);
  }

  settleNextRefundsAs(outcome: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE', times?: number): void {
    this.merchant.settleNextRefundsAs(outcome, times);
  }

  emptyRefundListsNext(n?: number): void {
    this.merchant.emptyRefundListsNext(n);
  }

  async tick(): Promise<DeliveryRecord[]> {
    await this.callbacks.settle();
    this.merchant.settleDueRefunds();
    return this.callbacks.deliverDue();
  }

  setCallbackMode(mode: 'auto' | 'hold'): void {
    this.callbacks.setCallbackMode(mode);
  }

  setCallbackDelay(ms: number): void {
    this.callbacks.setCallbackDelay(ms);
  }

  dropNextCallbacks(n?: number): void {
    this.callbacks.dropNextCallbacks(n);
  }

  duplicateNextCallbacks(extra?: number): void {
    this.callbacks.duplicateNextCallbacks(extra);
  }

  tamperNextCallback(patch: CallbackEvent): void {
    this.callbacks.tamperNextCallback(patch);
  }

  loseNextAnswers(n?: number): void {
    this.callbacks.loseNextAnswers(n);
  }

  pendingCallbacks(): ReturnType<CloudPaySandbox['pendingCallbacks']> {
    return this.callbacks.pendingCallbacks();
  }

  releaseCallbacks(outTradeNo?: string): Promise<DeliveryRecord[]> {
    return this.callbacks.releaseCallbacks(outTradeNo);
  }

  settle(): Promise<void> {
    return this.callbacks.settle();
  }

  sendCallback(event: CallbackEvent, functionName?: string): Promise<unknown> {
    return this.callbacks.sendCallback(event, functionName);
  }

  callbackEventFor(outTradeNo: string): CallbackEvent {
    return this.callbacks.paymentEvent(this.merchant.paidOrder(outTradeNo));
  }

  refundEventFor(outRefundNo: string): CallbackEvent {
    const { order, refund } = this.merchant.refundNamed(outRefundNo);
    return this.callbacks.refundEvent(order, refund);
  }

  order(outTradeNo: string): SandboxOrder | null {
    return this.merchant.order(outTradeNo);
  }

  orders(): SandboxOrder[] {
    return this.merchant.orders();
  }


  resetControls(): void {
    this.apiCalls.resetControls();
    this.callbacks.resetControls();
    this.merchant.resetControls();
  }
}
