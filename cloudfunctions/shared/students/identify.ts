import { AppError, type RequestContext } from '../runtime';
import { parseIdNumber } from './domain/id-number';
import { normalizeStudentNo, STUDENT_NO_PATTERN, type StudentDoc } from './domain/student';
import { ID_NUMBER_ERROR_CODES, PASSWORD_ERROR_CODES } from './contract';
import { checkNewPassword, type PasswordContext } from './domain/password-policy';
import type { identityHash } from './deps';
import { findStudentByIdHash, findStudentByNo } from './store';

export type AccountKind = 'studentNo' | 'idNumber';
type Hash = ReturnType<typeof identityHash>;

export interface Identified {
  student: StudentDoc | null;
  /**
   * The account as typed, as a keyed hash: the same whether or not a student has it, and different
   * for a student's 学号 and 证件号 (see sign-in-throttle).
   */
  accountKey: string;
}

/** The keyed form of a 学号 as typed, for counting attempts at it. */
export const studentNoKey = (studentNo: string, hash: Hash): string => hash('login', `studentNo:${studentNo}`);

/**
 * The student an account name (学号 or 证件号, as typed) refers to. A malformed name gets its own
 * message; a well-formed one that matches nobody is not distinguishable from the caller's side.
 */
export async function identify(ctx: RequestContext, by: AccountKind, account: string, hash: Hash): Promise<Identified> {
  if (by === 'studentNo') {
    const studentNo = normalizeStudentNo(account);
    if (!STUDENT_NO_PATTERN.test(studentNo)) throw new AppError('STUDENT_NO_FORMAT');
    return { student: await findStudentByNo(ctx.db, studentNo), accountKey: studentNoKey(studentNo, hash) };
  }
  const parsed = parseIdNumber(account, ctx.now());
  if (!parsed.ok) throw new AppError(ID_NUMBER_ERROR_CODES[parsed.problem]);
  // The ID number's own lookup hash, which a student record keeps (idHash): the key of its 证件号.
  const idHash = hash('id', parsed.id);
  return { student: await findStudentByIdHash(ctx.db, idHash), accountKey: idHash };
}

/** Refuses a new password that breaks a rule, with the rule's own message. */
export function assertAcceptablePassword(newPassword: string, confirmPassword: string, context: PasswordContext): void {
  if (newPassword !== confirmPassword) throw new AppError('PASSWORD_MISMATCH');
  const [problem] = checkNewPassword(newPassword, context);
  if (problem) throw new AppError(PASSWORD_ERROR_CODES[problem]);
}
