/**
 * The one contract shared by the mini program and the cloud functions: per function, its actions,
 * request schemas, response types and error codes. The mini program imports types only.
 */
import type { Contract, RequestOf, ResponseOf } from './kernel/contract';
import { COMMON_ERRORS } from './kernel/result';
import { authContract, AUTH_ERRORS, studentsConsoleContract } from './students/contract';
import { billsContract, BILLS_ERRORS } from './billing/contract';
import { payContract, PAY_ERRORS } from './billing/contract';
import { receiptsContract, RECEIPTS_ERRORS } from './receipts/contract';
import { billingConsoleContract, BILLING_CONSOLE_ERRORS, paymentsSweepContract, PAYMENTS_SWEEP_ERRORS } from './billing/contract';
import { adminContract, ADMIN_ERRORS } from './staff/contract';
import { importsContract, IMPORTS_ERRORS } from './imports/contract';
import { remindersConsoleContract, remindersStudentContract, REMINDERS_ERRORS } from './reminders/contract';

export const CONTRACTS = {
  auth: authContract,
  bills: { ...billsContract, ...remindersStudentContract },
  pay: payContract,
  receipts: receiptsContract,
  paymentsSweep: paymentsSweepContract,
  admin: { ...adminContract, ...importsContract, ...studentsConsoleContract, ...billingConsoleContract, ...remindersConsoleContract },
} as const satisfies Record<string, Contract>;

export const ERROR_MESSAGES = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...BILLS_ERRORS,
  ...PAY_ERRORS,
  ...RECEIPTS_ERRORS,
  ...PAYMENTS_SWEEP_ERRORS,
  ...ADMIN_ERRORS,
  ...IMPORTS_ERRORS,
  ...BILLING_CONSOLE_ERRORS,
  ...REMINDERS_ERRORS,
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;
export type Contracts = typeof CONTRACTS;
export type FunctionName = keyof Contracts;
export type ActionName<F extends FunctionName> = keyof Contracts[F] & string;
export type ApiRequest<F extends FunctionName, A extends ActionName<F>> = RequestOf<Contracts[F], A>;
export type ApiResponse<F extends FunctionName, A extends ActionName<F>> = ResponseOf<Contracts[F], A>;

export type { ApiResult } from './kernel/result';
export type { Access, StaffRole } from './kernel/contract';
export { STAFF_ROLES } from './kernel/contract';
