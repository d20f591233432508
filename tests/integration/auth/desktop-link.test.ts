/**
 * The learning platform's one-time QR link, redeemed through the auth function on the local cloud:
 * once only, never with a wrong signature, after its expiry or for a 学号 nobody has; keys that
 * rotate; and that redeeming it signs nobody in.
 */
import { randomBytes } from 'node:crypto';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { DEVELOPMENT_DEFAULTS } from '../../../cloudfunctions/shared/runtime/environment';
import { buildDesktopLink, type DesktopLinkFields } from '../../../cloudfunctions/shared/students/domain/desktop-link';
import { AUTH_ERRORS, type DesktopLinkRedeemed, type SessionStatus, type SignInResult } from '../../../cloudfunctions/shared/students/contract';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { expectError, expectOk, findPersonalData, useAuthCloud, type AuthCloud } from './support';

let c: AuthCloud;
const newOpenid = useAuthCloud('o-desk', (cloud) => (c = cloud));

const PREFIX = 'https://zhjf.example.edu.cn/desktop-login';
const TEST_SECRET = DEVELOPMENT_DEFAULTS.DESKTOP_LINK_SECRET!;
const K2_SECRET = 'k2-desktop-link-secret-for-the-rotation-test-0123456789';
const K3_SECRET = 'k3-desktop-link-secret-for-the-rotation-test-9876543210';
const LINK_VARIABLES = ['DESKTOP_LINK_SECRET', 'DESKTOP_LINK_KEY_ID', 'DESKTOP_LINK_SECRET_PREVIOUS'] as const;

/** The auth function reads its keys at each call: a test changes them as a deploy would. */
function configureKeys(values: Partial<Record<(typeof LINK_VARIABLES)[number], string>>): void {
  for (const name of LINK_VARIABLES) {
    if (values[name] === undefined) delete process.env[name];
    else process.env[name] = values[name];
  }
}

const nowSeconds = () => Math.floor(c.t.cloud.clock.nowMs() / 1000);

/** A link as the platform makes it: 10 minutes from the local cloud's now, a fresh nonce. */
function platformLink(studentNo: string, options: { secret?: string; keyId?: string; nonce?: string; expires?: number } = {}): string {
  const fields: DesktopLinkFields = {
    studentNo,
    expires: options.expires ?? nowSeconds() + 600,
    nonce: options.nonce ?? randomBytes(16).toString('base64url'),
    keyId: options.keyId ?? 'k1',
  };
  return buildDesktopLink(PREFIX, fields, options.secret ?? TEST_SECRET);
}

const redeem = (openid: string, link: string) => c.auth<DesktopLinkRedeemed>(openid, 'redeemDesktopLink', { link });
const nonceRecords = async () => collection(c.t.cloud.sdkDatabase(), 'desktopLinkNonces').find({}, { limit: 1000 });

afterEach(() => {
  // Back to the local cloud's own test key.
  configureKeys({ DESKTOP_LINK_SECRET: TEST_SECRET });
});

