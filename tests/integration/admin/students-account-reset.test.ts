/**
 * 重置账号 in the console, for a student whose phone on file is wrong or changed (or whose first
 * sign-in someone else completed): the clerk types the ID number from the student's card, and a
 * new phone or nothing (then an activation code). The student's next first sign-in verifies the
 * new phone. The ID number is checked, never kept: not in the answer, the audit log or the logs.
 */
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import type { SessionStatus, StudentAccountReset, StudentSummary } from '../../../cloudfunctions/shared/students/contract';
import type { StudentDoc } from '../../../cloudfunctions/shared/students/domain/student';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { phoneSandboxOf } from '../../../local/wechat-openapi';
import { makeIdNumber } from '../auth/support';
import { data, expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

interface Person {
  studentNo: string;
  name: string;
  idNumber: string;
  phone: string;
}

let c: ConsoleCloud;
let cashier: string;
const changedPhone: Person = { studentNo: '2025410001', name: '高远', idNumber: makeIdNumber('19860606'), phone: '13905353301' };
const lostPhone: Person = { studentNo: '2025410002', name: '高峰', idNumber: makeIdNumber('19870707'), phone: '13905353302' };
const untouched: Person = { studentNo: '2025410003', name: '高山', idNumber: makeIdNumber('19880808'), phone: '13905353303' };
const NEW_PHONE = '13705359911';

const auth = <T = unknown>(openid: string, action: string, payload: Record<string, unknown> = {}) =>
  c.running.cloud.invoke('auth', { action, ...payload }, { openid, source: 'wx_client' }) as Promise<ApiResult<T>>;

const phoneCode = (phone: string): string => phoneSandboxOf(c.running.cloud).issueCode(phone);

async function step<T>(openid: string, action: string, payload: Record<string, unknown> = {}): Promise<T> {
  const result = await auth<T>(openid, action, payload);
  if (!result.ok) throw new Error(`${action}: ${result.code} ${result.message}`);
  return result.data;
}

/** 首次登录 up to its phone step: the initial password, 本人确认, the activation code when one is needed, a new password. */
async function atPhoneStep(person: Person, openid: string, activationCode?: string): Promise<void> {
  const signIn = await step<{ next: string }>(openid, 'signIn', { by: 'studentNo', account: person.studentNo, password: person.idNumber.slice(-8) });
  expect(signIn.next).toBe('setup');
  await step(openid, 'setupConfirmIdentity');
  if (activationCode) await step(openid, 'setupActivate', { activationCode });
  await step(openid, 'setupPassword', { newPassword: 'Gaoyuan#2025', confirmPassword: 'Gaoyuan#2025' });
}

const signedIn = async (openid: string): Promise<boolean> => (await step<SessionStatus>(openid, 'status')).signedIn;
const studentDoc = async (studentNo: string): Promise<StudentDoc> => (await collection(c.running.cloud.sdkDatabase(), 'students').findOne({ studentNo }))!;
const resetAudits = () => collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ action: 'admin.resetStudentAccount' });

const resetAccount = (token: string, request: Record<string, unknown>) => c.api<StudentAccountReset>('resetStudentAccount', request, { token });

beforeAll(async () => {
  c = await startConsoleCloud();
  cashier = await c.signInAs('cashier');
  const people = [changedPhone, lostPhone, untouched];
  const rows = people.map((person, index) => ({
    rowNumber: index + 2,
    cells: { ...person, college: '继续教育学院', major: '会计学', grade: '2025级', className: '会计学2501班' },
  }));
  const started = data(await c.api<{ batchId: string }>('startImport', { kind: 'students', fileName: '名单.xlsx', fileHash: 'c'.repeat(64), rowCount: rows.length }, { token: cashier }));
  data(await c.api('importRows', { batchId: started.batchId, kind: 'students', rows }, { token: cashier }));
  data(await c.api('finishImport', { batchId: started.batchId }, { token: cashier }));
  // Each completed the first sign-in with the phone the school had on file.
  for (const person of people) {
    const openid = `o-${person.studentNo}`;
    await atPhoneStep(person, openid);
    await step(openid, 'setupPhone', { phoneCode: phoneCode(person.phone) });
  }
});
afterAll(async () => c.stop());

it('puts the new phone on file: the student signs in with the initial password and the first sign-in verifies the new phone, not the old one', async () => {
  const oldWechat = `o-${changedPhone.studentNo}`;
  expect(await signedIn(oldWechat)).toBe(true);

  const answer = await resetAccount(cashier, { studentNo: changedPhone.studentNo, idNumber: changedPhone.idNumber, phone: NEW_PHONE, reason: '本人来电，手机号已更换' });
  expect(answer.result).toEqual({ ok: true, data: { studentNo: changedPhone.studentNo, phone: '137****9911', activation: null, sessionsEnded: 1 } });
  expect(await signedIn(oldWechat)).toBe(false);
  const detail = data(await c.api<StudentSummary>('studentDetail', { studentNo: changedPhone.studentNo }, { token: cashier }));
  expect(detail).toMatchObject({ phone: '137****9911', phoneVerified: false, setupCompleted: false });

  const newWechat = 'o-gaoyuan-new-phone';
  await atPhoneStep(changedPhone, newWechat);
  expect(await auth(newWechat, 'setupPhone', { phoneCode: phoneCode(changedPhone.phone) })).toMatchObject({ ok: false, code: 'PHONE_MISMATCH' });
  expect(await auth(newWechat, 'setupPhone', { phoneCode: phoneCode(NEW_PHONE) })).toMatchObject({ ok: true, data: { next: 'home' } });
  expect(await signedIn(newWechat)).toBe(true);
});

