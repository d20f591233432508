/**
 * Brute-force protection for sign-in, as pure rules over a failure counter. Two counters apply to
 * every attempt, and neither can be moved by anyone but the caller:
 * - per account as typed and per WeChat account (OPENID): free tries, then growing waits, then a
 *   temporary lock. The account is the 学号 or the 证件号 exactly as typed (hashed), never the
 *   student it belongs to, so a refusal says nothing about whether the account exists, and 学号 and
 *   证件号 are not linked by a shared count. A WeChat account bound to the student counts under
 *   the student instead (its owner may be told the account is locked);
 * - per WeChat account, across all accounts it tries: a cap per hour.
 * There is deliberately no count shared by all strangers of one student: that count is what lets
 * one stranger keep the real student out (at first sign-in or on a new phone the student is a
 * stranger too). A password alone never grants a session to a WeChat account new to the student
 * (first sign-in and new devices prove the phone, or an activation code from the office), so
 * guessing from many WeChat accounts gains no access.
 * An attempt is counted before its password is checked (so parallel attempts cannot all pass on
 * the same count) and given back when it succeeds; a success clears the counter.
 * Attempts refused by a wait or a lock are not counted.
 */

export interface FailureCounter {
  failures: number;
  lastFailureAt: Date | null;
}

export type Gate =
  | { kind: 'open' }
  /** Too soon after the last failure: try again after the wait. */
  | { kind: 'wait'; retryAfterMs: number }
  /** Temporarily locked. */
  | { kind: 'locked'; retryAfterMs: number };

export const ACCOUNT_RULES = {
  /** Failures allowed with no wait. */
  freeFailures: 2,
  /** The wait after the first failure beyond the free ones; it doubles with each further failure. */
  firstWaitMs: 15_000,
  /** From this many failures on, the account is locked… */
  lockAtFailures: 8,
  /** …for this long after the latest failure. */
  lockMs: 30 * 60_000,
  /** Failures older than this are forgotten. */
  forgetAfterMs: 24 * 3600_000,
} as const;

export const OPENID_RULES = {
  /** Failed sign-ins (any accounts) one WeChat account may make… */
  maxFailures: 20,
  /** …before it must pause this long after its latest failure; the count is forgotten after a pause this long. */
  windowMs: 3600_000,
} as const;

const msSince = (at: Date | null, now: Date): number => (at ? now.getTime() - new Date(at).getTime() : Infinity);

/** The failures that still count at `now`. */
export function liveAccountFailures(counter: FailureCounter | null, now: Date): number {
  if (!counter || msSince(counter.lastFailureAt, now) >= ACCOUNT_RULES.forgetAfterMs) return 0;
  return counter.failures;
}

/** How long after the latest failure the next attempt must wait, for a given failure count. */
export function accountWaitMs(failures: number): number {
  if (failures <= ACCOUNT_RULES.freeFailures) return 0;
  if (failures >= ACCOUNT_RULES.lockAtFailures) return ACCOUNT_RULES.lockMs;
  return ACCOUNT_RULES.firstWaitMs * 2 ** (failures - ACCOUNT_RULES.freeFailures - 1);
}

export function accountGate(counter: FailureCounter | null, now: Date): Gate {
  const failures = liveAccountFailures(counter, now);
  const wait = accountWaitMs(failures);
  const remaining = wait - msSince(counter?.lastFailureAt ?? null, now);
  if (wait === 0 || remaining <= 0) return { kind: 'open' };
  return failures >= ACCOUNT_RULES.lockAtFailures ? { kind: 'locked', retryAfterMs: remaining } : { kind: 'wait', retryAfterMs: remaining };
}

export function afterAccountFailure(counter: FailureCounter | null, now: Date): FailureCounter {
  return { failures: liveAccountFailures(counter, now) + 1, lastFailureAt: now };
}

export function liveOpenidFailures(counter: FailureCounter | null, now: Date): number {
  if (!counter || msSince(counter.lastFailureAt, now) >= OPENID_RULES.windowMs) return 0;
  return counter.failures;
}

export function openidGate(counter: FailureCounter | null, now: Date): Gate {
  const failures = liveOpenidFailures(counter, now);
  if (failures < OPENID_RULES.maxFailures) return { kind: 'open' };
  return { kind: 'wait', retryAfterMs: OPENID_RULES.windowMs - msSince(counter?.lastFailureAt ?? null, now) };
}

export function afterOpenidFailure(counter: FailureCounter | null, now: Date): FailureCounter {
  return { failures: liveOpenidFailures(counter, now) + 1, lastFailureAt: now };
}

/** Whole seconds, rounded up, for a message such as "请 30 秒后再试". */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** "30 秒" / "4 分钟" / "1 小时" */
export function describeWait(ms: number): string {
  const seconds = retryAfterSeconds(ms);
  if (seconds < 60) return `${seconds} 秒`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} 分钟`;
  return `${Math.ceil(minutes / 60)} 小时`;
}
