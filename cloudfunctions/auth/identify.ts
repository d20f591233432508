import { AppError, type RequestContext } from '../shared/runtime';
import { parseIdNumber } from '../shared/domain/id-number';
import { ID_NUMBER_ERROR_CODES, normalizeStudentNo, STUDENT_NO_PATTERN, type StudentDoc } from '../shared/domain/student';
import { checkNewPassword, PASSWORD_ERROR_CODES, type PasswordContext } from '../shared/domain/password-policy';
import type { identityHash } from './deps';
import { accountCounterId, findStudentByIdHash, findStudentByNo, unknownAccountCounterId } from './store';

export type AccountKind = 'studentNo' | 'idNumber';
type Hash = ReturnType<typeof identityHash>;

export interface Identified {
  student: StudentDoc | null;
  /** The failure counter for this account: the student's, or the typed name's when none has it. */
  counterId: string;
}

/**
 * The student an account name (学号 or 证件号, as typed) refers to. A malformed name gets its own
 * message; a well-formed one that matches nobody is not distinguishable from the caller's side.
 */
export async function identify(ctx: RequestContext, by: AccountKind, account: string, hash: Hash): Promise<Identified> {
  let student: StudentDoc | null;
  let name: string;
  if (by === 'studentNo') {
    const studentNo = normalizeStudentNo(account);
    if (!STUDENT_NO_PATTERN.test(studentNo)) throw new AppError('STUDENT_NO_FORMAT');
    student = await findStudentByNo(ctx.db, studentNo);
    name = `studentNo:${studentNo}`;
  } else {
    const parsed = parseIdNumber(account, ctx.now());
    if (!parsed.ok) throw new AppError(ID_NUMBER_ERROR_CODES[parsed.problem]);
    student = await findStudentByIdHash(ctx.db, hash('id', parsed.id));
    name = `idNumber:${parsed.id}`;
  }
  return { student, counterId: student ? accountCounterId(student._id) : unknownAccountCounterId(hash('login', name)) };
}

/** Refuses a new password that breaks a rule, with the rule's own message. */
export function assertAcceptablePassword(newPassword: string, confirmPassword: string, context: PasswordContext): void {
  if (newPassword !== confirmPassword) throw new AppError('PASSWORD_MISMATCH');
  const [problem] = checkNewPassword(newPassword, context);
  if (problem) throw new AppError(PASSWORD_ERROR_CODES[problem]);
}
