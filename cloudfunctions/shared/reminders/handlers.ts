/**
 * 提醒我 (the student's acceptance), the reminders timer, and the console's figures.
 */
import { performance } from 'node:perf_hooks';
import { owedBills } from '../billing';
import { AppError, commands, MAX_READ, type Handlers } from '../runtime';
import type { VariableName } from '../runtime/environment';
import type { remindersConsoleContract, remindersStudentContract, ReminderRunReport } from './contract';
import { classifySendError, DEFAULT_REMINDER_DAYS, dueReminders, MAX_REMINDER_ATTEMPTS, MAX_REMINDER_DAYS, reminderWindow, type DueReminder } from './domain/reminders';
import { REMINDER_PAGE, reminderMessageData } from './message';
import { reminderStore, type DeadlineReminderDoc, type ReminderConsentDoc } from './store';

const TEMPLATE_ENV = 'DEADLINE_REMINDER_TEMPLATE_ID' satisfies VariableName;
const DAYS_ENV = 'DEADLINE_REMINDER_DAYS' satisfies VariableName;
/** A run stops starting new sends after this long; the next hourly run goes on (a function runs at most 60 s). */
const RUN_BUDGET_MS = 40_000;
/** Longer than any run can last: a reminder 发送中 for this long was left by a run that stopped. */
const SEND_LEASE_MS = 10 * 60_000;

function reminderDays(): number {
  const value = Number(process.env[DAYS_ENV]);
  return Number.isInteger(value) && value >= 1 && value <= MAX_REMINDER_DAYS ? value : DEFAULT_REMINDER_DAYS;
}

const templateId = (): string | null => process.env[TEMPLATE_ENV]?.trim() || null;

interface SendError {
  errCode?: unknown;
  errMsg?: unknown;
  message?: unknown;
}

const describeError = (error: unknown): { code: number | null; text: string } => {
  const e = (error ?? {}) as SendError;
  const code = typeof e.errCode === 'number' ? e.errCode : null;
  return { code, text: String(e.errMsg ?? e.message ?? error) };
};

/** Reminders already settled (sent, being sent, failed for good) are not looked at again. */
const settled = (doc: Pick<DeadlineReminderDoc, 'status' | 'attempts'>): boolean => doc.status !== 'RETRY' || doc.attempts >= MAX_REMINDER_ATTEMPTS;

