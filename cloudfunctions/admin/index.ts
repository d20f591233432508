import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { adminHandlers, allowedOrigins } from '../shared/staff';
import { importsHandlers } from '../shared/imports';
import { studentsConsoleHandlers } from '../shared/students';
import { billingConsoleHandlers } from '../shared/billing';
import { remindersConsoleHandlers } from '../shared/reminders';

requireDeclaredEnvironment('admin');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'admin',
  contract: CONTRACTS.admin,
  handlers: { ...adminHandlers, ...importsHandlers, ...studentsConsoleHandlers, ...billingConsoleHandlers, ...remindersConsoleHandlers },
  http: () => ({ allowedOrigins: allowedOrigins() }),
});
