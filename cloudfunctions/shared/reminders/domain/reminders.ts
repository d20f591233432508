/**
 * Deadline reminders (缴费提醒): which students are reminded of which deadline, and when. Pure.
 * A student is reminded once per deadline day, for every bill still owed that day, in the days
 * before it; a WeChat one-time subscription allows one message per acceptance.
 */
import { fromChinaWallClock, shanghaiDate } from '../../kernel/china-time';
import { sumFen, type Fen } from '../../kernel/money';

/** Days before a deadline that its reminder goes out, unless configured otherwise. */
export const DEFAULT_REMINDER_DAYS = 3;
/** Most days ahead a reminder may be configured for: a reminder weeks ahead is not one. */
export const MAX_REMINDER_DAYS = 14;
/** Acceptances kept in reserve per WeChat account: enough for the deadlines of a season. */
export const MAX_REMINDER_CREDITS = 10;
/** A message that failed for a passing reason (network, system busy) is tried again this many times in all. */
export const MAX_REMINDER_ATTEMPTS = 3;

/** A bill as reminders see it: still owed (unpaid or in an unfinished order). */
export interface OwedBill {
  _id: string;
  studentId: string;
  studentNo: string;
  term: string;
  itemName: string;
  amount: Fen;
  deadline: Date;
}

/** One message to send: a student's bills due on one deadline day. */
export interface DueReminder {
  key: string;
  studentId: string;
  /** The deadline day in China time, e.g. 2026-12-31. */
  deadlineDay: string;
  /** The latest deadline instant of the day's bills (they are owed until then). */
  deadline: Date;
  billIds: string[];
  terms: string[];
  itemNames: string[];
  total: Fen;
}

/** The stable key of a student's reminder of one deadline day: a second one is never sent. */
export const reminderKey = (studentId: string, deadlineDay: string): string => `${studentId}:${deadlineDay}`;

/**
 * The deadlines whose reminders are due at `now`: from now up to the end of the China day `days`
 * days ahead (a deadline of 2026-12-31 23:59:59 with 3 days is reminded from 12-28 on).
 */
export function reminderWindow(now: Date, days: number): { from: Date; to: Date } {
  const [year, month, day] = shanghaiDate(now).split('-').map(Number) as [number, number, number];
  return { from: now, to: new Date(fromChinaWallClock(year, month, day + days + 1).getTime() - 1) };
}

/** The owed bills grouped into one reminder per student and deadline day, in deadline order. */
export function dueReminders(bills: readonly OwedBill[], now: Date, days: number): DueReminder[] {
  const { from, to } = reminderWindow(now, days);
  const byKey = new Map<string, DueReminder>();
  const amounts = new Map<string, Fen[]>();
  for (const bill of bills) {
    const deadline = new Date(bill.deadline);
    if (deadline.getTime() < from.getTime() || deadline.getTime() > to.getTime()) continue;
    const deadlineDay = shanghaiDate(deadline);
    const key = reminderKey(bill.studentId, deadlineDay);
    const reminder: DueReminder = byKey.get(key) ?? { key, studentId: bill.studentId, deadlineDay, deadline, billIds: [], terms: [], itemNames: [], total: sumFen([]) };
    reminder.billIds.push(bill._id);
    if (!reminder.terms.includes(bill.term)) reminder.terms.push(bill.term);
    if (!reminder.itemNames.includes(bill.itemName)) reminder.itemNames.push(bill.itemName);
    amounts.set(key, [...(amounts.get(key) ?? []), bill.amount]);
    reminder.total = sumFen(amounts.get(key)!);
    if (deadline.getTime() > reminder.deadline.getTime()) reminder.deadline = deadline;
    byKey.set(key, reminder);
  }
  return [...byKey.values()].sort((a, b) => a.deadline.getTime() - b.deadline.getTime() || a.key.localeCompare(b.key));
}

/**
 * What WeChat's answer to a send means for the student's subscription. `refused`: the student has
 * no acceptance left or withdrew it (43101) — not tried again until they accept anew; `lasting`:
 * the message itself is wrong (template, data) and trying again changes nothing; `passing`: tried
 * again on a later run, up to MAX_REMINDER_ATTEMPTS.
 */
export type SendFailure = 'refused' | 'lasting' | 'passing';

const REFUSED_CODES = new Set([43101]);
const LASTING_CODES = new Set([40003, 40037, 47003, 41030]);

export function classifySendError(errCode: number | null): SendFailure {
  if (errCode !== null && REFUSED_CODES.has(errCode)) return 'refused';
  if (errCode !== null && LASTING_CODES.has(errCode)) return 'lasting';
  return 'passing';
}
