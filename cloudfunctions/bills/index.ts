import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/config/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { billsHandlers } from './handlers';

requireDeclaredEnvironment('bills');
initCloud(cloud);

export const main = defineFunction(cloud, { name: 'bills', contract: CONTRACTS.bills, handlers: billsHandlers });
