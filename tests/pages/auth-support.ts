/**
 * What the sign-in page tests share: accounts made on the local cloud the pages talk to (through
 * its sandbox endpoints, as the admin import will make them), a fresh WeChat identity per test,
 * typing into TDesign inputs, WeChat's privacy consent, and confirm dialogs.
 */
import { config } from '../../miniprogram/config/index';
import { idCheckDigit } from '../../cloudfunctions/shared/students/domain/id-number';
import { waitFor, type OpenedPage } from './harness';
import { recordedCalls } from './wx-fake';
import { httpGet, httpPost } from '../support/http';

type Wx = Record<string, unknown>;
const wxGlobal = (): Wx => (globalThis as unknown as { wx: Wx }).wx;

/** Calls to the WeChat APIs these tests add to the fake (the fake records its own). */
const added: { api: string; options: Record<string, unknown> }[] = [];
export const addedCalls = (api: string) => added.filter((call) => call.api === api);

/** The local cloud's clock (started at a fixed day of the fee season for the page tests), in seconds. */
export async function cloudNowSeconds(): Promise<number> {
  const health = await httpGet(`${config.localCloudBaseUrl}/health`);
  return Math.floor(Date.parse((health.json as { now: string }).now) / 1000);
}

export async function post<T = any>(path: string, body: unknown, openid?: string): Promise<{ status: number; json: T }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const reply = await httpPost(`${config.localCloudBaseUrl}${path}`, JSON.stringify(body), openid ? { 'x-wx-openid': openid } : {});
  return { status: reply.status, json: reply.json as T };
}

/** Calls an auth action as `openid`, straight to the local cloud (set-up and checks, not the page). */
export async function auth<T = any>(openid: string, action: string, payload: Record<string, unknown> = {}): Promise<{ ok: boolean; data: T; code?: string; message?: string }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await post(`/functions/auth`, { action, ...payload }, openid)).json;
}

export async function phoneCode(phone: string): Promise<string> {
  return (await post<{ code: string }>('/sandbox/phone-code', { phone })).json.code;
}

/** The activation code the office would issue a student with no phone on file. */
export async function activationCode(studentNo: string): Promise<string> {
  const res = await post<{ activationCode: string }>('/sandbox/activation-code', { studentNo });
  if (res.status !== 200) throw new Error(`could not issue an activation code: ${JSON.stringify(res.json)}`);
  return res.json.activationCode;
}

export interface PageStudent {
  studentNo: string;
  name: string;
  idNumber: string;
  initialPassword: string;
  password: string;
  phone: string | null;
}

let serial = 0;

/**
 * A student on the local cloud, unique per call within a file (`fileCode` keeps files apart; they
 * share one local cloud). `completed` makes one who has done the first sign-in.
 */
export async function createStudent(
  fileCode: number,
  options: { name?: string; phoneOnFile?: string; completed?: { password: string; phone: string } } = {},
): Promise<PageStudent> {
  serial += 1;
  const studentNo = `26${String(fileCode).padStart(2, '0')}${String(serial).padStart(4, '0')}`;
  const first17 = `370602${1990 + fileCode}0${(serial % 9) + 1}15${String(serial).padStart(3, '0')}`;
  const idNumber = first17 + idCheckDigit(first17);
  const student = {
    studentNo,
    name: options.name ?? '华罗庚',
    idNumber,
    college: '继续教育学院',
    major: '会计学',
    grade: '2024级',
    className: '会计学2401班',
    ...(options.phoneOnFile ? { phone: options.phoneOnFile } : {}),
  };
  const res = await post<{ studentNo: string; initialPassword: string }>('/sandbox/students', { student, completed: options.completed });
  if (res.status !== 200) throw new Error(`could not create a student: ${JSON.stringify(res.json)}`);
  return {
    studentNo,
    name: student.name,
    idNumber,
    initialPassword: res.json.initialPassword,
    password: options.completed?.password ?? res.json.initialPassword,
    phone: options.completed?.phone ?? options.phoneOnFile ?? null,
  };
}

/** A new WeChat account for this device (the local transport reads it from storage). */
export function newDevice(): string {
  let hex = '';
  while (hex.length < 24) hex += Math.floor(Math.random() * 16).toString(16);
  const openid = `dev-${hex}`;
  (wxGlobal().setStorageSync as (k: string, v: unknown) => void)('zhjf.devOpenid', openid);
  (wxGlobal().removeStorageSync as (k: string) => void)('zhjf.devPhone');
  return openid;
}

/** The phone number WeChat would report for this device (local cloud: the demo phone setting). */
export function devicePhone(phone: string): void {
  (wxGlobal().setStorageSync as (k: string, v: unknown) => void)('zhjf.devPhone', phone);
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Types into a TDesign input as a keyboard does: the native input's `input` event. */
export async function type(page: OpenedPage, selector: string, value: string): Promise<void> {
  const control = page.find(selector).querySelector('.t-input__control');
  if (!control) throw new Error(`${selector} has no input control`);
  control.dispatchEvent('input', { detail: { value, cursor: value.length } });
  await tick();
  await tick();
}

/** The getPhoneNumber button's event, as WeChat delivers it after the student allows it. */
export async function allowPhoneNumber(page: OpenedPage): Promise<void> {
  // As a student can: once the step before has finished (the page ignores taps while busy).
  await waitFor(() => (page.root.instance.data as { busy?: boolean }).busy !== true, () => 'the page to finish its last request');
  page.find('#phone-button').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'code-from-wechat' } });
  await tick();
  await tick();
}

