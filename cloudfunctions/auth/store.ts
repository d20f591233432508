/**
 * The auth function's records: students, sessions, the unfinished steps of a sign-in, failure
 * counters and used phone codes. Each function here is one database request unless it says so.
 */
import { createHash } from 'node:crypto';
import { collection, commands, isDuplicateKeyError, type Database, type SessionDoc, type Transaction } from '../shared/runtime';
import type { StudentDoc } from '../shared/domain/student';
import type { FailureCounter } from '../shared/domain/sign-in-throttle';

// ------------------------------------------------------------------ students

export const findStudentByNo = (db: Database, studentNo: string): Promise<StudentDoc | null> =>
  collection<StudentDoc>(db, 'students').findOne({ studentNo });

export const findStudentByIdHash = (db: Database, idHash: string): Promise<StudentDoc | null> =>
  collection<StudentDoc>(db, 'students').findOne({ idHash });

export const findStudentById = (db: Database, id: string): Promise<StudentDoc | null> =>
  collection<StudentDoc>(db, 'students').findById(id);

export async function updateStudent(db: Database, id: string, patch: Partial<Omit<StudentDoc, '_id'>>): Promise<void> {
  await collection<StudentDoc>(db, 'students').updateById(id, patch);
}

// ------------------------------------------------------------------ sessions and pending steps

interface RawDocRef {
  set(options: { data: unknown }): Promise<unknown>;
}
interface RawCollection {
  doc(id: string): RawDocRef;
  where(query: Record<string, unknown>): { remove(): Promise<{ stats: { removed: number } }> };
}
const raw = (db: Database, name: string): RawCollection => (db as unknown as { collection(n: string): RawCollection }).collection(name);

/**
 * The unfinished part of a sign-in, kept beside the sessions (`sessions/pending:<OPENID>`): the
 * student-access check reads only `sessions/<OPENID>`, so a pending record never grants a session.
 */
export type PendingPurpose = 'setup' | 'device' | 'reset';

export interface PendingDoc {
  _id: string;
  kind: 'pending';
  purpose: PendingPurpose;
  studentId: string;
  createdAt: Date;
  expiresAt: Date;
  /** The student's password version when this started; a change since then voids it. */
  stamp: string;
  identityConfirmedAt: Date | null;
  /** Setup: the hash of the new password, written to the student when the setup completes. */
  newPasswordHash: string | null;
}

export const pendingId = (openid: string): string => `pending:${openid}`;

/** Identifies the student's current password without revealing anything about it. */
export const passwordStamp = (student: Pick<StudentDoc, 'passwordChangedAt'>): string =>
  student.passwordChangedAt ? new Date(student.passwordChangedAt).toISOString() : 'initial';

export async function startPending(
  db: Database,
  openid: string,
  student: StudentDoc,
  purpose: PendingPurpose,
  now: Date,
  ttlMs: number,
): Promise<PendingDoc> {
  const doc: PendingDoc = {
    _id: pendingId(openid),
    kind: 'pending',
    purpose,
    studentId: student._id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
    stamp: passwordStamp(student),
    identityConfirmedAt: null,
    newPasswordHash: null,
  };
  const { _id, ...data } = doc;
  await raw(db, 'sessions').doc(_id).set({ data });
  return doc;
}

/** The caller's pending step for `purpose`, or null when there is none or it has expired. */
export async function loadPending(db: Database, openid: string, purpose: PendingPurpose, now: Date): Promise<PendingDoc | null> {
  const doc = (await collection<SessionDoc>(db, 'sessions').findById(pendingId(openid))) as unknown as PendingDoc | null;
  if (!doc || doc.kind !== 'pending' || doc.purpose !== purpose) return null;
  if (new Date(doc.expiresAt).getTime() <= now.getTime()) return null;
  return doc;
}

export async function updatePending(db: Database, openid: string, patch: Partial<Omit<PendingDoc, '_id'>>): Promise<void> {
  await collection<SessionDoc>(db, 'sessions').updateById(pendingId(openid), patch);
}

