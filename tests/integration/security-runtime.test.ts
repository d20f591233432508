/**
 * What the shared runtime refuses, as an attacker would try it through the local cloud: requests
 * that smuggle fields through the prototype or echo huge keys back, records that are not sessions,
 * and calls to internal actions that do not come from a function the contract names.
 */
import type { ApiResult } from '../../cloudfunctions/shared/contracts';
import type { ReceiptIssued } from '../../cloudfunctions/shared/receipts/contract';
import { collection } from '../../cloudfunctions/shared/runtime';
import { INTERNAL_CALL_MAX_AGE_MS } from '../../cloudfunctions/shared/runtime/internal-calls';
import { expectError, expectOk, startAuthCloud, type AuthCloud } from './auth/support';
import { insertPaidOrderDirectly, insertStudentWithSession, payThroughFlow, waitForReceiptsWhilePaying, type FixtureStudent } from '../support/receipt-fixtures';
import { invokeAsFunction, signedEvent } from '../support/internal-calls';

jest.setTimeout(60_000);

let c: AuthCloud;
const db = () => c.t.cloud.sdkDatabase();
const receipts = () => collection(db(), 'receipts');
/** Anything kept in the sessions collection, as the test writes it. */
/** Log lines written from now on. */
const logsFrom = (start: number) => c.t.logs.slice(start);

beforeAll(async () => {
  waitForReceiptsWhilePaying();
  c = await startAuthCloud();
});

afterAll(async () => {
  await c.stop();
});

