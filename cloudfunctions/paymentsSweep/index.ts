import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud, timerRoutes } from '../shared/runtime';
import { paymentsSweepHandlers } from '../shared/billing';

requireDeclaredEnvironment('paymentsSweep');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'paymentsSweep',
  contract: CONTRACTS.paymentsSweep,
  handlers: paymentsSweepHandlers,
  routeEvent: timerRoutes({ sweep: 'sweep', reconcile: 'reconcile' }),
});
