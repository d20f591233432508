import type { StaffRole } from '../contracts';
import { collection } from './db';
import type { Database } from './platform';

/** sessions/{openid}: the student a WeChat account is signed in as. Written by the auth function. */
export interface SessionDoc {
  _id: string;
  studentId: string;
  createdAt: Date;
  expiresAt: Date;
  /**
   * The student's password version when the session was granted; the session ends when the
   * password changes. Absent on sessions made by tools that predate it (seeds, fixtures).
   */
  passwordVersion?: number;
}

/** staff/{openid}: a finance staff member and their roles. */
export interface StaffDoc {
  _id: string;
  name: string;
  roles: StaffRole[];
  active: boolean;
}

export interface StudentSession {
  openid: string;
  studentId: string;
  expiresAt: Date;
}

export interface StaffMember {
  openid: string;
  name: string;
  roles: StaffRole[];
}

/**
 * What a WeChat OPENID looks like (28 characters of letters, digits, - and _; the local cloud's are
 * of the same alphabet). Other records share the sessions collection under ids with a ':' in them
 * (`pending:<OPENID>`), so an id outside this alphabet is never a session.
 */
const PLAIN_OPENID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Only a session record grants a session: never a record of another kind kept beside them (a
 * pending sign-in step has `kind: 'pending'`), whatever its id.
 */
function isSessionRecord(doc: unknown): doc is SessionDoc {
  if (typeof doc !== 'object' || doc === null) return false;
  const record = doc as Record<string, unknown>;
  return !Object.prototype.hasOwnProperty.call(record, 'kind') && typeof record.studentId === 'string' && record.studentId !== '';
}

export async function loadStudentSession(db: Database, openid: string, at: Date): Promise<StudentSession | null> {
  if (!PLAIN_OPENID.test(openid)) return null;
  const doc = await collection<SessionDoc>(db, 'sessions').findById(openid);
  if (!isSessionRecord(doc) || !(new Date(doc.expiresAt).getTime() > at.getTime())) return null;
  if (typeof doc.passwordVersion === 'number') {
    // A password change since the session was granted ends it, all at once with the change.
    const [student] = await collection<{ _id: string; passwordVersion?: number }>(db, 'students').find(
      { _id: doc.studentId },
      { limit: 1, fields: ['passwordVersion'] },
    );
    if (!student || (student.passwordVersion ?? 0) !== doc.passwordVersion) return null;
  }
  return { openid, studentId: doc.studentId, expiresAt: new Date(doc.expiresAt) };
}

export async function loadStaffMember(db: Database, openid: string): Promise<StaffMember | null> {
  const doc = await collection<StaffDoc>(db, 'staff').findById(openid);
  if (!doc || !doc.active) return null;
  return { openid, name: doc.name, roles: doc.roles };
}
