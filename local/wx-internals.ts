/**
 * The two seams of the genuine wx-server-sdk 4.0.2 that the local cloud uses. Everything above
 * them (argument checking, case conversion, errMsg formatting) is the production SDK's own code.
 * tests/local/sdk-seams.test.ts fails loudly if an SDK upgrade moves either of them.
 */
import type { WxCloud } from '../cloudfunctions/shared/runtime';

export interface ProviderApi {
  callFunction(options: { name: string; data?: unknown }, config: unknown): Promise<{ result: unknown; requestId: string }>;
  uploadFile(options: { cloudPath: string; fileContent: Buffer | NodeJS.ReadableStream }, config: unknown): Promise<{ fileID: string; requestId: string; statusCode: number }>;
  downloadFile(options: { fileID: string }, config: unknown): Promise<{ statusCode: number; fileContent: Buffer }>;
  getTempFileURL(options: { fileList: (string | { fileID: string; maxAge?: number })[] }, config: unknown): Promise<{ fileList: TempFileUrl[]; requestId: string }>;
  deleteFile(options: { fileList: string[] }, config: unknown): Promise<{ fileList: { fileID: string; status: number; errMsg: string }[]; requestId: string }>;
  callWXOpenAPI(options: { api: string; data: Buffer }, config: unknown): Promise<unknown>;
  callWXPayAPI(options: { api: string; data: Buffer; apiOptions?: Buffer }, config: unknown): Promise<unknown>;
}

export interface TempFileUrl {
  fileID: string;
  status: number;
  errMsg: string;
  maxAge: number;
  tempFileURL: string;
}

/** The SDK's internal Cloud instance, reachable through its public registerService hook. */
export function providerApiOf(cloud: WxCloud): ProviderApi {
  let internal: { provider?: { api?: ProviderApi } } | undefined;
  (cloud as unknown as { registerService(service: unknown): void }).registerService({
    createService(instance: typeof internal) {
      internal = instance;
      return { name: 'local-cloud-probe', getAPIs: () => ({}) };
    },
  });
  const api = internal?.provider?.api;
  if (!api || typeof api.callWXPayAPI !== 'function' || typeof api.uploadFile !== 'function') {
    throw new Error('wx-server-sdk internals moved: provider.api not found; the local cloud needs updating');
  }
  return api;
}

/**
 * `cloud.callFunction` does not go through provider.api: it calls the node-sdk CloudBase
 * instance's own `callFunction`, which resolves to `{ result, requestId }`. Swapping it on the
 * class reaches every instance the SDK makes (one per env). The event crosses as JSON, as it does
 * on the platform (dates become text, undefined disappears, key order is the sender's), so what a
 * callee verifies about the request (internal calls sign it) is checked on what really arrives.
 */
export function routeCallFunction(handler: (name: string, data: unknown) => Promise<unknown>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CloudBase } = require('@cloudbase/node-sdk/dist/cloudbase') as { CloudBase?: { prototype: Record<string, unknown> } };
  if (!CloudBase || typeof CloudBase.prototype.callFunction !== 'function') {
    throw new Error('wx-server-sdk internals moved: CloudBase.prototype.callFunction not found; the local cloud needs updating');
  }
  CloudBase.prototype.callFunction = async (options: { name: string; data?: unknown }) => ({
    result: await handler(options.name, JSON.parse(JSON.stringify(options.data ?? {})) as unknown),
    requestId: 'local',
  });
}

const CONTEXT_KEYS = ['WX_OPENID', 'WX_APPID', 'WX_UNIONID', 'WX_CLIENTIP', 'WX_CLIENTIPV6', 'WX_SOURCE'];

export interface InvocationContext {
  openid?: string;
  appid?: string;
  unionid?: string;
  env: string;
  /** 'wx_paycallback' for cloudPay callbacks, 'wx_client' for mini program calls, etc. */
  source?: string;
}

/** Sets the variables `cloud.getWXContext()` reads, the way the platform sets them per invocation. */
export function applyInvocationContext(context: InvocationContext): void {
  const values: Record<string, string | undefined> = {
    WX_OPENID: context.openid,
    WX_APPID: context.appid,
    WX_UNIONID: context.unionid,
    WX_CLIENTIP: context.openid ? '127.0.0.1' : undefined,
  };
  for (const key of CONTEXT_KEYS) {
    const value = values[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  // The platform always sets this list; when it is empty getWXContext() returns {} without SOURCE.
  process.env.WX_CONTEXT_KEYS = CONTEXT_KEYS.filter((key) => values[key] !== undefined).join(',') || 'WX_SOURCE';
  process.env.TCB_ENV = context.env;
  if (context.source) process.env.TCB_SOURCE = context.source;
  else delete process.env.TCB_SOURCE;
}
