/**
 * Paid orders for the receipts tests, written straight into the database.
 *
 * The payment flow (pay / payNotify) is built in parallel, so these fixtures make what it leaves
 * behind — a student, a signed-in session, and an order in status PAID — and then call the receipts
 * function the way the payment code will (`issue`, from another function: SOURCE ends in ',scf').
 * When the payment flow lands, replace `insertPaidOrderDirectly` + `issueAsPaymentCode` with paying
 * through it; the assertions stay as they are.
 */
import type { LocalCloud } from '../../local/cloud';
import { installLocalMail, type LocalMail, type LocalMailServer } from '../../local/mail';
import * as wxInternals from '../../local/wx-internals';
import { startTestCloud, type TestCloud } from './local-cloud';

export {
  insertPaidOrderDirectly,
  insertStudentWithSession,
  TUITION_LINES,
  type FixtureLine,
  type FixtureStudent,
} from '../../local/mail/paid-orders';

/** The call the payment code makes right after an order becomes PAID. */
export function issueAsPaymentCode<T = unknown>(cloud: LocalCloud, orderId: string): Promise<T> {
  return cloud.invoke('receipts', { action: 'issue', orderId }, { source: 'wx_paycallback,scf' }) as Promise<T>;
}

/** The call the cron function makes (its timer, then callFunction). */
export function issueMissingAsCron<T = unknown>(cloud: LocalCloud, limit?: number): Promise<T> {
  return cloud.invoke('receipts', { action: 'issueMissing', ...(limit ? { limit } : {}) }, { source: 'wx_trigger,scf' }) as Promise<T>;
}

/** What the refund flow will call once an order is refunded. */
export function voidAsRefundCode<T = unknown>(cloud: LocalCloud, orderId: string, reason = '退款'): Promise<T> {
  return cloud.invoke('receipts', { action: 'void', orderId, reason }, { source: 'wx_client,scf' }) as Promise<T>;
}

/**
 * The in-process test cloud with what the local cloud adds for receipts: its RECEIPT_* defaults
 * and a local SMTP server (the mail sandbox). Idempotent if the sandbox list installs it too.
 */
export async function startReceiptsTestCloud(options: { startAt?: Date } = {}): Promise<TestCloud & { mail: LocalMail; mailServer: LocalMailServer }> {
  keepSourceForCallsWithoutOpenid();
  const test = await startTestCloud(options);
  const mail = installLocalMail(test.cloud, null);
  const mailServer = await mail.ready;
  if (!mailServer) throw new Error('SMTP_HOST is set in the environment: the receipts tests need the local SMTP server');
  return Object.assign(test, { mail, mailServer });
}

/**
 * wx-server-sdk's getWXContext() returns {} — no SOURCE — when WX_CONTEXT_KEYS is empty, and the
 * local cloud leaves it empty for a call without an openid (a timer, a pay callback, a function
 * called from one). Then `timer` and `internal` actions are refused locally although the platform
 * allows them. Until local/wx-internals.ts lists a key for such calls, keep one listed here (a key
 * with no value adds nothing to the context; it only lets ENV and SOURCE through). A no-op once
 * it does.
 */
export function keepSourceForCallsWithoutOpenid(): void {
  const internals = wxInternals as { applyInvocationContext: typeof wxInternals.applyInvocationContext; __receiptsPatched?: boolean };
  if (internals.__receiptsPatched) return;
  const original = internals.applyInvocationContext;
  internals.applyInvocationContext = (context) => {
    original(context);
    if (!process.env.WX_CONTEXT_KEYS) process.env.WX_CONTEXT_KEYS = 'WX_SOURCE';
  };
  internals.__receiptsPatched = true;
}
