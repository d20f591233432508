/**
 * Guessing passwords: waits that grow, then a temporary lock; the same answers whether the account
 * exists or not; the lock explained only to the WeChat account verified for the student; and a cap
 * per WeChat account across accounts. Time moves with the local clock, never with sleeps.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { expectError, expectOk, findPersonalData, makePhone, startAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
let openidSerial = 0;
const newOpenid = (): string => `o-brute-${(openidSerial += 1)}`;

beforeAll(async () => {
  c = await startAuthCloud();
});

afterAll(async () => {
  await c.stop();
});

const signIn = (openid: string, account: string, password: string, by: 'studentNo' | 'idNumber' = 'studentNo') =>
  c.auth(openid, 'signIn', { by, account, password });

/** What the caller can observe of an answer. */
const seen = (result: ApiResult<unknown>) => (result.ok ? { ok: true } : { code: result.code, message: result.message, details: result.details ?? null });

async function readyStudent(owner: string) {
  const student = await c.addStudent();
  const phone = makePhone();
  await c.completeFirstSignIn(student, owner, 'Qiming#2025', phone);
  return { ...student, password: 'Qiming#2025', phone };
}

/** Wrong passwords, each as soon as it is allowed, until 8 have failed; returns every answer. */
async function guessUntilLocked(openid: string, account: string, by: 'studentNo' | 'idNumber' = 'studentNo') {
  const answers: ReturnType<typeof seen>[] = [];
  let failures = 0;
  let guess = 0;
  while (failures < 8) {
    const result = await signIn(openid, account, `guess-${(guess += 1)}-pw`, by);
    answers.push(seen(result));
    if (!result.ok && result.code === 'LOGIN_FAILED') failures += 1;
    else if (!result.ok && result.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(result.details?.retryAfterSeconds) * 1000);
    else throw new Error(`unexpected answer ${JSON.stringify(result)}`);
  }
  return answers;
}

