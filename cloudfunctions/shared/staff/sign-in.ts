/**
 * Signing in to the console without a password: the console shows a mini program code whose scene
 * is a one-time ticket; a staff member scans it, sees what is being signed in (time, browser) and
 * confirms; the console, polling with a key only it holds, receives a session token once.
 */
import { randomBytes } from 'node:crypto';
import {
  AppError,
  endConsoleSession,
  loadStaffMember,
  openConsoleSession,
  transaction,
  type ConsoleContext,
  type StaffContext,
  type WebContext,
} from '../runtime';
import type { ConsoleIdentity, ConsoleSignInPoll, ConsoleSignInRequest, ConsoleSignInStart } from './contract';
import { ROLE_LABELS } from './contract';
import { describeBrowser } from './domain/browser';
import { miniProgramCode } from './mini-program-code';
import {
  createSignInTicket,
  keyHash,
  loadSignInTicket,
  moveSignInTicket,
  removeSignInTicketsBefore,
  useSignInTicket,
  type ConsoleSignInDoc,
} from './store';

export const SIGN_IN_TICKET_MS = 2 * 60_000;
/** A confirmed sign-in may still be collected this long after the code expired (a poll in flight). */
const COLLECT_GRACE_MS = 30_000;
/** Old tickets are removed when a new one is made, a day after they expired. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

export const identityOf = (staff: { id: string; name: string; role: ConsoleIdentity['role'] }): ConsoleIdentity => ({
  staffId: staff.id,
  name: staff.name,
  role: staff.role,
  roleLabel: ROLE_LABELS[staff.role],
});

const isExpired = (ticket: ConsoleSignInDoc, at: Date, graceMs = 0): boolean => at.getTime() >= new Date(ticket.expiresAt).getTime() + graceMs;

export async function startSignIn(_request: Record<string, never>, ctx: WebContext): Promise<ConsoleSignInStart> {
  const at = ctx.now();
  const ticket = randomBytes(12).toString('base64url');
  const pollKey = randomBytes(32).toString('base64url');
  const codeImage = await miniProgramCode(ctx, 'signIn', ticket);
  const expiresAt = new Date(at.getTime() + SIGN_IN_TICKET_MS);
  await createSignInTicket(ctx.db, {
    _id: ticket,
    status: 'WAITING',
    pollKeyHash: keyHash(pollKey),
    browser: describeBrowser(ctx.http.browser),
    address: ctx.http.address,
    createdAt: at,
    expiresAt,
    staffId: null,
    confirmedAt: null,
  });
  await removeSignInTicketsBefore(ctx.db, new Date(at.getTime() - KEEP_EXPIRED_MS));
  return { ticket, pollKey, codeImage, expiresAt: expiresAt.toISOString() };
}

export async function pollSignIn(request: { ticket: string; pollKey: string }, ctx: WebContext): Promise<ConsoleSignInPoll> {
  const at = ctx.now();
  const ticket = await loadSignInTicket(ctx.db, request.ticket);
  // A ticket is answered only to the browser that holds its poll key: the code on the screen names it, nothing more.
  if (!ticket || ticket.pollKeyHash !== keyHash(request.pollKey)) throw new AppError('NOT_FOUND', '登录请求不存在，请刷新二维码');
  switch (ticket.status) {
    case 'CANCELLED':
      return { state: 'cancelled' };
    case 'USED':
      throw new AppError('SIGN_IN_USED');
    case 'WAITING':
    case 'SCANNED':
      return { state: isExpired(ticket, at) ? 'expired' : ticket.status === 'WAITING' ? 'waiting' : 'scanned' };
    case 'CONFIRMED':
      break;
  }
  if (isExpired(ticket, at, COLLECT_GRACE_MS)) return { state: 'expired' };
  const staff = ticket.staffId ? await loadStaffMember(ctx.db, ticket.staffId) : null;
  if (!staff) throw new AppError('FORBIDDEN', '此微信号不是在职的财务人员');
  const session = await transaction(ctx.db, async (tx) => {
    const current = await tx.get('consoleSignIns', ticket._id);
    // Two polls at once: the second finds the ticket used and gets no second session.
    if (current?.status !== 'CONFIRMED') throw new AppError('SIGN_IN_USED');
    await useSignInTicket(tx, ticket._id);
    return openConsoleSession(tx, staff.id, at, ticket.browser);
  });
  ctx.log.info('console signed in', { staffId: staff.id, ticket: ticket._id.slice(0, 4) });
  return { state: 'confirmed', token: session.token, sessionExpiresAt: session.expiresAt.toISOString(), staff: identityOf(staff) };
}

/** The staff member's phone opened the code: what is being signed in. */
export async function describeSignIn(request: { ticket: string }, ctx: StaffContext): Promise<ConsoleSignInRequest> {
  const at = ctx.now();
  const ticket = await loadSignInTicket(ctx.db, request.ticket);
  if (!ticket) throw new AppError('SIGN_IN_EXPIRED');
  if (ticket.status === 'USED' || ticket.status === 'CONFIRMED') throw new AppError('SIGN_IN_USED');
  if (ticket.status === 'CANCELLED') throw new AppError('SIGN_IN_CANCELLED');
  if (isExpired(ticket, at)) throw new AppError('SIGN_IN_EXPIRED');
  await moveSignInTicket(ctx.db, ticket._id, ['WAITING'], { status: 'SCANNED' });
  return { requestedAt: new Date(ticket.createdAt).toISOString(), expiresAt: new Date(ticket.expiresAt).toISOString(), browser: ticket.browser };
}

export async function confirmSignIn(request: { ticket: string }, ctx: StaffContext): Promise<{ confirmed: true }> {
  const at = ctx.now();
  const ticket = await loadSignInTicket(ctx.db, request.ticket);
  if (!ticket || isExpired(ticket, at)) throw new AppError('SIGN_IN_EXPIRED');
  if (ticket.status === 'CANCELLED') throw new AppError('SIGN_IN_CANCELLED');
  if (ticket.status === 'CONFIRMED' && ticket.staffId === ctx.staff.id) return { confirmed: true };
  const moved = await moveSignInTicket(ctx.db, ticket._id, ['WAITING', 'SCANNED'], { status: 'CONFIRMED', staffId: ctx.staff.id, confirmedAt: at });
  if (!moved) throw new AppError('SIGN_IN_USED');
  ctx.audit.record({ target: `consoleSignIn:${ticket._id}`, after: { browser: ticket.browser, address: ticket.address } });
  return { confirmed: true };
}

export async function cancelSignIn(request: { ticket: string }, ctx: StaffContext): Promise<{ cancelled: true }> {
  await moveSignInTicket(ctx.db, request.ticket, ['WAITING', 'SCANNED'], { status: 'CANCELLED' });
  return { cancelled: true };
}

export async function me(_request: Record<string, never>, ctx: ConsoleContext): Promise<ConsoleIdentity> {
  return identityOf(ctx.staff);
}

export async function signOut(_request: Record<string, never>, ctx: ConsoleContext): Promise<{ signedOut: true }> {
  await endConsoleSession(ctx.db, ctx.http.token ?? '');
  ctx.audit.record({ target: `staff:${ctx.staff.id}`, after: { signedOut: true } });
  return { signedOut: true };
}
