/** Signing in by scanning, the signed-in identity, signing out, and the very first administrator. */
import { consoleConfig } from '../config';
import { ApiError, call, NETWORK_MESSAGE } from './client';
import type { ConsoleIdentity, ConsoleSignInPoll, ConsoleSignInStart, StaffInvitationCreated, StaffRole } from './types';

/** A new mini program code to scan (valid 2 minutes) and the key this browser polls with. */
export function startSignIn(): Promise<ConsoleSignInStart> {
  return call('startSignIn', {});
}

export function pollSignIn(start: Pick<ConsoleSignInStart, 'ticket' | 'pollKey'>): Promise<ConsoleSignInPoll> {
  return call('pollSignIn', { ticket: start.ticket, pollKey: start.pollKey });
}

export function fetchIdentity(): Promise<ConsoleIdentity> {
  return call('me', {});
}

export async function signOut(): Promise<void> {
  await call('signOut', {});
}

/** Works only while the environment has no administrator, with the code set at deployment. */
export function startFirstAdmin(code: string, name: string): Promise<StaffInvitationCreated> {
  return call('startFirstAdmin', { code, name });
}

/**
 * 模拟扫码 (local cloud only): the local cloud's sandbox does what the demo staff member of this
 * role would do on the phone — open the code and tap 确认登录.
 */
export async function simulateScan(ticket: string, role: StaffRole): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('/sandbox/console-scan', consoleConfig().apiBase), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket, role }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', NETWORK_MESSAGE, 0);
  }
  const body = (await response.json().catch(() => null)) as { ok?: boolean; code?: string; message?: string; error?: { code?: string; message?: string } } | null;
  if (response.ok && body?.ok === true) return;
  const failure = body?.error ?? body ?? {};
  throw new ApiError(failure.code ?? 'BAD_RESPONSE', failure.message ?? `模拟扫码失败（HTTP ${response.status}）`, response.status);
}
