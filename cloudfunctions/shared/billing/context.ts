import { cloudPayOf, PayConfigError, type CloudPayPort } from './cloudpay';
import { billingReads, billingStore, type BillingReads, type BillingStore } from './store';
import { AppError } from '../runtime/errors';
import type { Logger } from '../runtime/log';
import type { Database, WxCloud } from '../runtime/platform';
import type { RequestContext } from '../runtime/define-function';

/**
 * What the payment code needs, the same in pay, payNotify and the payments timer: the database,
 * cloudPay, the clock, a logger and the environment id that cloudPay calls back into; billing's
 * collections to read, and its store to write them.
 */
export interface PaymentContext extends BillingReads {
  readonly db: Database;
  readonly cloud: WxCloud;
  readonly pay: CloudPayPort;
  readonly log: Logger;
  readonly envId: string;
  now(): Date;
  readonly store: BillingStore;
}

export interface PaymentContextInput {
  db: Database;
  cloud: WxCloud;
  log: Logger;
  /** The environment the function runs in (getWXContext().ENV). */
  env: string | null;
  now(): Date;
  /** For tests and tools; default: cloudPay of this function's SDK, merchant from the environment. */
  pay?: CloudPayPort;
}

export function paymentContext(input: PaymentContextInput): PaymentContext {
  const envId = input.env ?? '';
  return {
    db: input.db,
    cloud: input.cloud,
    pay: input.pay ?? cloudPayOf(input.cloud),
    log: input.log,
    envId,
    now: input.now,
    ...billingReads(input.db),
    store: billingStore(input.db),
  };
}

/** For a handler: a missing merchant configuration is reported to the student as 微信支付暂不可用. */
export function paymentContextOf(ctx: RequestContext): PaymentContext {
  try {
    return paymentContext({ db: ctx.db, cloud: ctx.cloud, log: ctx.log, env: ctx.caller.env, now: ctx.now });
  } catch (error) {
    if (error instanceof PayConfigError) {
      ctx.log.error('cloudPay is not configured', { error });
      throw new AppError('PAY_UNAVAILABLE');
    }
    throw error;
  }
}
