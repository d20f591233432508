/**
 * The staff feature's writes: staff records, console sign-in tickets and invitations. Console
 * sessions belong to the runtime (it checks them on every request) and are opened through it.
 */
import { createHash } from 'node:crypto';
import type { StaffRole } from '../kernel/contract';
import { collection, commands, type Database, type StaffDoc, type Transaction } from '../runtime';

/**
 * consoleSignIns/{ticket}: a console waiting for a staff member to scan its code.
 * WAITING → SCANNED (the 确认登录 page opened) → CONFIRMED → USED (the console took its token);
 * WAITING | SCANNED → CANCELLED. Past expiresAt it is expired whatever its state.
 */
export type ConsoleSignInStatus = 'WAITING' | 'SCANNED' | 'CONFIRMED' | 'USED' | 'CANCELLED';

export interface ConsoleSignInDoc {
  _id: string;
  status: ConsoleSignInStatus;
  /** SHA-256 of the poll key that only the starting browser holds. */
  pollKeyHash: string;
  browser: string;
  address: string;
  createdAt: Date;
  expiresAt: Date;
  staffId: string | null;
  confirmedAt: Date | null;
}

/** staffInvitations/{id}: an invitation to join as one role; one use, 24 hours. */
export interface StaffInvitationDoc {
  _id: string;
  name: string;
  role: StaffRole;
  /** The administrator who invited; null for the first administrator's. */
  createdBy: string | null;
  firstAdmin: boolean;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  usedBy: string | null;
}

export const keyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

// ------------------------------------------------------------------ sign-in tickets

export async function createSignInTicket(db: Database, doc: ConsoleSignInDoc): Promise<void> {
  const { _id, ...body } = doc;
  await collection(db, 'consoleSignIns').setById(_id, body);
}

export const loadSignInTicket = (db: Database, ticket: string): Promise<ConsoleSignInDoc | null> => collection(db, 'consoleSignIns').findById(ticket);

/** Moves a ticket from one of `from` to `to` (a conditional update: two taps change it once). */
export async function moveSignInTicket(
  db: Database,
  ticket: string,
  from: readonly ConsoleSignInStatus[],
  patch: Partial<Omit<ConsoleSignInDoc, '_id'>> & { status: ConsoleSignInStatus },
): Promise<boolean> {
  const _ = commands(db);
  return (await collection(db, 'consoleSignIns').updateWhere({ _id: ticket, status: _.in([...from]) }, patch)) === 1;
}

/** Inside the transaction that opens the console session: the ticket is used up. */
export async function useSignInTicket(tx: Transaction, ticket: string): Promise<void> {
  await tx.update('consoleSignIns', ticket, { status: 'USED' });
}

/** Tickets past their time are of no use to anyone: removed when new ones are made. */
export async function removeSignInTicketsBefore(db: Database, before: Date): Promise<number> {
  const _ = commands(db);
  return collection(db, 'consoleSignIns').removeWhere({ expiresAt: _.lt(before) });
}

// ------------------------------------------------------------------ invitations

export async function saveInvitation(db: Database, doc: StaffInvitationDoc): Promise<void> {
  const { _id, ...body } = doc;
  await collection(db, 'staffInvitations').setById(_id, body);
}

export const loadInvitation = (db: Database, id: string): Promise<StaffInvitationDoc | null> => collection(db, 'staffInvitations').findById(id);

/** Unused first-administrator invitations expire now: a newer one takes their place. */
export async function retireFirstAdminInvitations(db: Database, at: Date): Promise<void> {
  await collection(db, 'staffInvitations').updateWhere({ firstAdmin: true, usedAt: null, expiresAt: commands(db).gt(at) }, { expiresAt: at });
}

// ------------------------------------------------------------------ staff records

export const loadStaffRecord = (db: Database, openid: string): Promise<StaffDoc | null> => collection(db, 'staff').findById(openid);

export const listStaffRecords = (db: Database): Promise<StaffDoc[]> => collection(db, 'staff').findAll({});

export const countActiveAdmins = (db: Database): Promise<number> => collection(db, 'staff').count({ role: 'admin', active: true });

/** Accepting an invitation: the staff record and the used invitation, together or not at all. */
export async function joinStaffIn(tx: Transaction, openid: string, staff: Omit<StaffDoc, '_id'>, invitationId: string, at: Date): Promise<void> {
  await tx.set('staff', openid, staff);
  await tx.update('staffInvitations', invitationId, { usedAt: at, usedBy: openid });
}

export async function updateStaffRecord(db: Database, openid: string, patch: Partial<Pick<StaffDoc, 'role' | 'active'>>, at: Date): Promise<void> {
  await collection(db, 'staff').updateById(openid, { ...patch, updatedAt: at });
}
