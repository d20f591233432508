/**
 * The auth function's records: students, sessions, the unfinished steps of a sign-in, failure
 * counters and used phone codes. Each function here is one database request unless it says so.
 */
import { createHash } from 'node:crypto';
import { collection, commands, isDuplicateKeyError, type Database, type SessionDoc, type Transaction } from '../runtime';
import { passwordVersionOf, type StudentDoc } from './domain/student';
import type { FailureCounter } from './domain/sign-in-throttle';

// ------------------------------------------------------------------ students

export const findStudentByNo = (db: Database, studentNo: string): Promise<StudentDoc | null> =>
  collection(db, 'students').findOne({ studentNo });

export const findStudentByIdHash = (db: Database, idHash: string): Promise<StudentDoc | null> =>
  collection(db, 'students').findOne({ idHash });

export const findStudentById = (db: Database, id: string): Promise<StudentDoc | null> =>
  collection(db, 'students').findById(id);

export async function updateStudent(db: Database, id: string, patch: Partial<Omit<StudentDoc, '_id'>>): Promise<void> {
  await collection(db, 'students').updateById(id, patch);
}

/** What a bill records of its student, for the 学号 given (canonical); one request. */
export async function studentRefsByNo(
  db: Database,
  studentNos: readonly string[],
): Promise<Map<string, { id: string; studentNo: string; name: string; college: string; major: string; grade: string; className: string }>> {
  const unique = [...new Set(studentNos)].filter(Boolean);
  if (unique.length === 0) return new Map();
  const _ = commands(db);
  // An aggregation: one request for a whole import chunk (a plain read stops at 1,000).
  const found = await collection(db, 'students').aggregate<StudentDoc>([
    { match: { studentNo: _.in(unique) } },
    { project: { studentNo: 1, name: 1, college: 1, major: 1, grade: 1, className: 1 } },
    { limit: unique.length },
  ]);
  return new Map(found.map((s) => [s.studentNo, { id: s._id, studentNo: s.studentNo, name: s.name, college: s.college, major: s.major, grade: s.grade, className: s.className }]));
}

/** New students of an import, in one request. */
export async function insertStudents(db: Database, docs: readonly Omit<StudentDoc, '_id'>[]): Promise<void> {
  await collection(db, 'students').insertMany(docs);
}

// ------------------------------------------------------------------ sessions and pending steps

/**
 * pendingSignIns/{OPENID}: the unfinished part of a sign-in. The student-access check reads only
 * the sessions collection, so a pending step never grants a session.
 */
export type PendingPurpose = 'setup' | 'device' | 'reset';

export interface PendingDoc {
  _id: string;
  purpose: PendingPurpose;
  studentId: string;
  createdAt: Date;
  expiresAt: Date;
  /** The student's password version when this started; a change since then voids it. */
  stamp: string;
  identityConfirmedAt: Date | null;
  /** Setup: the hash of the new password, written to the student when the setup completes. */
  newPasswordHash: string | null;
  /** How the caller named the account at sign-in: the identity step repeats only that. */
  signedInBy?: 'studentNo' | 'idNumber';
  /**
   * Setup of a student with no phone on file: when the office's activation code was accepted, and
   * which code (its keyed hash), so that completing consumes exactly that one.
   */
  activatedAt?: Date | null;
  activationCodeHash?: string | null;
}

/** Identifies the student's current password without revealing anything about it. */
export const passwordStamp = (student: Pick<StudentDoc, 'passwordVersion'>): string => `v${passwordVersionOf(student)}`;

export async function startPending(
  db: Database,
  openid: string,
  student: StudentDoc,
  purpose: PendingPurpose,
  now: Date,
  ttlMs: number,
  signedInBy?: 'studentNo' | 'idNumber',
): Promise<PendingDoc> {
  const doc: PendingDoc = {
    _id: openid,
    purpose,
    studentId: student._id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
    stamp: passwordStamp(student),
    identityConfirmedAt: null,
    newPasswordHash: null,
    ...(signedInBy ? { signedInBy } : {}),
    activatedAt: null,
    activationCodeHash: null,
  };
  const { _id, ...data } = doc;
  await collection(db, 'pendingSignIns').setById(_id, data);
  return doc;
}

/** The caller's pending step for `purpose`, or null when there is none or it has expired. */
export async function loadPending(db: Database, openid: string, purpose: PendingPurpose, now: Date): Promise<PendingDoc | null> {
  const doc = await collection(db, 'pendingSignIns').findById(openid);
  if (!doc || doc.purpose !== purpose) return null;
  if (new Date(doc.expiresAt).getTime() <= now.getTime()) return null;
  return doc;
}

export async function updatePending(db: Database, openid: string, patch: Partial<Omit<PendingDoc, '_id'>>): Promise<void> {
  await collection(db, 'pendingSignIns').updateById(openid, patch);
}

/**
 * A session carries the student's password version from when it was granted: once the password
 * changes, the session check refuses it, whichever WeChat account holds it.
 */
export function sessionDoc(student: Pick<StudentDoc, '_id' | 'passwordVersion'>, now: Date, ttlMs: number): Omit<SessionDoc, '_id'> {
  return { studentId: student._id, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), passwordVersion: passwordVersionOf(student) };
}

