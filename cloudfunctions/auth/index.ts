import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { authHandlers, CLEANUP_TRIGGER } from '../shared/students';

requireDeclaredEnvironment('auth');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'auth',
  contract: CONTRACTS.auth,
  handlers: authHandlers,
  // The timer trigger (config.json) arrives as `{ Type: 'Timer', TriggerName, Time }`.
  routeEvent: (event) =>
    event.Type === 'Timer' && event.TriggerName === CLEANUP_TRIGGER
      ? {
          action: 'cleanup',
          payload: { Type: 'Timer', TriggerName: CLEANUP_TRIGGER, ...(typeof event.Time === 'string' ? { Time: event.Time } : {}) },
        }
      : null,
});
