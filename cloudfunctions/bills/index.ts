import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud, timerRoutes } from '../shared/runtime';
import { billsHandlers } from '../shared/billing';
import { remindersStudentHandlers } from '../shared/reminders';

requireDeclaredEnvironment('bills');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'bills',
  contract: CONTRACTS.bills,
  handlers: { ...billsHandlers, ...remindersStudentHandlers },
  routeEvent: timerRoutes({ deadlineReminders: 'deadlineReminders' }),
});
