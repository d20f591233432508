/**
 * Finance staff and their console sessions. The runtime checks both before a staff action runs:
 * the staff record (active, role) on every request, so a disabled member or a changed role takes
 * effect at once; the console session by its token, which is kept only as a hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StaffRole } from '../kernel/contract';
import { collection, type Transaction } from './db';
import type { Database } from './platform';

/** staff/{OPENID}: a finance staff member. One role per person. */
export interface StaffDoc {
  _id: string;
  name: string;
  role: StaffRole;
  active: boolean;
  createdAt: Date;
  /** The staff member who invited them; null for the first administrator. */
  invitedBy: string | null;
  updatedAt: Date;
}

/** staffSessions/{sha256(token)}: a signed-in console. */
export interface StaffSessionDoc {
  _id: string;
  staffId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end: CONSOLE_SESSION_MAX_MS after sign-in, whatever the activity. */
  expiresAt: Date;
  /** What the browser said it was, for the staff member's own list of sessions. */
  browser: string;
}

export interface StaffMember {
  /** The staff member's OPENID (the id of their record). */
  id: string;
  name: string;
  role: StaffRole;
}

export const CONSOLE_SESSION_MAX_MS = 8 * 3600_000;
export const CONSOLE_SESSION_IDLE_MS = 30 * 60_000;
/** lastSeenAt is written at most this often: a busy console costs no write per request. */
const TOUCH_EVERY_MS = 60_000;

const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A token is 43 characters of base64url (256 random bits); anything else is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const memberOf = (doc: StaffDoc): StaffMember => ({ id: doc._id, name: doc.name, role: doc.role });

export async function loadStaffMember(db: Database, openid: string): Promise<StaffMember | null> {
  const doc = await collection(db, 'staff').findById(openid);
  return doc?.active ? memberOf(doc) : null;
}

/** Starts a console session for the staff member inside the caller's transaction; returns the token (never stored). */
export async function openConsoleSession(tx: Transaction, staffId: string, at: Date, browser: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(at.getTime() + CONSOLE_SESSION_MAX_MS);
  await tx.set('staffSessions', tokenHash(token), { staffId, createdAt: at, lastSeenAt: at, expiresAt, browser: browser.slice(0, 120) });
  return { token, expiresAt };
}

/**
 * The staff member behind a console token: null when the token is unknown, past its absolute end,
 * idle for longer than CONSOLE_SESSION_IDLE_MS, or its staff member is no longer active.
 */
export async function loadConsoleSession(db: Database, token: string, at: Date): Promise<StaffMember | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const sessions = collection(db, 'staffSessions');
  const id = tokenHash(token);
  // The session and its staff member in one request: every console call starts here.
  const [session] = await sessions.aggregate<StaffSessionDoc & { staff: StaffDoc[] }>([
    { match: { _id: id } },
    { lookup: { from: 'staff', localField: 'staffId', foreignField: '_id', as: 'staff' } },
    { limit: 1 },
  ]);
  if (!session) return null;
  const nowMs = at.getTime();
  if (nowMs >= new Date(session.expiresAt).getTime() || nowMs - new Date(session.lastSeenAt).getTime() > CONSOLE_SESSION_IDLE_MS) {
    await sessions.removeById(id);
    return null;
  }
  const [staff] = session.staff;
  if (!staff || !staff.active) {
    await sessions.removeWhere({ staffId: session.staffId });
    return null;
  }
  if (nowMs - new Date(session.lastSeenAt).getTime() >= TOUCH_EVERY_MS) await sessions.updateById(id, { lastSeenAt: at });
  return memberOf(staff);
}

/** 退出: the session of this token ends. */
export async function endConsoleSession(db: Database, token: string): Promise<void> {
  if (TOKEN_SHAPE.test(token)) await collection(db, 'staffSessions').removeById(tokenHash(token));
}

/** Every console session of a staff member ends (disabled, role changed). */
export async function endConsoleSessionsOf(db: Database, staffId: string): Promise<number> {
  return collection(db, 'staffSessions').removeWhere({ staffId });
}