export function sessionDoc(studentId: string, now: Date, ttlMs: number): Omit<SessionDoc, '_id'> {
  return { studentId, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
}

/** One request: the caller is signed in as the student (replacing any earlier session of this WeChat account). */
export async function grantSession(db: Database, openid: string, studentId: string, now: Date, ttlMs: number): Promise<void> {
  await raw(db, 'sessions').doc(openid).set({ data: sessionDoc(studentId, now, ttlMs) });
}

/** Inside a transaction: the caller is now signed in as the student, and nothing is pending. */
export async function grantSessionIn(tx: Transaction, openid: string, studentId: string, now: Date, ttlMs: number): Promise<void> {
  await tx.set<SessionDoc>('sessions', openid, sessionDoc(studentId, now, ttlMs));
}

/** One request: the session (and any pending step) of this WeChat account ends. */
export async function endCallerSessions(db: Database, openid: string): Promise<void> {
  const _ = commands(db);
  await raw(db, 'sessions').where({ _id: _.in([openid, pendingId(openid)]) }).remove();
}

/** One request: every session and pending step of the student, except the given WeChat account's session. */
export async function endStudentSessions(db: Database, studentId: string, exceptOpenid?: string): Promise<number> {
  const _ = commands(db);
  const query: Record<string, unknown> = { studentId };
  if (exceptOpenid) query._id = _.neq(exceptOpenid);
  return (await raw(db, 'sessions').where(query).remove()).stats.removed;
}

// ------------------------------------------------------------------ failure counters

export interface AttemptDoc extends FailureCounter {
  _id: string;
}

export const accountCounterId = (studentId: string): string => `account:${studentId}`;
/** For an account name no student has: counted under a keyed hash of what was typed. */
export const unknownAccountCounterId = (nameHash: string): string => `name:${nameHash.slice(0, 48)}`;
export const openidCounterId = (openid: string): string => `openid:${openid}`;

/** One request for several counters. */
export async function loadCounters(db: Database, ids: readonly string[]): Promise<Map<string, AttemptDoc>> {
  const _ = commands(db);
  const docs = await collection<AttemptDoc>(db, 'loginAttempts').find({ _id: _.in([...ids]) }, { limit: ids.length });
  return new Map(docs.map((doc) => [doc._id, doc]));
}

/**
 * Stores the counter's next value. An increment when the stored count is still live (atomic under
 * concurrent failures), a reset to the new value otherwise; an insert the first time.
 */
export async function saveFailure(db: Database, id: string, previous: AttemptDoc | undefined, liveBefore: number, next: FailureCounter): Promise<void> {
  const attempts = collection<AttemptDoc>(db, 'loginAttempts');
  if (previous) {
    const patch = liveBefore > 0 ? { failures: commands(db).inc(1), lastFailureAt: next.lastFailureAt } : { ...next };
    if ((await attempts.updateById(id, patch)) > 0) return;
  }
  try {
    await attempts.insert({ _id: id, ...next });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await attempts.updateById(id, { failures: commands(db).inc(1), lastFailureAt: next.lastFailureAt });
  }
}

export async function clearCounter(db: Database, id: string): Promise<void> {
  await collection<AttemptDoc>(db, 'loginAttempts').removeById(id);
}

// ------------------------------------------------------------------ used phone codes

interface UsedPhoneCodeDoc {
  _id: string;
  usedAt: Date;
}

/**
 * Records a getPhoneNumber code as used; false when it already was. WeChat refuses a second use
 * too; this keeps the rule even where the platform's answer is not seen.
 */
export async function markPhoneCodeUsed(db: Database, code: string, now: Date): Promise<boolean> {
  const id = createHash('sha256').update(code).digest('hex').slice(0, 48);
  try {
    await collection<UsedPhoneCodeDoc>(db, 'phoneCodes').insert({ _id: id, usedAt: now });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
