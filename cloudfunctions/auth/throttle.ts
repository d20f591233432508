/** Answers and bookkeeping of the sign-in limits (the rules themselves are in the domain). */
import { AppError, type RequestContext } from '../shared/runtime';
import {
  afterOpenidFailure,
  describeWait,
  liveOpenidFailures,
  openidGate,
  retryAfterSeconds,
  type Gate,
} from '../shared/domain/sign-in-throttle';
import { openidCounterId, saveFailure, type AttemptDoc } from './store';

export function tooFrequent(gate: Extract<Gate, { kind: 'wait' | 'locked' }>, what = '尝试过于频繁'): AppError {
  return new AppError('RATE_LIMITED', `${what}，请 ${describeWait(gate.retryAfterMs)}后再试`, {
    retryAfterSeconds: retryAfterSeconds(gate.retryAfterMs),
  });
}

export function lockedForOwner(retryAfterMs: number): AppError {
  return new AppError(
    'ACCOUNT_LOCKED',
    `密码错误次数过多，账号已临时锁定。请 ${describeWait(retryAfterMs)}后再试，或通过“忘记密码”验证手机号后重设密码`,
    { retryAfterSeconds: retryAfterSeconds(retryAfterMs) },
  );
}

/** Refuses the attempt when the WeChat account has failed too often. */
export function checkOpenidGate(counters: Map<string, AttemptDoc>, openid: string, now: Date): void {
  const gate = openidGate(counters.get(openidCounterId(openid)) ?? null, now);
  if (gate.kind !== 'open') throw tooFrequent(gate, '当前微信账号验证失败次数过多');
}

export async function recordOpenidFailure(ctx: RequestContext, counters: Map<string, AttemptDoc>, openid: string): Promise<void> {
  const id = openidCounterId(openid);
  const previous = counters.get(id);
  const now = ctx.now();
  await saveFailure(ctx.db, id, previous, liveOpenidFailures(previous ?? null, now), afterOpenidFailure(previous ?? null, now));
}
