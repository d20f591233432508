/** 登录: 证件号 → 下一步, and sign-in by 学号 or 证件号 with the password. */
import { AppError, type RequestContext } from '../runtime';
import { maskIdNumber } from '../kernel/mask';
import { parseIdNumber } from './domain/id-number';
import type { StudentDoc } from './domain/student';
import { ID_NUMBER_ERROR_CODES } from './contract';
import { ACCOUNT_RULES } from './domain/sign-in-throttle';
import { hashPassword, spendVerificationTime } from './credentials';
import type { IdNumberChecked, SignInResult } from './contract';
import { DEVICE_TTL_MS, identityHash, SESSION_TTL_MS, SETUP_TTL_MS, verifyStudentPassword, type StudentPasswordCheck } from './deps';
import { identify, type AccountKind } from './identify';
import {
  boundCounterId,
  clearCounter,
  grantSession,
  loadCounters,
  openidCounterId,
  releaseCounter,
  startPending,
  strangerCounterId,
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
  const { student, accountKey } = await identify(ctx, request.by, request.account, hash);
  const isOwner = student !== null && (student.boundOpenids ?? []).includes(openid);
  // Which counter, decided by what the caller typed and who the caller is, never by whether the
  // account exists: a stranger's refusals are the same for a known and an unknown account.
  const counterId = student && isOwner ? boundCounterId(student._id, openid) : strangerCounterId(accountKey, openid);
  const openidId = openidCounterId(openid);
  const counters = await loadCounters(ctx.db, [counterId, openidId]);
  checkOpenidGate(counters.get(openidId) ?? null, now);

  // Both limits are taken before the password is checked (see reserveAttempt).
  const reserved = await reserveAttempt(ctx.db, counterId, counters.get(counterId) ?? null, ACCOUNT_COUNTER, now);
  if (!reserved.ok) {
    ctx.log.info('sign-in refused: too many attempts from this WeChat account', { gate: reserved.gate.kind });
    throw isOwner && reserved.gate.kind === 'locked' ? lockedForOwner(reserved.gate.retryAfterMs) : tooFrequent(reserved.gate);
  }
  try {
    await reserveOpenidAttempt(ctx.db, openid, counters.get(openidId) ?? null, now);
  } catch (error) {
    await releaseCounter(ctx.db, counterId);
    throw error;
  }

  // Exactly one key derivation whatever the account: the time says nothing about it.
  const candidate = candidateFor(student, request.password);
  let verified: StudentPasswordCheck | null = null;
  if (student) verified = await verifyStudentPassword(student, candidate);
  else await spendVerificationTime(candidate);

  if (!student || !verified?.ok) {
    // Already counted by the reservations.
    ctx.log.info('sign-in failed', { studentId: student?._id ?? null, failures: reserved.counter.failures });
    if (isOwner && reserved.counter.failures >= ACCOUNT_RULES.lockAtFailures) throw lockedForOwner(ACCOUNT_RULES.lockMs);
    throw new AppError('LOGIN_FAILED');
  }

  await Promise.all([clearCounter(ctx.db, counterId), releaseOpenidAttempt(ctx.db, openid)]);
  const newHash = verified.newHash ?? (verified.needsRehash ? await hashPassword(candidate) : null);
  if (newHash) await updateStudent(ctx.db, student._id, { passwordHash: newHash, updatedAt: now });

  if (!student.setupCompletedAt) {
    // Nothing about the student yet: the first sign-in's identity step shows what it needs.
    await startPending(ctx.db, openid, student, 'setup', now, SETUP_TTL_MS, request.by);
    ctx.log.info('sign-in: first sign-in pending', { studentId: student._id });
    return { next: 'setup', identity: null, phone: null };
  }
  if (!isOwner) {
    // The student's own password (changed at first sign-in) was given: the masked number to match.
    await startPending(ctx.db, openid, student, 'device', now, DEVICE_TTL_MS, request.by);
    ctx.log.info('sign-in: new WeChat account must verify', { studentId: student._id });
    return { next: 'verifyDevice', identity: null, phone: student.phoneMasked };
  }
  await grantSession(ctx.db, openid, student, now, SESSION_TTL_MS);
  ctx.log.info('signed in', { studentId: student._id });
  return { next: 'home', identity: maskedIdentityOf(student), phone: null };
}
