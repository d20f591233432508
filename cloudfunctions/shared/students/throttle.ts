/** Answers and bookkeeping of the sign-in limits (the rules themselves are in the domain). */
import { AppError, type Database } from '../runtime';
import {
  accountGate,
  afterAccountFailure,
  afterOpenidFailure,
  describeWait,
  openidGate,
  retryAfterSeconds,
  type FailureCounter,
  type Gate,
} from './domain/sign-in-throttle';
import { compareAndSetCounter, loadCounter, openidCounterId, releaseCounter, type AttemptDoc } from './store';

export function tooFrequent(gate: Extract<Gate, { kind: 'wait' | 'locked' }>, what = '尝试过于频繁'): AppError {
  return new AppError('RATE_LIMITED', `${what}，请 ${describeWait(gate.retryAfterMs)}后再试`, {
    retryAfterSeconds: retryAfterSeconds(gate.retryAfterMs),
  });
}

export const OPENID_LIMIT_TEXT = '当前微信账号验证失败次数过多';

export function lockedForOwner(retryAfterMs: number): AppError {
  return new AppError(
    'ACCOUNT_LOCKED',
    `密码错误次数过多，账号已临时锁定。请 ${describeWait(retryAfterMs)}后再试，或通过“忘记密码”验证手机号后重设密码`,
    { retryAfterSeconds: retryAfterSeconds(retryAfterMs) },
  );
}

/** Refuses the attempt when the WeChat account has failed too often (on its counter as already read). */
export function checkOpenidGate(counter: AttemptDoc | null, now: Date): void {
  const gate = openidGate(counter, now);
  if (gate.kind !== 'open') throw tooFrequent(gate, OPENID_LIMIT_TEXT);
}

/** A counter's rules: whether an attempt may go ahead, and the counter after a failure. */
export interface CounterRules {
  gate(counter: FailureCounter | null, now: Date): Gate;
  after(counter: FailureCounter | null, now: Date): FailureCounter;
}

export const ACCOUNT_COUNTER: CounterRules = { gate: accountGate, after: afterAccountFailure };
export const OPENID_COUNTER: CounterRules = { gate: openidGate, after: afterOpenidFailure };

export type Reservation =
  | { ok: true; counter: FailureCounter }
  | { ok: false; gate: Extract<Gate, { kind: 'wait' | 'locked' }> };

/** Rounds of compare-and-set before an attempt that keeps colliding with others is refused. */
const RESERVE_ROUNDS = 4;
/** What such an attempt is told: try again in a moment. */
const CONTENTION_WAIT_MS = 1000;

/**
 * Counts the attempt as a failure BEFORE the password is checked, so that parallel attempts cannot
 * all pass the limit on the same copy of the counter: the counter moves from the value the rules
 * were applied to, to the next one, only if nobody changed it in between (compare-and-set);
 * otherwise it is read again and the rules are applied again. A success gives the attempt back
 * (`releaseCounter`) or clears the counter.
 */
export async function reserveAttempt(
  db: Database,
  id: string,
  seen: AttemptDoc | null,
  rules: CounterRules,
  now: Date,
): Promise<Reservation> {
  let current = seen;
  for (let round = 0; round < RESERVE_ROUNDS; round += 1) {
    const gate = rules.gate(current, now);
    if (gate.kind !== 'open') return { ok: false, gate };
    const next = rules.after(current, now);
    if (await compareAndSetCounter(db, id, current, next)) return { ok: true, counter: next };
    current = await loadCounter(db, id);
  }
  return { ok: false, gate: { kind: 'wait', retryAfterMs: CONTENTION_WAIT_MS } };
}

/**
 * Reserves an attempt against the WeChat account's own counter (20 failures an hour, across all
 * accounts); refuses with RATE_LIMITED when it has none left.
 */
export async function reserveOpenidAttempt(db: Database, openid: string, seen: AttemptDoc | null, now: Date): Promise<void> {
  const reserved = await reserveAttempt(db, openidCounterId(openid), seen, OPENID_COUNTER, now);
  if (!reserved.ok) throw tooFrequent(reserved.gate, OPENID_LIMIT_TEXT);
}

/** Gives a reserved attempt of the WeChat account back: it did not fail. */
export const releaseOpenidAttempt = (db: Database, openid: string): Promise<void> => releaseCounter(db, openidCounterId(openid));

/**
 * Runs a proof the caller offers (a phone code, an activation code, the phone on file) as one
 * attempt of the WeChat account: refused when the account has failed too often, counted before
 * the proof is checked, given back only when the proof holds or WeChat itself was unavailable.
 * Junk codes therefore cost the sender their hourly budget (and WeChat a billed call at most
 * that often).
 */
export async function asCountedAttempt<T>(db: Database, openid: string, now: Date, proof: () => Promise<T>): Promise<T> {
  const counter = await loadCounter(db, openidCounterId(openid));
  checkOpenidGate(counter, now);
  await reserveOpenidAttempt(db, openid, counter, now);
  let result: T;
  try {
    result = await proof();
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAVAILABLE') await releaseOpenidAttempt(db, openid);
    throw error;
  }
  await releaseOpenidAttempt(db, openid);
  return result;
}
