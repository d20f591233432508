import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { paymentsSweepHandlers } from '../shared/billing';

requireDeclaredEnvironment('paymentsSweep');
initCloud(cloud);

const TRIGGERS = new Set(['sweep', 'reconcile']);

/** Timer triggers (config.json) arrive as `{ Type: 'Timer', TriggerName, Time }`. */
export const main = defineFunction(cloud, {
  name: 'paymentsSweep',
  contract: CONTRACTS.paymentsSweep,
  handlers: paymentsSweepHandlers,
  routeEvent: (event) =>
    event.Type === 'Timer' && typeof event.TriggerName === 'string' && TRIGGERS.has(event.TriggerName)
      ? {
          action: event.TriggerName,
          payload: { Type: 'Timer', TriggerName: event.TriggerName, ...(typeof event.Time === 'string' ? { Time: event.Time } : {}) },
        }
      : null,
});
