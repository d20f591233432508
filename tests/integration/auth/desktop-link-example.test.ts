/**
 * `npm run desktop-link` against a running local cloud, end to end as a student meets it: the PNG
 * it saves is a QR code a camera reads as the signed link; the local cloud opens that link as
 * WeChat would (the login page, with the link in `q`); the login page's call fills in the demo
 * student; and the password, then the first sign-in, signs the student in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud, type RunningLocalCloud } from '../../../local/start';
import { seedDemoStudents, type DemoAccount } from '../../../local/seed/students';
import { DEMO_STUDENT_NO, runDesktopLink } from '../../../scripts/desktop-link';
import { readQrPng } from '../../support/qr';
import { httpPost } from '../../support/http';

process.env.PASSWORD_SCRYPT_LOG_N = '11';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(url: string, body: unknown, openid?: string): Promise<{ status: number; json: any }> {
  return httpPost(url, JSON.stringify(body), openid ? { 'x-wx-openid': openid } : {});
}

let running: RunningLocalCloud;
let dataDir: string;
let demo: DemoAccount;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'zhjf-desktop-link-'));
  // As `npm start` runs it: no test routes.
  running = await startLocalCloud({ dataDir, port: 0, logSink: () => undefined });
  const accounts = await seedDemoStudents(running.cloud.sdkDatabase(), running.cloud.clock.now());
  demo = accounts.find((account) => account.studentNo === DEMO_STUDENT_NO)!;
});

afterAll(async () => {
  await running.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function runExample(): Promise<{ code: number; out: string[]; png: string }> {
  const png = path.join(dataDir, `qr-${Date.now()}.png`);
  const out: string[] = [];
  const code = await runDesktopLink(['--url', running.url, '--out', png], { out: (line) => out.push(line), err: (line) => out.push(line), env: {} });
  return { code, out, png };
}

it('prints a link whose saved QR code reads back as that link, and which signs the demo student in after the password', async () => {
  const { code, out, png } = await runExample();
  expect(code).toBe(0);
  const link = out[1]!.trim();
  expect(link).toMatch(new RegExp(`^https://zhjf\\.example\\.edu\\.cn/desktop-login\\?s=${DEMO_STUDENT_NO}&e=\\d{10}&n=[A-Za-z0-9_-]{22}&k=k1&sig=[0-9a-f]{64}$`));
  expect(await readQrPng(readFileSync(png))).toBe(link);

  // Scanned in WeChat: the login page, with the whole link in `q`.
  const scanned = await post(`${running.url}/sandbox/open-link`, { link: await readQrPng(readFileSync(png)) });
  expect(scanned.status).toBe(200);
  expect(scanned.json.path).toBe('pages/login/index');
  expect(decodeURIComponent(scanned.json.query.q)).toBe(link);
  expect(out.join('\n')).toContain(`pages/login/index?q=${scanned.json.query.q}`);

  // What the login page does with it, then what the student does.
  const openid = 'o-desktop-example';
  const call = async (event: Record<string, unknown>) => (await post(`${running.url}/functions/auth`, event, openid)).json;
  expect(await call({ action: 'redeemDesktopLink', link: decodeURIComponent(scanned.json.query.q) })).toEqual({ ok: true, data: { studentNo: DEMO_STUDENT_NO, faceVerified: true } });
  expect(await call({ action: 'status' })).toMatchObject({ ok: true, data: { signedIn: false } });
  expect(await call({ action: 'signIn', by: 'studentNo', account: DEMO_STUDENT_NO, password: demo.initialPassword })).toMatchObject({ ok: true, data: { next: 'setup' } });
  expect(await call({ action: 'setupConfirmIdentity' })).toMatchObject({ ok: true, data: { phoneProof: 'activationCode' } });
  expect(await call({ action: 'setupActivate', activationCode: demo.activationCode })).toMatchObject({ ok: true, data: { phoneProof: 'activated' } });
  expect(await call({ action: 'setupPassword', newPassword: 'Pingtai#2026', confirmPassword: 'Pingtai#2026' })).toMatchObject({ ok: true });
  const phoneCode = (await post(`${running.url}/sandbox/phone-code`, { phone: '13905350777' })).json.code;
  expect(await call({ action: 'setupPhone', phoneCode })).toMatchObject({ ok: true, data: { next: 'home' } });
  expect(await call({ action: 'status' })).toMatchObject({ ok: true, data: { signedIn: true } });

  // The same QR a second time: used up.
  expect(await call({ action: 'redeemDesktopLink', link })).toMatchObject({ ok: false, code: 'DESKTOP_LINK_USED' });
});

it('a new run makes a new link, and the local cloud opens only links under a registered prefix', async () => {
  const [first, second] = [await runExample(), await runExample()];
  expect(first.out[1]).not.toBe(second.out[1]);
  const elsewhere = await post(`${running.url}/sandbox/open-link`, { link: 'https://elsewhere.example.com/desktop-login?s=2023010101' });
  expect(elsewhere.status).toBe(404);
  expect(elsewhere.json.error.code).toBe('LINK_NOT_REGISTERED');
});
