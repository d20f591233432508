/**
 * Signing in by 学号 and by 证件号, the whole first sign-in, sessions and their end, a second
 * WeChat account, and that one student never sees another's data — through the local cloud.
 */
import { AUTH_ERRORS, type Profile, type SessionStatus, type SetupState, type SignInResult } from '../../../cloudfunctions/shared/students/contract';
import { idCheckDigit } from '../../../cloudfunctions/shared/students/domain/id-number';
import { expectError, expectOk, findPersonalData, makeIdNumber, makePhone, useAuthCloud, type AuthCloud, type TestStudent } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-signin', (cloud) => (c = cloud));

const signIn = (openid: string, by: 'studentNo' | 'idNumber', account: string, password: string) =>
  c.auth<SignInResult>(openid, 'signIn', { by, account, password });

const status = async (openid: string): Promise<SessionStatus> => expectOk(await c.auth<SessionStatus>(openid, 'status'));

/** A student who has completed the first sign-in on `openid`, with this password and phone. */
async function readyStudent(openid: string, password = 'Qiming#2025', phone = makePhone()): Promise<TestStudent & { password: string; phone: string }> {
  const student = await c.addStudent();
  await c.completeFirstSignIn(student, openid, password, phone);
  return { ...student, password, phone };
}

describe('sign-in by 学号 and by 证件号', () => {
  it('signs in by 学号 with the initial password and leads to the first sign-in, not into the app', async () => {
    const student = await c.addStudent({ name: '赵子龙' });
    const openid = newOpenid();
    const result = expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));
    expect(result).toEqual({ next: 'setup', identity: null, phone: null });
    const { identity } = expectOk(await c.auth<SetupState>(openid, 'setupState'));
    expect(identity).toEqual({
      name: '赵*龙',
      studentNo: student.studentNo,
      idNumber: `${student.idNumber.slice(0, 4)}${'*'.repeat(10)}${student.idNumber.slice(-4)}`,
    });
    expect((await status(openid)).signedIn).toBe(false);
    expectError(await c.auth(openid, 'profile'), 'UNAUTHENTICATED');
  });

  it('signs in by 证件号 typed with spaces, a lower-case x or full-width digits', async () => {
    // An ID number ending in X.
    let id = '';
    for (let seq = 100; !id; seq += 1) {
      const first17 = `37061220010915${seq}`;
      if (idCheckDigit(first17) === 'X') id = `${first17}X`;
    }
    const student = await c.addStudent({ idNumber: id });
    const fullWidth = id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace('X', 'Ｘ');
    const variants = [
      id,
      id.toLowerCase(),
      `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`,
      ` ${id.slice(0, 9)}　${id.slice(9).toLowerCase()} `,
      fullWidth,
    ];
    for (const variant of variants) {
      const checked = expectOk(await c.auth<{ idNumber: string; converted: boolean }>(newOpenid(), 'checkIdNumber', { idNumber: variant }));
      expect(checked).toEqual({ idNumber: `${id.slice(0, 4)}**********${id.slice(-4)}`, converted: false });
      const openid = newOpenid();
      expect(expectOk(await signIn(openid, 'idNumber', variant, student.initialPassword)).next).toBe('setup');
      expect(expectOk(await c.auth<SetupState>(openid, 'setupState')).identity.idNumber).toBe(`${id.slice(0, 4)}**********${id.slice(-4)}`);
    }
    // The initial password's X may be typed lower-case too.
    expect(expectOk(await signIn(newOpenid(), 'idNumber', id, student.initialPassword.toLowerCase())).next).toBe('setup');
  });

  it('accepts a legacy 15-digit number and signs in the student it converts to', async () => {
    // GB 11643's own example: 110105491231002 is 11010519491231002X in 18 digits.
    const student = await c.addStudent({ idNumber: '110105491231002' });
    expect(student.initialPassword).toBe('1231002X');
    const checked = expectOk(await c.auth(newOpenid(), 'checkIdNumber', { idNumber: '110105491231002' }));
    expect(checked).toEqual({ idNumber: '1101**********002X', converted: true });
    for (const typed of ['110105491231002', '11010519491231002X', '11010519491231002x']) {
      const openid = newOpenid();
      expectOk(await signIn(openid, 'idNumber', typed, '1231002X'));
      expect(expectOk(await c.auth<SetupState>(openid, 'setupState')).identity.idNumber).toBe('1101**********002X');
    }
  });

  it('explains what is wrong with a malformed ID number, at 下一步 and at sign-in', async () => {
    const valid = makeIdNumber();
    const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
    const feb30 = '37060219990230123';
    const future = '37060220300101123'; // the local clock is in 2025
    const cases: [string, keyof typeof AUTH_ERRORS][] = [
      [wrongCheck, 'ID_NUMBER_CHECKSUM'],
      [feb30 + idCheckDigit(feb30), 'ID_NUMBER_BIRTH_DATE'],
      [future + idCheckDigit(future), 'ID_NUMBER_FUTURE_DATE'],
      [valid.slice(0, 16), 'ID_NUMBER_FORMAT'],
      [`${valid}1`, 'ID_NUMBER_FORMAT'],
      ['37060219990307AB12', 'ID_NUMBER_FORMAT'],
      ['00' + valid.slice(2, 17) + idCheckDigit('00' + valid.slice(2, 17)), 'ID_NUMBER_REGION'],
    ];
    for (const [idNumber, code] of cases) {
      const atNext = expectError(await c.auth(newOpenid(), 'checkIdNumber', { idNumber }), code);
      expect(atNext.message).toBe(AUTH_ERRORS[code]);
      expectError(await signIn(newOpenid(), 'idNumber', idNumber, 'whatever1'), code);
    }
  });

  it('says 账号或密码错误 for a wrong password and for an unknown account alike', async () => {
    const student = await c.addStudent();
    const wrong = expectError(await signIn(newOpenid(), 'studentNo', student.studentNo, 'not-it-123'), 'LOGIN_FAILED');
    const unknown = expectError(await signIn(newOpenid(), 'studentNo', '2099999999', student.initialPassword), 'LOGIN_FAILED');
    const unknownId = expectError(await signIn(newOpenid(), 'idNumber', makeIdNumber(), student.initialPassword), 'LOGIN_FAILED');
    expect(wrong.message).toBe('账号或密码错误');
    expect(unknown).toEqual(wrong);
    expect(unknownId).toEqual(wrong);
  });

  it('refuses a malformed 学号 with its own message', async () => {
    const result = expectError(await signIn(newOpenid(), 'studentNo', '12', 'whatever1'), 'STUDENT_NO_FORMAT');
    expect(result.message).toBe(AUTH_ERRORS.STUDENT_NO_FORMAT);
  });
});

