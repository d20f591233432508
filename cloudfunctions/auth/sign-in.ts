/** 登录: 证件号 → 下一步, and sign-in by 学号 or 证件号 with the password. */
import { AppError, type RequestContext } from '../shared/runtime';
import { maskIdNumber } from '../shared/domain/mask';
import { parseIdNumber } from '../shared/domain/id-number';
import { ID_NUMBER_ERROR_CODES } from '../shared/domain/student';
import { accountGate, afterAccountFailure, liveAccountFailures, ACCOUNT_RULES } from '../shared/domain/sign-in-throttle';
import { hashPassword, spendVerificationTime, verifyPassword } from '../shared/security';
import type { IdNumberChecked, SignInResult } from '../shared/contracts/auth';
import { DEVICE_TTL_MS, identityHash, SESSION_TTL_MS, SETUP_TTL_MS } from './deps';
import { identify, type AccountKind } from './identify';
import { clearCounter, grantSession, loadCounters, openidCounterId, saveFailure, startPending, updateStudent } from './store';
import { checkOpenidGate, lockedForOwner, recordOpenidFailure, tooFrequent } from './throttle';
import { maskedIdentityOf } from './views';

export async function checkIdNumber(request: { idNumber: string }, ctx: RequestContext): Promise<IdNumberChecked> {
  const parsed = parseIdNumber(request.idNumber, ctx.now());
  if (!parsed.ok) throw new AppError(ID_NUMBER_ERROR_CODES[parsed.problem]);
  return { idNumber: maskIdNumber(parsed.id), converted: parsed.converted };
}

export async function signIn(
  request: { by: AccountKind; account: string; password: string },
  ctx: RequestContext,
): Promise<SignInResult> {
  const openid = ctx.caller.openid as string;
  const now = ctx.now();
  const hash = identityHash();
  const { student, counterId } = await identify(ctx, request.by, request.account, hash);
  const counters = await loadCounters(ctx.db, [counterId, openidCounterId(openid)]);
  const isOwner = student !== null && student.boundOpenids.includes(openid);

  checkOpenidGate(counters, openid, now);
  const gate = accountGate(counters.get(counterId) ?? null, now);
  if (gate.kind === 'wait') throw tooFrequent(gate);
  if (gate.kind === 'locked') {
    ctx.log.info('sign-in refused: locked', { studentId: student?._id ?? null });
    throw isOwner ? lockedForOwner(gate.retryAfterMs) : new AppError('LOGIN_FAILED');
  }

  let verified = student ? await verifyPassword(request.password, student.passwordHash) : null;
  if (!student) await spendVerificationTime(request.password);
  // The initial password is the ID number's last 8 characters with an upper-case X; people type
  // the x in lower case as often as not (only while the initial password is still in force).
  if (student && !verified?.ok && student.mustChangePassword && /x/.test(request.password)) {
    verified = await verifyPassword(request.password.toUpperCase(), student.passwordHash);
  }

  if (!student || !verified?.ok) {
    const previous = counters.get(counterId);
    const next = afterAccountFailure(previous ?? null, now);
    await saveFailure(ctx.db, counterId, previous, liveAccountFailures(previous ?? null, now), next);
    await recordOpenidFailure(ctx, counters, openid);
    ctx.log.info('sign-in failed', { studentId: student?._id ?? null, failures: next.failures });
    if (isOwner && next.failures >= ACCOUNT_RULES.lockAtFailures) throw lockedForOwner(ACCOUNT_RULES.lockMs);
    throw new AppError('LOGIN_FAILED');
  }

  if (counters.has(counterId)) await clearCounter(ctx.db, counterId);
  if (verified.needsRehash) {
    await updateStudent(ctx.db, student._id, { passwordHash: await hashPassword(request.password), updatedAt: now });
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
  await grantSession(ctx.db, openid, student._id, now, SESSION_TTL_MS);
  ctx.log.info('signed in', { studentId: student._id });
  return { next: 'home', identity, phone: null };
}
