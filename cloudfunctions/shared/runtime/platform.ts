import type * as WxServerSdk from 'wx-server-sdk';
import type { ApiResult } from '../contracts';

/** The platform SDK as each function's entry initialises it. Only runtime/ and adapters touch it. */
export type WxCloud = typeof WxServerSdk;
export type Database = ReturnType<WxCloud['database']>;

/** Who is calling, read from `cloud.getWXContext()` — never from the event a client sends. */
export interface Caller {
  openid: string | null;
  appid: string | null;
  unionid: string | null;
  env: string | null;
  /**
   * How this run was triggered: 'wx_client' (mini program), 'wx_paycallback' (cloudPay callback),
   * 'wx_trigger' (timer); a call from another function appends ',scf' to its caller's source.
   */
  source: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Must run synchronously at the very start of an invocation: the local cloud runs every function
 * in one process and sets the context variables right before it calls `main`.
 */
export function readCaller(cloud: WxCloud): Caller {
  const context = cloud.getWXContext() as Record<string, unknown>;
  return {
    openid: text(context.OPENID),
    appid: text(context.APPID),
    unionid: text(context.UNIONID),
    env: text(context.ENV),
    source: text(context.SOURCE),
  };
}

/**
 * Asks another function of this environment to run one of its actions (functions never import
 * each other). The callee sees SOURCE '…,scf', which is what `access.internal` requires.
 */
export async function callOtherFunction<T>(cloud: WxCloud, name: string, event: Record<string, unknown>): Promise<ApiResult<T>> {
  const response = (await cloud.callFunction({ name, data: event })) as { result?: unknown } | undefined;
  return response?.result as ApiResult<T>;
}
