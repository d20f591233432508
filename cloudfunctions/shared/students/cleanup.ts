/** The auth function's timer trigger: what sign-ins and the platform's QR links leave behind and no longer need. */
import type { RequestContext } from '../runtime';
import { ACCOUNT_RULES, OPENID_RULES } from './domain/sign-in-throttle';
import type { AuthCleanupReport } from './contract';
import { PHONE_CODE_RETENTION_MS } from './deps';
import { removeCountersOlderThan, removePhoneCodesOlderThan } from './store';
import { REDEEMED_NONCE_RETENTION_MS, removeNoncesExpiredBefore } from './desktop-link';

/** A counter whose latest failure is older than this counts for nothing under either rule. */
const COUNTER_RETENTION_MS = Math.max(ACCOUNT_RULES.forgetAfterMs, ACCOUNT_RULES.lockMs, OPENID_RULES.windowMs);

export async function cleanup(_request: unknown, ctx: RequestContext): Promise<AuthCleanupReport> {
  const now = ctx.now().getTime();
  const [phoneCodesRemoved, loginAttemptsRemoved, desktopLinkNoncesRemoved] = await Promise.all([
    removePhoneCodesOlderThan(ctx.db, new Date(now - PHONE_CODE_RETENTION_MS)),
    removeCountersOlderThan(ctx.db, new Date(now - COUNTER_RETENTION_MS)),
    // An expired link is refused for its expiry: its nonce no longer needs remembering.
    removeNoncesExpiredBefore(ctx.db, new Date(now - REDEEMED_NONCE_RETENTION_MS)),
  ]);
  ctx.log.info('auth cleanup', { phoneCodesRemoved, loginAttemptsRemoved, desktopLinkNoncesRemoved });
  return { phoneCodesRemoved, loginAttemptsRemoved, desktopLinkNoncesRemoved };
}