export const remindersStudentHandlers: Handlers<typeof remindersStudentContract> = {
  async remindMe(_request, ctx) {
    const now = ctx.now();
    const owed = await owedBills(ctx.db, [ctx.student.studentId], { from: now });
    if (owed.length === 0) throw new AppError('REMINDER_NOTHING_DUE');
    const consent = await reminderStore(ctx.db).addCredit(ctx.student.openid, ctx.student.studentId, [...new Set(owed.map((bill) => bill.term))], now);
    const next = Math.min(...owed.map((bill) => new Date(bill.deadline).getTime()));
    ctx.log.info('reminder accepted', { remindersLeft: consent.credits });
    return { remindersLeft: consent.credits, nextDeadline: new Date(next).toISOString(), daysBefore: reminderDays() };
  },

  async deadlineReminders(_request, ctx) {
    const report: ReminderRunReport = { consents: 0, sent: 0, refused: 0, retryLater: 0, failed: 0, interrupted: 0, leftOver: 0 };
    const template = templateId();
    if (!template) {
      ctx.log.info('no deadline reminder template configured; reminders skipped');
      return report;
    }
    const started = performance.now();
    const now = ctx.now();
    const days = reminderDays();
    const store = reminderStore(ctx.db);
    const _ = commands(ctx.db);
    report.interrupted = await store.abandonInterruptedSends(new Date(now.getTime() - SEND_LEASE_MS), now);
    const openapi = (ctx.cloud as unknown as { openapi: { subscribeMessage: { send(data: unknown): Promise<unknown> } } }).openapi;

    const send = async (reminder: DueReminder, consent: ReminderConsentDoc): Promise<void> => {
      if (!(await store.claim(reminder, consent._id, now))) return;
      try {
        await openapi.subscribeMessage.send({ touser: consent._id, templateId: template, page: REMINDER_PAGE, data: reminderMessageData(reminder) });
        await store.markSent(reminder.key, consent._id, now);
        consent.credits -= 1;
        report.sent += 1;
      } catch (error) {
        const { code, text } = describeError(error);
        const failure = classifySendError(code);
        if (failure === 'refused') {
          await store.markRefused(consent._id, now);
          consent.credits = 0;
          report.refused += 1;
        }
        const attempts = (await store.reminders.findById(reminder.key))?.attempts ?? MAX_REMINDER_ATTEMPTS;
        const retry = failure === 'passing' && attempts < MAX_REMINDER_ATTEMPTS;
        await store.markFailed(reminder.key, retry ? 'RETRY' : 'FAILED', code === null ? text : `${code} ${text}`, now);
        if (retry) report.retryLater += 1;
        else if (failure !== 'refused') report.failed += 1;
        ctx.log.warn('deadline reminder not sent', { key: reminder.key, errCode: code, retry });
      }
    };

    let after = '';
    for (;;) {
      const page = await store.consents.find({ credits: _.gt(0), _id: _.gt(after) }, { orderBy: [['_id', 'asc']], limit: MAX_READ });
      if (page.length === 0) break;
      report.consents += page.length;
      // A student with several WeChat accounts is reminded once, on the account that accepted last.
      const byStudent = new Map<string, ReminderConsentDoc>();
      for (const consent of page) {
        const known = byStudent.get(consent.studentId);
        if (!known || new Date(consent.lastAcceptedAt).getTime() > new Date(known.lastAcceptedAt).getTime()) byStudent.set(consent.studentId, consent);
      }
      const window = reminderWindow(now, days);
      const due = dueReminders(await owedBills(ctx.db, [...byStudent.keys()], window), now, days);
      const done = new Set<string>();
      for (let i = 0; i < due.length; i += MAX_READ) {
        const keys = due.slice(i, i + MAX_READ).map((reminder) => reminder.key);
        const found = await store.reminders.find({ _id: _.in(keys) }, { limit: keys.length, fields: ['status', 'attempts'] });
        for (const doc of found) if (settled(doc)) done.add(doc._id);
      }
      for (const reminder of due) {
        const consent = byStudent.get(reminder.studentId);
        if (done.has(reminder.key) || !consent || consent.credits <= 0) continue;
        if (performance.now() - started >= RUN_BUDGET_MS) {
          report.leftOver += 1;
          continue;
        }
        await send(reminder, consent);
      }
      if (page.length < MAX_READ) break;
      after = page[page.length - 1]!._id;
    }
    ctx.log.info('deadline reminders run', { ...report });
    return report;
  },
};

interface CountRow {
  students: number;
}

export const remindersConsoleHandlers: Handlers<typeof remindersConsoleContract> = {
  async reminderFigures({ term }, ctx) {
    const store = reminderStore(ctx.db);
    const distinctStudents = async (rows: Promise<CountRow[]>): Promise<number> => (await rows)[0]?.students ?? 0;
    const [optedIn, reminded, failed] = await Promise.all([
      distinctStudents(store.consents.aggregate<CountRow>([{ match: { terms: term } }, { group: { _id: '$studentId' } }, { count: 'students' }])),
      distinctStudents(store.reminders.aggregate<CountRow>([{ match: { terms: term, status: 'SENT' } }, { group: { _id: '$studentId' } }, { count: 'students' }])),
      store.reminders.count({ terms: term, status: 'FAILED' }),
    ]);
    return { term, optedIn, reminded, failed, daysBefore: reminderDays() };
  },
};
