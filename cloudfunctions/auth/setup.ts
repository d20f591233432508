/**
 * 首次登录 (first sign-in) and the verification of a WeChat account new to a student. Both start
 * at sign-in with the right password and leave a pending record for the caller's OPENID; the
 * session is granted only when the last step succeeds.
 */
import { AppError, transaction, type RequestContext } from '../shared/runtime';
import { passwordContextOf, type StudentDoc } from '../shared/domain/student';
import type { MaskedIdentity } from '../shared/contracts/auth';
import { maskedIdentityOf } from './views';
import { PASSWORD_RULES_TEXT } from '../shared/domain/password-policy';
import { hashPassword } from '../shared/security';
import type { SetupState } from '../shared/contracts/auth';
import { identityHash, SESSION_TTL_MS } from './deps';
import { assertAcceptablePassword } from './identify';
import { exchangePhoneCode } from './phone';
import {
  findStudentById,
  grantSessionIn,
  loadPending,
  passwordStamp,
  pendingId,
  updatePending,
  type PendingDoc,
  type PendingPurpose,
} from './store';

/** At most this many WeChat accounts stay bound to one student (the most recent ones). */
const MAX_BOUND_OPENIDS = 10;

export const withOpenid = (openids: readonly string[], openid: string): string[] =>
  [...openids.filter((o) => o !== openid), openid].slice(-MAX_BOUND_OPENIDS);

async function requirePending(
  ctx: RequestContext,
  purpose: Exclude<PendingPurpose, 'reset'>,
): Promise<{ openid: string; pending: PendingDoc; student: StudentDoc }> {
  const openid = ctx.caller.openid as string;
  const expired = new AppError(purpose === 'setup' ? 'SETUP_EXPIRED' : 'DEVICE_EXPIRED');
  const pending = await loadPending(ctx.db, openid, purpose, ctx.now());
  if (!pending) throw expired;
  const student = await findStudentById(ctx.db, pending.studentId);
  if (!student || passwordStamp(student) !== pending.stamp) throw expired;
  if (purpose === 'setup' ? student.setupCompletedAt : !student.setupCompletedAt) throw expired;
  return { openid, pending, student };
}

function stateOf(pending: PendingDoc, student: StudentDoc): SetupState {
  return {
    identity: maskedIdentityOf(student),
    identityConfirmed: pending.identityConfirmedAt !== null,
    passwordSet: !student.mustChangePassword || pending.newPasswordHash !== null,
    phoneOnFile: student.phoneMasked,
    expiresAt: new Date(pending.expiresAt).toISOString(),
    passwordRules: PASSWORD_RULES_TEXT,
  };
}

export async function setupState(_request: Record<string, never>, ctx: RequestContext): Promise<SetupState> {
  const { pending, student } = await requirePending(ctx, 'setup');
  return stateOf(pending, student);
}

export async function setupConfirmIdentity(_request: Record<string, never>, ctx: RequestContext): Promise<SetupState> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  const now = ctx.now();
  if (!pending.identityConfirmedAt) {
    await updatePending(ctx.db, openid, { identityConfirmedAt: now });
    pending.identityConfirmedAt = now;
  }
  ctx.log.info('first sign-in: identity confirmed', { studentId: student._id });
  return stateOf(pending, student);
}

export async function setupPassword(
  request: { newPassword: string; confirmPassword: string },
  ctx: RequestContext,
): Promise<SetupState> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  if (!pending.identityConfirmedAt) throw new AppError('SETUP_IDENTITY_FIRST');
  assertAcceptablePassword(request.newPassword, request.confirmPassword, passwordContextOf(student, identityHash()));
  const newPasswordHash = await hashPassword(request.newPassword);
  await updatePending(ctx.db, openid, { newPasswordHash });
  pending.newPasswordHash = newPasswordHash;
  ctx.log.info('first sign-in: new password accepted', { studentId: student._id });
  return stateOf(pending, student);
}

/** Writes the result of a completed verification and grants the session, all or nothing. */
async function completeVerification(
  ctx: RequestContext,
  openid: string,
  pending: PendingDoc,
  patchOf: (current: StudentDoc) => Partial<Omit<StudentDoc, '_id'>>,
  stillValid: (current: StudentDoc) => boolean,
  expiredCode: 'SETUP_EXPIRED' | 'DEVICE_EXPIRED',
): Promise<StudentDoc> {
  const now = ctx.now();
  return transaction(ctx.db, async (tx) => {
    const current = await tx.get<StudentDoc>('students', pending.studentId);
    const stillPending = await tx.get<PendingDoc>('sessions', pendingId(openid));
    if (!current || !stillPending || stillPending.purpose !== pending.purpose || passwordStamp(current) !== pending.stamp || !stillValid(current)) {
      throw new AppError(expiredCode);
    }
    const patch = { ...patchOf(current), updatedAt: now };
    await tx.update('students', current._id, patch);
    await grantSessionIn(tx, openid, current._id, now, SESSION_TTL_MS);
    await tx.remove('sessions', pendingId(openid));
    return { ...current, ...patch };
  });
}

export async function setupPhone(
  request: { phoneCode: string },
  ctx: RequestContext,
): Promise<{ next: 'home'; identity: MaskedIdentity }> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  if (!pending.identityConfirmedAt) throw new AppError('SETUP_IDENTITY_FIRST');
  if (student.mustChangePassword && !pending.newPasswordHash) throw new AppError('SETUP_PASSWORD_FIRST');
  const phone = await exchangePhoneCode(ctx, request.phoneCode, identityHash());
  if (student.phoneHash && student.phoneHash !== phone.hash) {
    ctx.log.info('first sign-in: phone does not match the one on file', { studentId: student._id });
    throw new AppError('PHONE_MISMATCH');
  }
  const now = ctx.now();
  const done = await completeVerification(
    ctx,
    openid,
    pending,
    (current) => ({
      ...(pending.newPasswordHash
        ? { passwordHash: pending.newPasswordHash, mustChangePassword: false, passwordChangedAt: now }
        : {}),
      phoneHash: phone.hash,
      phoneMasked: phone.masked,
      phoneVerifiedAt: now,
      setupCompletedAt: now,
      boundOpenids: withOpenid(current.boundOpenids ?? [], openid),
    }),
    (current) => !current.setupCompletedAt,
    'SETUP_EXPIRED',
  );
  ctx.log.info('first sign-in completed', { studentId: done._id });
  return { next: 'home', identity: maskedIdentityOf(done) };
}

export async function verifyDevice(
  request: { phoneCode: string },
  ctx: RequestContext,
): Promise<{ next: 'home'; identity: MaskedIdentity }> {
  const { openid, pending, student } = await requirePending(ctx, 'device');
  const phone = await exchangePhoneCode(ctx, request.phoneCode, identityHash());
  if (!student.phoneHash || student.phoneHash !== phone.hash) {
    ctx.log.info('device verification: phone does not match', { studentId: student._id });
    throw new AppError('PHONE_MISMATCH');
  }
  const now = ctx.now();
  const done = await completeVerification(
    ctx,
    openid,
    pending,
    (current) => ({ phoneVerifiedAt: now, boundOpenids: withOpenid(current.boundOpenids ?? [], openid) }),
    (current) => current.setupCompletedAt !== null && current.phoneHash === phone.hash,
    'DEVICE_EXPIRED',
  );
  ctx.log.info('WeChat account verified for student', { studentId: done._id });
  return { next: 'home', identity: maskedIdentityOf(done) };
}
