import cloud from 'wx-server-sdk';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { receiptsHandlers } from './handlers';

initCloud(cloud);

export const main = defineFunction(cloud, {
  name: 'receipts',
  contract: CONTRACTS.receipts,
  handlers: receiptsHandlers,
  // The timer trigger (config.json) sweeps: receipts for paid orders that have none, stale documents.
  routeEvent: (event) => (event.Type === 'Timer' ? { action: 'sweep', payload: {} } : null),
});
