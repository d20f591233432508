/**
 * What the auth function cleans up on its timer trigger (used phone codes, failure counters that no
 * longer count), that only the trigger can run it, and what one request can make it log.
 */
import { collection } from '../../../cloudfunctions/shared/runtime';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { readFunctionConfig } from '../../../local/functions';
import { parseCron } from '../../../local/timers';
import { expectError, expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-house', (cloud) => (c = cloud));

const signIn = (openid: string, account: string, password: string) => c.auth(openid, 'signIn', { by: 'studentNo', account, password });
const ids = async (name: 'loginAttempts' | 'phoneCodes') =>
  (await collection(c.t.cloud.sdkDatabase(), name).find({}, { limit: 1000 })).map((doc) => doc._id).sort();

interface CleanupReport {
  phoneCodesRemoved: number;
  loginAttemptsRemoved: number;
  desktopLinkNoncesRemoved: number;
}

describe('the auth timer trigger', () => {
  it('is configured with a 7-field cron', () => {
    const triggers = readFunctionConfig('auth').triggers ?? [];
    expect(triggers).toEqual([expect.objectContaining({ name: 'authCleanup', type: 'timer' })]);
    expect(() => parseCron(triggers[0]!.config)).not.toThrow();
  });

  it('purges used phone codes and failure counters older than a day, and keeps recent ones', async () => {
    // Yesterday: a first sign-in (one used phone code) and wrong passwords (account and WeChat counters).
    const student = await c.addStudent();
    await c.completeFirstSignIn(student, newOpenid(), 'Qiming#2025', makePhone());
    expectError(await signIn(newOpenid(), student.studentNo, 'wrong-1-pw'), 'LOGIN_FAILED');
    expectError(await signIn(newOpenid(), '2091000001', 'wrong-2-pw'), 'LOGIN_FAILED');
    const oldCounters = await ids('loginAttempts');
    const oldCodes = await ids('phoneCodes');
    expect(oldCounters.length).toBeGreaterThanOrEqual(4);
    expect(oldCodes).toHaveLength(1);

    c.t.cloud.clock.advance(25 * 3600_000);
    const today = c.t.cloud.clock.now();
    // Today: a fresh failure on the same account, and a failed phone proof (a fresh code).
    const prober = newOpenid();
    expectError(await signIn(prober, student.studentNo, 'wrong-3-pw'), 'LOGIN_FAILED');
    expectError(await c.auth(newOpenid(), 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(makePhone()) }), 'RESET_NOT_VERIFIED');
    const counters = await collection(c.t.cloud.sdkDatabase(), 'loginAttempts').find({}, { limit: 1000 });
    const touchedToday = counters.filter((doc) => doc.lastFailureAt !== null && new Date(doc.lastFailureAt) >= today).map((doc) => doc._id).sort();
    // The prober's counter for this account, and the two WeChat accounts' counters.
    expect(touchedToday).toHaveLength(3);

    const report = expectOk((await c.t.cloud.fireTimer('auth', 'authCleanup')) as ApiResult<CleanupReport>);
    expect(report).toEqual({ phoneCodesRemoved: 1, loginAttemptsRemoved: counters.length - 3, desktopLinkNoncesRemoved: 0 });
    expect(await ids('loginAttempts')).toEqual(touchedToday);
    const codesLeft = await ids('phoneCodes');
    expect(codesLeft).toHaveLength(1);
    expect(codesLeft.some((id) => oldCodes.includes(id))).toBe(false);

    // Today's failure still counts: two more are free, then the wait begins.
    expectError(await signIn(prober, student.studentNo, 'wrong-4-pw'), 'LOGIN_FAILED');
    expectError(await signIn(prober, student.studentNo, 'wrong-5-pw'), 'LOGIN_FAILED');
    expectError(await signIn(prober, student.studentNo, 'wrong-6-pw'), 'RATE_LIMITED');
  });

  it('cannot be run by a mini program user', async () => {
    const forged = await c.auth(newOpenid(), 'cleanup', { Type: 'Timer', TriggerName: 'authCleanup' });
    expectError(forged, 'FORBIDDEN');
    const asEvent = await c.t.call('auth', { Type: 'Timer', TriggerName: 'authCleanup' }, { openid: newOpenid() });
    expectError(asEvent as ApiResult<unknown>, 'FORBIDDEN');
  });
});

describe('logs', () => {
  it('an unknown action is logged cut short, however long the client made it', async () => {
    const before = c.t.logs.length;
    expectError(await c.auth(newOpenid(), `probe-${'x'.repeat(20_000)}`), 'BAD_REQUEST');
    const lines = c.t.logs.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(400);
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
