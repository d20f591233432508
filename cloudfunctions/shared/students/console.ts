/**
 * The students part of the finance console: find a student, see their account (identity masked as
 * everywhere), and what the office does for a student who is stuck: the initial password again, an
 * activation code for a student with no phone on file, the whole account reset when the phone on
 * file is wrong or changed.
 */
import { AppError, collection, type ConsoleContext, type Handlers } from '../runtime';
import type { StudentAccountReset, StudentActivationCode, StudentPage, StudentSummary, studentsConsoleContract } from './contract';
import { identityHash } from './deps';
import { parseIdNumber } from './domain/id-number';
import { normalizeStudentNo, type StudentDoc } from './domain/student';
import { issueActivationCode, resetPasswordToInitial, resetStudentAccount as resetAccount, type IssuedActivationCode, type OfficeActor } from './office';

export function studentSummaryOf(student: StudentDoc): StudentSummary {
  return {
    studentNo: student.studentNo,
    name: student.name,
    idNumber: student.idMasked,
    college: student.college,
    major: student.major,
    grade: student.grade,
    className: student.className,
    phone: student.phoneMasked,
    phoneVerified: student.phoneVerifiedAt !== null,
    setupCompleted: student.setupCompletedAt !== null,
    officeResetAt: student.officeResetAt ? new Date(student.officeResetAt).toISOString() : null,
    createdAt: new Date(student.createdAt).toISOString(),
  };
}

/** 学号, 姓名 or 证件号, as typed: which field it names (an ID number by its keyed hash, never in clear). */
function queryCondition(query: string, now: Date): Record<string, unknown> {
  const text = query.trim();
  const id = parseIdNumber(text, now);
  if (id.ok) return { idHash: identityHash()('id', id.id) };
  const studentNo = normalizeStudentNo(text);
  if (/^[0-9A-Z]{4,20}$/.test(studentNo)) return { studentNo };
  return { name: text };
}

export async function searchStudents(
  request: { query?: string; college?: string; major?: string; grade?: string; className?: string; page: number; pageSize: number },
  ctx: ConsoleContext,
): Promise<StudentPage> {
  const where: Record<string, unknown> = {};
  if (request.query?.trim()) Object.assign(where, queryCondition(request.query, ctx.now()));
  for (const field of ['college', 'major', 'grade', 'className'] as const) {
    const value = request[field]?.trim();
    if (value) where[field] = value;
  }
  const students = collection(ctx.db, 'students');
  const [items, total] = await Promise.all([
    students.find(where, { orderBy: [['studentNo', 'asc']], skip: (request.page - 1) * request.pageSize, limit: request.pageSize }),
    students.count(where),
  ]);
  return { items: items.map(studentSummaryOf), total };
}

async function studentByNo(ctx: ConsoleContext, studentNo: string): Promise<StudentDoc> {
  const student = await collection(ctx.db, 'students').findOne({ studentNo: normalizeStudentNo(studentNo) });
  if (!student) throw new AppError('NOT_FOUND', `没有学号为 ${normalizeStudentNo(studentNo)} 的学生`);
  return student;
}

export async function studentDetail(request: { studentNo: string }, ctx: ConsoleContext): Promise<StudentSummary> {
  return studentSummaryOf(await studentByNo(ctx, request.studentNo));
}

/** The office's functions hand their audit entry to the runtime, which writes it with who and in which role. */
const officeActor = (ctx: ConsoleContext): OfficeActor => ({
  staff: ctx.staff.id,
  recordAudit: ({ action, details }) => ctx.audit.record({ target: `student:${String(details.studentNo)}`, after: { action, ...details } }),
});

export async function resetStudentPassword(request: { studentNo: string; reason: string }, ctx: ConsoleContext): Promise<{ studentNo: string; needsActivationCode: boolean }> {
  const reset = await resetPasswordToInitial(ctx.db, request, officeActor(ctx), ctx.now());
  return { studentNo: reset.studentNo, needsActivationCode: reset.needsActivationCode };
}

const activationCodeView = (issued: IssuedActivationCode): StudentActivationCode => ({
  studentNo: issued.studentNo,
  activationCode: issued.activationCode,
  expiresAt: issued.expiresAt.toISOString(),
});

export async function issueStudentActivationCode(request: { studentNo: string; reason: string }, ctx: ConsoleContext): Promise<StudentActivationCode> {
  return activationCodeView(await issueActivationCode(ctx.db, request, officeActor(ctx), ctx.now()));
}

/** The ID number goes no further than the office's check against the record. */
export async function resetStudentAccount(
  request: { studentNo: string; idNumber: string; phone?: string; reason: string },
  ctx: ConsoleContext,
): Promise<StudentAccountReset> {
  const reset = await resetAccount(ctx.db, request, officeActor(ctx), ctx.now());
  return {
    studentNo: reset.studentNo,
    phone: reset.phoneOnFile,
    activation: reset.activation ? activationCodeView(reset.activation) : null,
    sessionsEnded: reset.sessionsEnded,
  };
}

export const studentsConsoleHandlers: Handlers<typeof studentsConsoleContract> = {
  searchStudents,
  studentDetail,
  resetStudentPassword,
  issueStudentActivationCode,
  resetStudentAccount,
};