describe('a link signed by the platform', () => {
  it('fills in its student once, signs nobody in, and the ordinary sign-in follows', async () => {
    const student = await c.addStudent();
    const link = platformLink(student.studentNo);
    const openid = newOpenid();

    expect(expectOk(await redeem(openid, link))).toEqual({ studentNo: student.studentNo, faceVerified: true });
    expect(expectOk(await c.auth<SessionStatus>(openid, 'status')).signedIn).toBe(false);
    expectError(await c.auth(openid, 'profile'), 'UNAUTHENTICATED');

    // Photographed off the screen and scanned again, by the student or anyone else: used up.
    for (const again of [openid, newOpenid()]) {
      const refused = expectError(await redeem(again, link), 'DESKTOP_LINK_USED');
      expect(refused.message).toBe(AUTH_ERRORS.DESKTOP_LINK_USED);
    }

    // The password is still what signs the student in; the first sign-in starts as always.
    const signedIn = expectOk(await c.auth<SignInResult>(openid, 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword }));
    expect(signedIn).toEqual({ next: 'setup', identity: null, phone: null });
  });

  it('is redeemed by only one of two scans at the same moment', async () => {
    const student = await c.addStudent();
    const link = platformLink(student.studentNo);
    const results = await Promise.all([redeem(newOpenid(), link), redeem(newOpenid(), link)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(['DESKTOP_LINK_USED']);
  });

  it('answers with the 学号 as the school registered it, whatever case the platform wrote', async () => {
    const student = await c.addStudent({ studentNo: `XJ${Date.now() % 1_000_000}A` });
    expect(expectOk(await redeem(newOpenid(), platformLink(student.studentNo.toLowerCase()))).studentNo).toBe(student.studentNo);
  });
});

describe('a link that must not work', () => {
  it('a wrong signature: another 学号 under the same signature, a changed digit, another secret', async () => {
    const student = await c.addStudent();
    const other = await c.addStudent();
    const link = platformLink(student.studentNo);
    const signature = link.slice(-64);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    const forged = [
      link.replace(`s=${student.studentNo}`, `s=${other.studentNo}`),
      link.replace(signature, flipped),
      platformLink(student.studentNo, { secret: 'a-secret-the-school-never-shared-with-anyone-0000' }),
      'https://zhjf.example.edu.cn/desktop-login?s=2024&sig=0',
    ];
    for (const attempt of forged) {
      const refused = expectError(await redeem(newOpenid(), attempt), 'DESKTOP_LINK_INVALID');
      expect(refused.message).toBe(AUTH_ERRORS.DESKTOP_LINK_INVALID);
    }
    // None of them used the nonce up: the genuine link still works.
    expect(expectOk(await redeem(newOpenid(), link)).studentNo).toBe(student.studentNo);
  });

  it('an expired link (the local cloud’s clock moved past it), and one that claims to last for days', async () => {
    const student = await c.addStudent();
    const link = platformLink(student.studentNo);
    c.t.cloud.clock.advance(10 * 60_000 + 1000);
    const refused = expectError(await redeem(newOpenid(), link), 'DESKTOP_LINK_EXPIRED');
    expect(refused.message).toBe(AUTH_ERRORS.DESKTOP_LINK_EXPIRED);

    const forAWeek = platformLink(student.studentNo, { expires: nowSeconds() + 7 * 24 * 3600 });
    expectError(await redeem(newOpenid(), forAWeek), 'DESKTOP_LINK_INVALID');
  });

  it('a replayed nonce, even in a link newly signed for another student', async () => {
    const first = await c.addStudent();
    const second = await c.addStudent();
    const nonce = randomBytes(16).toString('base64url');
    expectOk(await redeem(newOpenid(), platformLink(first.studentNo, { nonce })));
    expectError(await redeem(newOpenid(), platformLink(second.studentNo, { nonce })), 'DESKTOP_LINK_USED');
  });

  it('an unknown 学号: said plainly, with nothing about any student, and the nonce not used up', async () => {
    const link = platformLink('2099000001');
    const openid = newOpenid();
    const refused = expectError(await redeem(openid, link), 'DESKTOP_LINK_UNKNOWN_STUDENT');
    expect(refused.message).toBe(AUTH_ERRORS.DESKTOP_LINK_UNKNOWN_STUDENT);
    expect(refused.message).not.toContain('2099000001');
    expect((await nonceRecords()).some((doc) => doc.nonce === new URL(link).searchParams.get('n'))).toBe(false);
  });

  it('counts refusals against the WeChat account like wrong passwords', async () => {
    const openid = newOpenid();
    for (let i = 0; i < 20; i += 1) expectError(await redeem(openid, platformLink('2099000002')), 'DESKTOP_LINK_UNKNOWN_STUDENT');
    const student = await c.addStudent();
    const limited = expectError(await redeem(openid, platformLink(student.studentNo)), 'RATE_LIMITED');
    expect(limited.details).toEqual({ retryAfterSeconds: expect.any(Number) });
    // Another WeChat account is not held up by it.
    expectOk(await redeem(newOpenid(), platformLink(student.studentNo)));
  });
});

describe('keys that rotate', () => {
  it('a link signed with the previous key is accepted after the rotation, and refused once that key is retired', async () => {
    const student = await c.addStudent();
    const underK1 = platformLink(student.studentNo);
    const alsoUnderK1 = platformLink(student.studentNo);

    // Rotation: k2 is current, k1 stays as the previous key while the platform switches over.
    configureKeys({ DESKTOP_LINK_SECRET: K2_SECRET, DESKTOP_LINK_KEY_ID: 'k2', DESKTOP_LINK_SECRET_PREVIOUS: `k1:${TEST_SECRET}` });
    expect(expectOk(await redeem(newOpenid(), underK1)).studentNo).toBe(student.studentNo);
    expectOk(await redeem(newOpenid(), platformLink(student.studentNo, { keyId: 'k2', secret: K2_SECRET })));
    // A link claiming k2 but signed with k1's secret is not k2's.
    expectError(await redeem(newOpenid(), platformLink(student.studentNo, { keyId: 'k2', secret: TEST_SECRET })), 'DESKTOP_LINK_INVALID');

    // The next rotation retires k1: its links are refused, however fresh.
    configureKeys({ DESKTOP_LINK_SECRET: K3_SECRET, DESKTOP_LINK_KEY_ID: 'k3', DESKTOP_LINK_SECRET_PREVIOUS: `k2:${K2_SECRET}` });
    expectError(await redeem(newOpenid(), alsoUnderK1), 'DESKTOP_LINK_INVALID');
    expectOk(await redeem(newOpenid(), platformLink(student.studentNo, { keyId: 'k2', secret: K2_SECRET })));
    expectOk(await redeem(newOpenid(), platformLink(student.studentNo, { keyId: 'k3', secret: K3_SECRET })));
  });

  it('with no key configured, no link is accepted and the log says which variable is missing', async () => {
    const student = await c.addStudent();
    const link = platformLink(student.studentNo);
    configureKeys({});
    const before = c.t.logs.length;
    expectError(await redeem(newOpenid(), link), 'DESKTOP_LINK_INVALID');
    expect(c.t.logs.slice(before).join('\n')).toContain('DESKTOP_LINK_SECRET is not set');
  });
});

describe('the auth timer trigger', () => {
  it('forgets a redeemed nonce a day after its link expired, not before', async () => {
    const student = await c.addStudent();
    expectOk(await redeem(newOpenid(), platformLink(student.studentNo)));
    const fire = async () => expectOk((await c.t.cloud.fireTimer('auth', 'authCleanup')) as ApiResult<{ desktopLinkNoncesRemoved: number }>);
    // Earlier tests' nonces may already be old enough: clear them first.
    await fire();
    const kept = (await nonceRecords()).length;
    expect(kept).toBeGreaterThanOrEqual(1);

    c.t.cloud.clock.advance(10 * 60_000 + 23 * 3600_000);
    expect((await fire()).desktopLinkNoncesRemoved).toBe(0);
    c.t.cloud.clock.advance(2 * 3600_000);
    expect((await fire()).desktopLinkNoncesRemoved).toBe(kept);
    expect(await nonceRecords()).toEqual([]);
  });
});

describe('personal data', () => {
  it('no full ID number, phone number or password was logged or returned in this suite', () => {
    expect(findPersonalData(c)).toEqual([]);
  });
});
