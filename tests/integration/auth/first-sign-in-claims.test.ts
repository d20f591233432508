/**
 * The first sign-in of a student with no phone on file registers the phone of whoever completes
 * it, so it is where an account could be taken over with a known ID number. A phone number that
 * another student has, or a WeChat account that already did a first sign-in for another student,
 * cannot complete it; the refusal says to contact the finance office and is audited. And the step
 * writes the pending record as it is when it completes, not as it was read before.
 */
import { collection } from '../../../cloudfunctions/shared/runtime';
import type { SessionStatus } from '../../../cloudfunctions/shared/students/contract';
import { expectError, expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud, type TestStudent } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-claims', (cloud) => (c = cloud));

const signIn = (openid: string, account: string, password: string) => c.auth<{ next: string }>(openid, 'signIn', { by: 'studentNo', account, password });
const signedIn = async (openid: string) => expectOk(await c.auth<SessionStatus>(openid, 'status')).signedIn;

const atPhoneStep = (student: TestStudent, openid: string, password?: string): Promise<void> => c.atPhoneStep(student, openid, password);

const auditRows = () => collection(c.t.cloud.sdkDatabase(), 'auditLog').find({ action: 'auth.firstSignIn.refused' });

describe('a phone number that another student has', () => {
  it('cannot complete the first sign-in of a student with no phone on file', async () => {
    const phone = makePhone();
    await c.completeFirstSignIn(await c.addStudent(), newOpenid(), 'Qiming#2025', phone);

    const victim = await c.addStudent();
    const stranger = newOpenid();
    await atPhoneStep(victim, stranger, 'Duoqu#2025');
    const refused = expectError(await c.auth(stranger, 'setupPhone', { phoneCode: c.phoneCode(phone) }), 'SETUP_PHONE_TAKEN');
    expect(refused.message).toContain('请联系计划财务处');
    expect(await signedIn(stranger)).toBe(false);

    // Nothing changed: the initial password still leads to the first sign-in, the other does not work.
    expect(expectOk(await signIn(newOpenid(), victim.studentNo, victim.initialPassword)).next).toBe('setup');
    expectError(await signIn(newOpenid(), victim.studentNo, 'Duoqu#2025'), 'LOGIN_FAILED');
    const doc = await c.student(victim.studentNo);
    expect(doc).toMatchObject({ setupCompletedAt: null, phoneHash: null, boundOpenids: [] });

    const rows = (await auditRows()).filter((row) => row.details.studentId === doc._id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: `openid:${stranger}`, details: { reason: 'SETUP_PHONE_TAKEN' } });
  });

  it('counts a number the school has on file for another student too', async () => {
    const phone = makePhone();
    await c.addStudent({ phone }); // imported with this number, first sign-in not done yet
    const other = await c.addStudent();
    const openid = newOpenid();
    await atPhoneStep(other, openid);
    expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(phone) }), 'SETUP_PHONE_TAKEN');
    // With a number of its own it goes through.
    expectOk(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }));
    expect(await signedIn(openid)).toBe(true);
  });
});

describe('two first sign-ins racing with one phone number', () => {
  it('let only one of them register it', async () => {
    const phone = makePhone();
    const [first, second] = [await c.addStudent(), await c.addStudent()];
    const [openidA, openidB] = [newOpenid(), newOpenid()];
    await atPhoneStep(first, openidA);
    await atPhoneStep(second, openidB);
    const results = await Promise.all([
      c.auth(openidA, 'setupPhone', { phoneCode: c.phoneCode(phone) }),
      c.auth(openidB, 'setupPhone', { phoneCode: c.phoneCode(phone) }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, code: 'SETUP_PHONE_TAKEN' });
    const registered = [await c.student(first.studentNo), await c.student(second.studentNo)].filter((doc) => doc.setupCompletedAt !== null);
    expect(registered).toHaveLength(1);
  });
});

describe('a WeChat account that already completed a first sign-in', () => {
  it('cannot complete it for another student with no phone on file', async () => {
    const openid = newOpenid();
    await c.completeFirstSignIn(await c.addStudent(), openid, 'Qiming#2025', makePhone());
    expectOk(await c.auth(openid, 'signOut'));

    const second = await c.addStudent();
    await atPhoneStep(second, openid);
    const refused = expectError(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) }), 'SETUP_WECHAT_TAKEN');
    expect(refused.message).toContain('请联系计划财务处');
    expect(await signedIn(openid)).toBe(false);
    const doc = await c.student(second.studentNo);
    expect(doc.setupCompletedAt).toBeNull();
    expect((await auditRows()).filter((row) => row.details.studentId === doc._id)).toEqual([
      expect.objectContaining({ actor: `openid:${openid}`, details: expect.objectContaining({ reason: 'SETUP_WECHAT_TAKEN' }) }),
    ]);
  });

  it('can still complete it for a student whose phone on file it proves', async () => {
    const openid = newOpenid();
    await c.completeFirstSignIn(await c.addStudent(), openid, 'Qiming#2025', makePhone());
    const phoneOnFile = makePhone();
    const second = await c.addStudent({ phone: phoneOnFile });
    await atPhoneStep(second, openid);
    expectOk(await c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(phoneOnFile) }));
    expect(await signedIn(openid)).toBe(true);
  });
});

describe('the password set during the first sign-in', () => {
  it('is the one in the pending record when the phone step completes, even if it was set again meanwhile', async () => {
    const student = await c.addStudent();
    const openid = newOpenid();
    await atPhoneStep(student, openid, 'Qiming#2025');

    // WeChat's answer to the phone step is held back while the student sets the password again.
    const openApis = (c.t.cloud as unknown as { openApis: Map<string, (request: Record<string, unknown>) => unknown> }).openApis;
    const original = openApis.get('phonenumber.getPhoneNumber');
    if (!original) throw new Error('no phone sandbox');
    let reached!: () => void;
    let release!: () => void;
    const atWeChat = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    openApis.set('phonenumber.getPhoneNumber', async (request) => {
      reached();
      await released;
      return original(request);
    });
    try {
      const finishing = c.auth(openid, 'setupPhone', { phoneCode: c.phoneCode(makePhone()) });
      await atWeChat;
      expectOk(await c.auth(openid, 'setupPassword', { newPassword: 'Gaile#2026', confirmPassword: 'Gaile#2026' }));
      c.secrets.add('Gaile#2026');
      release();
      expectOk(await finishing);
    } finally {
      openApis.set('phonenumber.getPhoneNumber', original);
    }

    expect(expectOk(await signIn(openid, student.studentNo, 'Gaile#2026')).next).toBe('home');
    expectError(await signIn(newOpenid(), student.studentNo, 'Qiming#2025'), 'LOGIN_FAILED');
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
