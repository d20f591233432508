import cloud from 'wx-server-sdk';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { billsHandlers } from './handlers';

initCloud(cloud);

export const main = defineFunction(cloud, { name: 'bills', contract: CONTRACTS.bills, handlers: billsHandlers });