describe('first sign-in (首次登录)', () => {
  it('goes identity → activation code → new password → phone when no phone is on file, and only then is the account usable', async () => {
    const student = await c.addStudent({ name: '欧阳娜娜' });
    const openid = newOpenid();
    expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));

    const state = expectOk(await c.auth<SetupState>(openid, 'setupState'));
    expect(state.identity.name).toBe('欧**娜');
    expect(state).toMatchObject({ identityConfirmed: false, passwordSet: false, phoneProof: 'activationCode', resetByOfficeAt: null });
    expect(state.passwordRules.length).toBeGreaterThan(0);

    // Steps in order.
    expectError(await c.auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' }), 'SETUP_IDENTITY_FIRST');
    expect(expectOk(await c.auth<SetupState>(openid, 'setupConfirmIdentity')).identityConfirmed).toBe(true);
    // The ID number and its last 8 characters are not enough: the office's code comes first.
    expectError(await c.auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' }), 'SETUP_ACTIVATION_FIRST');
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_ACTIVATION_FIRST');
    const code = await c.activationCode(student.studentNo);
    const refused = expectError(await c.auth(openid, 'setupActivate', { activationCode: 'ABCDE-FGHJK' }), 'ACTIVATION_CODE_INVALID');
    expect(refused.message).toBe(AUTH_ERRORS.ACTIVATION_CODE_INVALID);
    // Typed as people type it: lower case, without the dash, with spaces.
    const typed = ` ${code.replace('-', '').toLowerCase().slice(0, 5)} ${code.replace('-', '').toLowerCase().slice(5)} `;
    expect(expectOk(await c.auth<SetupState>(openid, 'setupActivate', { activationCode: typed })).phoneProof).toBe('activated');
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_PASSWORD_FIRST');
    expect(expectOk(await c.auth<SetupState>(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' })).passwordSet).toBe(true);
    c.secrets.add('Qiming#2025');
    expect((await status(openid)).signedIn).toBe(false);

    const phone = makePhone();
    const done = expectOk(await c.auth<{ next: string }>(openid, 'setupPhone', { phoneCode: c.phoneCode(phone) }));
    expect(done.next).toBe('home');
    expect((await status(openid)).signedIn).toBe(true);
    const profile = expectOk(await c.auth<Profile>(openid, 'profile'));
    expect(profile).toMatchObject({ name: '欧**娜', studentNo: student.studentNo, phone: `${phone.slice(0, 3)}****${phone.slice(-4)}` });
    // 修改密码 lists the same rules the first sign-in did.
    expect(profile.passwordRules).toEqual(state.passwordRules);

    // Signing in again from the same WeChat account goes straight in.
    expectOk(await c.auth(openid, 'signOut'));
    expect(expectOk(await signIn(openid, 'studentNo', student.studentNo, 'Qiming#2025')).next).toBe('home');
  });

  it('refuses the initial password once it has been changed', async () => {
    const openid = newOpenid();
    const student = await readyStudent(openid);
    expectError(await signIn(newOpenid(), 'studentNo', student.studentNo, student.initialPassword), 'LOGIN_FAILED');
    expectError(await signIn(newOpenid(), 'idNumber', student.idNumber, student.initialPassword), 'LOGIN_FAILED');
    expect(expectOk(await signIn(openid, 'idNumber', student.idNumber, student.password)).next).toBe('home');
  });

  it('changes nothing until the phone is verified, and times out', async () => {
    const student = await c.addStudent({ phone: makePhone() });
    const openid = newOpenid();
    expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));
    expectOk(await c.auth(openid, 'setupConfirmIdentity'));
    expectOk(await c.auth(openid, 'setupPassword', { newPassword: 'Haibin@2025', confirmPassword: 'Haibin@2025' }));
    c.secrets.add('Haibin@2025');
    // Not verified yet: the new password is not in force and the initial one still is.
    expectError(await signIn(newOpenid(), 'studentNo', student.studentNo, 'Haibin@2025'), 'LOGIN_FAILED');
    expect(expectOk(await signIn(newOpenid(), 'studentNo', student.studentNo, student.initialPassword)).next).toBe('setup');

    c.t.cloud.clock.advance(21 * 60_000);
    expectError(await c.auth(openid, 'setupState'), 'SETUP_EXPIRED');
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_EXPIRED');
  });

  it('explains each password rule', async () => {
    const student = await c.addStudent({ phone: makePhone() });
    const openid = newOpenid();
    expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));
    expectOk(await c.auth(openid, 'setupConfirmIdentity'));
    const cases: [string, keyof typeof AUTH_ERRORS][] = [
      ['Ab3$xyz', 'PASSWORD_TOO_SHORT'],
      [`Aa1!${'x'.repeat(61)}`, 'PASSWORD_TOO_LONG'],
      [student.initialPassword, 'PASSWORD_IS_INITIAL'],
      [`Ka#${student.idNumber.slice(6, 12)}`, 'PASSWORD_CONTAINS_ID_NUMBER'],
      [`xy${student.idNumber.slice(0, 6)}!Q`, 'PASSWORD_CONTAINS_ID_NUMBER'],
      [`Zq!${student.studentNo.slice(2, 8)}`, 'PASSWORD_CONTAINS_STUDENT_NO'],
      ['12345678', 'PASSWORD_TOO_COMMON'],
      ['password', 'PASSWORD_TOO_COMMON'],
      ['Woaini1314', 'PASSWORD_TOO_COMMON'],
      ['qwertyuiop', 'PASSWORD_TOO_COMMON'],
      ['20240101', 'PASSWORD_TOO_COMMON'],
    ];
    for (const [newPassword, code] of cases) {
      const refused = expectError(await c.auth(openid, 'setupPassword', { newPassword, confirmPassword: newPassword }), code);
      expect(refused.message).toBe(AUTH_ERRORS[code]);
    }
    expectError(await c.auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2026' }), 'PASSWORD_MISMATCH');
    // A password with surrounding spaces is taken as typed, not trimmed.
    expectError(await c.auth(openid, 'setupPassword', { newPassword: ' Qiming#2025', confirmPassword: 'Qiming#2025' }), 'PASSWORD_MISMATCH');
    expect(expectOk(await c.auth<SetupState>(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' })).passwordSet).toBe(true);
  });

  it('requires the phone number on file when the school has one', async () => {
    const phoneOnFile = makePhone();
    const student = await c.addStudent({ phone: phoneOnFile });
    const openid = newOpenid();
    expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));
    const state = expectOk(await c.auth<SetupState>(openid, 'setupConfirmIdentity'));
    // The number itself is not shown to a caller who has proved nothing beyond the ID number.
    expect(state.phoneProof).toBe('onFile');
    expect(JSON.stringify(state)).not.toContain(phoneOnFile.slice(-4));
    expectOk(await c.auth(openid, 'setupPassword', { newPassword: 'Qiming#2025', confirmPassword: 'Qiming#2025' }));
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'PHONE_MISMATCH');
    expect((await status(openid)).signedIn).toBe(false);
    expect(expectOk(await c.auth<{ next: string }>(openid, 'setupPhone', { phoneCode: c.phoneCode(phoneOnFile) })).next).toBe('home');
  });

  it('binds the WeChat account that completed it', async () => {
    const openid = newOpenid();
    const student = await readyStudent(openid);
    expect((await c.student(student.studentNo)).boundOpenids).toEqual([openid]);
  });
});

