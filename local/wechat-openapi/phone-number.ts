/**
 * phonenumber.getPhoneNumber: codes are issued here for a chosen phone number (the mini program's
 * local transport and the tests ask `POST /sandbox/phone-code`), used once, valid 5 minutes on the
 * local clock — as the code from `<button open-type="getPhoneNumber">` is in production. A second
 * exchange of a code gets WeChat's 40163 (code been used); an unknown or expired code 40029.
 */
import { randomBytes } from 'node:crypto';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';
import { decodeOpenApiRequest, openApiJson, rid } from './codec';

export const PHONE_CODE_TTL_MS = 5 * 60 * 1000;

interface IssuedCode {
  countryCode: string;
  number: string;
  issuedAtMs: number;
}

export interface PhoneSandbox {
  /** Issues a code as the getPhoneNumber button would give it to a user of this phone number. */
  issueCode(phone: string): string;
}

const phoneSandboxes = new WeakMap<LocalCloud, PhoneSandbox>();

/** The phone sandbox installed on a cloud (tests in-process use it; the server exposes it over HTTP). */
export function phoneSandboxOf(cloud: LocalCloud): PhoneSandbox {
  const sandbox = phoneSandboxes.get(cloud);
  if (!sandbox) throw new Error('the openapi sandbox is not installed on this local cloud');
  return sandbox;
}

/** '13800138000', '+86 138 0013 8000', '+8613800138000' → { '86', '13800138000' }; null otherwise. */
export function parseSandboxPhone(input: unknown): { countryCode: string; number: string } | null {
  if (typeof input !== 'string') return null;
  const compact = input.normalize('NFKC').replace(/[\s\-()]/g, '');
  const match = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(compact);
  return match ? { countryCode: '86', number: match[1] as string } : null;
}

export function installPhoneNumber(cloud: LocalCloud, server: LocalCloudServer | null): void {
  const codes = new Map<string, IssuedCode>();
  /** Codes already exchanged, kept while WeChat would still recognise them (their 5 minutes). */
  const used = new Map<string, number>();
  const forgetOld = (nowMs: number): void => {
    for (const [code, issued] of codes) if (nowMs - issued.issuedAtMs > PHONE_CODE_TTL_MS) codes.delete(code);
    for (const [code, issuedAtMs] of used) if (nowMs - issuedAtMs > PHONE_CODE_TTL_MS) used.delete(code);
  };
  const sandbox: PhoneSandbox = {
    issueCode(phone) {
      const parsed = parseSandboxPhone(phone);
      if (!parsed) throw new Error('手机号应为 11 位中国大陆手机号');
      const nowMs = cloud.clock.nowMs();
      forgetOld(nowMs);
      const code = randomBytes(32).toString('hex');
      codes.set(code, { ...parsed, issuedAtMs: nowMs });
      return code;
    },
  };
  phoneSandboxes.set(cloud, sandbox);

  cloud.registerOpenApi('phonenumber.getPhoneNumber', (request) => {
    const { params } = decodeOpenApiRequest(request.raw as Buffer);
    const code = params.code;
    if (typeof code !== 'string' || code === '') {
      return openApiJson({ errcode: 47001, errmsg: `data format error hint: [code is required] rid: ${rid()}` });
    }
    const nowMs = cloud.clock.nowMs();
    forgetOld(nowMs);
    // WeChat: 40163 "code been used" for a second exchange, 40029 "invalid code" for an unknown or expired one.
    if (used.has(code)) return openApiJson({ errcode: 40163, errmsg: `code been used, rid: ${rid()}` });
    const issued = codes.get(code);
    codes.delete(code);
    if (!issued || nowMs - issued.issuedAtMs > PHONE_CODE_TTL_MS) {
      return openApiJson({ errcode: 40029, errmsg: `invalid code, rid: ${rid()}` });
    }
    used.set(code, issued.issuedAtMs);
    return openApiJson({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: issued.number,
        purePhoneNumber: issued.number,
        countryCode: issued.countryCode,
        watermark: { timestamp: Math.floor(nowMs / 1000), appid: cloud.appid },
      },
    });
  });

  server?.route('/sandbox/phone-code', async ({ body }) => {
    const phone = (body as { phone?: unknown } | null)?.phone;
    if (!parseSandboxPhone(phone)) throw new HttpError(400, 'INVALID_PHONE', '手机号应为 11 位中国大陆手机号');
    return { code: sandbox.issueCode(phone as string), expiresInSeconds: PHONE_CODE_TTL_MS / 1000 };
  });
}

