/** 登录: 证件号 → 下一步, and sign-in by 学号 or 证件号 with the password. */
import { AppError, type RequestContext } from '../shared/runtime';
import { maskIdNumber } from '../shared/domain/mask';
import { parseIdNumber } from '../shared/domain/id-number';
import { ID_NUMBER_ERROR_CODES, type StudentDoc } from '../shared/domain/student';
import { ACCOUNT_RULES } from '../shared/domain/sign-in-throttle';
import { hashPassword, spendVerificationTime, verifyPassword, type VerifyResult } from '../shared/security';
import type { IdNumberChecked, SignInResult } from '../shared/contracts/auth';
import { DEVICE_TTL_MS, identityHash, SESSION_TTL_MS, SETUP_TTL_MS } from './deps';
import { identify, type AccountKind } from './identify';
import {
  boundCounterId,
  clearCounter,
  grantSession,
  loadCounters,
  openidCounterId,
  releaseCounter,
  startPending,
  updateStudent,
} from './store';
import {
  ACCOUNT_COUNTER,
  checkOpenidGate,
  lockedForOwner,
  releaseOpenidAttempt,
  reserveAttempt,
  reserveOpenidAttempt,
  tooFrequent,
} from './throttle';
import { maskedIdentityOf } from './views';

export async function checkIdNumber(request: { idNumber: string }, ctx: RequestContext): Promise<IdNumberChecked> {
  const parsed = parseIdNumber(request.idNumber, ctx.now());
  if (!parsed.ok) throw new AppError(ID_NUMBER_ERROR_CODES[parsed.problem]);
  return { idNumber: maskIdNumber(parsed.id), converted: parsed.converted };
}

/**
 * The password as it is checked: while the initial password (the ID number's last 8 characters,
 * X upper-case) is still in force, an x typed in lower case counts as X. One form, one derivation,
 * whatever the account: the time an attempt takes says nothing about the account.
 */
function candidateFor(student: StudentDoc | null, password: string): string {
  return student?.mustChangePassword ? password.replace(/x/g, 'X') : password;
}

export async function signIn(
  request: { by: AccountKind; account: string; password: string },
  ctx: RequestContext,
): Promise<SignInResult> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  const hash = identityHash();
  const identified = await identify(ctx, request.by, request.account, hash);
  const { student } = identified;
  const isOwner = student !== null && (student.boundOpenids ?? []).includes(openid);
  // A WeChat account bound to the student has its own counter; strangers share the account's.
  const counterId = student && isOwner ? boundCounterId(student._id, openid) : identified.counterId;
  const openidId = openidCounterId(openid);
  const counters = await loadCounters(ctx.db, [counterId, openidId]);
  checkOpenidGate(counters, openid, now);

  // Both limits are taken before the password is checked (see reserveAttempt).
  const reserved = await reserveAttempt(ctx.db, counterId, counters.get(counterId) ?? null, ACCOUNT_COUNTER, now);
  if (!reserved.ok) {
    if (reserved.gate.kind === 'wait') throw tooFrequent(reserved.gate);
    ctx.log.info('sign-in refused: locked', { studentId: student?._id ?? null });
    throw isOwner ? lockedForOwner(reserved.gate.retryAfterMs) : new AppError('LOGIN_FAILED');
  }
  try {
    await reserveOpenidAttempt(ctx.db, openid, counters.get(openidId) ?? null, now);
  } catch (error) {
    await releaseCounter(ctx.db, counterId);
    throw error;
  }

  const candidate = candidateFor(student, request.password);
  let verified: VerifyResult | null = null;
  if (student) verified = await verifyPassword(candidate, student.passwordHash);
  else await spendVerificationTime(candidate);

  if (!student || !verified?.ok) {
    // Already counted by the reservations.
    ctx.log.info('sign-in failed', { studentId: student?._id ?? null, failures: reserved.counter.failures });
    if (isOwner && reserved.counter.failures >= ACCOUNT_RULES.lockAtFailures) throw lockedForOwner(ACCOUNT_RULES.lockMs);
    throw new AppError('LOGIN_FAILED');
  }

  await Promise.all([clearCounter(ctx.db, counterId), releaseOpenidAttempt(ctx.db, openid)]);
  if (verified.needsRehash) {
    await updateStudent(ctx.db, student._id, { passwordHash: await hashPassword(candidate), updatedAt: now });
  }
  const identity = maskedIdentityOf(student);

  if (!student.setupCompletedAt) {
    await startPending(ctx.db, openid, student, 'setup', now, SETUP_TTL_MS);
    ctx.log.info('sign-in: first sign-in pending', { studentId: student._id });
    return { next: 'setup', identity, phone: null };
  }
  if (!isOwner) {
    await startPending(ctx.db, openid, student, 'device', now, DEVICE_TTL_MS);
    ctx.log.info('sign-in: new WeChat account must verify', { studentId: student._id });
    return { next: 'verifyDevice', identity, phone: student.phoneMasked };
  }
  await grantSession(ctx.db, openid, student, now, SESSION_TTL_MS);
  ctx.log.info('signed in', { studentId: student._id });
  return { next: 'home', identity, phone: null };
}
