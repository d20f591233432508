/**
 * The WeChat APIs the page tests run against.
 *
 * - wx.request performs a real HTTP request (node http), so a page's service calls reach the local
 *   cloud started by global-setup.ts. Nothing stands in for the back end. Like WeChat's, it sends
 *   `content-type: application/json` by default (the local cloud takes POST bodies only as JSON).
 * - APIs that leave the page (makePhoneCall, navigateTo, showToast, showModal…) are recorded so a
 *   test can assert what a student would see or trigger; they succeed.
 * - Storage is an in-memory map per test file (a fresh device).
 * - wx.cloud is absent: the pages use the local transport.
 */
import http from 'node:http';
import https from 'node:https';

export interface RecordedCall {
  api: string;
  options: Record<string, unknown>;
  /** For wx.request: the status code, or the errMsg of a failure, once known. */
  outcome?: string;
}

type Callbacks = {
  success?: (res: Record<string, unknown>) => void;
  fail?: (res: Record<string, unknown>) => void;
  complete?: (res: Record<string, unknown>) => void;
};

const calls: RecordedCall[] = [];
const storage = new Map<string, unknown>();

/** Every recorded call, oldest first. */
export function recordedCalls(api?: string): RecordedCall[] {
  return api ? calls.filter((call) => call.api === api) : calls.slice();
}

export function clearRecordedCalls(): void {
  calls.length = 0;
}

export function clearStorage(): void {
  storage.clear();
}

/** Runs the callbacks asynchronously, as WeChat does; returns a promise when none are given. */
function settle(api: string, options: Callbacks, extra: Record<string, unknown> = {}): Promise<unknown> | undefined {
  const res = { errMsg: `${api}:ok`, ...extra };
  const hasCallbacks = Boolean(options.success || options.fail || options.complete);
  const run = () => {
    options.success?.(res);
    options.complete?.(res);
  };
  if (hasCallbacks) {
    setTimeout(run, 0);
    return undefined;
  }
  return new Promise((resolve) => setTimeout(() => resolve(res), 0));
}

function recorded(api: string, extra: Record<string, unknown> = {}) {
  return (options: Record<string, unknown> & Callbacks = {}) => {
    calls.push({ api, options: { ...options } });
    return settle(api, options, extra);
  };
}

interface RequestOptions extends Callbacks {
  url: string;
  method?: string;
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: string;
}

function request(options: RequestOptions) {
  const url = new URL(options.url);
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { ...(options.header ?? {}) };
  // WeChat's wx.request sends `content-type: application/json` unless the page names another.
  if (!Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  let body: string | undefined;
  if (options.data !== undefined && method !== 'GET') {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const call: RecordedCall = { api: 'request', options: { url: options.url, method, header: headers, data: options.data } };
  calls.push(call);
  let finished = false;
  const fail = (errMsg: string) => {
    if (finished) return;
    finished = true;
    call.outcome = errMsg;
    const res = { errMsg, errno: 600001 };
    options.fail?.(res);
    options.complete?.(res);
  };
  const client = url.protocol === 'https:' ? https : http;
  const req = client.request(url, { method, headers, timeout: options.timeout ?? 60000 }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', (error) => fail(`request:fail ${error.message}`));
    response.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let data: unknown = text;
      if ((options.dataType ?? 'json') === 'json') {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      if (finished) return;
      finished = true;
      const res = { data, statusCode: response.statusCode ?? 0, header: response.headers, errMsg: 'request:ok' };
      call.outcome = `HTTP ${res.statusCode} ${text.slice(0, 300)}`;
      options.success?.(res);
      options.complete?.(res);
    });
  });
  req.on('timeout', () => {
    req.destroy();
    fail('request:fail timeout');
  });
  req.on('error', (error) => fail(`request:fail ${error.message}`));
  if (body !== undefined) req.write(body);
  req.end();
  return { abort: () => req.destroy(), onHeadersReceived() {}, offHeadersReceived() {} };
}

const windowInfo = {
  pixelRatio: 3,
  screenWidth: 375,
  screenHeight: 812,
  windowWidth: 375,
  windowHeight: 724,
  statusBarHeight: 44,
  safeArea: { left: 0, right: 375, top: 44, bottom: 778, width: 375, height: 734 },
  screenTop: 88,
};
const deviceInfo = { brand: 'devtools', model: 'iPhone X', system: 'iOS 16.0', platform: 'devtools', benchmarkLevel: 1 };
const appBaseInfo = { SDKVersion: '3.4.3', version: '8.0.50', language: 'zh_CN', theme: 'light', enableDebug: false, host: { env: 'WeChat' } };

/** The fake's own APIs; merged over miniprogram-simulate's wx mock. */
export const wxFake: Record<string, unknown> = {
  request,
  getStorageSync: (key: string) => (storage.has(key) ? storage.get(key) : ''),
  setStorageSync: (key: string, value: unknown) => {
    storage.set(key, value);
  },
  removeStorageSync: (key: string) => {
    storage.delete(key);
  },
  clearStorageSync: () => storage.clear(),
  makePhoneCall: recorded('makePhoneCall'),
  navigateTo: recorded('navigateTo'),
  redirectTo: recorded('redirectTo'),
  switchTab: recorded('switchTab'),
  reLaunch: recorded('reLaunch'),
  navigateBack: recorded('navigateBack'),
  showToast: recorded('showToast'),
  hideToast: recorded('hideToast'),
  showLoading: recorded('showLoading'),
  hideLoading: recorded('hideLoading'),
  showModal: recorded('showModal', { confirm: false, cancel: true }),
  requestPayment: recorded('requestPayment'),
  pageScrollTo: recorded('pageScrollTo'),
  getWindowInfo: () => ({ ...windowInfo }),
  getDeviceInfo: () => ({ ...deviceInfo }),
  getAppBaseInfo: () => ({ ...appBaseInfo }),
  getSystemInfoSync: () => ({ ...windowInfo, ...deviceInfo, ...appBaseInfo, fontSizeSetting: 16 }),
};

/** Installs the fake over whatever `wx` miniprogram-simulate put on the global object. */
export function installWxFake(target: Record<string, unknown>): void {
  Object.assign(target, wxFake);
  delete target.cloud;
}