describe('sessions', () => {
  it('a second WeChat account must verify the phone before it gets a session', async () => {
    const first = newOpenid();
    const student = await readyStudent(first);
    const second = newOpenid();
    const result = expectOk(await signIn(second, 'studentNo', student.studentNo, student.password));
    expect(result.next).toBe('verifyDevice');
    expect(result.phone).toBe(`${student.phone.slice(0, 3)}****${student.phone.slice(-4)}`);
    expect((await status(second)).signedIn).toBe(false);
    expectError(await c.auth(second, 'profile'), 'UNAUTHENTICATED');

    expectError(await c.auth(second, 'verifyDevice', { phoneCode: c.phoneCode(makePhone()) }), 'PHONE_MISMATCH');
    expect((await status(second)).signedIn).toBe(false);
    expect(expectOk(await c.auth<{ next: string }>(second, 'verifyDevice', { phoneCode: c.phoneCode(student.phone) })).next).toBe('home');
    expect(expectOk(await c.auth<Profile>(second, 'profile')).studentNo).toBe(student.studentNo);

    // Verified once: next time it goes straight in.
    expectOk(await c.auth(second, 'signOut'));
    expect(expectOk(await signIn(second, 'studentNo', student.studentNo, student.password)).next).toBe('home');
    // The first account was not affected.
    expect((await status(first)).signedIn).toBe(true);
  });

  it('a device verification cannot be started without the password', async () => {
    const openid = newOpenid();
    expectError(await c.auth(openid, 'verifyDevice', { phoneCode: c.phoneCode(makePhone()) }), 'DEVICE_EXPIRED');
  });

  it('退出登录 ends the session', async () => {
    const openid = newOpenid();
    await readyStudent(openid);
    expect((await status(openid)).signedIn).toBe(true);
    expect(expectOk(await c.auth(openid, 'signOut'))).toEqual({ signedOut: true });
    expect((await status(openid)).signedIn).toBe(false);
    const refused = expectError(await c.auth(openid, 'profile'), 'UNAUTHENTICATED');
    expect(refused.message).toBe('登录已失效，请重新登录');
  });

  it('a session expires after 7 days', async () => {
    const openid = newOpenid();
    await readyStudent(openid);
    c.t.cloud.clock.advance(7 * 24 * 3600_000 - 60_000);
    expect((await status(openid)).signedIn).toBe(true);
    c.t.cloud.clock.advance(2 * 60_000);
    expect((await status(openid)).signedIn).toBe(false);
    expectError(await c.auth(openid, 'profile'), 'UNAUTHENTICATED');
  });

  it('修改密码 checks the current password, applies the rules and signs out the other WeChat accounts', async () => {
    const here = newOpenid();
    const student = await readyStudent(here);
    const elsewhere = newOpenid();
    expectOk(await signIn(elsewhere, 'studentNo', student.studentNo, student.password));
    expectOk(await c.auth(elsewhere, 'verifyDevice', { phoneCode: c.phoneCode(student.phone) }));

    expectError(await c.auth(here, 'changePassword', { oldPassword: 'wrong-one-1', newPassword: 'Xinmima#88', confirmPassword: 'Xinmima#88' }), 'OLD_PASSWORD_WRONG');
    expectError(await c.auth(here, 'changePassword', { oldPassword: student.password, newPassword: student.password, confirmPassword: student.password }), 'PASSWORD_SAME_AS_OLD');
    expectError(await c.auth(here, 'changePassword', { oldPassword: student.password, newPassword: '11111111', confirmPassword: '11111111' }), 'PASSWORD_TOO_COMMON');
    expectError(await c.auth(here, 'changePassword', { oldPassword: student.password, newPassword: 'Xinmima#88', confirmPassword: 'Xinmima#89' }), 'PASSWORD_MISMATCH');
    expect(expectOk(await c.auth(here, 'changePassword', { oldPassword: student.password, newPassword: 'Xinmima#88', confirmPassword: 'Xinmima#88' }))).toEqual({ done: true });
    c.secrets.add('Xinmima#88');

    expect((await status(here)).signedIn).toBe(true);
    expect((await status(elsewhere)).signedIn).toBe(false);
    expectError(await signIn(elsewhere, 'studentNo', student.studentNo, student.password), 'LOGIN_FAILED');
    // The other WeChat account is no longer bound: it must verify the phone again.
    expect(expectOk(await signIn(elsewhere, 'studentNo', student.studentNo, 'Xinmima#88')).next).toBe('verifyDevice');
    expectOk(await c.auth(elsewhere, 'verifyDevice', { phoneCode: c.phoneCode(student.phone) }));
    expect((await status(elsewhere)).signedIn).toBe(true);
    // The one that changed it goes straight in.
    expectOk(await c.auth(here, 'signOut'));
    expect(expectOk(await signIn(here, 'studentNo', student.studentNo, 'Xinmima#88')).next).toBe('home');
  });
});

