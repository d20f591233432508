import type { CollectionName, DocumentOf } from '../schema';
import { collection } from './db';
import type { Database } from './platform';

/** sessions/{openid}: the student a WeChat account is signed in as. Written by the auth function. */
export interface SessionDoc {
  _id: string;
  studentId: string;
  createdAt: Date;
  expiresAt: Date;
  /** The student's password version when the session was granted; the session ends when the password changes. */
  passwordVersion: number;
}

/**
 * Documents of one collection read together with the session, joined on the student's id: an action
 * that needs the student's own records (立即支付 its bills) gets them without a request of its own.
 */
export interface StudentJoin<N extends CollectionName = CollectionName> {
  from: N;
  /** The joined collection's field that holds the student's id. */
  foreignField: string;
  /** Which of the joined documents are kept: an aggregation condition over `$$doc`, applied in the database. */
  keep?: Record<string, unknown>;
}

/** What the joins of an action read, by collection. */
export type JoinedDocuments = { readonly [N in CollectionName]?: readonly DocumentOf<N>[] };

/**
 * What the pages show of the signed-in student, from their record: the session check reads the
 * record anyway (its password version), so an action has these without a request of its own.
 */
export interface StudentOnRecord {
  name: string;
  studentNo: string;
  /** The ID number masked as it is stored (3706**********123X); the number itself is not stored. */
  idMasked: string;
  /** The address on the record (from the roster), or null. */
  email: string | null;
}

export interface StudentSession {
  openid: string;
  studentId: string;
  expiresAt: Date;
  record: StudentOnRecord;
  joined: JoinedDocuments;
}

interface SessionRow {
  studentId?: string;
  expiresAt?: Date;
  passwordVersion: number;
  /** The student's current password version; absent when the student record is gone or has none. */
  currentPasswordVersion?: number;
  studentExists: boolean;
  record?: Partial<StudentOnRecord>;
  joined: Record<string, unknown[]>;
}

const joinedField = (from: CollectionName): string => `joined_${from}`;

/**
 * The session of a WeChat account, checked in one request whatever it joins: the student's record
 * (its password version, and what the pages show of it) and the action's joins are looked up in
 * the same aggregation.
 * Only a session grants a session: the unfinished steps of a sign-in are kept in a collection of
 * their own (pendingSignIns), which this never reads.
 */
export async function loadStudentSession(db: Database, openid: string, at: Date, joins: readonly StudentJoin[] = []): Promise<StudentSession | null> {
  if (!openid) return null;
  const joinedProjection: Record<string, unknown> = {};
  for (const join of joins) {
    const input = `$${joinedField(join.from)}`;
    joinedProjection[join.from] = join.keep ? { $filter: { input, as: 'doc', cond: join.keep } } : input;
  }
  const [row] = await collection(db, 'sessions').aggregate<SessionRow>([
    { match: { _id: openid } },
    { lookup: { from: 'students', localField: 'studentId', foreignField: '_id', as: 'student' } },
    ...joins.map((join) => ({ lookup: { from: join.from, localField: 'studentId', foreignField: join.foreignField, as: joinedField(join.from) } })),
    {
      project: {
        studentId: 1,
        expiresAt: 1,
        passwordVersion: 1,
        currentPasswordVersion: { $arrayElemAt: ['$student.passwordVersion', 0] },
        studentExists: { $gt: [{ $size: '$student' }, 0] },
        record: {
          name: { $arrayElemAt: ['$student.name', 0] },
          studentNo: { $arrayElemAt: ['$student.studentNo', 0] },
          idMasked: { $arrayElemAt: ['$student.idMasked', 0] },
          email: { $arrayElemAt: ['$student.email', 0] },
        },
        // An empty projection is refused by the database: the field is there only when something is joined.
        ...(joins.length > 0 ? { joined: joinedProjection } : {}),
      },
    },
    { limit: 1 },
  ]);
  if (!row || !row.studentId || !row.expiresAt || !(new Date(row.expiresAt).getTime() > at.getTime())) return null;
  // A password change since the session was granted ends it, all at once with the change.
  if (!row.studentExists || (row.currentPasswordVersion ?? 0) !== row.passwordVersion) return null;
  const record: StudentOnRecord = { name: row.record?.name ?? '', studentNo: row.record?.studentNo ?? '', idMasked: row.record?.idMasked ?? '', email: row.record?.email ?? null };
  return { openid, studentId: row.studentId, expiresAt: new Date(row.expiresAt), record, joined: (row.joined ?? {}) as JoinedDocuments };
}
