/**
 * The way into the six cloudPay APIs, where tests inject faults: a call can time out before WeChat
 * does anything, time out after WeChat did it (the answer is lost), get WeChat's SYSTEMERROR, or be
 * held until the test releases it (to interleave a concurrent request). It also counts the calls.
 */
import type { Answer } from './wire';

export const CLOUD_PAY_APIS = ['unifiedOrder', 'queryOrder', 'closeOrder', 'refund', 'queryRefund', 'downloadBill'] as const;

export type CloudPayApiName = (typeof CLOUD_PAY_APIS)[number];

/**
 * timeout: the call fails before WeChat does anything; timeout-after: WeChat does it, the answer
 * is lost; system-error: WeChat answers result_code FAIL / SYSTEMERROR; request-refused: WeChat
 * refuses the request itself (return_code FAIL, e.g. refunds never authorised for cloud
 * development) and does nothing — the SDK still reports errCode 0.
 */
export type CloudPayFault = 'timeout' | 'timeout-after' | 'system-error' | 'request-refused';

/** What WeChat answers when cloud development was never granted the sub-merchant's refund permission. */
export const REQUEST_REFUSED_MESSAGE = '子商户未授权云开发退款权限';

/** A test's hold on the next call of an API: it waits (before WeChat does anything) until released. */
export interface HeldCall {
  /** Resolves when the held call has arrived. */
  readonly reached: Promise<void>;
  release(): void;
}

/** Errors the SDK sees when the transport fails (it wraps them as CloudSDKError). */
function transportTimeout(api: string): Error & { errCode: number; errMsg: string } {
  const error = new Error(`cloudPay.${api}:fail ESOCKETTIMEDOUT`) as Error & { errCode: number; errMsg: string };
  error.errCode = -501001;
  error.errMsg = `cloudPay.${api}:fail ESOCKETTIMEDOUT (local sandbox fault)`;
  return error;
}

export class ApiCalls {
  readonly calls = Object.fromEntries(CLOUD_PAY_APIS.map((api) => [api, 0])) as Record<CloudPayApiName, number>;

  private faults = new Map<CloudPayApiName, CloudPayFault[]>();
  private holds = new Map<CloudPayApiName, { arrived: () => void; released: Promise<void> }[]>();

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

  /**
   * Runs one API call with its fault, if a test set one. `arrive` is what WeChat does whenever a
   * call reaches it, whatever the call's fate; `answer` is the API itself.
   */
  async run(api: CloudPayApiName, arrive: () => void, answer: () => Answer | Buffer): Promise<Answer | Buffer> {
    this.calls[api] += 1;
    const hold = this.holds.get(api)?.shift();
    if (hold) {
      hold.arrived();
      await hold.released;
    }
    arrive();
    const fault = this.takeFault(api);
    if (fault === 'timeout') throw transportTimeout(api);
    if (fault === 'request-refused') return { return_code: 'FAIL', return_msg: REQUEST_REFUSED_MESSAGE };
    if (fault === 'system-error') {
      return { return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统超时，请稍后再试' };
    }
    const result = answer();
    if (fault === 'timeout-after') throw transportTimeout(api);
    return result;
  }

  resetControls(): void {
    this.faults = new Map();
    for (const list of this.holds.values()) for (const hold of list) hold.arrived();
    this.holds = new Map();
  }
}