it('refuses an ID number that is not the one on record, and changes nothing', async () => {
  const before = await studentDoc(untouched.studentNo);
  const wrongId = makeIdNumber('19880808');
  const refused = await resetAccount(cashier, { studentNo: untouched.studentNo, idNumber: wrongId, phone: NEW_PHONE, reason: '本人来电，手机号已更换' });
  expectRefused(refused, 400, 'BAD_REQUEST');
  expect(refused.result).toMatchObject({ message: expect.stringContaining('证件号与该学号的记录不一致') });
  expect(JSON.stringify(refused.result)).not.toContain(wrongId);

  const badPhone = await resetAccount(cashier, { studentNo: untouched.studentNo, idNumber: untouched.idNumber, phone: '1390535', reason: '本人来电，手机号已更换' });
  expectRefused(badPhone, 400, 'BAD_REQUEST');
  expect(badPhone.result).toMatchObject({ message: '手机号应为 11 位中国大陆手机号' });

  expect(await studentDoc(untouched.studentNo)).toEqual(before);
  expect(await signedIn(`o-${untouched.studentNo}`)).toBe(true);
  expect((await resetAudits()).filter((entry) => JSON.stringify(entry).includes(untouched.studentNo))).toEqual([]);
});

it('without a new phone, clears the old one and answers an activation code once, which the first sign-in accepts', async () => {
  const answer = data(await resetAccount(cashier, { studentNo: lostPhone.studentNo, idNumber: lostPhone.idNumber, reason: '本人到窗口，原手机号已停用' }));
  expect(answer).toMatchObject({ studentNo: lostPhone.studentNo, phone: null, sessionsEnded: 1 });
  const code = answer.activation!.activationCode;
  expect(code).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
  expect(Date.parse(answer.activation!.expiresAt)).toBeGreaterThan(c.running.cloud.clock.now().getTime());

  // Kept only as a keyed hash; the console never shows it again.
  expect(JSON.stringify(await studentDoc(lostPhone.studentNo))).not.toContain(code.replace('-', ''));
  const detail = data(await c.api<StudentSummary>('studentDetail', { studentNo: lostPhone.studentNo }, { token: cashier }));
  expect(detail).toMatchObject({ phone: null, setupCompleted: false });
  expect(JSON.stringify(detail)).not.toContain(code.replace('-', ''));

  const wechat = 'o-gaofeng-new-phone';
  await atPhoneStep(lostPhone, wechat, code);
  expect(await auth(wechat, 'setupPhone', { phoneCode: phoneCode('13705359922') })).toMatchObject({ ok: true, data: { next: 'home' } });
});

it('is for 管理员 and 收费员 only: 只读 and 审核 are refused', async () => {
  for (const role of ['viewer', 'reviewer'] as const) {
    const token = await c.signInAs(role);
    expectRefused(await resetAccount(token, { studentNo: untouched.studentNo, idNumber: untouched.idNumber, reason: '本人来电，手机号已更换' }), 403, 'FORBIDDEN');
  }
  expect(await signedIn(`o-${untouched.studentNo}`)).toBe(true);
  const admin = await c.signInAs('admin');
  expect(data(await resetAccount(admin, { studentNo: untouched.studentNo, idNumber: untouched.idNumber, phone: '13705359933', reason: '本人来电，手机号已更换' }))).toMatchObject({ phone: '137****9933' });
});

it('keeps who, why and what changed in the audit log, and the ID number nowhere', async () => {
  const entries = await resetAudits();
  expect(entries.map((entry) => entry.actor).sort()).toEqual([`staff:${c.openidOf('admin')}`, `staff:${c.openidOf('cashier')}`, `staff:${c.openidOf('cashier')}`].sort());
  const forChanged = entries.find((entry) => JSON.stringify(entry).includes(changedPhone.studentNo))!;
  expect(forChanged.details).toMatchObject({
    role: 'cashier',
    reason: '本人来电，手机号已更换',
    changes: [{ target: `student:${changedPhone.studentNo}`, after: { before: { phone: '139****3301', wechatAccounts: 1 }, after: { phone: '137****9911', activationCodeIssued: false } } }],
  });
  const written = [...entries.map((entry) => JSON.stringify(entry)), ...c.logs].join('\n');
  for (const person of [changedPhone, lostPhone, untouched]) {
    expect(written).not.toContain(person.idNumber);
    expect(written).not.toContain(person.idNumber.slice(-8));
  }
  expect(written).not.toContain(NEW_PHONE);
});
