/**
 * The HTTP entry of a function (云函数 HTTP 访问服务): the finance console in a browser calls the
 * admin function as `POST <path>/<action>` with a JSON body and `Authorization: Bearer <token>`.
 * The platform hands the function the request as an integration event and sends back what the
 * function answers (`{ statusCode, headers, body }`). The local cloud routes its `/admin/api/`
 * requests the same way, so this is the code path production runs.
 *
 * What it does not expect it refuses before any action runs: an origin outside the allowlist, a
 * method but POST (and the CORS preflight), a body that is not JSON (plain, or gzip-compressed as the
 * console sends a large one) or over the limit, a path that names no action. Answers never carry a
 * stack trace, and the token is never logged.
 */
import { gunzipSync } from 'node:zlib';
import { REQUEST_BODY_TYPES, REQUEST_MAX_BYTES } from '../kernel/contract';
import type { ApiResult } from '../kernel/result';

/** The integration event of the HTTP access service. Header names may arrive in any case. */
export interface HttpEvent {
  path: string;
  httpMethod: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { sourceIp?: string } | null;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** A request the HTTP entry accepted: which action, with what, from whom. */
export interface HttpCall {
  action: string;
  payload: Record<string, unknown>;
  /** The console session token, when the request carried one. */
  token: string | null;
  origin: string;
  /** The caller's address as the platform saw it (never a header the caller could write), for rate limits. */
  address: string;
  /** The browser's own description (User-Agent), shortened. */
  browser: string;
}

export interface HttpPolicy {
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
}

/** An import chunk (IMPORT_CHUNK_MAX_BYTES of JSON) fits inside this, received or unpacked. */
export const MAX_HTTP_BODY_BYTES = REQUEST_MAX_BYTES;

export const isHttpEvent = (event: Record<string, unknown>): boolean => typeof event.httpMethod === 'string' && typeof event.path === 'string';

/** The status a result code answers with; codes of a feature (a refusal the user can act on) answer 422. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const ACTION_IN_PATH = /\/([A-Za-z][A-Za-z0-9]{0,63})\/?$/;

function lowerCaseHeaders(headers: HttpEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

function respond(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...extraHeaders,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const refusal = (statusCode: number, code: string, message: string, headers: Record<string, string> = {}): HttpResponse =>
  respond(statusCode, { ok: false, code, message }, headers);

/**
 * The request's JSON text. A text body is measured in place (an import chunk is megabytes, and copying
 * it into a buffer and back only to count its bytes costs more than reading it). A compressed one
 * arrives base64-encoded, as the access service passes any binary body, and is unpacked no further
 * than the limit, so a small body cannot unpack into a huge one.
 */
function requestText(event: HttpEvent, compressed: boolean, maxBytes: number): { value: string; problem?: undefined } | { problem: 'too-large' | 'unreadable' } {
  const raw = event.body ?? '';
  if (!compressed) {
    const decoded = event.isBase64Encoded ? Buffer.from(raw, 'base64') : null;
    if ((decoded ? decoded.length : Buffer.byteLength(raw, 'utf8')) > maxBytes) return { problem: 'too-large' };
    return { value: decoded ? decoded.toString('utf8') : raw };
  }
  if (!event.isBase64Encoded) return { problem: 'unreadable' };
  const packed = Buffer.from(raw, 'base64');
  if (packed.length > maxBytes) return { problem: 'too-large' };
  try {
    return { value: gunzipSync(packed, { maxOutputLength: maxBytes }).toString('utf8') };
  } catch (error) {
    return { problem: (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'unreadable' };
  }
}

/** Reads a request, or answers it at once (preflight, refusal). */
export function readHttpCall(event: HttpEvent, policy: HttpPolicy): { call: HttpCall } | { response: HttpResponse } {
  const headers = lowerCaseHeaders(event.headers);
  const origin = headers.origin ?? '';
  if (!policy.allowedOrigins.includes(origin)) return { response: refusal(403, 'FORBIDDEN', '此来源不能访问财务管理后台') };
  const cors = corsHeaders(origin);
  const method = event.httpMethod.toUpperCase();
  if (method === 'OPTIONS') {
    return {
      response: {
        statusCode: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        },
        body: '',
        isBase64Encoded: false,
      },
    };
  }
  if (method !== 'POST') return { response: refusal(405, 'BAD_REQUEST', '请使用 POST', { ...cors, allow: 'POST, OPTIONS' }) };
  const action = ACTION_IN_PATH.exec(event.path)?.[1];
  if (!action) return { response: refusal(404, 'NOT_FOUND', '没有这个接口', cors) };
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== REQUEST_BODY_TYPES.json && contentType !== REQUEST_BODY_TYPES.gzipJson) {
    return { response: refusal(415, 'BAD_REQUEST', '请求体须为 JSON', cors) };
  }
  const text = requestText(event, contentType === REQUEST_BODY_TYPES.gzipJson, policy.maxBodyBytes);
  if (text.problem !== undefined) {
    return { response: text.problem === 'too-large' ? refusal(413, 'BAD_REQUEST', '请求内容过大，请分批提交', cors) : refusal(400, 'BAD_REQUEST', '请求体不是有效的压缩数据', cors) };
  }
  let payload: unknown;
  try {
    payload = text.value.length === 0 ? {} : JSON.parse(text.value);
  } catch {
    return { response: refusal(400, 'BAD_REQUEST', '请求体不是有效的 JSON', cors) };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { response: refusal(400, 'BAD_REQUEST', '请求体应为 JSON 对象', cors) };
  }
  // No prototype: a `__proto__` key stays an ordinary key, which the validator refuses.
  const fields = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(payload)) fields[key] = value;
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return {
    call: {
      action,
      payload: fields,
      token: bearer?.[1] ?? null,
      origin,
      address: event.requestContext?.sourceIp || 'unknown',
      browser: (headers['user-agent'] ?? '').slice(0, 200),
    },
  };
}

/** The HTTP answer for an action's result. */
export function httpResponse(result: ApiResult<unknown>, call: Pick<HttpCall, 'origin'>): HttpResponse {
  const status = result.ok ? 200 : (STATUS_OF_CODE[result.code] ?? 422);
  return respond(status, result, corsHeaders(call.origin));
}

/** An action name the function does not have. */
export const unknownActionResponse = (call: Pick<HttpCall, 'origin'>): HttpResponse =>
  refusal(404, 'NOT_FOUND', '没有这个接口', corsHeaders(call.origin));
