import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { billsHandlers } from '../shared/billing';
import { remindersStudentHandlers } from '../shared/reminders';

requireDeclaredEnvironment('bills');
initCloud(cloud);

const REMINDER_TRIGGER = 'deadlineReminders';

export const main = defineFunction(cloud, {
  name: 'bills',
  contract: CONTRACTS.bills,
  handlers: { ...billsHandlers, ...remindersStudentHandlers },
  // The timer trigger (config.json) arrives as `{ Type: 'Timer', TriggerName, Time }`.
  routeEvent: (event) =>
    event.Type === 'Timer' && event.TriggerName === REMINDER_TRIGGER
      ? { action: REMINDER_TRIGGER, payload: { Type: 'Timer', TriggerName: REMINDER_TRIGGER, ...(typeof event.Time === 'string' ? { Time: event.Time } : {}) } }
      : null,
});
