/**
 * An account nobody has signed in to yet, for a student the school registered no phone for: the
 * ID number (and so the initial password) may be known to others, so it proves nothing. The first
 * sign-in needs the office's activation code; before the identity is confirmed nothing beyond what
 * was typed is shown; and when somebody else did activate an account, the office undoes it.
 */
import type { SetupState } from '../../../cloudfunctions/shared/students/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { issueActivationCode, resetStudentAccount } from '../../../cloudfunctions/shared/students/office';
import { expectError, expectOk, findPersonalData, makePhone, OFFICE, useAuthCloud, type AuthCloud, type TestStudent } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-unclaimed', (cloud) => (c = cloud));

const signIn = (openid: string, by: 'studentNo' | 'idNumber', account: string, password: string) => c.auth<{ next: string }>(openid, 'signIn', { by, account, password });
const db = () => c.t.cloud.sdkDatabase();

interface AuditRow {
  actor: string;
  action: string;
  details: Record<string, unknown>;
}
const auditOf = async (studentNo: string, action: string): Promise<AuditRow[]> =>
  (await collection(db(), 'auditLog').find({ action }, { limit: 100 })).filter((row) => row.details.studentNo === studentNo);

/** Everything a caller saw from sign-in up to the identity step, as text. */
async function seenBeforeIdentityStep(student: TestStudent, openid: string): Promise<string> {
  const signedIn = await signIn(openid, 'idNumber', student.idNumber, student.initialPassword);
  const state = await c.auth<SetupState>(openid, 'setupState');
  return JSON.stringify([signedIn, state]);
}

describe('before the identity is confirmed', () => {
  it('shows only the masked name and ID number, and the 学号 only to whoever typed it', async () => {
    const student = await c.addStudent({ college: '继续教育学院', major: '土木工程', grade: '2024级', className: '土木2401班', phone: makePhone() });
    const seen = await seenBeforeIdentityStep(student, newOpenid());
    for (const hidden of ['土木工程', '土木2401班', '2024级', student.studentNo, student.phone!.slice(-4), student.phone!.slice(0, 3)]) {
      expect(seen).not.toContain(hidden);
    }
    expect(seen).toContain(`${student.idNumber.slice(0, 4)}**********${student.idNumber.slice(-4)}`);
    expect(seen).toContain('赵*龙');
  });
});

