/**
 * 忘记密码: the student proves the account with the phone on file (WeChat's number must be the
 * same), then sets a new password. Every way the proof can fail gives the same answer, so the
 * flow does not tell a stranger whether an account exists or has a phone.
 */
import { AppError, transaction, type RequestContext } from '../shared/runtime';
import { maskName } from '../shared/domain/mask';
import { passwordContextOf, type StudentDoc } from '../shared/domain/student';
import { PASSWORD_RULES_TEXT } from '../shared/domain/password-policy';
import { hashPassword } from '../shared/security';
import type { ForgotVerified } from '../shared/contracts/auth';
import { identityHash, RESET_TTL_MS } from './deps';
import { assertAcceptablePassword, identify, type AccountKind } from './identify';
import { exchangePhoneCode } from './phone';
import { checkOpenidGate, recordOpenidFailure } from './throttle';
import { withOpenid } from './setup';
import {
  accountCounterId,
  clearCounter,
  endStudentSessions,
  findStudentById,
  loadCounters,
  loadPending,
  openidCounterId,
  passwordStamp,
  pendingId,
  startPending,
} from './store';

export async function forgotVerify(
  request: { by: AccountKind; account: string; phoneCode: string },
  ctx: RequestContext,
): Promise<ForgotVerified> {
  const openid = ctx.caller.openid as string;
  const hash = identityHash();
  const counters = await loadCounters(ctx.db, [openidCounterId(openid)]);
  checkOpenidGate(counters, openid, ctx.now());
  const { student } = await identify(ctx, request.by, request.account, hash);
  const phone = await exchangePhoneCode(ctx, request.phoneCode, hash);
  if (!student || !student.phoneHash || student.phoneHash !== phone.hash) {
    await recordOpenidFailure(ctx, counters, openid);
    ctx.log.info('password reset: phone not verified', { studentId: student?._id ?? null });
    throw new AppError('RESET_NOT_VERIFIED');
  }
  const pending = await startPending(ctx.db, openid, student, 'reset', ctx.now(), RESET_TTL_MS);
  ctx.log.info('password reset: phone verified', { studentId: student._id });
  return {
    name: maskName(student.name),
    studentNo: student.studentNo,
    expiresAt: pending.expiresAt.toISOString(),
    passwordRules: PASSWORD_RULES_TEXT,
  };
}

export async function forgotReset(
  request: { newPassword: string; confirmPassword: string },
  ctx: RequestContext,
): Promise<{ done: true }> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  const pending = await loadPending(ctx.db, openid, 'reset', now);
  if (!pending) throw new AppError('RESET_EXPIRED');
  const student = await findStudentById(ctx.db, pending.studentId);
  if (!student || passwordStamp(student) !== pending.stamp) throw new AppError('RESET_EXPIRED');
  assertAcceptablePassword(request.newPassword, request.confirmPassword, passwordContextOf(student, identityHash()));
  const passwordHash = await hashPassword(request.newPassword);
  await transaction(ctx.db, async (tx) => {
    const current = await tx.get<StudentDoc>('students', student._id);
    const stillPending = await tx.get<{ _id: string; purpose?: string }>('sessions', pendingId(openid));
    if (!current || !stillPending || stillPending.purpose !== 'reset' || passwordStamp(current) !== pending.stamp) {
      throw new AppError('RESET_EXPIRED');
    }
    await tx.update('students', current._id, {
      passwordHash,
      mustChangePassword: false,
      passwordChangedAt: now,
      // The phone was just proven through WeChat by this account.
      phoneVerifiedAt: now,
      boundOpenids: withOpenid(current.boundOpenids ?? [], openid),
      updatedAt: now,
    });
    await tx.remove('sessions', pendingId(openid));
  });
  // Whoever was signed in with the old password is signed out, and the lock is lifted.
  const ended = await endStudentSessions(ctx.db, student._id);
  await clearCounter(ctx.db, accountCounterId(student._id));
  ctx.log.info('password reset', { studentId: student._id, sessionsEnded: ended });
  return { done: true };
}
