/**
 * The finance console's side of the staff pages' tests, played on the local cloud the pages talk
 * to: the console's browser calling the admin function's HTTP entry (/admin/api/<action>), a staff
 * member's phone calling the function as a WeChat user, and the mini program codes the console
 * shows, read back the way a phone's camera reads them.
 */
import { randomBytes } from 'node:crypto';
import type { ApiResult, StaffRole } from '../../cloudfunctions/shared/contracts';
import type { ConsoleSignInPoll, ConsoleSignInStart, StaffInvitationCreated } from '../../cloudfunctions/shared/staff/contract';
import { DEVELOPMENT_DEFAULTS } from '../../cloudfunctions/shared/runtime/environment';
import { readWxacodeText } from '../../local/wechat-openapi/wxacode';
import { httpRequest, postJson } from '../support/http';
import { readQrPng } from '../support/qr';

const cloudUrl = (): string => process.env.PAGES_LOCAL_CLOUD_URL as string;
const wxGlobal = (): Record<string, unknown> => (globalThis as unknown as { wx: Record<string, unknown> }).wx;

/** The console's browser, as the 确认登录 page is expected to name it: "Chrome 120 · Windows". */
const CONSOLE_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** The local cloud's first-administrator setup code (its development default unless the run sets one). */
const BOOTSTRAP_CODE = process.env.ADMIN_BOOTSTRAP_CODE ?? DEVELOPMENT_DEFAULTS.ADMIN_BOOTSTRAP_CODE!;

/** A WeChat account made up for one test. */
export const newOpenid = (): string => `dev-${randomBytes(12).toString('hex')}`;

/** This device's WeChat account, kept where the local transport keeps it. */
export function useDevice(openid: string): void {
  (wxGlobal().setStorageSync as (key: string, value: unknown) => void)('zhjf.devOpenid', openid);
}

/** `POST /admin/api/<action>` as the console's browser sends it (its own origin, Chrome on Windows). */
export async function consoleApi<T>(action: string, body: Record<string, unknown> = {}, token?: string): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { origin: cloudUrl(), 'user-agent': CONSOLE_USER_AGENT };
  if (token) headers.authorization = `Bearer ${token}`;
  const reply = await httpRequest('POST', `${cloudUrl()}/admin/api/${action}`, JSON.stringify(body), headers);
  return reply.json as ApiResult<T>;
}

/** The admin function called from `openid`'s phone, without a page. */
export async function fromPhone<T>(openid: string, action: string, payload: Record<string, unknown> = {}): Promise<ApiResult<T>> {
  return (await postJson(`${cloudUrl()}/functions/admin`, { action, ...payload }, openid)).json as ApiResult<T>;
}

function dataOf<T>(what: string, answer: ApiResult<T>): T {
  if (!answer.ok) throw new Error(`${what}: ${answer.code} ${answer.message}`);
  return answer.data;
}

/** Where a scanned code leads: the page WeChat opens and the query it opens it with (the scene URL-encoded). */
export interface ScannedCode {
  route: string;
  query: { scene: string };
}

/** Scans a mini program code the console shows (a data URL), as WeChat does. */
export async function scan(codeImage: string): Promise<ScannedCode> {
  const read = readWxacodeText(await readQrPng(codeImage));
  if (!read) throw new Error('the image is not a mini program code');
  return { route: read.page, query: { scene: encodeURIComponent(read.scene) } };
}

/** 扫码登录 on the console's sign-in page: the code to scan and what the browser keeps. */
export async function startConsoleSignIn(): Promise<ConsoleSignInStart> {
  return dataOf('startSignIn', await consoleApi<ConsoleSignInStart>('startSignIn'));
}

/** What the console's browser learns when it next asks about its sign-in. */
export async function pollConsole(start: ConsoleSignInStart): Promise<ApiResult<ConsoleSignInPoll>> {
  return consoleApi<ConsoleSignInPoll>('pollSignIn', { ticket: start.ticket, pollKey: start.pollKey });
}