describe('a student with no phone on file', () => {
  it('cannot be activated with the ID number alone: the would-be owner is told to get a code from the office', async () => {
    const student = await c.addStudent();
    const intruder = newOpenid();
    expect(expectOk(await signIn(intruder, 'idNumber', student.idNumber, student.initialPassword)).next).toBe('setup');
    const state = expectOk(await c.auth<SetupState>(intruder, 'setupConfirmIdentity'));
    expect(state.phoneProof).toBe('activationCode');
    expectError(await c.auth(intruder, 'setupPassword', { newPassword: 'Duoqu#2025', confirmPassword: 'Duoqu#2025' }), 'SETUP_ACTIVATION_FIRST');
    expectError(await c.auth(intruder, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_ACTIVATION_FIRST');
    // Guessed codes are counted like wrong passwords: 20 an hour per WeChat account.
    for (let i = 0; i < 20; i += 1) {
      expectError(await c.auth(intruder, 'setupActivate', { activationCode: `ABCDE${String(22222 + i).replace(/[01]/g, '2')}` }), 'ACTIVATION_CODE_INVALID');
    }
    expectError(await c.auth(intruder, 'setupActivate', { activationCode: 'ABCDE-FGHJK' }), 'RATE_LIMITED');
    const record = await c.student(student.studentNo);
    expect(record).toMatchObject({ setupCompletedAt: null, phoneHash: null, boundOpenids: [], mustChangePassword: true });
    // The real student still signs in with the initial password.
    expect(expectOk(await signIn(newOpenid(), 'studentNo', student.studentNo, student.initialPassword)).next).toBe('setup');
  });

  it('completes with the code the office issued; the code works once and an older code stops working', async () => {
    const student = await c.addStudent();
    const first = await c.activationCode(student.studentNo);
    const second = await c.activationCode(student.studentNo);
    const owner = newOpenid();
    expectOk(await signIn(owner, 'studentNo', student.studentNo, student.initialPassword));
    expectOk(await c.auth(owner, 'setupConfirmIdentity'));
    expectError(await c.auth(owner, 'setupActivate', { activationCode: first }), 'ACTIVATION_CODE_INVALID');
    expectOk(await c.auth(owner, 'setupActivate', { activationCode: second }));
    expectOk(await c.auth(owner, 'setupPassword', { newPassword: 'Benren#2025', confirmPassword: 'Benren#2025' }));
    c.secrets.add('Benren#2025');
    const phone = makePhone();
    expectOk(await c.auth(owner, 'setupPhone', { phoneCode: c.phoneCode(phone) }));
    const record = await c.student(student.studentNo);
    expect(record.activation).toBeNull();
    expect(record.phoneMasked).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
    // Issuing a code is written to the audit log with who and why.
    const issued = await auditOf(student.studentNo, 'students.activationCode.issued');
    expect(issued).toHaveLength(2);
    expect(issued[0]).toMatchObject({ actor: `staff:${OFFICE.staff}`, details: { reason: '学生来电核实身份' } });
  });

  it('gets no code once activated or when a phone is on file: that is for the phone, or a reset', async () => {
    const withPhone = await c.addStudent({ phone: makePhone() });
    await expect(issueActivationCode(db(), { studentNo: withPhone.studentNo, reason: '学生来电核实身份' }, OFFICE, c.t.cloud.clock.now())).rejects.toMatchObject({ code: 'CONFLICT' });
    const done = await c.addStudent();
    await c.completeFirstSignIn(done, newOpenid(), 'Benren#2026', makePhone());
    c.secrets.add('Benren#2026');
    await expect(issueActivationCode(db(), { studentNo: done.studentNo, reason: '学生来电核实身份' }, OFFICE, c.t.cloud.clock.now())).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(issueActivationCode(db(), { studentNo: done.studentNo, reason: '' }, OFFICE, c.t.cloud.clock.now())).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('"someone else activated my account": the office resets it', () => {
  it('unbinds their phone and WeChat, ends their session, brings back the initial password, and the student is told', async () => {
    const student = await c.addStudent();
    const intruder = newOpenid();
    const intruderPhone = makePhone();
    // Say the intruder obtained a code (e.g. by deceiving the office) and completed the first sign-in.
    await c.completeFirstSignIn(student, intruder, 'Duoqu#2025', intruderPhone);
    expect(expectOk(await c.auth<{ signedIn: boolean }>(intruder, 'status')).signedIn).toBe(true);

    // The real student calls the office, whose clerk checks the ID card and resets the account.
    await expect(
      resetStudentAccount(db(), { studentNo: student.studentNo, idNumber: student.idNumber, reason: '' }, OFFICE, c.t.cloud.clock.now()),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      resetStudentAccount(db(), { studentNo: student.studentNo, idNumber: '370602199903070011', reason: '本人来电称账号被他人激活' }, OFFICE, c.t.cloud.clock.now()),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const reset = await resetStudentAccount(
      db(),
      { studentNo: student.studentNo, idNumber: student.idNumber, reason: '本人来电称账号被他人激活' },
      OFFICE,
      c.t.cloud.clock.now(),
    );
    expect(reset.activation?.activationCode).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);

    // The intruder is out, and their password and WeChat no longer work.
    expect(expectOk(await c.auth<{ signedIn: boolean }>(intruder, 'status')).signedIn).toBe(false);
    expectError(await signIn(intruder, 'studentNo', student.studentNo, 'Duoqu#2025'), 'LOGIN_FAILED');
    const record = await c.student(student.studentNo);
    expect(record).toMatchObject({ boundOpenids: [], phoneHash: null, setupCompletedAt: null, mustChangePassword: true });

    // The student signs in with the initial password and is told what happened.
    const owner = newOpenid();
    expect(expectOk(await signIn(owner, 'studentNo', student.studentNo, student.initialPassword)).next).toBe('setup');
    const state = expectOk(await c.auth<SetupState>(owner, 'setupState'));
    expect(state.resetByOfficeAt).not.toBeNull();
    expectOk(await c.auth(owner, 'setupConfirmIdentity'));
    expectOk(await c.auth(owner, 'setupActivate', { activationCode: reset.activation!.activationCode }));
    expectOk(await c.auth(owner, 'setupPassword', { newPassword: 'Benren#2027', confirmPassword: 'Benren#2027' }));
    c.secrets.add('Benren#2027');
    expectOk(await c.auth(owner, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }));
    expect((await c.student(student.studentNo)).officeResetAt).toBeNull();

    // The reset is in the audit log: who, why, before → after.
    const [entry] = await auditOf(student.studentNo, 'students.account.reset');
    expect(entry).toMatchObject({
      actor: `staff:${OFFICE.staff}`,
      details: {
        reason: '本人来电称账号被他人激活',
        before: { phone: `${intruderPhone.slice(0, 3)}****${intruderPhone.slice(-4)}`, wechatAccounts: 1 },
        after: { phone: null, wechatAccounts: 0, activationCodeIssued: true },
        sessionsEnded: 1,
      },
    });
  });

  it('can put the student’s own phone on file instead of a code', async () => {
    const student = await c.addStudent();
    await c.completeFirstSignIn(student, newOpenid(), 'Duoqu#2026', makePhone());
    const realPhone = makePhone();
    const reset = await resetStudentAccount(
      db(),
      { studentNo: student.studentNo, idNumber: student.idNumber, reason: '本人到计划财务处现场核实', phone: realPhone },
      OFFICE,
      c.t.cloud.clock.now(),
    );
    expect(reset).toMatchObject({ activation: null, phoneOnFile: `${realPhone.slice(0, 3)}****${realPhone.slice(-4)}` });
    const owner = newOpenid();
    expectOk(await signIn(owner, 'studentNo', student.studentNo, student.initialPassword));
    expect(expectOk(await c.auth<SetupState>(owner, 'setupConfirmIdentity')).phoneProof).toBe('onFile');
    expectOk(await c.auth(owner, 'setupPassword', { newPassword: 'Benren#2028', confirmPassword: 'Benren#2028' }));
    c.secrets.add('Benren#2028');
    expectError(await c.auth(owner, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'PHONE_MISMATCH');
    expectOk(await c.auth(owner, 'setupPhone', { phoneCode: c.phoneCode(realPhone) }));
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
