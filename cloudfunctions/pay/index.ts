import cloud from 'wx-server-sdk';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { payHandlers } from './handlers';

initCloud(cloud);

export const main = defineFunction(cloud, { name: 'pay', contract: CONTRACTS.pay, handlers: payHandlers });
