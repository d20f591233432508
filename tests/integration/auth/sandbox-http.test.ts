/**
 * The local transport's way to get a getPhoneNumber code: POST /sandbox/phone-code on the local
 * cloud; and the test route that makes students (served here because this server is started for tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud, type RunningLocalCloud } from '../../../local/start';
import { seedDemoStudents } from '../../../local/seed/students';
import { httpPost } from '../../support/http';

process.env.PASSWORD_SCRYPT_LOG_N = '11';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(url: string, body: unknown, openid?: string): Promise<{ status: number; json: any }> {
  return httpPost(url, JSON.stringify(body), openid ? { 'x-wx-openid': openid } : {});
}

let running: RunningLocalCloud;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-auth-http-'));
  running = await startLocalCloud({ dataDir, port: 0, testRoutes: true, logSink: () => undefined });
});

afterAll(async () => {
  await running.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('POST /sandbox/phone-code', () => {
  it('issues a code that completes a demo first sign-in over HTTP', async () => {
    const [demo] = (await seedDemoStudents(running.cloud.sdkDatabase(), running.cloud.clock.now())).filter((a) => a.firstSignInPending && !a.phone);
    if (!demo) throw new Error('no demo student without a phone on file');
    const openid = 'o-http-demo';
    const call = async (event: Record<string, unknown>) => (await post(`${running.url}/functions/auth`, event, openid)).json;
    expect(await call({ action: 'signIn', by: 'idNumber', account: demo.idNumber.toLowerCase(), password: demo.initialPassword })).toMatchObject({ ok: true, data: { next: 'setup' } });
    expect(await call({ action: 'setupConfirmIdentity' })).toMatchObject({ ok: true, data: { phoneProof: 'activationCode' } });
    expect(await call({ action: 'setupActivate', activationCode: demo.activationCode })).toMatchObject({ ok: true, data: { phoneProof: 'activated' } });
    expect(await call({ action: 'setupPassword', newPassword: 'Yanda#2025', confirmPassword: 'Yanda#2025' })).toMatchObject({ ok: true });

    const issued = await post(`${running.url}/sandbox/phone-code`, { phone: '139 0535 0999' });
    expect(issued.status).toBe(200);
    expect(issued.json).toEqual({ code: expect.stringMatching(/^[0-9a-f]{64}$/), expiresInSeconds: 300 });
    expect(await call({ action: 'setupPhone', phoneCode: issued.json.code })).toMatchObject({ ok: true, data: { next: 'home' } });
    expect(await call({ action: 'profile' })).toMatchObject({ ok: true, data: { phone: '139****0999', studentNo: demo.studentNo } });
  });

  it('refuses something that is not a mainland mobile number', async () => {
    for (const phone of ['12345', '23905350999', null]) {
      const res = await post(`${running.url}/sandbox/phone-code`, { phone });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('INVALID_PHONE');
    }
  });
});

describe('POST /sandbox/students', () => {
  it('creates a student through the import path, who can then sign in', async () => {
    const student = {
      studentNo: '2024999001',
      name: '钱学森',
      idNumber: '11010519491231002X',
      college: '继续教育学院',
      major: '会计学',
      grade: '2024级',
      className: '会计学2401班',
    };
    const created = await post(`${running.url}/sandbox/students`, { student });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ studentNo: '2024999001', initialPassword: '1231002X', created: true });
    expect((await post(`${running.url}/sandbox/students`, { student })).json).toMatchObject({ created: false });
    const signIn = await post(`${running.url}/functions/auth`, { action: 'signIn', by: 'studentNo', account: '2024999001', password: '1231002X' }, 'o-http-new');
    expect(signIn.json).toMatchObject({ ok: true, data: { next: 'setup', identity: null } });
    const state = await post(`${running.url}/functions/auth`, { action: 'setupState' }, 'o-http-new');
    expect(state.json).toMatchObject({ ok: true, data: { identity: { name: '钱*森', studentNo: '2024999001' }, phoneProof: 'activationCode' } });
  });

  it('creates a student who has already done the first sign-in', async () => {
    const student = { studentNo: '2024999002', name: '华罗庚', idNumber: '370602199501011235', college: '继续教育学院', major: '数学', grade: '2024级', className: '数学2401班' };
    await post(`${running.url}/sandbox/students`, { student, completed: { password: 'Hua#Luogeng1', phone: '13905359002' } });
    const signIn = await post(`${running.url}/functions/auth`, { action: 'signIn', by: 'studentNo', account: '2024999002', password: 'Hua#Luogeng1' }, 'o-http-new2');
    expect(signIn.json).toMatchObject({ ok: true, data: { next: 'verifyDevice', phone: '139****9002' } });
  });

  it('refuses an invalid row with the import message', async () => {
    const res = await post(`${running.url}/sandbox/students`, { student: { studentNo: '2024999003', name: '测试', idNumber: '11010519491231002Y', college: 'x', major: 'x', grade: 'x', className: 'x' } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('证件号');
  });
});