describe("one student never sees another's data", () => {
  it('each WeChat account gets only its own student, and the request cannot name another', async () => {
    const a = newOpenid();
    const b = newOpenid();
    const studentA = await readyStudent(a);
    const studentB = await readyStudent(b);
    expect(expectOk(await c.auth<Profile>(a, 'profile')).studentNo).toBe(studentA.studentNo);
    expect(expectOk(await c.auth<Profile>(b, 'profile')).studentNo).toBe(studentB.studentNo);
    const smuggled = expectError(await c.auth(b, 'profile', { studentNo: studentA.studentNo }), 'BAD_REQUEST');
    expect(JSON.stringify(smuggled)).not.toContain(studentA.studentNo);
    expectError(await c.auth(b, 'profile', { openid: a }), 'BAD_REQUEST');
  });

  it("an unfinished first sign-in belongs to the WeChat account that started it", async () => {
    const student = await c.addStudent();
    const owner = newOpenid();
    const other = newOpenid();
    expectOk(await signIn(owner, 'studentNo', student.studentNo, student.initialPassword));
    expectError(await c.auth(other, 'setupState'), 'SETUP_EXPIRED');
    expectError(await c.auth(other, 'setupConfirmIdentity'), 'SETUP_EXPIRED');
    expectError(await c.auth(other, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_EXPIRED');
    expect(expectOk(await c.auth<SetupState>(owner, 'setupState')).identity.studentNo).toBe(student.studentNo);
  });

  it('two people doing the same first sign-in: the second to finish is refused', async () => {
    const student = await c.addStudent();
    const one = newOpenid();
    const two = newOpenid();
    const activationCode = await c.activationCode(student.studentNo);
    for (const openid of [one, two]) {
      expectOk(await signIn(openid, 'studentNo', student.studentNo, student.initialPassword));
      expectOk(await c.auth(openid, 'setupConfirmIdentity'));
      expectOk(await c.auth(openid, 'setupActivate', { activationCode }));
      expectOk(await c.auth(openid, 'setupPassword', { newPassword: `Qiming#20${openid.length}x`, confirmPassword: `Qiming#20${openid.length}x` }));
    }
    expectOk(await c.auth(one, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }));
    expectError(await c.auth(two, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_EXPIRED');
    expect((await status(two)).signedIn).toBe(false);
    expect((await c.student(student.studentNo)).boundOpenids).toEqual([one]);
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(c.t.results.length).toBeGreaterThan(50);
    expect(c.t.logs.length).toBeGreaterThan(20);
    expect(findPersonalData(c)).toEqual([]);
  });
});
