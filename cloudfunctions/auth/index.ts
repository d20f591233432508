import cloud from 'wx-server-sdk';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { authHandlers } from './handlers';

initCloud(cloud);

export const main = defineFunction(cloud, { name: 'auth', contract: CONTRACTS.auth, handlers: authHandlers });
