import { ERROR_MESSAGES, type ErrorCode } from '../contracts';

/** A failure the user should hear about: stable code for code, Chinese message for people. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGES[code],
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const appError = (code: ErrorCode, message?: string, details?: Record<string, unknown>): AppError =>
  new AppError(code, message ?? ERROR_MESSAGES[code], details);

/** The cloud database reports a unique-index violation with this code and an E11000 message. */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const text = `${(error as { errMsg?: unknown }).errMsg ?? ''} ${(error as { message?: unknown }).message ?? ''}`;
  return /E11000|duplicate key/i.test(text);
}
