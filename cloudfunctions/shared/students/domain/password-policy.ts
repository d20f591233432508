/**
 * The rules a new password must meet. Pure; the caller supplies what the password must not
 * resemble (the student's ID number and 学号).
 */
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 64;

export type PasswordProblem =
  | 'tooShort'
  | 'tooLong'
  | 'isInitial'
  | 'containsIdNumber'
  | 'containsStudentNo'
  | 'tooCommon';

/**
 * What the password must not resemble. The ID number is not stored, so the checks against it are
 * predicates (see `passwordContextOf` in student.ts, which answers them from keyed hashes).
 */
export interface PasswordContext {
  studentNo: string;
  /** The candidate is the initial password: the last 8 characters of the ID number. */
  isInitialPassword(candidate: string): boolean;
  /** The candidate contains 6 consecutive characters of the ID number. */
  containsIdNumberRun(candidate: string): boolean;
}

/** Every 6-character run of `source` (the whole of it when it is shorter, from 4 characters). */
function runsOf(source: string, size = 6): string[] {
  const value = source.toUpperCase();
  if (value.length < 4) return [];
  if (value.length <= size) return [value];
  const runs: string[] = [];
  for (let i = 0; i + size <= value.length; i += 1) runs.push(value.slice(i, i + size));
  return runs;
}

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'abcdefghijklmnopqrstuvwxyz'];

/** Patterns people pick as often as the list: one repeated unit, a run along a row, a date. */
function isTrivialPattern(lower: string): boolean {
  for (let unit = 1; unit <= 4; unit += 1) {
    const piece = lower.slice(0, unit);
    if (lower.length >= unit * 2 && piece.repeat(Math.ceil(lower.length / unit)).slice(0, lower.length) === lower) return true;
  }
  for (const row of KEYBOARD_ROWS) {
    const reversed = [...row].reverse().join('');
    if (row.includes(lower) || reversed.includes(lower)) return true;
  }
  // A calendar date such as 19900307 or 20240101 (birthdays are the first thing guessed).
  if (/^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(lower)) return true;
  return false;
}

/** All the problems with a proposed password, in the order they should be explained. */
export function checkNewPassword(password: string, context: PasswordContext): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) problems.push('tooShort');
  if (length > PASSWORD_MAX_LENGTH) problems.push('tooLong');
  const upper = password.toUpperCase();
  if (context.isInitialPassword(password)) problems.push('isInitial');
  else if (context.containsIdNumberRun(password)) problems.push('containsIdNumber');
  if (runsOf(context.studentNo).some((run) => upper.includes(run))) problems.push('containsStudentNo');
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || isTrivialPattern(lower)) problems.push('tooCommon');
  return problems;
}

/** A context from the full ID number, for callers that have it (an import, a test). */
export function passwordContextFromIdNumber(id18: string, studentNo: string): PasswordContext {
  const upperId = id18.toUpperCase();
  return {
    studentNo,
    isInitialPassword: (candidate) => candidate.toUpperCase() === upperId.slice(-8),
    containsIdNumberRun: (candidate) => runsOf(upperId).some((run) => candidate.toUpperCase().includes(run)),
  };
}

