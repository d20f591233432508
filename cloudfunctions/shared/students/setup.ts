/**
 * 首次登录 (first sign-in) and the verification of a WeChat account new to a student. Both start
 * at sign-in with the right password and leave a pending record for the caller's OPENID; the
 * session is granted only when the last step succeeds.
 */
import { AppError, transaction, writeAudit, type RequestContext, type Transaction } from '../runtime';
import { normalizeActivationCode, passwordChange, passwordContextOf, type StudentDoc } from './domain/student';
import type { MaskedIdentity, PhoneProof } from './contract';
import { maskedIdentityOf, setupIdentityOf } from './views';
import { PASSWORD_RULES_TEXT } from './views';
import { hashPassword } from './credentials';
import type { SetupState } from './contract';
import { FIRST_SIGN_IN_LIMITS, identityHash, SESSION_TTL_MS } from './deps';
import { assertAcceptablePassword } from './identify';
import { asCountedAttempt } from './throttle';
import { exchangePhoneCode } from './phone';
import {
  findStudentById,
  firstSignInClaims,
  grantSessionIn,
  loadPending,
  passwordStamp,
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

function phoneProofOf(pending: PendingDoc, student: StudentDoc): PhoneProof {
  if (student.phoneHash) return 'onFile';
  return pending.activatedAt ? 'activated' : 'activationCode';
}

function stateOf(pending: PendingDoc, student: StudentDoc): SetupState {
  return {
    identity: setupIdentityOf(student, pending.signedInBy ?? 'studentNo'),
    identityConfirmed: pending.identityConfirmedAt !== null,
    passwordSet: !student.mustChangePassword || pending.newPasswordHash !== null,
    phoneProof: phoneProofOf(pending, student),
    resetByOfficeAt: student.officeResetAt ? new Date(student.officeResetAt).toISOString() : null,
    expiresAt: new Date(pending.expiresAt).toISOString(),
    passwordRules: PASSWORD_RULES_TEXT,
  };
}

/** A student with no phone on file goes no further than the identity without an activation code. */
function assertActivatedIfNeeded(pending: PendingDoc, student: StudentDoc): void {
  if (phoneProofOf(pending, student) === 'activationCode') throw new AppError('SETUP_ACTIVATION_FIRST');
}

/** The student's current activation code, if `codeHash` is it and it has not expired. */
const activationHolds = (student: StudentDoc, codeHash: string | null | undefined, at: Date): boolean =>
  !!codeHash && student.activation?.codeHash === codeHash && new Date(student.activation.expiresAt).getTime() > at.getTime();

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

export async function setupActivate(request: { activationCode: string }, ctx: RequestContext): Promise<SetupState> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  if (!pending.identityConfirmedAt) throw new AppError('SETUP_IDENTITY_FIRST');
  if (student.phoneHash) throw new AppError('ACTIVATION_NOT_NEEDED');
  if (pending.activatedAt) return stateOf(pending, student);
  const now = ctx.now();
  const codeHash = await asCountedAttempt(ctx.db, openid, now, async () => {
    const code = normalizeActivationCode(request.activationCode);
    const hash = code ? identityHash()('activation', code) : null;
    if (!activationHolds(student, hash, now)) {
      ctx.log.info('first sign-in: activation code refused', { studentId: student._id });
      throw new AppError('ACTIVATION_CODE_INVALID');
    }
    return hash as string;
  });
  await updatePending(ctx.db, openid, { activatedAt: now, activationCodeHash: codeHash });
  pending.activatedAt = now;
  pending.activationCodeHash = codeHash;
  ctx.log.info('first sign-in: activation code accepted', { studentId: student._id });
  return stateOf(pending, student);
}

export async function setupPassword(
  request: { newPassword: string; confirmPassword: string },
  ctx: RequestContext,
): Promise<SetupState> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  if (!pending.identityConfirmedAt) throw new AppError('SETUP_IDENTITY_FIRST');
  assertActivatedIfNeeded(pending, student);
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
  /** The student's changes, from the records as read inside the transaction. */
  patchOf: (current: StudentDoc, stillPending: PendingDoc) => Partial<Omit<StudentDoc, '_id'>>,
  stillValid: (current: StudentDoc, stillPending: PendingDoc) => boolean,
  expiredCode: 'SETUP_EXPIRED' | 'DEVICE_EXPIRED',
  /** Further checks and writes that must commit with the change (or refuse it). */
  alsoInTransaction?: (tx: Transaction, current: StudentDoc) => Promise<void>,
): Promise<StudentDoc> {
  const now = ctx.now();
  return transaction(ctx.db, async (tx) => {
    const current = await tx.get('students', pending.studentId);
    const stillPending = await tx.get('pendingSignIns', openid);
    if (
      !current ||
      !stillPending ||
      stillPending.purpose !== pending.purpose ||
      stillPending.studentId !== current._id ||
      passwordStamp(current) !== stillPending.stamp ||
      !stillValid(current, stillPending)
    ) {
      throw new AppError(expiredCode);
    }
    await alsoInTransaction?.(tx, current);
    const patch = { ...patchOf(current, stillPending), updatedAt: now };
    const done = { ...current, ...patch };
    await tx.update('students', current._id, patch);
    await grantSessionIn(tx, openid, done, now, SESSION_TTL_MS);
    await tx.remove('pendingSignIns', openid);
    return done;
  });
}

/**
 * A student with no phone on file gets the number of whoever completes the first sign-in, so that
 * step is where an account with a known ID number could be taken over. A phone number that another
 * student already has, or a WeChat account that already completed the first sign-in for another
 * student, cannot do it (beyond the configured numbers); the refusal is audited and tells the
 * student to contact the finance office.
 */
