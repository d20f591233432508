/** The auth function's timer trigger: what the sign-in leaves behind and no longer needs. */
import type { RequestContext } from '../runtime';
import { ACCOUNT_RULES, OPENID_RULES } from './domain/sign-in-throttle';
import type { AuthCleanupReport } from './contract';
import { PHONE_CODE_RETENTION_MS } from './deps';
import { removeCountersOlderThan, removePhoneCodesOlderThan } from './store';

/** A counter whose latest failure is older than this counts for nothing under either rule. */
const COUNTER_RETENTION_MS = Math.max(ACCOUNT_RULES.forgetAfterMs, ACCOUNT_RULES.lockMs, OPENID_RULES.windowMs);

export async function cleanup(_request: unknown, ctx: RequestContext): Promise<AuthCleanupReport> {
  const now = ctx.now().getTime();
  const [phoneCodesRemoved, loginAttemptsRemoved] = await Promise.all([
    removePhoneCodesOlderThan(ctx.db, new Date(now - PHONE_CODE_RETENTION_MS)),
    removeCountersOlderThan(ctx.db, new Date(now - COUNTER_RETENTION_MS)),
  ]);
  ctx.log.info('auth cleanup', { phoneCodesRemoved, loginAttemptsRemoved });
  return { phoneCodesRemoved, loginAttemptsRemoved };
}
