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

export interface StudentSession {
  openid: string;
  studentId: string;
  expiresAt: Date;
}

/**
 * Only a session grants a session: the unfinished steps of a sign-in are kept in a collection of
 * their own (pendingSignIns), which this never reads.
 */
export async function loadStudentSession(db: Database, openid: string, at: Date): Promise<StudentSession | null> {
  if (!openid) return null;
  const doc = await collection(db, 'sessions').findById(openid);
  if (!doc || !doc.studentId || !(new Date(doc.expiresAt).getTime() > at.getTime())) return null;
  if (typeof doc.passwordVersion === 'number') {
    // A password change since the session was granted ends it, all at once with the change.
    const [student] = await collection(db, 'students').find(
      { _id: doc.studentId },
      { limit: 1, fields: ['passwordVersion'] },
    );
    if (!student || (student.passwordVersion ?? 0) !== doc.passwordVersion) return null;
  }
  return { openid, studentId: doc.studentId, expiresAt: new Date(doc.expiresAt) };
}
