/**
 * The one contract shared by the mini program and the cloud functions: per function, its actions,
 * request schemas, response types and error codes. The mini program imports types only.
 */
import type { Contract, RequestOf, ResponseOf } from './define';
import { COMMON_ERRORS } from './result';
import { authContract, AUTH_ERRORS } from './auth';
import { billsContract, BILLS_ERRORS } from './bills';
import { payContract, PAY_ERRORS } from './pay';
import { receiptsContract, RECEIPTS_ERRORS } from './receipts';
import { adminContract, ADMIN_ERRORS } from './admin';
import { cronContract, CRON_ERRORS } from './cron';

export const CONTRACTS = {
  auth: authContract,
  bills: billsContract,
  pay: payContract,
  receipts: receiptsContract,
  admin: adminContract,
  cron: cronContract,
} as const satisfies Record<string, Contract>;

export const ERROR_MESSAGES = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...BILLS_ERRORS,
  ...PAY_ERRORS,
  ...RECEIPTS_ERRORS,
  ...ADMIN_ERRORS,
  ...CRON_ERRORS,
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;
export type Contracts = typeof CONTRACTS;
export type FunctionName = keyof Contracts;
export type ActionName<F extends FunctionName> = keyof Contracts[F] & string;
export type ApiRequest<F extends FunctionName, A extends ActionName<F>> = RequestOf<Contracts[F], A>;
export type ApiResponse<F extends FunctionName, A extends ActionName<F>> = ResponseOf<Contracts[F], A>;

export type { ApiResult } from './result';
export type { Access, StaffRole } from './define';
