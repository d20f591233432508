/** 忘记密码: proving the account with the phone on file, then a new password. */
import { AUTH_ERRORS, type ForgotVerified, type SessionStatus } from '../../../cloudfunctions/shared/students/contract';
import { expectError, expectOk, findPersonalData, makeIdNumber, makePhone, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-forgot', (cloud) => (c = cloud));

const signIn = (openid: string, account: string, password: string) => c.auth(openid, 'signIn', { by: 'studentNo', account, password });
const signedIn = async (openid: string) => expectOk(await c.auth<SessionStatus>(openid, 'status')).signedIn;

async function readyStudent(owner: string) {
  const student = await c.addStudent({ name: '孙悟空' });
  const phone = makePhone();
  await c.completeFirstSignIn(student, owner, 'Qiming#2025', phone);
  return { ...student, password: 'Qiming#2025', phone };
}

describe('忘记密码', () => {
  it('resets the password once WeChat confirms the phone on file, and the old password stops working', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    const newPhoneOwner = newOpenid(); // e.g. a new handset with the same number

    const verified = expectOk(
      await c.auth<ForgotVerified>(newPhoneOwner, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }),
    );
    expect(verified).toMatchObject({ name: '孙*空', studentNo: student.studentNo });
    expect(verified.passwordRules.length).toBeGreaterThan(0);

    expectError(await c.auth(newPhoneOwner, 'forgotReset', { newPassword: 'Chongzhi#77', confirmPassword: 'Chongzhi#78' }), 'PASSWORD_MISMATCH');
    expectError(await c.auth(newPhoneOwner, 'forgotReset', { newPassword: student.initialPassword, confirmPassword: student.initialPassword }), 'PASSWORD_IS_INITIAL');
    expectError(await c.auth(newPhoneOwner, 'forgotReset', { newPassword: 'iloveyou', confirmPassword: 'iloveyou' }), 'PASSWORD_TOO_COMMON');
    expect(expectOk(await c.auth(newPhoneOwner, 'forgotReset', { newPassword: 'Chongzhi#77', confirmPassword: 'Chongzhi#77' }))).toEqual({ done: true });
    c.secrets.add('Chongzhi#77');

    expectError(await signIn(newOpenid(), student.studentNo, student.password), 'LOGIN_FAILED');
    // The WeChat account that proved the phone goes straight in; the old session was ended.
    expect(expectOk(await signIn(newPhoneOwner, student.studentNo, 'Chongzhi#77'))).toMatchObject({ next: 'home' });
    expect(await signedIn(owner)).toBe(false);
    // A reset cannot be replayed.
    expectError(await c.auth(newPhoneOwner, 'forgotReset', { newPassword: 'Chongzhi#99', confirmPassword: 'Chongzhi#99' }), 'RESET_EXPIRED');
  });

  it('works by 证件号 too', async () => {
    const student = await readyStudent(newOpenid());
    const openid = newOpenid();
    expectOk(await c.auth(openid, 'forgotVerify', { by: 'idNumber', account: student.idNumber.toLowerCase(), phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(openid, 'forgotReset', { newPassword: 'Zhaohui@2025', confirmPassword: 'Zhaohui@2025' }));
    c.secrets.add('Zhaohui@2025');
    expect(expectOk(await signIn(openid, student.studentNo, 'Zhaohui@2025'))).toMatchObject({ next: 'home' });
  });

  it('gives one answer for a wrong phone, an unknown account and an account with no phone on file', async () => {
    const withPhone = await readyStudent(newOpenid());
    const noPhone = await c.addStudent(); // has not done the first sign-in: no phone on file
    const answers = [
      await c.auth(newOpenid(), 'forgotVerify', { by: 'studentNo', account: withPhone.studentNo, phoneCode: c.phoneCode(makePhone()) }),
      await c.auth(newOpenid(), 'forgotVerify', { by: 'studentNo', account: '2097000001', phoneCode: c.phoneCode(makePhone()) }),
      await c.auth(newOpenid(), 'forgotVerify', { by: 'idNumber', account: makeIdNumber(), phoneCode: c.phoneCode(makePhone()) }),
      await c.auth(newOpenid(), 'forgotVerify', { by: 'studentNo', account: noPhone.studentNo, phoneCode: c.phoneCode(makePhone()) }),
    ];
    for (const answer of answers) expect(expectError(answer, 'RESET_NOT_VERIFIED').message).toBe(AUTH_ERRORS.RESET_NOT_VERIFIED);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('needs the phone proof first, and the proof lasts 10 minutes', async () => {
    const student = await readyStudent(newOpenid());
    const openid = newOpenid();
    expectError(await c.auth(openid, 'forgotReset', { newPassword: 'Chongzhi#77', confirmPassword: 'Chongzhi#77' }), 'RESET_EXPIRED');
    expectOk(await c.auth(openid, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }));
    c.t.cloud.clock.advance(10 * 60_000 + 1000);
    expectError(await c.auth(openid, 'forgotReset', { newPassword: 'Chongzhi#77', confirmPassword: 'Chongzhi#77' }), 'RESET_EXPIRED');
    expect(expectOk(await signIn(openid, student.studentNo, student.password))).toMatchObject({ next: 'verifyDevice' });
  });

  it('lifts a lock caused by wrong passwords', async () => {
    const owner = newOpenid();
    const student = await readyStudent(owner);
    // The owner's own typos lock the owner's WeChat account…
    for (let failures = 0; failures < 8; ) {
      const result = await signIn(owner, student.studentNo, `typo-${failures}-pw`);
      if (!result.ok && result.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(result.details?.retryAfterSeconds) * 1000);
      else failures += 1;
    }
    expectError(await signIn(owner, student.studentNo, student.password), 'ACCOUNT_LOCKED');
    expectOk(await c.auth(owner, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(owner, 'forgotReset', { newPassword: 'Jiesuo#2025', confirmPassword: 'Jiesuo#2025' }));
    c.secrets.add('Jiesuo#2025');
    expect(expectOk(await signIn(owner, student.studentNo, 'Jiesuo#2025'))).toMatchObject({ next: 'home' });
  });

  it("lifts the lock of the WeChat account that proves the phone, after its own typos", async () => {
    const student = await readyStudent(newOpenid());
    const newHandset = newOpenid();
    for (let failures = 0; failures < 8; ) {
      const result = await signIn(newHandset, student.studentNo, `guess-${failures}-pw`);
      if (!result.ok && result.code === 'RATE_LIMITED') c.t.cloud.clock.advance(Number(result.details?.retryAfterSeconds) * 1000);
      else failures += 1;
    }
    expect(expectError(await signIn(newHandset, student.studentNo, student.password), 'RATE_LIMITED').details?.retryAfterSeconds).toBe(1800);
    expectOk(await c.auth(newHandset, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }));
    expectOk(await c.auth(newHandset, 'forgotReset', { newPassword: 'Jiesuo#2026', confirmPassword: 'Jiesuo#2026' }));
    c.secrets.add('Jiesuo#2026');
    expect(expectOk(await signIn(newHandset, student.studentNo, 'Jiesuo#2026'))).toMatchObject({ next: 'home' });
  });

  it('counts made-up phone codes against the WeChat account that sends them, so WeChat is asked at most 20 times an hour', async () => {
    const student = await readyStudent(newOpenid());
    const cloud = c.t.cloud as unknown as { openApis: Map<string, (request: Record<string, unknown>) => unknown> };
    const original = cloud.openApis.get('phonenumber.getPhoneNumber');
    if (!original) throw new Error('no phone sandbox');
    let askedWeChat = 0;
    cloud.openApis.set('phonenumber.getPhoneNumber', (request) => {
      askedWeChat += 1;
      return original(request);
    });
    try {
      const prober = newOpenid();
      for (let i = 0; i < 20; i += 1) {
        expectError(await c.auth(prober, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: `made-up-code-${i}` }), 'PHONE_CODE_INVALID');
      }
      expectError(await c.auth(prober, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: 'made-up-code-20' }), 'RATE_LIMITED');
      expectError(await c.auth(prober, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }), 'RATE_LIMITED');
      expect(askedWeChat).toBe(20);
    } finally {
      cloud.openApis.set('phonenumber.getPhoneNumber', original);
    }
  });

  it('limits failed phone proofs from one WeChat account', async () => {
    const student = await readyStudent(newOpenid());
    const prober = newOpenid();
    for (let i = 0; i < 20; i += 1) {
      expectError(await c.auth(prober, 'forgotVerify', { by: 'studentNo', account: `20960000${String(i).padStart(2, '0')}`, phoneCode: c.phoneCode(makePhone()) }), 'RESET_NOT_VERIFIED');
    }
    expectError(await c.auth(prober, 'forgotVerify', { by: 'studentNo', account: student.studentNo, phoneCode: c.phoneCode(student.phone) }), 'RATE_LIMITED');
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
