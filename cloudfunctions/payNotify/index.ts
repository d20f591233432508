import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { now } from '../shared/runtime/clock';
import { createLogger, initCloud, readCaller } from '../shared/runtime';
import { handlePaymentCallback, paymentContext, PayConfigError, type CallbackAnswer } from '../shared/billing';

requireDeclaredEnvironment('payNotify');
initCloud(cloud);

let requestCounter = 0;

/** cloudPay's payment and refund result callbacks. Only cloudPay may call it (SOURCE wx_paycallback). */
export async function main(event: unknown): Promise<CallbackAnswer> {
  const caller = readCaller(cloud); // first, synchronously: the context belongs to this invocation
  const requestId = `payNotify-${now().getTime().toString(36)}-${(requestCounter += 1).toString(36)}`;
  const log = createLogger('payNotify', requestId);
  if (caller.source !== 'wx_paycallback') {
    log.warn('refused: not a cloudPay callback', { source: caller.source, openid: caller.openid ? 'present' : 'absent' });
    return { errcode: 403, errmsg: 'FORBIDDEN' };
  }
  try {
    const pc = paymentContext({ db: cloud.database(), cloud, log, env: caller.env, now });
    return await handlePaymentCallback(pc, event, requestId);
  } catch (error) {
    log.error(error instanceof PayConfigError ? 'cloudPay is not configured' : 'payment callback crashed', { error });
    return { errcode: 1, errmsg: 'RETRY' };
  }
}
