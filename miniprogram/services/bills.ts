import type { ApiResponse } from '../../cloudfunctions/shared/contracts';
import type { BillView, OrderLineView, OrderView } from '../../cloudfunctions/shared/billing/contract';
import { config } from '../config/index';
import { callFunction } from './call';
import { requestSubscription } from './subscribe';

export type BillsOverview = ApiResponse<'bills', 'overview'>;
export type ReminderConsent = ApiResponse<'bills', 'remindMe'>;
export type { BillView, OrderLineView, OrderView };

/** 账单缴费: who pays, 待缴费 bills, 缴费中 and 已完成 orders, and the email remembered for receipts. */
export function getBillsOverview(): Promise<BillsOverview> {
  return callFunction('bills', 'overview', {});
}

/** One of the student's orders (order detail). */
export async function getOrder(orderId: string): Promise<OrderView> {
  return (await callFunction('bills', 'order', { orderId })).order;
}

/**
 * How 截止前提醒我 ended: accepted (the server counts one more reminder for this WeChat account),
 * declined (the student said no, or has subscribe messages turned off in the settings), or
 * unavailable (WeChat could not ask).
 */
export type DeadlineReminderOutcome = { kind: 'accepted'; consent: ReminderConsent } | { kind: 'declined' } | { kind: 'unavailable' };

/**
 * 截止前提醒我: asks WeChat for one 缴费提醒 message and, when the student allows it, tells the
 * server. Must be called inside the tap (WeChat shows its prompt only for a user's tap).
 */
export async function askDeadlineReminder(): Promise<DeadlineReminderOutcome> {
  const answer = await requestSubscription(config.deadlineReminderTemplateId);
  if (answer === 'reject' || answer === 'ban') return { kind: 'declined' };
  if (answer !== 'accept') return { kind: 'unavailable' };
  return { kind: 'accepted', consent: await callFunction('bills', 'remindMe', {}) };
}
