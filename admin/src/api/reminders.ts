/** Deadline reminders (缴费提醒) of a term, as figures for 概览 (every role). */
import { call } from './client';
import type { ReminderFigures } from './types';

export function reminderFigures(term: string): Promise<ReminderFigures> {
  return call('reminderFigures', { term });
}
