/** The demo students `npm start` prints: made by prepareStudent, idempotent, and usable end to end. */
import { seedDemoStudents, type DemoAccount } from '../../../local/seed/students';
import { parseIdNumber } from '../../../cloudfunctions/shared/students/domain/id-number';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { expectError, expectOk, START, startAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
let accounts: DemoAccount[];

beforeAll(async () => {
  c = await startAuthCloud();
  accounts = await seedDemoStudents(c.t.cloud.sdkDatabase(), c.t.cloud.clock.now());
});

afterAll(async () => {
  await c.stop();
});

describe('demo students', () => {
  it('are 3–4 students with valid ID numbers, a rare character, and at least one first sign-in to do', () => {
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    expect(accounts.length).toBeLessThanOrEqual(4);
    for (const account of accounts) {
      const parsed = parseIdNumber(account.idNumber, START);
      expect(parsed).toMatchObject({ ok: true, id: account.idNumber });
      expect(account.initialPassword).toBe(account.idNumber.slice(-8));
      expect(account.note).not.toBe('');
    }
    expect(accounts.some((a) => /[\u3400-\u4dbf]|堃|䶮/.test(a.name))).toBe(true);
    expect(accounts.some((a) => a.firstSignInPending)).toBe(true);
    expect(new Set(accounts.map((a) => a.studentNo)).size).toBe(accounts.length);
  });

  it('seeding again changes nothing and returns the same accounts', async () => {
    const db = c.t.cloud.sdkDatabase();
    const before = await collection(db, 'students').find({}, { orderBy: [['studentNo', 'asc']] });
    const again = await seedDemoStudents(db, c.t.cloud.clock.now());
    const after = await collection(db, 'students').find({}, { orderBy: [['studentNo', 'asc']] });
    expect(again).toEqual(accounts);
    expect(after).toEqual(before);
    expect(after).toHaveLength(accounts.length);
    // Stored without the ID number.
    for (const account of accounts) expect(JSON.stringify(after)).not.toContain(account.idNumber);
  });

  it('each pending demo student can do the whole first sign-in, and the done one signs in', async () => {
    let n = 0;
    for (const account of accounts) {
      const openid = `o-demo-${(n += 1)}`;
      const first = expectOk(await c.auth<{ next: string }>(openid, 'signIn', { by: 'idNumber', account: account.idNumber.toLowerCase(), password: account.password }));
      if (account.firstSignInPending) {
        expect(first.next).toBe('setup');
        // As printed by npm start: the activation code where no phone is on file.
        expect(account.activationCode === null).toBe(account.phone !== null);
        const steps: [string, Record<string, unknown>][] = [
          ['setupConfirmIdentity', {}],
          ...(account.activationCode ? [['setupActivate', { activationCode: account.activationCode }] as [string, Record<string, unknown>]] : []),
          ['setupPassword', { newPassword: 'Yanda#2025x', confirmPassword: 'Yanda#2025x' }],
          ['setupPhone', { phoneCode: c.phoneCode(account.phone ?? `1370535${String(1000 + n)}`) }],
        ];
        for (const [action, payload] of steps) expectOk(await c.auth(openid, action, payload));
      } else {
        expect(first.next).toBe('verifyDevice');
        expect(account.phone).not.toBeNull();
        expectError(await c.auth(openid, 'verifyDevice', { phoneCode: c.phoneCode('13700000000') }), 'PHONE_MISMATCH');
        expect(expectOk(await c.auth<{ next: string }>(openid, 'verifyDevice', { phoneCode: c.phoneCode(account.phone as string) })).next).toBe('home');
      }
    }
  });
});
