import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud, timerRoutes } from '../shared/runtime';
import { authHandlers, CLEANUP_TRIGGER } from '../shared/students';

requireDeclaredEnvironment('auth');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'auth',
  contract: CONTRACTS.auth,
  handlers: authHandlers,
  routeEvent: timerRoutes({ [CLEANUP_TRIGGER]: 'cleanup' }),
});
