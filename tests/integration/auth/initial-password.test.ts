/**
 * The initial password (the ID number's last 8 characters, X upper-case) typed with a lower-case
 * x: accepted, with exactly one password derivation per attempt whatever the account (so the time
 * an attempt takes says nothing about it), and an upgrade of the stored hash keeps the documented
 * upper-case form working. Also: records from before WeChat accounts were bound still sign in.
 */
import crypto from 'node:crypto';
import { collection, commands } from '../../../cloudfunctions/shared/runtime';
import { idCheckDigit } from '../../../cloudfunctions/shared/students/domain/id-number';
import { hashPassword } from '../../../cloudfunctions/shared/students/credentials';
import { expectOk, findPersonalData, makePhone, useAuthCloud, type AuthCloud, type TestStudent } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-initial', (cloud) => (c = cloud));

afterAll(() => {
  jest.restoreAllMocks();
});

const signIn = (openid: string, by: 'studentNo' | 'idNumber', account: string, password: string) =>
  c.auth<{ next: string }>(openid, 'signIn', { by, account, password });

let xSerial = 500;
/** A student whose ID number (and so initial password) ends in X. */
async function studentWithX(): Promise<TestStudent> {
  for (;;) {
    xSerial += 1;
    const first17 = `37061219950212${xSerial}`;
    if (idCheckDigit(first17) === 'X') {
      const student = await c.addStudent({ idNumber: `${first17}X` });
      expect(student.initialPassword).toMatch(/X$/);
      return student;
    }
  }
}

describe('the initial password with a lower-case x', () => {
  it('upgrading the stored hash at sign-in keeps the upper-case initial password working', async () => {
    const student = await studentWithX();
    // A hash made at a lower cost than the current one (an older deployment): upgraded at sign-in.
    const weaker = await hashPassword(student.initialPassword, { logN: 10, r: 8, p: 1 });
    await collection(c.t.cloud.sdkDatabase(), 'students').updateWhere({ studentNo: student.studentNo }, { passwordHash: weaker });

    expect(expectOk(await signIn(newOpenid(), 'idNumber', student.idNumber, student.initialPassword.toLowerCase())).next).toBe('setup');
    expect((await c.student(student.studentNo)).passwordHash).not.toBe(weaker);
    // As the university's guide documents it, with an upper-case X…
    expect(expectOk(await signIn(newOpenid(), 'idNumber', student.idNumber, student.initialPassword)).next).toBe('setup');
    // …and still as typed before.
    expect(expectOk(await signIn(newOpenid(), 'studentNo', student.studentNo, student.initialPassword.toLowerCase())).next).toBe('setup');
  });

  it('costs exactly one password derivation per attempt, whatever the account', async () => {
    const initial = await studentWithX();
    const done = await studentWithX();
    await c.completeFirstSignIn(done, newOpenid(), 'Qiming#2025x', makePhone());
    c.secrets.add('Qiming#2025x');

    const derivations = jest.spyOn(crypto, 'scrypt');
    const attempts: [string, () => Promise<unknown>][] = [
      ['unknown account', () => signIn(newOpenid(), 'studentNo', '2092000001', 'abcdefgx')],
      ['initial password in force, wrong guess with an x', () => signIn(newOpenid(), 'studentNo', initial.studentNo, '1234567x')],
      ['initial password in force, right with a lower-case x', () => signIn(newOpenid(), 'studentNo', initial.studentNo, initial.initialPassword.toLowerCase())],
      ['initial password in force, right as documented', () => signIn(newOpenid(), 'studentNo', initial.studentNo, initial.initialPassword)],
      ['password changed, wrong guess with an x', () => signIn(newOpenid(), 'studentNo', done.studentNo, '1234567x')],
      ['password changed, the old initial password with a lower-case x', () => signIn(newOpenid(), 'studentNo', done.studentNo, done.initialPassword.toLowerCase())],
    ];
    const counted: Record<string, number> = {};
    for (const [label, attempt] of attempts) {
      derivations.mockClear();
      await attempt();
      counted[label] = derivations.mock.calls.length;
    }
    derivations.mockRestore();
    expect(counted).toEqual(Object.fromEntries(attempts.map(([label]) => [label, 1])));
  });
});

describe('a record from before WeChat accounts were bound', () => {
  it('signs in (the missing list counts as none bound)', async () => {
    const owner = newOpenid();
    const student = await c.addStudent();
    const phone = makePhone();
    await c.completeFirstSignIn(student, owner, 'Qiming#2025', phone);
    const db = c.t.cloud.sdkDatabase();
    await collection(db, 'students').updateWhere({ studentNo: student.studentNo }, { boundOpenids: commands(db).remove() });
    expect('boundOpenids' in (await c.student(student.studentNo))).toBe(false);

    expect(expectOk(await signIn(owner, 'studentNo', student.studentNo, 'Qiming#2025')).next).toBe('verifyDevice');
    expect(expectOk(await c.auth<{ next: string }>(owner, 'verifyDevice', { phoneCode: c.phoneCode(phone) })).next).toBe('home');
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
