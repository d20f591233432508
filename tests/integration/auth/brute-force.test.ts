/**
 * Guessing passwords: waits that grow, then a temporary lock; the same answers whether the account
 * exists or not; the lock explained only to the WeChat account verified for the student; and a cap
 * per WeChat account across accounts. Time moves with the local clock, never with sleeps.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { passwordDerivationCount } from '../../../cloudfunctions/shared/students/credentials';
import { expectError, expectOk, findPersonalData, makeIdNumber, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-brute', (cloud) => (c = cloud));

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
  it('is free for 2 failures, then waits of 15 s, 30 s, 1, 2 and 4 minutes, then a 30-minute lock — for the guesser only', async () => {
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
      expect(expectError(await signIn(attacker, student.studentNo, `wrong-again-${i}`), 'LOGIN_FAILED').message).toBe('账号或密码错误');
    }
    expect(waits).toEqual([15, 30, 60, 120, 240]);

    // Locked for this WeChat account: told to wait, the right password not even checked…
    const locked = expectError(await signIn(attacker, student.studentNo, student.password), 'RATE_LIMITED');
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', message: '尝试过于频繁，请 30 分钟后再试', details: { retryAfterSeconds: 1800 } });
    // …while nobody else is: the owner's WeChat, and the student on a new phone.
    expect(expectOk(await signIn(owner, student.studentNo, student.password))).toMatchObject({ next: 'home' });
    expect(expectOk(await signIn(newOpenid(), student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });

    c.t.cloud.clock.advance(30 * 60_000);
    expect(expectOk(await signIn(attacker, student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
  });

  it('answers exactly the same for an account that does not exist, and spends the same hashing', async () => {
    const student = await readyStudent(newOpenid());
    const before = passwordDerivationCount();
    const known = await guessUntilLocked(newOpenid(), student.studentNo);
    const knownWork = passwordDerivationCount() - before;
    const unknown = await guessUntilLocked(newOpenid(), '2099000001');
    expect(unknown).toEqual(known);
    expect(passwordDerivationCount() - before - knownWork).toBe(knownWork);
    // Each checked attempt costs one derivation; the refusals before a check cost none.
    expect(knownWork).toBe(8);
  });
});

describe('the throttle is no oracle', () => {
  /** Answer and hashing work of one attempt. */
  async function observe(openid: string, by: 'studentNo' | 'idNumber', account: string, password: string) {
    const before = passwordDerivationCount();
    const answer = seen(await signIn(openid, account, password, by));
    return { answer, derivations: passwordDerivationCount() - before };
  }

  it('does not tell whether a 证件号 belongs to a 学号 that is being throttled', async () => {
    const student = await readyStudent(newOpenid());
    const attacker = newOpenid();
    // Throttle the 学号 for this WeChat account…
    for (let i = 0; i < 3; i += 1) expectError(await signIn(attacker, student.studentNo, `wrong-${i}-pw`), 'LOGIN_FAILED');
    expectError(await signIn(attacker, student.studentNo, 'wrong-3-pw'), 'RATE_LIMITED');
    // …then try the student's real ID number and an ID number nobody has.
    const real = await observe(attacker, 'idNumber', student.idNumber, 'guess-a-pw');
    const nobody = await observe(attacker, 'idNumber', makeIdNumber('19990308'), 'guess-a-pw');
    expect(real).toEqual(nobody);
    expect(real).toEqual({ answer: { code: 'LOGIN_FAILED', message: '账号或密码错误', details: null }, derivations: 1 });
  });

  it('answers a throttled known account and a throttled unknown one with the same body and the same work', async () => {
    const student = await readyStudent(newOpenid());
    const attacker = newOpenid();
    // Side by side, so both locks started at the same moment.
    for (let failures = 0; failures < 8; ) {
      const answers = [await signIn(attacker, student.studentNo, `guess-${failures}-pw`), await signIn(attacker, '2099000002', `guess-${failures}-pw`)].map(seen);
      expect(answers[0]).toEqual(answers[1]);
      const first = answers[0] as { code?: string; details?: { retryAfterSeconds?: number } | null };
      if (first.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(first.details?.retryAfterSeconds) * 1000);
      else failures += 1;
    }
    const known = await observe(attacker, 'studentNo', student.studentNo, student.password);
    const unknown = await observe(attacker, 'studentNo', '2099000002', student.password);
    expect(known).toEqual(unknown);
    expect(known.answer.code).toBe('RATE_LIMITED');
    // Strangers' failures elsewhere change nothing for a new WeChat account: same answers again.
    const fresh = newOpenid();
    expect(await observe(fresh, 'studentNo', student.studentNo, 'guess-b-pw')).toEqual(await observe(fresh, 'studentNo', '2099000002', 'guess-b-pw'));
  });
});

describe('strangers cannot keep a student out', () => {
  it('a student whose 学号 and 证件号 strangers have locked signs in from the bound phone and, with the right password, from a new one', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    expectOk(await c.auth(owner, 'signOut'));
    for (let i = 0; i < 3; i += 1) {
      const stranger = newOpenid();
      await guessUntilLocked(stranger, student.studentNo);
      await guessUntilLocked(stranger, student.idNumber, 'idNumber');
    }
    expect(expectOk(await signIn(owner, student.studentNo, student.password))).toMatchObject({ next: 'home' });
    // A new phone, after one typo of its own: never told the right password is wrong.
    const newPhone = newOpenid();
    expectError(await signIn(newPhone, student.idNumber, 'typo-pw-1', 'idNumber'), 'LOGIN_FAILED');
    expect(expectOk(await signIn(newPhone, student.idNumber, student.password, 'idNumber'))).toMatchObject({ next: 'verifyDevice' });
  });

  it('a student who has not signed in yet can start the first sign-in however often strangers failed', async () => {
    const student = await c.addStudent({ phone: makePhone() });
    await guessUntilLocked(newOpenid(), student.studentNo);
    await guessUntilLocked(newOpenid(), student.studentNo);
    expect(expectOk(await signIn(newOpenid(), student.studentNo, student.initialPassword))).toMatchObject({ next: 'setup' });
  });
});

describe('the owner', () => {
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

  it("a stranger's guessing does not lock out the owner's bound WeChat accounts; each counts its own failures", async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    const ownerTablet = newOpenid();
    expect(expectOk(await signIn(ownerTablet, student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
    expectOk(await c.auth(ownerTablet, 'verifyDevice', { phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(owner, 'signOut'));
    expectOk(await c.auth(ownerTablet, 'signOut'));

    // Anyone who knows the 学号 can lock out only their own WeChat account…
    const stranger = newOpenid();
    await guessUntilLocked(stranger, student.studentNo);
    expectError(await signIn(stranger, student.studentNo, student.password), 'RATE_LIMITED');
    // …and the owner's own WeChat accounts still get in with the right password.
    expect(expectOk(await signIn(owner, student.studentNo, student.password))).toMatchObject({ next: 'home' });
    expect(expectOk(await signIn(ownerTablet, student.studentNo, student.password))).toMatchObject({ next: 'home' });

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
