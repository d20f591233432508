/**
 * The reminders' own records: a WeChat account's acceptances of the 缴费提醒 message
 * (reminderConsents) and each reminder sent or tried (deadlineReminders, one per student and
 * deadline day, so a reminder is never sent twice).
 */
import { collection, commands, isDuplicateKeyError, type Database } from '../runtime';
import { MAX_REMINDER_CREDITS, type DueReminder } from './domain/reminders';

/** reminderConsents/{OPENID}: what one WeChat account accepted. */
export interface ReminderConsentDoc {
  _id: string;
  studentId: string;
  /** Acceptances not yet used: each allows one message (a one-time subscription). */
  credits: number;
  /** Terms of the bills owed when the student asked (the console counts students per term). */
  terms: string[];
  firstAcceptedAt: Date;
  lastAcceptedAt: Date;
  /** WeChat refused a message (43101: withdrawn, or none left): no more sent until a new acceptance. */
  refusedAt: Date | null;
  updatedAt: Date;
}

export type DeadlineReminderStatus = 'SENDING' | 'SENT' | 'RETRY' | 'FAILED';

/** deadlineReminders/{studentId}:{deadlineDay}: the reminder of one deadline. */
export interface DeadlineReminderDoc {
  _id: string;
  studentId: string;
  openid: string;
  deadlineDay: string;
  deadline: Date;
  billIds: string[];
  terms: string[];
  total: number;
  status: DeadlineReminderStatus;
  attempts: number;
  /** WeChat's answer when it failed (errCode and message, never the student's data). */
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
  updatedAt: Date;
}

export function reminderStore(db: Database) {
  const consents = collection(db, 'reminderConsents');
  const reminders = collection(db, 'deadlineReminders');
  const _ = commands(db);

  return {
    consents,
    reminders,

    /** One more acceptance of this account (at most MAX_REMINDER_CREDITS kept); a refusal is forgotten. */
    async addCredit(openid: string, studentId: string, terms: readonly string[], at: Date): Promise<ReminderConsentDoc> {
      for (;;) {
        const existing = await consents.findById(openid);
        if (!existing) {
          const doc: ReminderConsentDoc = { _id: openid, studentId, credits: 1, terms: [...terms], firstAcceptedAt: at, lastAcceptedAt: at, refusedAt: null, updatedAt: at };
          try {
            await consents.insert(doc);
            return doc;
          } catch (error) {
            if (!isDuplicateKeyError(error)) throw error;
            continue; // accepted twice at once: the other insert won, add to it
          }
        }
        // The account may have been signed in as another student since: the acceptance is the new student's.
        const sameStudent = existing.studentId === studentId;
        const credits = Math.min(MAX_REMINDER_CREDITS, (sameStudent && !existing.refusedAt ? existing.credits : 0) + 1);
        const mergedTerms = sameStudent ? [...new Set([...existing.terms, ...terms])] : [...terms];
        const changed = await consents.updateWhere(
          { _id: openid, updatedAt: existing.updatedAt },
          { studentId, credits, terms: _.set(mergedTerms), lastAcceptedAt: at, refusedAt: null, updatedAt: at },
        );
        if (changed === 1) return { ...existing, studentId, credits, terms: mergedTerms, lastAcceptedAt: at, refusedAt: null, updatedAt: at };
      }
    },

    /** Claims the reminder for sending: true when this run is the one to send it (never two runs, never twice). */
    async claim(reminder: DueReminder, openid: string, at: Date): Promise<boolean> {
      try {
        await reminders.insert({
          _id: reminder.key,
          studentId: reminder.studentId,
          openid,
          deadlineDay: reminder.deadlineDay,
          deadline: reminder.deadline,
          billIds: reminder.billIds,
          terms: reminder.terms,
          total: reminder.total,
          status: 'SENDING',
          attempts: 1,
          error: null,
          createdAt: at,
          sentAt: null,
          updatedAt: at,
        });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Tried before and failed for a passing reason: this run tries again.
      return (await reminders.updateWhere({ _id: reminder.key, status: 'RETRY' }, { status: 'SENDING', openid, attempts: _.inc(1), updatedAt: at })) === 1;
    },

    /** Sent: the reminder is done and the account has one acceptance fewer. */
    async markSent(key: string, openid: string, at: Date): Promise<void> {
      await reminders.updateById(key, { status: 'SENT', error: null, sentAt: at, updatedAt: at });
      await consents.updateWhere({ _id: openid, credits: _.gt(0) }, { credits: _.inc(-1), updatedAt: at });
    },

    async markFailed(key: string, status: 'RETRY' | 'FAILED', error: string, at: Date): Promise<void> {
      await reminders.updateById(key, { status, error: error.slice(0, 200), updatedAt: at });
    },

    /**
     * Reminders still 发送中 since before `claimedBefore`: a run stopped between claiming and
     * recording (WeChat may or may not have delivered). Failed, so that the console counts them and
     * no run sends one a second time. Returns how many.
     */
    async abandonInterruptedSends(claimedBefore: Date, at: Date): Promise<number> {
      return reminders.updateWhere(
        { status: 'SENDING', updatedAt: _.lt(claimedBefore) },
        { status: 'FAILED', error: 'interrupted while sending; outcome unknown, not sent again', updatedAt: at },
      );
    },

    /** WeChat refused: the account has nothing left to send on until the student accepts again. */
    async markRefused(openid: string, at: Date): Promise<void> {
      await consents.updateById(openid, { credits: 0, refusedAt: at, updatedAt: at });
    },
  };
}

export type ReminderStore = ReturnType<typeof reminderStore>;
