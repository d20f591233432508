/**
 * 修改密码 and 忘记密码 as seen from the student's other WeChat accounts: a change is all or
 * nothing, two changes at once cannot both succeed, a session granted on the old password does not
 * outlive it, and afterwards only the WeChat account that made the change stays bound.
 */
import crypto from 'node:crypto';
import type { SessionStatus } from '../../../cloudfunctions/shared/students/contract';
import { expectError, expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-change', (cloud) => (c = cloud));

afterAll(() => {
  jest.restoreAllMocks();
});

const signIn = (openid: string, account: string, password: string) => c.auth<{ next: string }>(openid, 'signIn', { by: 'studentNo', account, password });
const signedIn = async (openid: string) => expectOk(await c.auth<SessionStatus>(openid, 'status')).signedIn;
const change = (openid: string, oldPassword: string, newPassword: string) =>
  c.auth(openid, 'changePassword', { oldPassword, newPassword, confirmPassword: newPassword });

/** A student done with the first sign-in on `first`, and a second WeChat account verified and signed in. */
async function studentOnTwoAccounts() {
  const first = newOpenid();
  const student = await c.addStudent();
  const phone = makePhone();
  await c.completeFirstSignIn(student, first, 'Qiming#2025', phone);
  const second = newOpenid();
  expect(expectOk(await signIn(second, student.studentNo, 'Qiming#2025')).next).toBe('verifyDevice');
  expectOk(await c.auth(second, 'verifyDevice', { phoneCode: c.phoneCode(phone) }));
  expect(await signedIn(second)).toBe(true);
  return { student: { ...student, password: 'Qiming#2025', phone }, first, second };
}

/**
 * Holds the next password derivation (the sign-in's check) until released, to line a request up
 * against another one deterministically.
 */
function holdNextDerivation(): { reached: Promise<void>; release(): void } {
  const original = crypto.scrypt;
  let reached!: () => void;
  let release!: () => void;
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const spy = jest.spyOn(crypto, 'scrypt').mockImplementationOnce(((...args: unknown[]) => {
    reached();
    spy.mockRestore();
    void released.then(() => (original as unknown as (...a: unknown[]) => void)(...args));
  }) as unknown as typeof crypto.scrypt);
  return { reached: reachedPromise, release };
}

describe('修改密码', () => {
  it('two changes at the same time: exactly one succeeds, and its password is the one in force', async () => {
    const { student, first, second } = await studentOnTwoAccounts();
    const [a, b] = await Promise.all([change(first, student.password, 'Xinmima#A1'), change(second, student.password, 'Xinmima#B2')]);
    c.secrets.add('Xinmima#A1');
    c.secrets.add('Xinmima#B2');
    const winners = [a, b].filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(expectError(loser, 'PASSWORD_CHANGED_MEANWHILE').message).toContain('未生效');

    const [winnerOpenid, winnerPassword, loserOpenid, loserPassword] = a.ok
      ? [first, 'Xinmima#A1', second, 'Xinmima#B2']
      : [second, 'Xinmima#B2', first, 'Xinmima#A1'];
    expect(await signedIn(winnerOpenid)).toBe(true);
    expect(await signedIn(loserOpenid)).toBe(false);
    expect(expectOk(await signIn(newOpenid(), student.studentNo, winnerPassword)).next).toBe('verifyDevice');
    expectError(await signIn(newOpenid(), student.studentNo, loserPassword), 'LOGIN_FAILED');
    expectError(await signIn(newOpenid(), student.studentNo, student.password), 'LOGIN_FAILED');
  });

  it('a session granted on the old password while the change happens does not outlive it', async () => {
    const { student, first, second } = await studentOnTwoAccounts();
    expectOk(await c.auth(second, 'signOut'));

    // The second account's sign-in has checked the old password when the change is made.
    const held = holdNextDerivation();
    const lateSignIn = signIn(second, student.studentNo, student.password);
    await held.reached;
    expectOk(await change(first, student.password, 'Xinmima#C3'));
    c.secrets.add('Xinmima#C3');
    held.release();
    await lateSignIn;

    expect(await signedIn(second)).toBe(false);
    expectError(await c.auth(second, 'profile'), 'UNAUTHENTICATED');
    expect(await signedIn(first)).toBe(true);
  });

  it('leaves only the WeChat account that made it bound: the others verify the phone again', async () => {
    const { student, first, second } = await studentOnTwoAccounts();
    expectOk(await change(first, student.password, 'Xinmima#D4'));
    c.secrets.add('Xinmima#D4');
    expect(expectOk(await signIn(second, student.studentNo, 'Xinmima#D4')).next).toBe('verifyDevice');
    expect(await signedIn(second)).toBe(false);
    expectOk(await c.auth(first, 'signOut'));
    expect(expectOk(await signIn(first, student.studentNo, 'Xinmima#D4')).next).toBe('home');
  });
});

describe('忘记密码', () => {
  it('leaves only the WeChat account that proved the phone bound, and ends every session', async () => {
    const { student, first, second } = await studentOnTwoAccounts();
    const handset = newOpenid();
    expectOk(await c.auth(handset, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(handset, 'forgotReset', { newPassword: 'Chongzhi#E5', confirmPassword: 'Chongzhi#E5' }));
    c.secrets.add('Chongzhi#E5');

    expect(await signedIn(first)).toBe(false);
    expect(await signedIn(second)).toBe(false);
    expect(expectOk(await signIn(first, student.studentNo, 'Chongzhi#E5')).next).toBe('verifyDevice');
    expect(expectOk(await signIn(second, student.studentNo, 'Chongzhi#E5')).next).toBe('verifyDevice');
    expect(expectOk(await signIn(handset, student.studentNo, 'Chongzhi#E5')).next).toBe('home');
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
