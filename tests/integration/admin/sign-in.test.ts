/**
 * Signing in to the finance console by scanning: the code, the phone's 确认登录, the token the
 * console receives once, and every way it must fail (expired, used, cancelled, not staff, disabled,
 * idle, past eight hours, another browser polling).
 */
import type { ConsoleSignInPoll, ConsoleSignInRequest, ConsoleSignInStart } from '../../../cloudfunctions/shared/staff/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { readWxacodeText } from '../../../local/wechat-openapi';
import { readQrPng } from '../../support/qr';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
beforeAll(async () => {
  c = await startConsoleCloud();
});
afterAll(async () => c.stop());

const clock = () => c.running.cloud.clock;
const start = async () => {
  const answer = await c.api<ConsoleSignInStart>('startSignIn');
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data;
};
const poll = (ticket: string, pollKey: string) => c.api<ConsoleSignInPoll>('pollSignIn', { ticket, pollKey });
const state = async (ticket: string, pollKey: string) => {
  const answer = await poll(ticket, pollKey);
  return answer.result.ok ? answer.result.data.state : answer.result.code;
};

describe('the code on the screen', () => {
  it('is a QR code that opens the staff sign-in page with the ticket, and names nothing secret', async () => {
    const startedAt = clock().nowMs();
    const { ticket, pollKey, codeImage, expiresAt } = await start();
    expect(codeImage).toMatch(/^data:image\/png;base64,/);
    const scanned = readWxacodeText(await readQrPng(codeImage));
    expect(scanned).toEqual({ page: 'package-admin/pages/sign-in/index', scene: ticket });
    expect(ticket.length).toBeLessThanOrEqual(32);
    expect(pollKey).not.toContain(ticket);
    const validFor = new Date(expiresAt).getTime() - startedAt;
    expect(validFor).toBeGreaterThanOrEqual(2 * 60_000);
    expect(validFor).toBeLessThan(2 * 60_000 + 5000);
  });
});

describe('scan, confirm, and the console is signed in', () => {
  it('shows the phone what is signing in, gives the console one token, and the token works until 退出', async () => {
    const { ticket, pollKey } = await start();
    expect(await state(ticket, pollKey)).toBe('waiting');

    const cashier = c.openidOf('cashier');
    const seen = await c.fromPhone<ConsoleSignInRequest>(cashier, 'describeSignIn', { ticket });
    expect(seen).toMatchObject({ ok: true, data: { browser: 'Chrome 120 · Windows' } });
    expect(await state(ticket, pollKey)).toBe('scanned');

    expect(await c.fromPhone(cashier, 'confirmSignIn', { ticket })).toEqual({ ok: true, data: { confirmed: true } });
    const signedIn = await poll(ticket, pollKey);
    expect(signedIn.result).toMatchObject({ ok: true, data: { state: 'confirmed', staff: { staffId: cashier, name: '李敏', role: 'cashier', roleLabel: '收费员' } } });
    const token = (signedIn.result as { data: ConsoleSignInPoll }).data.token!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The ticket gives its token once: a second poll (or someone replaying it) gets nothing.
    expectRefused(await poll(ticket, pollKey), 422, 'SIGN_IN_USED');
    expect((await c.api('me', {}, { token })).result).toEqual({ ok: true, data: { staffId: cashier, name: '李敏', role: 'cashier', roleLabel: '收费员' } });

    // Only a hash of the token is stored.
    const sessions = await collection(c.running.cloud.sdkDatabase(), 'staffSessions').find({ staffId: cashier });
    expect(sessions.length).toBeGreaterThan(0);
    expect(JSON.stringify(sessions)).not.toContain(token);

    expect((await c.api('signOut', {}, { token })).result).toEqual({ ok: true, data: { signedOut: true } });
    expectRefused(await c.api('me', {}, { token }), 401, 'UNAUTHENTICATED');
    expect(c.logs.join('\n')).not.toContain(token);
  });

  it('the confirmation and the sign-out are in the audit log, with who and in which role', async () => {
    const token = await c.signInAs('viewer');
    await c.api('signOut', {}, { token });
    const entries = await collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ actor: `staff:${c.openidOf('viewer')}` });
    expect(entries.map((entry) => entry.action).sort()).toEqual(['admin.confirmSignIn', 'admin.signOut']);
    expect(entries[0]!.details).toMatchObject({ staffName: '孙悦', role: 'viewer' });
  });
});