/** A console session of the staff member `openid`, signed in by scanning with their phone. */
export async function consoleSessionOf(openid: string): Promise<string> {
  const start = await startConsoleSignIn();
  dataOf('describeSignIn', await fromPhone(openid, 'describeSignIn', { ticket: start.ticket }));
  dataOf('confirmSignIn', await fromPhone(openid, 'confirmSignIn', { ticket: start.ticket }));
  const token = dataOf('pollSignIn', await pollConsole(start)).token;
  if (!token) throw new Error('the console received no session after the phone confirmed');
  return token;
}

/**
 * The administrator the staff page tests share. The page test files share one local cloud that
 * starts without staff and run side by side, and an environment has one first administrator: each
 * file asks for it, and whichever asks first makes this WeChat account the administrator (the
 * setup code works only while there is none, and the first administrator's invitation has one id).
 */
export const PAGES_ADMINISTRATOR = 'dev-pages-administrator';

let administratorReady: Promise<string> | undefined;
let administratorToken: Promise<string> | undefined;

async function makeAdministrator(): Promise<string> {
  const started = await consoleApi<StaffInvitationCreated>('startFirstAdmin', { code: BOOTSTRAP_CODE, name: '陈静' });
  if (started.ok) {
    const accepted = await fromPhone(PAGES_ADMINISTRATOR, 'acceptInvitation', { invitationId: started.data.invitationId });
    // Another file's request, a moment earlier, may have made the same account the administrator.
    if (!accepted.ok && !['ALREADY_STAFF', 'FIRST_ADMIN_EXISTS', 'INVITATION_USED'].includes(accepted.code)) {
      throw new Error(`acceptInvitation: ${accepted.code} ${accepted.message}`);
    }
  } else if (started.code !== 'FIRST_ADMIN_EXISTS') {
    throw new Error(`startFirstAdmin: ${started.code} ${started.message}`);
  }
  if (!(await isStaff(PAGES_ADMINISTRATOR))) {
    throw new Error('The local cloud has an administrator the page tests did not make: they need the fresh local cloud that global-setup.ts starts.');
  }
  return PAGES_ADMINISTRATOR;
}

/** The WeChat account of the environment's administrator (made on first use). */
export function administrator(): Promise<string> {
  administratorReady ??= makeAdministrator();
  return administratorReady;
}

/** A console session of the administrator, for inviting. */
export function administratorSession(): Promise<string> {
  administratorToken ??= administrator().then(consoleSessionOf);
  return administratorToken;
}

/** 邀请财务人员 on the console, as an administrator. */
export async function inviteStaff(adminToken: string, name: string, role: StaffRole): Promise<StaffInvitationCreated> {
  return dataOf('inviteStaff', await consoleApi<StaffInvitationCreated>('inviteStaff', { name, role }, adminToken));
}

/** Accepts an invitation from `openid`'s phone, without the page. */
export async function acceptFromPhone(openid: string, invitationId: string): Promise<void> {
  dataOf('acceptInvitation', await fromPhone(openid, 'acceptInvitation', { invitationId }));
}

/** Whether the server counts `openid` as active finance staff (what the 财务管理 page asks). */
export async function isStaff(openid: string): Promise<boolean> {
  const answer = (await postJson(`${cloudUrl()}/functions/auth`, { action: 'status' }, openid)).json as ApiResult<{ staff: boolean }>;
  return dataOf('auth.status', answer).staff;
}

/** The local cloud's clock (it starts at a date of its own and runs on from there), in epoch ms. */
export async function serverNow(): Promise<number> {
  const answer = (await postJson(`${cloudUrl()}/functions/auth`, { action: 'status' }, newOpenid())).json as ApiResult<{ serverTime: string }>;
  return Date.parse(dataOf('auth.status', answer).serverTime);
}

/** A clock reading as the pages show Beijing time, "YYYY-MM-DD HH:mm:ss", worked out without any time-zone library. */
export function beijingText(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}