/** One request: the caller is signed in as the student (replacing any earlier session of this WeChat account). */
export async function grantSession(db: Database, openid: string, student: Pick<StudentDoc, '_id' | 'passwordVersion'>, now: Date, ttlMs: number): Promise<void> {
  await collection(db, 'sessions').setById(openid, sessionDoc(student, now, ttlMs));
}

/** Inside a transaction: the caller is now signed in as the student, and nothing is pending. */
export async function grantSessionIn(tx: Transaction, openid: string, student: Pick<StudentDoc, '_id' | 'passwordVersion'>, now: Date, ttlMs: number): Promise<void> {
  await tx.set('sessions', openid, sessionDoc(student, now, ttlMs));
}

/** The session (and any pending step) of this WeChat account ends. */
export async function endCallerSessions(db: Database, openid: string): Promise<void> {
  await collection(db, 'sessions').removeById(openid);
  await collection(db, 'pendingSignIns').removeById(openid);
}

/** Every session and pending step of the student, except the given WeChat account's session; returns the sessions ended. */
export async function endStudentSessions(db: Database, studentId: string, exceptOpenid?: string): Promise<number> {
  const _ = commands(db);
  const query: Record<string, unknown> = { studentId };
  if (exceptOpenid) query._id = _.neq(exceptOpenid);
  const ended = await collection(db, 'sessions').removeWhere(query);
  await collection(db, 'pendingSignIns').removeWhere({ studentId });
  return ended;
}

// ------------------------------------------------------------------ failure counters

export interface AttemptDoc extends FailureCounter {
  _id: string;
}

/**
 * Attempts from one WeChat account at one account as typed (学号 or 证件号, keyed hash): nobody else's
 * attempts move it, and it is the same for an account that exists and one that does not.
 */
export const strangerCounterId = (accountKey: string, openid: string): string => `try:${accountKey.slice(0, 40)}:${openid}`;
/**
 * Attempts from one WeChat account bound to the student: counted under the student, so its owner
 * can be told the account is locked, and apart from every other WeChat account.
 */
export const boundCounterId = (studentId: string, openid: string): string => `bound:${studentId}:${openid}`;
export const openidCounterId = (openid: string): string => `openid:${openid}`;

/** One request for several counters. */
export async function loadCounters(db: Database, ids: readonly string[]): Promise<Map<string, AttemptDoc>> {
  const _ = commands(db);
  const docs = await collection(db, 'loginAttempts').find({ _id: _.in([...ids]) }, { limit: ids.length });
  return new Map(docs.map((doc) => [doc._id, doc]));
}

export const loadCounter = (db: Database, id: string): Promise<AttemptDoc | null> => collection(db, 'loginAttempts').findById(id);

/**
 * One request: the counter becomes `next` only if it is still exactly `seen` (null: it must not
 * exist yet). False when another request changed it first; the caller reads it again.
 */
export async function compareAndSetCounter(db: Database, id: string, seen: AttemptDoc | null, next: FailureCounter): Promise<boolean> {
  const attempts = collection(db, 'loginAttempts');
  if (!seen) {
    try {
      await attempts.insert({ _id: id, failures: next.failures, lastFailureAt: next.lastFailureAt });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }
  const updated = await attempts.updateWhere(
    { _id: id, failures: seen.failures, lastFailureAt: seen.lastFailureAt },
    { failures: next.failures, lastFailureAt: next.lastFailureAt },
  );
  return updated === 1;
}

/** One request: gives back one reserved attempt that turned out not to be a failure. */
export async function releaseCounter(db: Database, id: string): Promise<void> {
  const _ = commands(db);
  await collection(db, 'loginAttempts').updateWhere({ _id: id, failures: _.gt(0) }, { failures: _.inc(-1) });
}

export async function clearCounter(db: Database, id: string): Promise<void> {
  await collection(db, 'loginAttempts').removeById(id);
}

/** One request: several counters go. */
export async function clearCounters(db: Database, ids: readonly string[]): Promise<void> {
  const _ = commands(db);
  await collection(db, 'loginAttempts').removeWhere({ _id: _.in([...ids]) });
}

/** One request: counters whose latest failure is older than `before` (they no longer count). */
export async function removeCountersOlderThan(db: Database, before: Date): Promise<number> {
  const _ = commands(db);
  return collection(db, 'loginAttempts').removeWhere({ lastFailureAt: _.lt(before) });
}

// ------------------------------------------------------------------ used phone codes

export interface UsedPhoneCodeDoc {
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
    await collection(db, 'phoneCodes').insert({ _id: id, usedAt: now });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** One request: records of codes used before `before` (WeChat refuses such a code by itself by then). */
export async function removePhoneCodesOlderThan(db: Database, before: Date): Promise<number> {
  const _ = commands(db);
  return collection(db, 'phoneCodes').removeWhere({ usedAt: _.lt(before) });
}

// ------------------------------------------------------------------ first sign-in limits

/**
 * Two requests, side by side: how many other students have this phone number (on file or
 * verified), and how many other students this WeChat account completed the first sign-in for.
 */
export async function firstSignInClaims(db: Database, studentId: string, phoneHash: string, openid: string): Promise<{ phone: number; wechat: number }> {
  const _ = commands(db);
  const students = collection(db, 'students');
  const [phone, wechat] = await Promise.all([
    students.count({ phoneHash, _id: _.neq(studentId) }),
    students.count({ setupOpenid: openid, _id: _.neq(studentId) }),
  ]);
  return { phone, wechat };
}