describe('a sign-in that must not happen', () => {
  it('an expired code: the phone is told, the console sees expired', async () => {
    const { ticket, pollKey } = await start();
    clock().advance(2 * 60_000 + 1000);
    expect(await c.fromPhone(c.openidOf('cashier'), 'describeSignIn', { ticket })).toMatchObject({ ok: false, code: 'SIGN_IN_EXPIRED' });
    expect(await c.fromPhone(c.openidOf('cashier'), 'confirmSignIn', { ticket })).toMatchObject({ ok: false, code: 'SIGN_IN_EXPIRED' });
    expect(await state(ticket, pollKey)).toBe('expired');
  });

  it('a code already used cannot sign in a second console', async () => {
    const { ticket, pollKey } = await start();
    await c.fromPhone(c.openidOf('cashier'), 'confirmSignIn', { ticket });
    expect((await poll(ticket, pollKey)).result.ok).toBe(true);
    expect(await c.fromPhone(c.openidOf('admin'), 'confirmSignIn', { ticket })).toMatchObject({ ok: false, code: 'SIGN_IN_USED' });
    expect(await c.fromPhone(c.openidOf('admin'), 'describeSignIn', { ticket })).toMatchObject({ ok: false, code: 'SIGN_IN_USED' });
  });

  it('取消 on the phone: the console sees cancelled and no token ever comes', async () => {
    const { ticket, pollKey } = await start();
    expect(await c.fromPhone(c.openidOf('cashier'), 'cancelSignIn', { ticket })).toMatchObject({ ok: true });
    expect(await state(ticket, pollKey)).toBe('cancelled');
    expect(await c.fromPhone(c.openidOf('cashier'), 'confirmSignIn', { ticket })).toMatchObject({ ok: false, code: 'SIGN_IN_CANCELLED' });
  });

  it('a WeChat account that is not staff cannot see or confirm a sign-in', async () => {
    const { ticket, pollKey } = await start();
    expect(await c.fromPhone('o-student-passing-by', 'describeSignIn', { ticket })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await c.fromPhone('o-student-passing-by', 'confirmSignIn', { ticket })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await state(ticket, pollKey)).toBe('waiting');
  });

  it('another browser that read the ticket off the screen cannot collect the token', async () => {
    const { ticket } = await start();
    await c.fromPhone(c.openidOf('cashier'), 'confirmSignIn', { ticket });
    const otherKey = 'A'.repeat(43);
    expectRefused(await poll(ticket, otherKey), 404, 'NOT_FOUND');
  });

  it('a disabled staff member is signed out at once and cannot sign in again', async () => {
    const adminToken = await c.signInAs('admin');
    const reviewerToken = await c.signInAs('reviewer');
    const reviewer = c.openidOf('reviewer');
    expect((await c.api('updateStaff', { staffId: reviewer, active: false, reason: '调到其他科室' }, { token: adminToken })).result).toMatchObject({ ok: true, data: { active: false } });
    expectRefused(await c.api('me', {}, { token: reviewerToken }), 401, 'UNAUTHENTICATED');
    const { ticket } = await start();
    expect(await c.fromPhone(reviewer, 'confirmSignIn', { ticket })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    await c.api('updateStaff', { staffId: reviewer, active: true, reason: '回到岗位' }, { token: adminToken });
  });
});

describe('the session', () => {
  it('ends after 30 minutes without a request', async () => {
    const token = await c.signInAs('viewer');
    clock().advance(29 * 60_000);
    expect((await c.api('me', {}, { token })).result.ok).toBe(true);
    clock().advance(29 * 60_000);
    expect((await c.api('me', {}, { token })).result.ok).toBe(true);
    clock().advance(31 * 60_000);
    expectRefused(await c.api('me', {}, { token }), 401, 'UNAUTHENTICATED');
  });

  it('ends eight hours after sign-in however busy the console is', async () => {
    const token = await c.signInAs('viewer');
    for (let minutes = 0; minutes < 8 * 60 - 20; minutes += 20) {
      clock().advance(20 * 60_000);
      expect((await c.api('me', {}, { token })).result.ok).toBe(true);
    }
    clock().advance(20 * 60_000);
    expectRefused(await c.api('me', {}, { token }), 401, 'UNAUTHENTICATED');
  });

  it('is taken from the Authorization header only, never from the body', async () => {
    const token = await c.signInAs('viewer');
    expectRefused(await c.api('me', { token }), 401, 'UNAUTHENTICATED');
    expect((await c.api('me', {}, { token })).result.ok).toBe(true);
  });
});
