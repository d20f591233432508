/**
 * Calls to a function's internal actions the way another function makes them: from a function
 * (SOURCE '…,scf') with a proof signed, with the shared INTERNAL_CALL_SECRET, as that function.
 */
import type { LocalCloud } from '../../local/cloud';
import type { FunctionName } from '../../cloudfunctions/shared/contracts';
import type { FunctionId } from '../../cloudfunctions/shared/kernel/contract';
import { internalCallEvent } from '../../cloudfunctions/shared/runtime/internal-calls';

export interface AsFunctionOptions {
  /** The SOURCE chain the callee sees (default: a mini program call that reached `caller`). */
  source?: string;
  /** When the proof is signed (default: now on the cloud's clock). */
  at?: Date;
  /** The key it is signed with (default: the environment's INTERNAL_CALL_SECRET). */
  secret?: string;
}

/** The event `caller` sends when it calls `callee`'s `action` with `request`. */
export function signedEvent(caller: FunctionId, callee: FunctionName, action: string, request: Record<string, unknown>, at: Date, secret?: string) {
  return internalCallEvent({ caller, callee, action, request, at, secret });
}

export function invokeAsFunction<T = unknown>(
  cloud: LocalCloud,
  caller: FunctionId,
  callee: FunctionName,
  action: string,
  request: Record<string, unknown>,
  options: AsFunctionOptions = {},
): Promise<T> {
  const event = signedEvent(caller, callee, action, request, options.at ?? cloud.clock.now(), options.secret);
  return cloud.invoke(callee, event, { source: options.source ?? 'wx_client,scf' }) as Promise<T>;
}

/** The call the payment code makes right after an order becomes PAID (here: from the payment callback). */
export function issueAsPaymentCode<T = unknown>(cloud: LocalCloud, orderId: string): Promise<T> {
  return invokeAsFunction<T>(cloud, 'payNotify', 'receipts', 'issue', { orderId }, { source: 'wx_paycallback,scf' });
}

/** The call the payments timer (paymentsSweep) makes (its timer, then callFunction). */
export function issueMissingAsCron<T = unknown>(cloud: LocalCloud, limit?: number): Promise<T> {
  return invokeAsFunction<T>(cloud, 'paymentsSweep', 'receipts', 'issueMissing', limit ? { limit } : {}, { source: 'wx_trigger,scf' });
}

/** What the refund flow calls once an order is refunded (here: from the payments sweep). */
export function voidAsRefundCode<T = unknown>(cloud: LocalCloud, orderId: string, reason = '退款'): Promise<T> {
  return invokeAsFunction<T>(cloud, 'paymentsSweep', 'receipts', 'void', { orderId, reason }, { source: 'wx_trigger,scf' });
}
