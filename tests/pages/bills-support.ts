/**
 * What the 账单缴费 page tests share: a signed-in student with this term's bills on the local cloud,
 * typing into the email field, and the calls the page made.
 */
import { postJson } from '../support/http';
import type { OpenedPage } from './harness';
import { recordedCalls } from './wx-fake';

type Wx = Record<string, unknown>;
export const wxGlobal = (globalThis as unknown as { wx: Wx }).wx;
export const cloudUrl = (): string => process.env.PAGES_LOCAL_CLOUD_URL as string;

/** 立即支付: the button of the pay bar (Vant's submit bar). */
export const PAY_BUTTON = '#pay-bar >>> .van-submit-bar__button';

let counter = 0;

export async function post(path: string, body: unknown, openid?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const reply = await postJson(`${cloudUrl()}${path}`, body, openid);
  return { status: reply.status, json: (reply.json ?? {}) as Record<string, unknown> };
}

/**
 * This device's WeChat account is signed in as a new student (测试学生, 3706**********0000) with this
 * term's bills (学费, 住宿费, 教材费).
 */
export async function signedInStudent(bills = 3): Promise<{ openid: string; studentNo: string; billIds: string[] }> {
  counter += 1;
  const openid = `dev-pay-${process.pid}-${Date.now().toString(36)}-${counter}`;
  (wxGlobal.setStorageSync as (key: string, value: unknown) => void)('zhjf.devOpenid', openid);
  const res = await post('/sandbox/billing/student', { bills }, openid);
  if (res.status !== 200) throw new Error(`could not create the student: ${JSON.stringify(res.json)}`);
  return { openid, studentNo: res.json.studentNo as string, billIds: res.json.billIds as string[] };
}

type ExparserNode = { is?: string; childNodes?: ExparserNode[]; shadowRoot?: ExparserNode };

/** Types into the email field as a student would: an input event on TDesign's inner <input>. */
export async function typeEmail(page: OpenedPage, value: string): Promise<void> {
  const host = page.find('#email-input') as unknown as { _exparserNode: ExparserNode; constructor: new (node: ExparserNode) => { dispatchEvent(name: string, options: unknown): void } };
  const find = (node: ExparserNode | undefined): ExparserNode | undefined => {
    if (!node) return undefined;
    if (node.is === 'input') return node;
    for (const child of node.childNodes ?? []) {
      const found = find(child);
      if (found) return found;
    }
    return find(node.shadowRoot);
  };
  const input = find(host._exparserNode.shadowRoot);
  if (!input) throw new Error('no <input> inside #email-input');
  new host.constructor(input).dispatchEvent('input', { detail: { value, cursor: value.length, keyCode: 0 } });
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The page's calls of one action of one cloud function. */
export const functionCalls = (fn: string, action: string) =>
  recordedCalls('request').filter((call) => String(call.options.url).endsWith(`/functions/${fn}`) && (call.options.data as { action?: string }).action === action);

export const toasts = (): string[] => recordedCalls('showToast').map((call) => String(call.options.title));

type PromptAnswer = 'accept' | 'reject' | 'ban';

/**
 * WeChat's subscribe prompt, answered as the student would: one answer for every template in it,
 * or one per template id; returns the template ids asked for, prompt by prompt.
 */
export function subscribePromptAnswers(answer: PromptAnswer | Readonly<Record<string, PromptAnswer>>): string[][] {
  const asked: string[][] = [];
  wxGlobal.requestSubscribeMessage = (options: { tmplIds: string[]; success?: (res: Record<string, string>) => void }) => {
    asked.push(options.tmplIds);
    const answers: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
    for (const id of options.tmplIds) answers[id] = typeof answer === 'string' ? answer : (answer[id] ?? 'reject');
    setTimeout(() => options.success?.(answers), 0);
  };
  return asked;
}
