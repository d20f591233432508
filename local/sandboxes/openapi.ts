import { randomBytes } from 'node:crypto';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';

/**
 * openapi sandbox: what WeChat's servers answer to `cloud.openapi.*` calls, for the APIs the
 * product uses. The genuine wx-server-sdk encodes each call as a protobuf `CommApiData` and hands
 * it to its provider's `callWXOpenAPI`; the local cloud routes that here with `{ raw: Buffer }`,
 * and the answer is what WeChat's gateway returns: `{ contentType, respData }` with the JSON body
 * of the real HTTP API. The SDK then does exactly what it does in production (errcode → thrown
 * CloudSDKError, snake_case → camelCase, `errCode: 0` and `errMsg: '…:ok'` added).
 *
 * phonenumber.getPhoneNumber: codes are issued here for a chosen phone number (the mini program's
 * local transport and the tests ask `POST /sandbox/phone-code`), used once, valid 5 minutes on the
 * local clock — as the code from `<button open-type="getPhoneNumber">` is in production. A second
 * exchange of a code gets WeChat's 40163 (code been used); an unknown or expired code 40029.
 */

export const PHONE_CODE_TTL_MS = 5 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// The SDK's request encoding (wx-server-sdk 4.0.2, src/protobuf/openapi.js):
//   CommApiData { 1: apiType (enum), 2: openapiData OpenApiData, 6: appid string }
//   OpenApiData { 1: repeated KeyValuePair pairs }
//   KeyValuePair { 1: key string, 2: value bytes (JSON text of the value), 3: contenttype, 4: filename }

class ProtoReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  get done(): boolean {
    return this.offset >= this.buffer.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.buffer.length) throw new Error('truncated varint');
      const byte = this.buffer[this.offset++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  bytes(): Buffer {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw new Error('truncated field');
    const out = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.offset += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.offset += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  /** Iterates the fields of one message. */
  *fields(): Generator<{ field: number; wireType: number }> {
    while (!this.done) {
      const tag = this.varint();
      yield { field: Math.floor(tag / 8), wireType: tag & 7 };
    }
  }
}

export interface DecodedOpenApiCall {
  apiType: number;
  appid: string | null;
  /** Parameters as the SDK sent them (snake_case keys; JSON values parsed, media left as Buffers). */
  params: Record<string, unknown>;
}

export function decodeOpenApiRequest(raw: Buffer): DecodedOpenApiCall {
  const call: DecodedOpenApiCall = { apiType: 0, appid: null, params: {} };
  const reader = new ProtoReader(raw);
  for (const { field, wireType } of reader.fields()) {
    if (field === 1 && wireType === 0) call.apiType = reader.varint();
    else if (field === 6 && wireType === 2) call.appid = reader.bytes().toString('utf8');
    else if (field === 2 && wireType === 2) {
      const data = new ProtoReader(reader.bytes());
      for (const pairField of data.fields()) {
        if (pairField.field !== 1 || pairField.wireType !== 2) {
          data.skip(pairField.wireType);
          continue;
        }
        const pair = new ProtoReader(data.bytes());
        let key = '';
        let value = Buffer.alloc(0);
        let contentType: string | null = null;
        for (const kv of pair.fields()) {
          if (kv.field === 1 && kv.wireType === 2) key = pair.bytes().toString('utf8');
          else if (kv.field === 2 && kv.wireType === 2) value = Buffer.from(pair.bytes());
          else if (kv.field === 3 && kv.wireType === 2) contentType = pair.bytes().toString('utf8');
          else pair.skip(kv.wireType);
        }
        if (contentType) call.params[key] = value;
        else {
          try {
            call.params[key] = JSON.parse(value.toString('utf8'));
          } catch {
            call.params[key] = value;
          }
        }
      }
    } else reader.skip(wireType);
  }
  return call;
}

/** The gateway's answer carrying a JSON body, as the SDK expects it back from callWXOpenAPI. */
export function openApiJson(body: Record<string, unknown>): { contentType: string; respData: Buffer } {
  return { contentType: 'application/json', respData: Buffer.from(JSON.stringify(body)) };
}

let ridCounter = 0;
const rid = (): string => `local-${Date.now().toString(16)}-${(ridCounter += 1).toString(16)}`;

// ---------------------------------------------------------------------------------------------
// phonenumber.getPhoneNumber

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

function installPhoneNumber(cloud: LocalCloud, server: LocalCloudServer | null): void {
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

/**
 * openapi sandbox: phonenumber.getPhoneNumber with locally issued codes (subscribeMessage.send is
 * recorded by the cloudPay sandbox, which owns the 缴费成功 message).
 */
export function installOpenApiSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  installPhoneNumber(cloud, server);
}