describe('guessing a password', () => {
  it('is free for 2 failures, then waits of 15 s, 30 s, 1, 2 and 4 minutes, then a 30-minute lock', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    const attacker = newOpenid();

    for (let i = 0; i < 3; i += 1) expectError(await signIn(attacker, student.studentNo, `wrong-${i}-pw`), 'LOGIN_FAILED');
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const refused = expectError(await signIn(attacker, student.studentNo, 'another-guess'), 'RATE_LIMITED');
      const seconds = Number(refused.details?.retryAfterSeconds);
      waits.push(seconds);
      // While waiting, even the right password is not checked.
      expectError(await signIn(attacker, student.studentNo, student.password), 'RATE_LIMITED');
      c.t.cloud.clock.advance(seconds * 1000 - 5000);
      expectError(await signIn(attacker, student.studentNo, student.password), 'RATE_LIMITED');
      c.t.cloud.clock.advance(5000);
      expectError(await signIn(attacker, student.studentNo, `wrong-again-${i}`), 'LOGIN_FAILED');
    }
    expect(waits).toEqual([15, 30, 60, 120, 240]);
    const message = expectError(await signIn(attacker, student.studentNo, 'x'.repeat(9)), 'LOGIN_FAILED').message;
    expect(message).toBe('账号或密码错误');

    // Locked: the right password from a stranger gets the same answer as a wrong one…
    expectError(await signIn(attacker, student.studentNo, student.password), 'LOGIN_FAILED');
    expectError(await signIn(newOpenid(), student.studentNo, student.password), 'LOGIN_FAILED');
    // …while the owner's own (bound) WeChat account is not locked out by strangers.
    expect(expectOk(await signIn(owner, student.studentNo, student.password))).toMatchObject({ next: 'home' });

    c.t.cloud.clock.advance(30 * 60_000);
    expect(expectOk(await signIn(newOpenid(), student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
  });

  it('answers exactly the same for an account that does not exist', async () => {
    const student = await readyStudent(newOpenid());
    const known = await guessUntilLocked(newOpenid(), student.studentNo);
    const unknown = await guessUntilLocked(newOpenid(), '2099000001');
    expect(unknown).toEqual(known);
    // And once "locked", both answer the right-looking attempt the same way.
    expect(seen(await signIn(newOpenid(), '2099000001', student.password))).toEqual(seen(await signIn(newOpenid(), student.studentNo, student.password)));
  });

  it('counts 学号 and 证件号 attempts against the same account', async () => {
    const student = await readyStudent(newOpenid());
    const attacker = newOpenid();
    expectError(await signIn(attacker, student.studentNo, 'wrong-1-pw'), 'LOGIN_FAILED');
    expectError(await signIn(attacker, student.idNumber, 'wrong-2-pw', 'idNumber'), 'LOGIN_FAILED');
    expectError(await signIn(attacker, student.studentNo, 'wrong-3-pw'), 'LOGIN_FAILED');
    expectError(await signIn(attacker, student.idNumber, 'wrong-4-pw', 'idNumber'), 'RATE_LIMITED');
  });

  it('tells the owner about the lock on the attempt that causes it', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    let last: ApiResult<unknown> | null = null;
    for (let failures = 0; failures < 8; ) {
      last = await signIn(owner, student.studentNo, `typo-${failures}-pw`);
      if (!last.ok && last.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(last.details?.retryAfterSeconds) * 1000);
      else failures += 1;
    }
    expect(last && !last.ok && last.code).toBe('ACCOUNT_LOCKED');
  });

  it("a stranger's lock does not lock out the owner's bound WeChat accounts; each counts its own failures", async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    const ownerTablet = newOpenid();
    expect(expectOk(await signIn(ownerTablet, student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
    expectOk(await c.auth(ownerTablet, 'verifyDevice', { phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(owner, 'signOut'));
    expectOk(await c.auth(ownerTablet, 'signOut'));

    // Anyone who knows the 学号 locks the account for strangers…
    await guessUntilLocked(newOpenid(), student.studentNo);
    expectError(await signIn(newOpenid(), student.studentNo, student.password), 'LOGIN_FAILED');
    // …but the owner's own WeChat accounts still get in with the right password.
    expect(expectOk(await signIn(owner, student.studentNo, student.password))).toMatchObject({ next: 'home' });
    expect(expectOk(await signIn(ownerTablet, student.studentNo, student.password))).toMatchObject({ next: 'home' });
    // And the stranger's lock is still there.
    expectError(await signIn(newOpenid(), student.studentNo, student.password), 'LOGIN_FAILED');

    // The owner's own typos count for that WeChat account only.
    for (let failures = 0; failures < 8; ) {
      const result = await signIn(owner, student.studentNo, `typo-${failures}-pw`);
      if (!result.ok && result.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(result.details?.retryAfterSeconds) * 1000);
      else failures += 1;
    }
    expectError(await signIn(owner, student.studentNo, student.password), 'ACCOUNT_LOCKED');
    expect(expectOk(await signIn(ownerTablet, student.studentNo, student.password))).toMatchObject({ next: 'home' });
  });

  it('a successful sign-in clears the count', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    expectError(await signIn(owner, student.studentNo, 'wrong-1-pw'), 'LOGIN_FAILED');
    expectError(await signIn(owner, student.studentNo, 'wrong-2-pw'), 'LOGIN_FAILED');
    expectOk(await signIn(owner, student.studentNo, student.password));
    expectError(await signIn(owner, student.studentNo, 'wrong-3-pw'), 'LOGIN_FAILED');
    expectError(await signIn(owner, student.studentNo, 'wrong-4-pw'), 'LOGIN_FAILED');
    expectOk(await signIn(owner, student.studentNo, student.password));
  });
});

describe('one WeChat account trying many accounts', () => {
  it('is stopped after 20 failures for an hour, whatever account it tries; others are not affected', async () => {
    const student = await readyStudent(newOpenid());
    const sprayer = newOpenid();
    for (let i = 0; i < 10; i += 1) {
      for (let j = 0; j < 2; j += 1) expectError(await signIn(sprayer, `20980000${String(i).padStart(2, '0')}`, `Spray-${j}-pw`), 'LOGIN_FAILED');
    }
    const refused = expectError(await signIn(sprayer, student.studentNo, student.password), 'RATE_LIMITED');
    expect(refused.message).toContain('微信账号');
    expect(refused.details?.retryAfterSeconds).toBe(3600);
    // Another WeChat account signs in to the same student normally.
    expect(expectOk(await signIn(newOpenid(), student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });

    c.t.cloud.clock.advance(3600_000);
    expect(expectOk(await signIn(sprayer, student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