/**
 * WeChat's privacy consent: requirePrivacyAuthorize asks the page's onNeedPrivacyAuthorization
 * listener (the privacy dialog) until the student agrees once.
 */
export function installPrivacy(): { agreed(): boolean } {
  let listener: ((resolve: (r: { event: string; buttonId?: string }) => void, info: unknown) => void) | null = null;
  let agreed = false;
  const wx = wxGlobal();
  wx.onNeedPrivacyAuthorization = (fn: typeof listener) => {
    listener = fn;
  };
  wx.getPrivacySetting = (options: { success?: (r: unknown) => void }) =>
    setTimeout(() => options.success?.({ needAuthorization: !agreed, privacyContractName: '《智慧缴费隐私保护指引》' }), 0);
  wx.openPrivacyContract = (options: Record<string, unknown> = {}) => {
    added.push({ api: 'openPrivacyContract', options });
  };
  wx.requirePrivacyAuthorize = (options: { success?: () => void; fail?: (r: unknown) => void }) => {
    setTimeout(() => {
      if (agreed) return options.success?.();
      if (!listener) return options.fail?.({ errMsg: 'requirePrivacyAuthorize:fail no listener' });
      listener(
        (result) => {
          if (result.event === 'agree') {
            agreed = true;
            options.success?.();
          } else options.fail?.({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized' });
        },
        { referrer: 'requirePrivacyAuthorize' },
      );
    }, 0);
  };
  return { agreed: () => agreed };
}

/** Taps the privacy dialog's 同意 (WeChat's agreePrivacyAuthorization button) or 拒绝. */
export async function answerPrivacy(page: OpenedPage, answer: 'agree' | 'disagree'): Promise<void> {
  await page.waitForText('用户隐私保护提示');
  if (answer === 'agree') {
    const agree = page.find('#privacy').querySelector('#privacy-agree');
    if (!agree) throw new Error('the privacy dialog has no 同意 button');
    agree.dispatchEvent('agreeprivacyauthorization', { detail: {} });
  } else {
    await page.tapText('拒绝');
  }
  await tick();
  await tick();
}

/** Makes the next wx.showModal answer 确定 (the fake answers 取消 by default). */
export function confirmNextModal(): void {
  const wx = wxGlobal();
  const original = wx.showModal;
  wx.showModal = (options: Record<string, unknown> & { success?: (r: unknown) => void }) => {
    added.push({ api: 'showModal', options: { ...options } });
    wx.showModal = original;
    setTimeout(() => options.success?.({ confirm: true, cancel: false, errMsg: 'showModal:ok' }), 0);
  };
}

export const urlsOf = (api: string): string[] => recordedCalls(api).map((call) => String(call.options.url));

/**
 * The tab the page switched to once its last request has answered. Waiting for the switch itself,
 * not for idle requests: the page may not have sent its request yet when the test looks.
 */
export async function switchedTabs(): Promise<string[]> {
  await waitFor(() => urlsOf('switchTab').length > 0, () => 'a switch to a tab page');
  return urlsOf('switchTab');
}

type PageStack = () => { route: string }[];
const pagesGlobal = globalThis as unknown as { getCurrentPages: PageStack };
let emptyStack: PageStack | null = null;

/** WeChat's page stack as the pages see it: the pages that were open, the current page last. */
export function openedFrom(...routes: string[]): void {
  emptyStack ??= pagesGlobal.getCurrentPages;
  pagesGlobal.getCurrentPages = () => routes.map((route) => ({ route }));
}

/** Back to no pages open (setup.ts), after a test that used {@link openedFrom}. */
export function closeAllPages(): void {
  if (emptyStack) pagesGlobal.getCurrentPages = emptyStack;
  emptyStack = null;
}

export interface Landing {
  by: 'navigateBack' | 'switchTab' | 'redirectTo';
  /** The route the student ends on. */
  page: string;
}

/**
 * Where the page sent the student once its last request has answered: the first navigation it
 * made, and the page that shows (for wx.navigateBack, the page that many places down the stack).
 */
export async function landing(): Promise<Landing> {
  const first = await waitFor(
    () => recordedCalls().find((call) => call.api === 'navigateBack' || call.api === 'switchTab' || call.api === 'redirectTo'),
    () => 'the page to leave for another',
  );
  if (first.api === 'navigateBack') {
    const stack = pagesGlobal.getCurrentPages();
    const below = stack[stack.length - 1 - Number(first.options.delta ?? 1)];
    return { by: 'navigateBack', page: below?.route ?? '(nothing: the stack is shorter)' };
  }
  return { by: first.api as Landing['by'], page: String(first.options.url).replace(/^\//, '') };
}

/** The first sign-in's address as the login page writes it for a student sent from 我的发票. */
export const SETUP_FROM_RECEIPTS = `/package-account/pages/setup/index?back=${encodeURIComponent('/package-receipts/pages/receipts/index')}`;

/** A page address's query as WeChat hands it to onLoad: the values as they were written. */
export function queryOf(url: string): Record<string, string> {
  const search = url.split('?')[1] ?? '';
  return Object.fromEntries(
    search
      .split('&')
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
}
