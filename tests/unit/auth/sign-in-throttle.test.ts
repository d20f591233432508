import { accountGate, afterAccountFailure, afterOpenidFailure, describeWait, openidGate, type FailureCounter } from '../../../cloudfunctions/shared/students/domain/sign-in-throttle';

const T0 = new Date('2025-03-03T01:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function failTimes(n: number, when = T0): FailureCounter | null {
  let counter: FailureCounter | null = null;
  for (let i = 0; i < n; i += 1) counter = afterAccountFailure(counter, when);
  return counter;
}

describe('per-account gate', () => {
  it('is open for the first attempts and after 2 failures', () => {
    expect(accountGate(null, T0)).toEqual({ kind: 'open' });
    expect(accountGate(failTimes(2), T0)).toEqual({ kind: 'open' });
  });

  it.each([
    [3, 15_000],
    [4, 30_000],
    [5, 60_000],
    [6, 120_000],
    [7, 240_000],
  ])('after %i failures waits %i ms', (failures, wait) => {
    const counter = failTimes(failures);
    expect(accountGate(counter, T0)).toEqual({ kind: 'wait', retryAfterMs: wait });
    expect(accountGate(counter, at(wait - 1))).toEqual({ kind: 'wait', retryAfterMs: 1 });
    expect(accountGate(counter, at(wait))).toEqual({ kind: 'open' });
  });

  it('locks for 30 minutes from 8 failures', () => {
    expect(accountGate(failTimes(8), at(60_000))).toEqual({ kind: 'locked', retryAfterMs: 29 * 60_000 });
    expect(accountGate(failTimes(8), at(30 * 60_000))).toEqual({ kind: 'open' });
    expect(accountGate(failTimes(9), T0)).toMatchObject({ kind: 'locked' });
  });

  it('forgets failures after a day', () => {
    const old = failTimes(7);
    expect(afterAccountFailure(old, at(24 * 3600_000))).toEqual({ failures: 1, lastFailureAt: at(24 * 3600_000) });
    expect(accountGate(old, at(24 * 3600_000))).toEqual({ kind: 'open' });
  });
});

describe('per-WeChat-account gate', () => {
  it('allows 20 failures an hour', () => {
    let counter: FailureCounter | null = null;
    for (let i = 0; i < 19; i += 1) counter = afterOpenidFailure(counter, at(i * 1000));
    expect(openidGate(counter, at(20_000))).toEqual({ kind: 'open' });
    counter = afterOpenidFailure(counter, at(20_000));
    expect(openidGate(counter, at(20_000))).toEqual({ kind: 'wait', retryAfterMs: 3600_000 });
    expect(openidGate(counter, at(20_000 + 3600_000))).toEqual({ kind: 'open' });
  });
});

describe('describeWait', () => {
  it.each([
    [1, '1 秒'],
    [15_000, '15 秒'],
    [59_001, '1 分钟'],
    [240_000, '4 分钟'],
    [29 * 60_000 + 1, '30 分钟'],
    [3600_000, '1 小时'],
  ])('%i ms → %s', (ms, text) => {
    expect(describeWait(ms)).toBe(text);
  });
});