describe('requests', () => {
  it('a password hidden in __proto__ does not sign in: the request is refused', async () => {
    const student = await c.addStudent();
    // What arrives when a client sends this JSON: JSON.parse makes __proto__ an ordinary key.
    const smuggled = JSON.parse(
      JSON.stringify({ action: 'signIn', by: 'studentNo', account: student.studentNo }).replace(/}$/, `,"__proto__":{"password":"${student.initialPassword}"}}`),
    ) as Record<string, unknown>;
    expect(Object.keys(smuggled)).toContain('__proto__');
    const refused = expectError(await c.t.call('auth', smuggled, { openid: 'o-proto-1' }), 'BAD_REQUEST');
    expect(refused.details).toEqual({ path: '__proto__' });
    // The same password as a field of the request is what signs in.
    expectOk(await c.auth('o-proto-2', 'signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword }));
  });

  it('names every object inherits (constructor, toString) are unknown fields', async () => {
    for (const key of ['constructor', 'toString']) {
      const refused = expectError(await c.auth('o-inherited', 'signIn', { by: 'studentNo', account: '20240001', password: 'whatever-1', [key]: 'x' }), 'BAD_REQUEST');
      expect(refused.details).toEqual({ path: key });
    }
  });

  it('a 500,000-character key is named by its first 64 characters, in the answer and in the log', async () => {
    const key = 'K'.repeat(500_000);
    const logStart = c.t.logs.length;
    const answer = await c.auth('o-long-key', 'signIn', { by: 'studentNo', account: '20240001', password: 'whatever-1', [key]: 1 });
    const refused = expectError(answer, 'BAD_REQUEST');
    expect(refused.details).toEqual({ path: `${'K'.repeat(64)}…` });
    expect(JSON.stringify(answer).length).toBeLessThan(400);
    const lines = logsFrom(logStart);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(1000);
  });
});

describe('sessions', () => {
  let student: FixtureStudent;
  beforeAll(async () => {
    student = await insertStudentWithSession(db(), c.t.cloud.clock.now());
  });

  const listAs = (openid: string) => c.t.call<ApiResult<unknown>>('receipts', { action: 'list' }, { openid });

  it('a signed-in student is let in', async () => {
    expectOk(await listAs(student.openid));
  });

  it('an unfinished sign-in step is not a session, even to the WeChat account that started it', async () => {
    const openid = 'o-pending-owner';
    const now = c.t.cloud.clock.now();
    // As auth stores an unfinished sign-in (password accepted, first sign-in not yet done).
    await collection(db(), 'pendingSignIns').insert({
      _id: openid,
      purpose: 'setup',
      studentId: student.studentId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
      stamp: 'v0',
      identityConfirmedAt: now,
      newPasswordHash: null,
    });
    expectError(await listAs(openid), 'UNAUTHENTICATED');
  });

  it('立即支付, which reads the bills with the session, still tells a stranger only that they are not signed in', async () => {
    // Malformed and well formed alike: the answer does not depend on the request before access is granted.
    expectError(await c.t.call('pay', { action: 'create', billIds: 'not-a-list', email: 'x' }, { openid: 'o-stranger' }), 'UNAUTHENTICATED');
    expectError(await c.t.call('pay', { action: 'create', billIds: ['b1'], email: 'a@example.com' }, { openid: 'o-stranger' }), 'UNAUTHENTICATED');
    // The signed-in student's malformed request is named as such.
    expectError(await c.t.call('pay', { action: 'create', billIds: 'not-a-list', email: 'x' }, { openid: student.openid }), 'BAD_REQUEST');
  });

  it('a session ends when the password changes, and 立即支付 says so before reading any bill', async () => {
    const other = await insertStudentWithSession(db(), c.t.cloud.clock.now());
    expectError(await c.t.call('pay', { action: 'create', billIds: ['no-such-bill'], email: 'a@example.com' }, { openid: other.openid }), 'BILL_NOT_FOUND');
    await collection(db(), 'students').updateById(other.studentId, { passwordVersion: 1 });
    expectError(await c.t.call('pay', { action: 'create', billIds: ['no-such-bill'], email: 'a@example.com' }, { openid: other.openid }), 'UNAUTHENTICATED');
    expectError(await c.t.call('receipts', { action: 'list' }, { openid: other.openid }), 'UNAUTHENTICATED');
  });
});

describe('internal actions (receipts.issue)', () => {
  let student: FixtureStudent;
  beforeAll(async () => {
    student = await insertStudentWithSession(db(), c.t.cloud.clock.now());
  });
  const paidOrder = async () => insertPaidOrderDirectly(db(), student, c.t.cloud.clock.now());
  const issueAs = (caller: Parameters<typeof invokeAsFunction>[1], orderId: string, options: Parameters<typeof invokeAsFunction>[5] = {}) =>
    invokeAsFunction<ApiResult<ReceiptIssued>>(c.t.cloud, caller, 'receipts', 'issue', { orderId }, { source: 'wx_paycallback,scf', ...options });

  it('are refused to a call whose SOURCE merely ends in scf', async () => {
    const order = await paidOrder();
    for (const source of ['wx_client,scf', 'scf', 'wx_paycallback,scf']) {
      expectError(await c.t.call('receipts', { action: 'issue', orderId: order._id }, { source, openid: student.openid }), 'FORBIDDEN');
    }
    expect(await receipts().findById(order._id)).toBeNull();
  });

  it('are refused to a function the contract does not list (auth, bills, receipts itself)', async () => {
    const order = await paidOrder();
    for (const caller of ['auth', 'bills', 'receipts'] as const) expectError(await issueAs(caller, order._id), 'FORBIDDEN');
    expect(await receipts().findById(order._id)).toBeNull();
  });

  it('are refused with a proof that is forged, stale, for another request, or not from a function', async () => {
    const order = await paidOrder();
    const other = await paidOrder();
    const now = c.t.cloud.clock.nowMs();
    // Signed with another key.
    expectError(await issueAs('payNotify', order._id, { secret: 'x'.repeat(40) }), 'FORBIDDEN');
    // Signed too long ago, or far ahead of the callee's clock.
    expectError(await issueAs('payNotify', order._id, { at: new Date(now - INTERNAL_CALL_MAX_AGE_MS - 1000) }), 'FORBIDDEN');
    expectError(await issueAs('payNotify', order._id, { at: new Date(now + 10 * 60_000) }), 'FORBIDDEN');
    // Called directly by a mini program user holding a proof.
    expectError(await issueAs('payNotify', order._id, { source: 'wx_client' }), 'FORBIDDEN');
    // A proof for one order sent with another.
    const invokeAs = (event: Record<string, unknown>) => c.t.cloud.invoke('receipts', event, { source: 'wx_paycallback,scf' }) as Promise<ApiResult<unknown>>;
    const forOrder = signedEvent('payNotify', 'receipts', 'issue', { orderId: order._id }, c.t.cloud.clock.now());
    expectError(await invokeAs({ ...forOrder, orderId: other._id }), 'FORBIDDEN');
    // A proof for another action (void) sent as issue.
    const forVoid = signedEvent('payNotify', 'receipts', 'void', { orderId: order._id }, c.t.cloud.clock.now());
    expectError(await invokeAs({ ...forVoid, action: 'issue' }), 'FORBIDDEN');
    expect(await receipts().findById(order._id)).toBeNull();
    expect(await receipts().findById(other._id)).toBeNull();
    expect(c.t.logs.some((line) => line.includes('internal call refused'))).toBe(true);
  });

  it('are run when a payment function calls: paying has the receipt issued', async () => {
    const order = await payThroughFlow(c.t.cloud, student);
    expect(await receipts().findById(order._id)).toMatchObject({ orderId: order._id });
  });

  it('are run for each payment function that signs its call (pay, payNotify, paymentsSweep)', async () => {
    for (const caller of ['pay', 'payNotify', 'paymentsSweep'] as const) {
      const order = await paidOrder();
      expect(expectOk(await issueAs(caller, order._id))).toMatchObject({ created: true, state: expect.any(String) });
    }
  });
});
