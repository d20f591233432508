/**
 * Deadline reminders (缴费提醒): the student asks on 账单缴费 to be reminded (one WeChat one-time
 * subscription per tap), the bills function's timer sends the reminders, and the console shows how
 * many students asked and were reminded in a term.
 */
import { action, access } from '../kernel/contract';
import { v } from '../kernel/validate';

export const REMINDERS_ERRORS = {
  REMINDER_NOTHING_DUE: '目前没有待缴的账单，无需提醒',
} as const;

/** What 提醒我 answers: how many reminders this WeChat account may still receive, and the next deadline they cover. */
export interface ReminderConsent {
  remindersLeft: number;
  /** The nearest deadline of a bill still owed (ISO 8601), or null. */
  nextDeadline: string | null;
  /** Days before a deadline that its reminder goes out. */
  daysBefore: number;
}

export interface ReminderRunReport {
  /** WeChat accounts with an acceptance left that were looked at. */
  consents: number;
  sent: number;
  /** The student withdrew, or has no acceptance left (43101): recorded, not tried again. */
  refused: number;
  /** Failed for a passing reason: tried again on a later run. */
  retryLater: number;
  /** Failed for good (template or data refused): recorded. */
  failed: number;
  /** Left 发送中 by a run that stopped mid-send: the outcome is unknown, so recorded as failed, never sent twice. */
  interrupted: number;
  /** Due reminders left for the next run (time budget). */
  leftOver: number;
}

/** The console's figures for one term. */
export interface ReminderFigures {
  term: string;
  /** Students who asked to be reminded while owing bills of the term. */
  optedIn: number;
  /** Students reminded of a deadline of the term. */
  reminded: number;
  /** Reminders WeChat refused (the student withdrew) or that failed for good. */
  failed: number;
  daysBefore: number;
}

const timerEvent = v.object({ Type: v.literal('Timer'), TriggerName: v.string(), Time: v.optional(v.string()) });

/** The bills function's reminder actions (the student's request, the timer). */
export const remindersStudentContract = {
  /** Called after wx.requestSubscribeMessage answered `accept` for the 缴费提醒 template: one more reminder allowed. */
  remindMe: action<ReminderConsent>()({ request: v.object({}), access: access.student }),
  /** Hourly in the daytime (the bills function's one timer trigger): sends the reminders due. */
  deadlineReminders: action<ReminderRunReport>()({ request: timerEvent, access: access.timer }),
};

export const remindersConsoleContract = {
  reminderFigures: action<ReminderFigures>()({
    request: v.object({ term: v.string({ min: 1, max: 20 }) }),
    access: access.console('admin', 'cashier', 'reviewer', 'viewer'),
  }),
};
