/**
 * Guesses sent all at once: the limits hold for parallel requests too. Each limit is taken before
 * the password (or the phone) is checked, so a burst gets no more evaluations than the same
 * guesses sent one after another, and a right password late in the burst does not get in.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-burst', (cloud) => (c = cloud));

const signIn = (openid: string, account: string, password: string) => c.auth(openid, 'signIn', { by: 'studentNo', account, password });

async function readyStudent(owner: string) {
  const student = await c.addStudent();
  const phone = makePhone();
  await c.completeFirstSignIn(student, owner, 'Qiming#2025', phone);
  return { ...student, password: 'Qiming#2025', phone };
}

/** How a burst was answered, by code ('ok' for a success). */
function tally(results: ApiResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.ok ? 'ok' : result.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('a burst of guesses at one account', () => {
  it('from a stranger: only the free attempts are checked, the rest are refused, and the right password at the end does not get in', async () => {
    const student = await readyStudent(newOpenid());
    const attacker = newOpenid();
    const guesses = Array.from({ length: 59 }, (_, i) => `burst-${i}-pw`);
    const results = await Promise.all([...guesses, student.password].map((password) => signIn(attacker, student.studentNo, password)));

    const counts = tally(results);
    // Sent one by one, 2 failures are free and the 3rd starts a 15 s wait: at most 3 are checked.
    expect(counts.LOGIN_FAILED ?? 0).toBeLessThanOrEqual(3);
    expect((counts.LOGIN_FAILED ?? 0) + (counts.RATE_LIMITED ?? 0)).toBe(60);
    expect(results[59]).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(expectOk(await c.auth<{ signedIn: boolean }>(attacker, 'status')).signedIn).toBe(false);

    // Right after, even the right password waits, as after 3 failures one by one.
    expect(await signIn(attacker, student.studentNo, student.password)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
  });

  it("from the owner's own WeChat account: the same limit", async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    expectOk(await c.auth(owner, 'signOut'));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(owner, student.studentNo, `typo-${i}-pw`)));
    const counts = tally(results);
    expect(counts.LOGIN_FAILED ?? 0).toBeLessThanOrEqual(3);
    expect(counts.RATE_LIMITED ?? 0).toBeGreaterThanOrEqual(37);
  });

  it('an account that does not exist answers a burst the same way', async () => {
    const attacker = newOpenid();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(attacker, '2095000001', `burst-${i}-pw`)));
    const counts = tally(results);
    expect(counts.LOGIN_FAILED ?? 0).toBeLessThanOrEqual(3);
    expect((counts.LOGIN_FAILED ?? 0) + (counts.RATE_LIMITED ?? 0)).toBe(30);
  });
});

describe('a burst from one WeChat account across many accounts', () => {
  it('gets at most its 20 failures an hour checked, and a right password past the cap does not get in', async () => {
    const student = await readyStudent(newOpenid());
    const sprayer = newOpenid();
    const accounts = Array.from({ length: 39 }, (_, i) => `20940000${String(i).padStart(2, '0')}`);
    const results = await Promise.all([
      ...accounts.map((account) => signIn(sprayer, account, 'Spray#2025')),
      signIn(sprayer, student.studentNo, student.password),
    ]);
    const counts = tally(results);
    expect(counts.LOGIN_FAILED ?? 0).toBeLessThanOrEqual(20);
    expect(counts.ok ?? 0).toBe(0);
    expect((counts.LOGIN_FAILED ?? 0) + (counts.RATE_LIMITED ?? 0)).toBe(40);
  });

  it('gets at most 20 failed phone proofs (忘记密码) checked', async () => {
    const prober = newOpenid();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        c.auth(prober, 'forgotVerify', { by: 'studentNo', account: `20930000${String(i).padStart(2, '0')}`, phoneCode: c.phoneCode(makePhone()) }),
      ),
    );
    const counts = tally(results);
    expect(counts.RESET_NOT_VERIFIED ?? 0).toBeLessThanOrEqual(20);
    expect((counts.RESET_NOT_VERIFIED ?? 0) + (counts.RATE_LIMITED ?? 0)).toBe(30);
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
