import cloud from 'wx-server-sdk';
import { requireDeclaredEnvironment } from '../shared/runtime/environment';
import { CONTRACTS } from '../shared/contracts';
import { defineFunction, initCloud } from '../shared/runtime';
import { payHandlers, payStudentJoins } from '../shared/billing';

requireDeclaredEnvironment('pay');
initCloud(cloud);

export const main = defineFunction(cloud, { name: 'pay', contract: CONTRACTS.pay, handlers: payHandlers, studentJoins: payStudentJoins });
