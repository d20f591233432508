/** 我的: the signed-in student's profile, 修改密码 and 退出登录. */
import { AppError, requireStudent, type RequestContext } from '../shared/runtime';
import { passwordContextOf, type StudentDoc } from '../shared/domain/student';
import { maskedIdentityOf } from './views';
import { accountGate, afterAccountFailure, liveAccountFailures } from '../shared/domain/sign-in-throttle';
import { hashPassword, verifyPassword } from '../shared/security';
import type { Profile } from '../shared/contracts/auth';
import { identityHash } from './deps';
import { assertAcceptablePassword } from './identify';
import { lockedForOwner, tooFrequent } from './throttle';
import {
  accountCounterId,
  clearCounter,
  endCallerSessions,
  endStudentSessions,
  findStudentById,
  loadCounters,
  saveFailure,
  updateStudent,
} from './store';

async function signedInStudent(ctx: RequestContext): Promise<StudentDoc> {
  const session = requireStudent(ctx);
  const student = await findStudentById(ctx.db, session.studentId);
  if (!student) throw new AppError('UNAUTHENTICATED', '登录已失效，请重新登录');
  return student;
}

export async function profile(_request: Record<string, never>, ctx: RequestContext): Promise<Profile> {
  const student = await signedInStudent(ctx);
  return { ...maskedIdentityOf(student), phone: student.phoneMasked };
}

export async function changePassword(
  request: { oldPassword: string; newPassword: string; confirmPassword: string },
  ctx: RequestContext,
): Promise<{ done: true }> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  const student = await signedInStudent(ctx);
  const counterId = accountCounterId(student._id);
  const counters = await loadCounters(ctx.db, [counterId]);
  const previous = counters.get(counterId);
  const gate = accountGate(previous ?? null, now);
  if (gate.kind === 'locked') throw lockedForOwner(gate.retryAfterMs);
  if (gate.kind === 'wait') throw tooFrequent(gate);

  const verified = await verifyPassword(request.oldPassword, student.passwordHash);
  if (!verified.ok) {
    await saveFailure(ctx.db, counterId, previous, liveAccountFailures(previous ?? null, now), afterAccountFailure(previous ?? null, now));
    ctx.log.info('password change refused: wrong current password', { studentId: student._id });
    throw new AppError('OLD_PASSWORD_WRONG');
  }
  if (request.newPassword === request.oldPassword) throw new AppError('PASSWORD_SAME_AS_OLD');
  assertAcceptablePassword(request.newPassword, request.confirmPassword, passwordContextOf(student, identityHash()));
  await updateStudent(ctx.db, student._id, {
    passwordHash: await hashPassword(request.newPassword),
    mustChangePassword: false,
    passwordChangedAt: now,
    updatedAt: now,
  });
  if (previous) await clearCounter(ctx.db, counterId);
  const ended = await endStudentSessions(ctx.db, student._id, openid);
  ctx.log.info('password changed', { studentId: student._id, otherSessionsEnded: ended });
  return { done: true };
}

export async function signOut(_request: Record<string, never>, ctx: RequestContext): Promise<{ signedOut: true }> {
  await endCallerSessions(ctx.db, ctx.caller.openid as string);
  ctx.log.info('signed out');
  return { signedOut: true };
}
