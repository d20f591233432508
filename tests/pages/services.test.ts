/**
 * miniprogram/services against the local cloud, in the mini program's runtime (wx.request is real
 * HTTP here): the `{ ok, data | code, message }` envelope becomes data or a ServiceError.
 */
import { clearRecordedCalls, recordedCalls } from './wx-fake';

interface ServiceErrorLike extends Error {
  code: string;
  details?: Record<string, unknown>;
}

// Required, not imported: the services use the mini program's `wx` typings, which the repository's
// Node type-check does not load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const services = require('../../miniprogram/services/index') as {
  callFunction(fn: string, action: string, payload: Record<string, unknown>): Promise<unknown>;
  getSessionStatus(): Promise<{ signedIn: boolean; staff: boolean; serverTime: string }>;
  isServiceError(error: unknown): error is ServiceErrorLike;
};

async function failureOf(promise: Promise<unknown>): Promise<ServiceErrorLike> {
  try {
    await promise;
  } catch (error) {
    if (services.isServiceError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeEach(() => clearRecordedCalls());

test('getSessionStatus returns the data of auth.status for this device', async () => {
  const status = await services.getSessionStatus();
  expect(status.signedIn).toBe(false);
  expect(status.staff).toBe(false);
  expect(Number.isNaN(Date.parse(status.serverTime))).toBe(false);
  const [request] = recordedCalls('request');
  expect(request.options.data).toEqual({ action: 'status' });
});

test('an action refused by the server throws its code and Chinese message', async () => {
  // 我的 → profile needs a signed-in student; this device has not signed in.
  const error = await failureOf(services.callFunction('auth', 'profile', {}));
  expect(error.code).toBe('UNAUTHENTICATED');
  expect(error.message).toMatch(/登录/);
});

test('a request the server rejects as malformed throws BAD_REQUEST', async () => {
  const error = await failureOf(services.callFunction('auth', 'status', { amount: 1 }));
  expect(error.code).toBe('BAD_REQUEST');
  expect(error.message).not.toBe('');
});

test('a function the back end does not have is an HTTP error, shown as 服务暂时不可用', async () => {
  const error = await failureOf(services.callFunction('no-such-function', 'status', {}));
  expect(error.code).toBe('NETWORK');
  expect(error.message).toBe('服务暂时不可用，请稍后再试');
  expect(error.details).toEqual({ status: 404 });
});

test('an unreachable back end throws NETWORK with a message a student understands', async () => {
  const { config } = await import('../../miniprogram/config/index');
  const reachable = config.localCloudBaseUrl;
  config.localCloudBaseUrl = 'http://127.0.0.1:9';
  try {
    const error = await failureOf(services.getSessionStatus());
    expect(error.code).toBe('NETWORK');
    expect(error.message).toBe('网络异常，请检查网络后重试');
  } finally {
    config.localCloudBaseUrl = reachable;
  }
});
