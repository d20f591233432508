/**
 * 忘记密码: the student proves the account with the phone on file (WeChat's number must be the
 * same), then sets a new password. Every way the proof can fail gives the same answer, so the
 * flow does not tell a stranger whether an account exists or has a phone.
 */
import { AppError, transaction, type RequestContext } from '../runtime';
import { maskName } from '../kernel/mask';
import { passwordChange, passwordContextOf } from './domain/student';
import { PASSWORD_RULES_TEXT } from './views';
import { hashPassword } from './credentials';
import type { ForgotVerified } from './contract';
import { identityHash, RESET_TTL_MS } from './deps';
import { assertAcceptablePassword, identify, studentNoKey, type AccountKind } from './identify';
import { exchangePhoneCode } from './phone';
import { asCountedAttempt } from './throttle';
import {
  boundCounterId,
  clearCounters,
  endStudentSessions,
  findStudentById,
  loadPending,
  passwordStamp,
  startPending,
  strangerCounterId,
} from './store';

export async function forgotVerify(
  request: { by: AccountKind; account: string; phoneCode: string },
  ctx: RequestContext,
): Promise<ForgotVerified> {
  const openid = ctx.caller.openid as string;
  const hash = identityHash();
  const student = await asCountedAttempt(ctx.db, openid, ctx.now(), async () => {
    const { student: found } = await identify(ctx, request.by, request.account, hash);
    const phone = await exchangePhoneCode(ctx, request.phoneCode, hash);
    if (!found || !found.phoneHash || found.phoneHash !== phone.hash) {
      ctx.log.info('password reset: phone not verified', { studentId: found?._id ?? null });
      throw new AppError('RESET_NOT_VERIFIED');
    }
    return found;
  });
  const pending = await startPending(ctx.db, openid, student, 'reset', ctx.now(), RESET_TTL_MS);
  ctx.log.info('password reset: phone verified', { studentId: student._id });
  return {
    name: maskName(student.name),
    studentNo: student.studentNo,
    expiresAt: pending.expiresAt.toISOString(),
    passwordRules: PASSWORD_RULES_TEXT,
  };
}

/**
 * 忘记密码 step 2, all or nothing: the new password and version (which ends every session, see
 * loadStudentSession). The WeChat account that proved the phone is the only one left bound.
 */
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
    const current = await tx.get('students', student._id);
    const stillPending = await tx.get('pendingSignIns', openid);
    if (
      !current ||
      !stillPending ||
      stillPending.purpose !== 'reset' ||
      stillPending.studentId !== current._id ||
      passwordStamp(current) !== stillPending.stamp
    ) {
      throw new AppError('RESET_EXPIRED');
    }
    await tx.update('students', current._id, {
      ...passwordChange(current, passwordHash, now),
      // The phone was just proven through WeChat by this account; no other stays bound.
      phoneVerifiedAt: now,
      boundOpenids: [openid],
      updatedAt: now,
    });
    await tx.remove('pendingSignIns', openid);
  });
  // Tidying (those sessions no longer pass the session check), and the locks are lifted.
  const ended = await endStudentSessions(ctx.db, student._id);
  await clearCounters(ctx.db, [
    boundCounterId(student._id, openid),
    strangerCounterId(studentNoKey(student.studentNo, identityHash()), openid),
    strangerCounterId(student.idHash, openid),
  ]);
  ctx.log.info('password reset', { studentId: student._id, sessionsEnded: ended });
  return { done: true };
}
