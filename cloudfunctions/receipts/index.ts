import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { receiptsHandlers } from '../shared/receipts';

requireDeclaredEnvironment('receipts');
initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'receipts',
  contract: CONTRACTS.receipts,
  handlers: receiptsHandlers,
  // The timer trigger (config.json, every minute) sweeps: receipts for paid orders that have none,
  // 冲红 for refunded orders, missing or stale documents, and the queued emails.
  routeEvent: (event) => (event.Type === 'Timer' ? { action: 'sweep', payload: {} } : null),
});
