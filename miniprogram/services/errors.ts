import type { ErrorCode } from '../../cloudfunctions/shared/contracts';

/** A code from the contract, or NETWORK when the back end could not be reached or answered badly. */
export type ServiceErrorCode = ErrorCode | 'NETWORK';

export const NETWORK_MESSAGE = '网络异常，请检查网络后重试';
export const TIMEOUT_MESSAGE = '请求超时，请检查网络后重试';
export const UNAVAILABLE_MESSAGE = '服务暂时不可用，请稍后再试';
export const BAD_RESPONSE_MESSAGE = '系统繁忙，请稍后再试';

/**
 * What every service call throws. `message` is Chinese and can be shown to the user as it is;
 * branch on `code`.
 */
export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ServiceErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    // Keep instanceof working after the ES5 down-compile.
    Object.setPrototypeOf(this, ServiceError.prototype);
    this.name = 'ServiceError';
    this.code = code;
    this.details = details;
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ServiceError');
}

/** The call was refused because nobody is signed in on this WeChat (or the session ended). */
export function isSignedOut(error: unknown): boolean {
  return isServiceError(error) && error.code === 'UNAUTHENTICATED';
}

/** The message to show for anything a service call may throw. */
export function errorMessage(error: unknown): string {
  return isServiceError(error) ? error.message : BAD_RESPONSE_MESSAGE;
}
