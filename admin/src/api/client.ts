/**
 * The one way the console talks to the admin function: `call(action, request)` posts the request
 * to `<apiBase>/<action>` with the session token and returns the action's data, typed by the
 * shared contract's request and response types.
 */
import type { ActionName, ApiRequest, ApiResponse, ApiResult, Contracts } from '../../../cloudfunctions/shared/contracts';
import { REQUEST_BODY_TYPES, REQUEST_COMPRESS_FROM_BYTES, type AccessKindOf } from '../../../cloudfunctions/shared/kernel/contract';
import { consoleConfig } from '../config';
import { clearToken, readToken } from './token';

type AdminContract = Contracts['admin'];

/** Actions a browser may call: signing in (`web`) and the signed-in console's; the phone's are left out. */
export type ConsoleAction = {
  [A in ActionName<'admin'>]: AccessKindOf<AdminContract, A> extends 'web' | 'console' ? A : never;
}[ActionName<'admin'>];

export type ConsoleRequest<A extends ConsoleAction> = ApiRequest<'admin', A>;
export type ConsoleResponse<A extends ConsoleAction> = ApiResponse<'admin', A>;

export const NETWORK_MESSAGE = '无法连接服务器，请检查网络后重试';
export const SESSION_ENDED_MESSAGE = '登录已失效，请重新扫码登录';

/** A failed call: the server's code and its Chinese message, meant to be shown as they are. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The session was refused (expired, ended, staff disabled): the token is already cleared. */
  get sessionEnded(): boolean {
    return this.status === 401;
  }

  /** Worth trying again shortly without the person doing anything. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 503;
  }
}

let sessionEndedListener: (() => void) | null = null;

/** Called once a request is refused for its session (HTTP 401), after the token is cleared. */
export function onSessionEnded(listener: () => void): void {
  sessionEndedListener = listener;
}

function isApiResult(value: unknown): value is ApiResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.ok === true) return 'data' in record;
  return record.ok === false && typeof record.code === 'string' && typeof record.message === 'string';
}

async function readResult(response: Response): Promise<ApiResult<unknown>> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (isApiResult(body)) return body;
  // Refused by the access service itself, before the function: it answers in its own words.
  if (response.status === 413) return { ok: false, code: 'PAYLOAD_TOO_LARGE', message: '提交的内容过大，请把文件分成几份再导入' };
  return { ok: false, code: 'BAD_RESPONSE', message: `服务器返回了无法识别的内容（HTTP ${response.status}），请稍后重试` };
}

/** Whether this browser can compress a request (CompressionStream: Chrome and Edge 80, Firefox 113, Safari 16.4). */
export const canCompressRequests = (): boolean => typeof CompressionStream === 'function';

/**
 * The request as it travels: JSON, or gzip-compressed JSON once it is larger than the HTTP access
 * service passes as text (an import chunk is megabytes of JSON and a tenth of that compressed).
 */
async function requestBody(request: unknown): Promise<{ body: BodyInit; contentType: string }> {
  const json = JSON.stringify(request);
  const bytes = new TextEncoder().encode(json);
  if (bytes.length <= REQUEST_COMPRESS_FROM_BYTES || !canCompressRequests()) return { body: json, contentType: REQUEST_BODY_TYPES.json };
  const compressed = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return { body: await new Response(compressed).blob(), contentType: REQUEST_BODY_TYPES.gzipJson };
}

export async function call<A extends ConsoleAction>(action: A, request: ConsoleRequest<A>): Promise<ConsoleResponse<A>> {
  const token = readToken();
  const { body, contentType } = await requestBody(request);
  const headers: Record<string, string> = { 'content-type': contentType };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`${consoleConfig().apiBase}/${action}`, {
      method: 'POST',
      headers,
      body,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', NETWORK_MESSAGE, 0);
  }
  const result = await readResult(response);
  if (result.ok) return result.data as ConsoleResponse<A>;
  const error = new ApiError(result.code, result.message, response.status);
  if (error.sessionEnded && token) {
    clearToken();
    sessionEndedListener?.();
  }
  throw error;
}

/** The message to show for any failure: the server's own for an ApiError. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return '操作没有完成，请稍后重试';
}
