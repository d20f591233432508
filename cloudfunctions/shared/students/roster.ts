/**
 * The student roster from the finance office's spreadsheet: each row checked the way a student
 * record is made (prepareStudent: the one path for import, demo data and tests), compared with
 * what is stored, and written only when asked. A known student (same 学号 and same ID number) is
 * updated where the sheet differs; the ID number of a known 学号 never changes by import, and a
 * phone number the student verified through WeChat is the student's, not the sheet's.
 *
 * Round trips per chunk: one read (the students known by 学号 or by ID number), then one insert for
 * all new students and one update per changed one. What a change means for the student's bills
 * (their copy of 姓名, 学院 …) is billing's to write: the import hands it the corrections.
 */
import { collection, commands, type Database } from '../runtime';
import { studentProblemMessage } from './contract';
import { prepareStudent, type StudentDoc, type StudentField, type StudentInput } from './domain/student';
import { insertStudents, updateStudent } from './store';
import { studentPreparationDeps } from './student-deps';

/** The sheet's headers, by field (the import contract's column table gives the same words). */
export const ROSTER_HEADERS: Readonly<Record<StudentField, string>> = {
  studentNo: '学号',
  name: '姓名',
  idNumber: '证件号',
  college: '学院',
  major: '专业',
  grade: '年级',
  className: '班级',
  phone: '手机号',
  email: '邮箱',
};

export interface RosterRow {
  rowNumber: number;
  input: StudentInput;
}

export interface RosterRowResult {
  rowNumber: number;
  outcome: 'create' | 'update' | 'unchanged' | 'invalid';
  problems: { column: string; reason: string }[];
  changes: { column: string; before: string; after: string }[];
}

/** The fields an import may change on a known student, and how each is shown. */
const UPDATABLE = ['name', 'college', 'major', 'grade', 'className'] as const;

/** What the roster says of a student beyond who they are: bills carry a copy of it. */
export type RosterDetails = Pick<StudentDoc, (typeof UPDATABLE)[number]>;

/** A known student whose details an import corrects: the new values of what changed. */
export interface RosterCorrection {
  studentId: string;
  changed: Partial<RosterDetails>;
}

/** The batch a chunk is imported under, and how to tell the chunk's own earlier writes from another chunk's. */
export interface RosterImportScope {
  batchId: string;
  /** When the batch started: a student it wrote that was created since, it created. */
  startedAt: Date;
  /** Whether a student this batch wrote at `at` was written by another chunk of the file. */
  writtenByAnotherChunk(at: Date): boolean;
}

export interface PreparedRosterImport {
  rows: RosterRowResult[];
  /** Known students whose 姓名, 学院, 专业, 年级 or 班级 the chunk changes. */
  corrections: RosterCorrection[];
  /** 学号 of the known students whose phone number on file the chunk changes. */
  phonesChanged: string[];
  /** Writes the new students and the changes. */
  write(): Promise<void>;
}

interface Planned {
  result: RosterRowResult;
  create?: Omit<StudentDoc, '_id'>;
  update?: { id: string; studentNo: string; patch: Partial<Omit<StudentDoc, '_id'>> };
}

type KnownStudent = Pick<
  StudentDoc,
  '_id' | 'studentNo' | 'idHash' | 'name' | 'college' | 'major' | 'grade' | 'className' | 'phoneHash' | 'phoneMasked' | 'phoneVerifiedAt' | 'importBatchId' | 'createdAt' | 'updatedAt'
>;

/**
 * The stored students a chunk names by 学号 or by ID number, in one aggregation: a plain read stops
 * at 1,000 documents, and a chunk can name more (each row may match two different students).
 */
async function knownStudents(db: Database, docs: readonly Pick<StudentDoc, 'studentNo' | 'idHash'>[]): Promise<KnownStudent[]> {
  if (docs.length === 0) return [];
  const _ = commands(db);
  return collection(db, 'students').aggregate<KnownStudent>([
    { match: _.or({ studentNo: _.in(docs.map((doc) => doc.studentNo)) }, { idHash: _.in(docs.map((doc) => doc.idHash)) }) },
    { project: { studentNo: 1, idHash: 1, name: 1, college: 1, major: 1, grade: 1, className: 1, phoneHash: 1, phoneMasked: 1, phoneVerifiedAt: 1, importBatchId: 1, createdAt: 1, updatedAt: 1 } },
    { limit: docs.length * 2 },
  ]);
}