async function assertMayRegisterPhone(ctx: RequestContext, openid: string, student: StudentDoc, phoneHash: string): Promise<void> {
  const claims = await firstSignInClaims(ctx.db, student._id, phoneHash, openid);
  const reason =
    claims.phone >= FIRST_SIGN_IN_LIMITS.studentsPerPhone
      ? 'SETUP_PHONE_TAKEN'
      : claims.wechat >= FIRST_SIGN_IN_LIMITS.studentsPerWechat
        ? 'SETUP_WECHAT_TAKEN'
        : null;
  if (!reason) return;
  await writeAudit(ctx.db, {
    at: ctx.now(),
    actor: `openid:${openid}`,
    action: 'auth.firstSignIn.refused',
    details: { studentId: student._id, reason, otherStudentsWithPhone: claims.phone, otherStudentsSetUpByWechat: claims.wechat },
  });
  ctx.log.warn('first sign-in refused: phone or WeChat account already used for another student', { studentId: student._id, reason });
  throw new AppError(reason);
}

/** firstSignInClaims/{phone:<hash> | wechat:<openid>}: the students a phone or a WeChat account set up. */
export interface ClaimDoc {
  _id: string;
  studentIds: string[];
  updatedAt: Date;
}

/**
 * The same limits as assertMayRegisterPhone, claimed inside the completing transaction: two first
 * sign-ins racing with one phone (or one WeChat account) write the same claim document, so only
 * one of them commits.
 */
async function claimInTransaction(tx: Transaction, claimId: string, studentId: string, limit: number, refusal: 'SETUP_PHONE_TAKEN' | 'SETUP_WECHAT_TAKEN', at: Date): Promise<void> {
  const claim = await tx.get('firstSignInClaims', claimId);
  const studentIds = claim?.studentIds ?? [];
  if (studentIds.includes(studentId)) return;
  if (studentIds.length >= limit) throw new AppError(refusal);
  await tx.set('firstSignInClaims', claimId, { studentIds: [...studentIds, studentId], updatedAt: at });
}

export async function setupPhone(
  request: { phoneCode: string },
  ctx: RequestContext,
): Promise<{ next: 'home'; identity: MaskedIdentity }> {
  const { openid, pending, student } = await requirePending(ctx, 'setup');
  if (!pending.identityConfirmedAt) throw new AppError('SETUP_IDENTITY_FIRST');
  assertActivatedIfNeeded(pending, student);
  if (student.mustChangePassword && !pending.newPasswordHash) throw new AppError('SETUP_PASSWORD_FIRST');
  const phone = await asCountedAttempt(ctx.db, openid, ctx.now(), async () => {
    const verified = await exchangePhoneCode(ctx, request.phoneCode, identityHash());
    if (student.phoneHash && student.phoneHash !== verified.hash) {
      ctx.log.info('first sign-in: phone does not match the one on file', { studentId: student._id });
      throw new AppError('PHONE_MISMATCH');
    }
    return verified;
  });
  if (!student.phoneHash) await assertMayRegisterPhone(ctx, openid, student, phone.hash);
  const now = ctx.now();
  const done = await completeVerification(
    ctx,
    openid,
    pending,
    (current, stillPending) => ({
      // The new password as it is now in the pending record (it may have been set again meanwhile).
      ...(stillPending.newPasswordHash
        ? passwordChange(current, stillPending.newPasswordHash, now)
        : {}),
      phoneHash: phone.hash,
      phoneMasked: phone.masked,
      phoneVerifiedAt: now,
      setupCompletedAt: now,
      setupOpenid: openid,
      boundOpenids: withOpenid(current.boundOpenids ?? [], openid),
      // The activation code is used up; the office's reset notice has been seen.
      activation: null,
      officeResetAt: null,
    }),
    (current, stillPending) =>
      !current.setupCompletedAt &&
      stillPending.identityConfirmedAt !== null &&
      (current.phoneHash !== null || activationHolds(current, stillPending.activationCodeHash, now)) &&
      (!current.mustChangePassword || stillPending.newPasswordHash !== null) &&
      (!current.phoneHash || current.phoneHash === phone.hash),
    'SETUP_EXPIRED',
    async (tx, current) => {
      if (current.phoneHash) return;
      await claimInTransaction(tx, `phone:${phone.hash}`, current._id, FIRST_SIGN_IN_LIMITS.studentsPerPhone, 'SETUP_PHONE_TAKEN', now);
      await claimInTransaction(tx, `wechat:${openid}`, current._id, FIRST_SIGN_IN_LIMITS.studentsPerWechat, 'SETUP_WECHAT_TAKEN', now);
    },
  );
  ctx.log.info('first sign-in completed', { studentId: done._id });
  return { next: 'home', identity: maskedIdentityOf(done) };
}

export async function verifyDevice(
  request: { phoneCode: string },
  ctx: RequestContext,
): Promise<{ next: 'home'; identity: MaskedIdentity }> {
  const { openid, pending, student } = await requirePending(ctx, 'device');
  const phone = await asCountedAttempt(ctx.db, openid, ctx.now(), async () => {
    const verified = await exchangePhoneCode(ctx, request.phoneCode, identityHash());
    if (!student.phoneHash || student.phoneHash !== verified.hash) {
      ctx.log.info('device verification: phone does not match', { studentId: student._id });
      throw new AppError('PHONE_MISMATCH');
    }
    return verified;
  });
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
