import type * as WxServerSdk from 'wx-server-sdk';

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
   * 'wx_trigger' (timer); a call from another function appends ',scf' to its caller's source
   * (which says that a function called, not which one: see internal-calls.ts).
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
