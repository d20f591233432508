/** 我的: the signed-in student's profile, 修改密码 and 退出登录. */
import { AppError, transaction, type RequestContext, type StudentContext } from '../runtime';
import { passwordChange, passwordContextOf, passwordVersionOf, type StudentDoc } from './domain/student';
import { maskedIdentityOf, PASSWORD_RULES_TEXT } from './views';
import { hashPassword } from './credentials';
import type { Profile } from './contract';
import { identityHash, SESSION_TTL_MS, verifyStudentPassword } from './deps';
import { assertAcceptablePassword } from './identify';
import { ACCOUNT_COUNTER, lockedForOwner, reserveAttempt, tooFrequent } from './throttle';
import {
  boundCounterId,
  clearCounter,
  endCallerSessions,
  endStudentSessions,
  findStudentById,
  grantSessionIn,
  loadCounter,
} from './store';

async function signedInStudent(ctx: StudentContext): Promise<StudentDoc> {
  const session = ctx.student;
  const student = await findStudentById(ctx.db, session.studentId);
  if (!student) throw new AppError('UNAUTHENTICATED', '登录已失效，请重新登录');
  return student;
}

export async function profile(_request: Record<string, never>, ctx: StudentContext): Promise<Profile> {
  const student = await signedInStudent(ctx);
  return { ...maskedIdentityOf(student), phone: student.phoneMasked, passwordRules: PASSWORD_RULES_TEXT };
}

/**
 * 修改密码, all or nothing: the password, the new password version (which ends every other session
 * at once, see loadStudentSession) and the caller's renewed session are written in one
 * transaction, and only if the password is still the one just checked, so two changes at the
 * same time cannot both succeed. Only the caller's WeChat account stays bound: any other must
 * verify the phone again.
 */
export async function changePassword(
  request: { oldPassword: string; newPassword: string; confirmPassword: string },
  ctx: StudentContext,
): Promise<{ done: true }> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  const student = await signedInStudent(ctx);
  const counterId = boundCounterId(student._id, openid);
  const reserved = await reserveAttempt(ctx.db, counterId, await loadCounter(ctx.db, counterId), ACCOUNT_COUNTER, now);
  if (!reserved.ok) throw reserved.gate.kind === 'locked' ? lockedForOwner(reserved.gate.retryAfterMs) : tooFrequent(reserved.gate);

  const verified = await verifyStudentPassword(student, request.oldPassword);
  if (!verified.ok) {
    ctx.log.info('password change refused: wrong current password', { studentId: student._id });
    throw new AppError('OLD_PASSWORD_WRONG');
  }
  await clearCounter(ctx.db, counterId);
  if (request.newPassword === request.oldPassword) throw new AppError('PASSWORD_SAME_AS_OLD');
  assertAcceptablePassword(request.newPassword, request.confirmPassword, passwordContextOf(student, identityHash()));
  const passwordHash = await hashPassword(request.newPassword);
  const version = passwordVersionOf(student);
  await transaction(ctx.db, async (tx) => {
    const current = await tx.get('students', student._id);
    if (!current || passwordVersionOf(current) !== version) throw new AppError('PASSWORD_CHANGED_MEANWHILE');
    const changed = { ...passwordChange(current, passwordHash, now), boundOpenids: [openid], updatedAt: now };
    await tx.update('students', current._id, changed);
    await grantSessionIn(tx, openid, { _id: current._id, passwordVersion: changed.passwordVersion }, now, SESSION_TTL_MS);
  });
  // Tidying only: those sessions no longer pass the session check.
  const ended = await endStudentSessions(ctx.db, student._id, openid);
  ctx.log.info('password changed', { studentId: student._id, otherSessionsEnded: ended });
  return { done: true };
}

export async function signOut(_request: Record<string, never>, ctx: RequestContext): Promise<{ signedOut: true }> {
  await endCallerSessions(ctx.db, ctx.caller.openid as string);
  ctx.log.info('signed out');
  return { signedOut: true };
}
