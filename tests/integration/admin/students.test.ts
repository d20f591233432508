/**
 * Students in the console: found by 学号, 姓名 or 证件号 (the last by its keyed hash), always with
 * the ID number and phone masked; the office's help for a stuck student, each with a reason in the
 * audit log.
 */
import type { StudentActivationCode, StudentPage, StudentSummary } from '../../../cloudfunctions/shared/students/contract';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { makeIdNumber } from '../auth/support';
import { expectRefused, startConsoleCloud, type ConsoleCloud } from './support';

let c: ConsoleCloud;
let cashier: string;
const withPhone = { studentNo: '2025400001', name: '林晓', idNumber: makeIdNumber('19850505'), phone: '13905352222' };
const withoutPhone = { studentNo: '2025400002', name: '林晨', idNumber: makeIdNumber('19840404') };

beforeAll(async () => {
  c = await startConsoleCloud();
  cashier = await c.signInAs('cashier');
  const rows = [withPhone, withoutPhone].map((person, index) => ({
    rowNumber: index + 2,
    cells: { ...person, college: '继续教育学院', major: '法学', grade: '2025级', className: '法学2501班' },
  }));
  const started = await c.api<{ batchId: string }>('startImport', { kind: 'students', fileName: '名单.xlsx', fileHash: 'b'.repeat(64), rowCount: 2 }, { token: cashier });
  const batchId = (started.result as { data: { batchId: string } }).data.batchId;
  await c.api('importRows', { batchId, kind: 'students', rows }, { token: cashier });
  await c.api('finishImport', { batchId }, { token: cashier });
});
afterAll(async () => c.stop());

const search = async (token: string, request: Record<string, unknown>) => {
  const answer = await c.api<StudentPage>('searchStudents', { page: 1, pageSize: 20, ...request }, { token });
  if (!answer.result.ok) throw new Error(answer.result.message);
  return answer.result.data;
};

it('finds a student by 学号, by 姓名 and by 证件号, showing the ID number and phone masked', async () => {
  const viewer = await c.signInAs('viewer');
  for (const query of [withPhone.studentNo, withPhone.name, withPhone.idNumber, ` ${withPhone.idNumber.toLowerCase()} `]) {
    const page = await search(viewer, { query });
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ studentNo: withPhone.studentNo, name: '林晓', phone: '139****2222', setupCompleted: false });
    expect(page.items[0]!.idNumber).toMatch(/^\d{4}\*{10}\d{3}[\dX]$/);
    expect(JSON.stringify(page)).not.toContain(withPhone.idNumber);
  }
  expect((await search(viewer, { className: '法学2501班' })).total).toBe(2);
  expect((await search(viewer, { query: '2099999999' })).total).toBe(0);
});

it('resets a forgotten password to the initial one: the student signs in with it and goes through the first sign-in again', async () => {
  const openid = 'o-linxiao';
  const answer = await c.api<{ needsActivationCode: boolean }>('resetStudentPassword', { studentNo: withPhone.studentNo, reason: '本人来电忘记密码' }, { token: cashier });
  expect(answer.result).toEqual({ ok: true, data: { studentNo: withPhone.studentNo, needsActivationCode: false } });
  const signIn = await c.running.cloud.invoke('auth', { action: 'signIn', by: 'studentNo', account: withPhone.studentNo, password: withPhone.idNumber.slice(-8) }, { openid, source: 'wx_client' });
  expect(signIn).toMatchObject({ ok: true, data: { next: 'setup' } });
  const [entry] = await collection(c.running.cloud.sdkDatabase(), 'auditLog').find({ action: 'admin.resetStudentPassword' });
  expect(entry).toMatchObject({ actor: `staff:${c.openidOf('cashier')}`, details: { role: 'cashier', reason: '本人来电忘记密码' } });
});

it('issues an activation code for a student with no phone on file, once shown and stored only as a hash', async () => {
  const answer = await c.api<StudentActivationCode>('issueStudentActivationCode', { studentNo: withoutPhone.studentNo, reason: '本人到窗口核实身份' }, { token: cashier });
  expect(answer.result.ok).toBe(true);
  const { activationCode } = (answer.result as { data: StudentActivationCode }).data;
  expect(activationCode).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
  const stored = await collection(c.running.cloud.sdkDatabase(), 'students').findOne({ studentNo: withoutPhone.studentNo });
  expect(JSON.stringify(stored)).not.toContain(activationCode.replace('-', ''));
  expectRefused(await c.api('issueStudentActivationCode', { studentNo: withPhone.studentNo, reason: '本人到窗口核实身份' }, { token: cashier }), 409, 'CONFLICT');
});

it('asks for a reason, and a 只读 member may look but not act', async () => {
  expectRefused(await c.api('resetStudentPassword', { studentNo: withPhone.studentNo, reason: '忘了' }, { token: cashier }), 400, 'BAD_REQUEST');
  const viewer = await c.signInAs('viewer');
  expectRefused(await c.api('resetStudentPassword', { studentNo: withPhone.studentNo, reason: '本人来电忘记密码' }, { token: viewer }), 403, 'FORBIDDEN');
  const detail = await c.api<StudentSummary>('studentDetail', { studentNo: withoutPhone.studentNo }, { token: viewer });
  expect(detail.result).toMatchObject({ ok: true, data: { name: '林晨', phone: null } });
});
