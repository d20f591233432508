import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/config/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { payHandlers } from './handlers';

requireDeclaredEnvironment('pay');
initCloud(cloud);

export const main = defineFunction(cloud, { name: 'pay', contract: CONTRACTS.pay, handlers: payHandlers });