/** `scope`: the batch being imported (null when only checking). */
async function plan(db: Database, rows: readonly RosterRow[], now: Date, scope: RosterImportScope | null): Promise<Planned[]> {
  const deps = studentPreparationDeps(now);
  const prepared = rows.map((row) => ({ row, prepared: prepareStudent(row.input, deps) }));
  const valid = prepared.flatMap(({ prepared: p }) => (p.ok ? [p.doc] : []));
  const stored = await knownStudents(db, valid);
  const knownByNo = new Map(stored.map((doc) => [doc.studentNo, doc]));
  const knownById = new Map(stored.map((doc) => [doc.idHash, doc]));
  const firstRowOfNo = new Map<string, number>();
  const firstRowOfId = new Map<string, number>();

  return prepared.map(({ row, prepared: p }): Planned => {
    const result: RosterRowResult = { rowNumber: row.rowNumber, outcome: 'invalid', problems: [], changes: [] };
    if (!p.ok) {
      result.problems = p.problems.map((problem) => ({ column: ROSTER_HEADERS[problem.field], reason: studentProblemMessage(problem) }));
      return { result };
    }
    const doc = p.doc;
    const sameNo = firstRowOfNo.get(doc.studentNo);
    const sameId = firstRowOfId.get(doc.idHash);
    if (sameNo !== undefined) result.problems.push({ column: '学号', reason: `文件内重复：与第 ${sameNo} 行学号相同` });
    if (sameId !== undefined) result.problems.push({ column: '证件号', reason: `文件内重复：与第 ${sameId} 行证件号相同` });
    if (result.problems.length > 0) return { result };
    firstRowOfNo.set(doc.studentNo, row.rowNumber);
    firstRowOfId.set(doc.idHash, row.rowNumber);

    const known = knownByNo.get(doc.studentNo);
    const holder = knownById.get(doc.idHash);
    if (known && known.idHash !== doc.idHash) {
      result.problems.push({ column: '证件号', reason: '与该学号已登记的证件号不一致（证件号不能通过导入修改，请联系管理员核实）' });
      return { result };
    }
    if (!known && holder) {
      result.problems.push({ column: '证件号', reason: `该证件号已登记在学号 ${holder.studentNo} 下` });
      return { result };
    }
    if (!known) return { result: { ...result, outcome: 'create' }, create: doc };

    const patch: Partial<Omit<StudentDoc, '_id'>> = {};
    const changes: RosterRowResult['changes'] = [];
    for (const field of UPDATABLE) {
      if (known[field] !== doc[field]) {
        patch[field] = doc[field];
        changes.push({ column: ROSTER_HEADERS[field], before: known[field], after: doc[field] });
      }
    }
    // A number the student verified through WeChat stays; an unverified one follows the sheet.
    if (doc.phoneHash && doc.phoneHash !== known.phoneHash && !known.phoneVerifiedAt) {
      patch.phoneHash = doc.phoneHash;
      patch.phoneMasked = doc.phoneMasked;
      changes.push({ column: '手机号', before: known.phoneMasked ?? '', after: doc.phoneMasked ?? '' });
    }

    if (scope !== null && known.importBatchId === scope.batchId) {
      // Written by this batch already: by an earlier row of the file (a second row for the student),
      // or by this very row when the chunk is sent again after its answer was lost. The row then
      // counts as what it did, and writes nothing more.
      if (changes.length > 0 || scope.writtenByAnotherChunk(new Date(known.updatedAt))) {
        return { result: { ...result, problems: [{ column: '学号', reason: '文件内重复：本文件前面的行已导入该学号' }] } };
      }
      return { result: { ...result, outcome: new Date(known.createdAt).getTime() >= scope.startedAt.getTime() ? 'create' : 'update' } };
    }
    if (changes.length === 0) return { result: { ...result, outcome: 'unchanged' } };
    return { result: { ...result, outcome: 'update', changes }, update: { id: known._id, studentNo: known.studentNo, patch: { ...patch, updatedAt: now } } };
  });
}

/** What importing these rows would do, row by row; writes nothing. */
export async function checkRoster(db: Database, rows: readonly RosterRow[], now: Date): Promise<RosterRowResult[]> {
  return (await plan(db, rows, now, null)).map((planned) => planned.result);
}

/**
 * The import of a chunk under its batch, worked out and ready to write: the rows that are right are
 * written, the others reported again and skipped. Run again with the same rows under another batch
 * it creates nothing twice (they are then known and unchanged); sent again under the same batch, the
 * rows it wrote count as what they did.
 */
export async function prepareRosterImport(db: Database, rows: readonly RosterRow[], scope: RosterImportScope, now: Date): Promise<PreparedRosterImport> {
  const planned = await plan(db, rows, now, scope);
  const updates = planned.flatMap((p) => (p.update ? [p.update] : []));
  const corrections = updates.flatMap(({ id, patch }): RosterCorrection[] => {
    const changed: Partial<RosterDetails> = {};
    for (const field of UPDATABLE) if (patch[field] !== undefined) changed[field] = patch[field];
    return Object.keys(changed).length > 0 ? [{ studentId: id, changed }] : [];
  });
  return {
    rows: planned.map((p) => p.result),
    corrections,
    phonesChanged: updates.filter(({ patch }) => patch.phoneHash !== undefined).map(({ studentNo }) => studentNo),
    async write() {
      await insertStudents(db, planned.flatMap((p) => (p.create ? [{ ...p.create, importBatchId: scope.batchId }] : [])));
      for (const { id, patch } of updates) await updateStudent(db, id, { ...patch, importBatchId: scope.batchId });
    },
  };
}
