/**
 * What the finance office does to a student's account by hand, each step audited with who did it
 * and why:
 * - an activation code for a student the school registered no phone for: with it (and the
 *   initial password) the student completes the first sign-in, and the phone WeChat verifies
 *   becomes theirs. The ID number alone is not enough, since others may know it;
 * - the undo of a first sign-in somebody else completed: phone and WeChat accounts unbound, every
 *   session ended, the initial password back, and a new activation code (or the student's real
 *   phone put on file) so that only the student can activate it again.
 * Run by the finance console's 学生 page (重置密码, 发放激活码, 重置账号) and by `npm run office` (same code).
 */
import { randomInt } from 'node:crypto';
import { reasonText } from '../kernel/validate';
import { AppError, commands, transaction, writeAudit, type Database } from '../runtime';
import { maskPhone } from '../kernel/mask';
import { parseIdNumber } from './domain/id-number';
import {
  ACTIVATION_CODE_ALPHABET,
  ACTIVATION_CODE_LENGTH,
  ACTIVATION_CODE_TTL_MS,
  formatActivationCode,
  normalizeMainlandMobile,
  normalizeStudentNo,
  passwordChange,
  phoneKey,
  type ActivationCodeRecord,
  type StudentDoc,
} from './domain/student';
import { identityHash } from './deps';
import { endStudentSessions, findStudentByNo } from './store';

/** Who acts, as the audit log names them: a staff member's name (or id) as the office knows it. */
export interface OfficeActor {
  staff: string;
  /**
   * Where the audit entry goes: the console's actions hand it to the function runtime, which
   * writes it with who and in which role; without it (the office's command line) it is written here.
   */
  recordAudit?: (entry: { action: string; details: Record<string, unknown> }) => void;
}

async function auditOffice(db: Database, by: OfficeActor, now: Date, action: string, details: Record<string, unknown>): Promise<void> {
  if (by.recordAudit) by.recordAudit({ action, details });
  else await writeAudit(db, { at: now, actor: `staff:${by.staff}`, action, details });
}

export interface IssuedActivationCode {
  studentNo: string;
  /** ABCDE-FGHJK, shown once: only its keyed hash is stored. */
  activationCode: string;
  expiresAt: Date;
}

export interface AccountReset {
  studentNo: string;
  /** Null when a phone was put on file instead. */
  activation: IssuedActivationCode | null;
  /** The number put on file, masked; null when none. */
  phoneOnFile: string | null;
  sessionsEnded: number;
}

/** A fresh code, each symbol drawn uniformly (randomInt rejects the bias a modulo would add). */
function newActivationCode(): string {
  let code = '';
  for (let i = 0; i < ACTIVATION_CODE_LENGTH; i += 1) code += ACTIVATION_CODE_ALPHABET[randomInt(ACTIVATION_CODE_ALPHABET.length)];
  return code;
}

function requireReason(reason: string): string {
  const parsed = reasonText().parse(reason);
  if (!parsed.ok) throw new AppError('BAD_REQUEST', parsed.issue.message);
  return parsed.value;
}

async function existingStudent(db: Database, studentNoAsTyped: string): Promise<StudentDoc> {
  const student = await findStudentByNo(db, normalizeStudentNo(studentNoAsTyped));
  if (!student) throw new AppError('NOT_FOUND', `没有学号为 ${normalizeStudentNo(studentNoAsTyped)} 的学生`);
  return student;
}

/** What is stored for a code (canonical form, as normalizeActivationCode gives it): its keyed hash and validity. */
export function activationRecord(code: string, by: OfficeActor, now: Date): ActivationCodeRecord {
  return { codeHash: identityHash()('activation', code), issuedAt: now, expiresAt: new Date(now.getTime() + ACTIVATION_CODE_TTL_MS), issuedBy: by.staff };
}

function activationFor(by: OfficeActor, now: Date): { code: string; record: ActivationCodeRecord } {
  const code = newActivationCode();
  return { code, record: activationRecord(code, by, now) };
}

/**
 * A new activation code for a student with no phone on file who has not completed the first
 * sign-in; an earlier code stops working.
 */
export async function issueActivationCode(
  db: Database,
  request: { studentNo: string; reason: string },
  by: OfficeActor,
  now: Date,
): Promise<IssuedActivationCode> {
  const reason = requireReason(request.reason);
  const student = await existingStudent(db, request.studentNo);
  if (student.setupCompletedAt) {
    throw new AppError('CONFLICT', '该学生已完成首次登录，不需要激活码。如果不是本人完成的，请重置账号');
  }
  if (student.phoneHash) throw new AppError('CONFLICT', '学校已为该学生登记手机号，首次登录用该手机号验证，不需要激活码');
  const { code, record } = activationFor(by, now);
  await transaction(db, async (tx) => {
    const current = await tx.get('students', student._id);
    if (!current || current.setupCompletedAt || current.phoneHash) throw new AppError('CONFLICT', '该学生的账号刚刚发生变化，请重新查询后再办理');
    // Whole: the field may hold null, which an object is not merged into.
    await tx.update('students', student._id, { activation: commands(db).set(record), updatedAt: now });
  });
  await auditOffice(db, by, now, 'students.activationCode.issued', { studentId: student._id, studentNo: student.studentNo, reason, expiresAt: record.expiresAt });
  return { studentNo: student.studentNo, activationCode: formatActivationCode(code), expiresAt: record.expiresAt };
}

/**
 * Undoes a first sign-in (or any binding) the student did not make. The office checks the
 * student's identity in person or by a call first; the ID number typed here must be the one on
 * record, and it gives back the initial password (its last 8 characters), which is not stored.
 */
export async function resetStudentAccount(
  db: Database,
  request: { studentNo: string; idNumber: string; reason: string; phone?: string | null },
  by: OfficeActor,
  now: Date,
): Promise<AccountReset> {
  const reason = requireReason(request.reason);
  const student = await existingStudent(db, request.studentNo);
  const parsed = parseIdNumber(request.idNumber, now);
  const hash = identityHash();
  if (!parsed.ok || hash('id', parsed.id) !== student.idHash) throw new AppError('BAD_REQUEST', '证件号与该学号的记录不一致，请核对');
  let phone: string | null = null;
  if (request.phone) {
    phone = normalizeMainlandMobile(request.phone);
    if (!phone) throw new AppError('BAD_REQUEST', '手机号应为 11 位中国大陆手机号');
  }
  const activation = phone ? null : activationFor(by, now);
  const before = {
    phone: student.phoneMasked,
    phoneVerified: student.phoneVerifiedAt !== null,
    wechatAccounts: (student.boundOpenids ?? []).length,
    setupCompletedAt: student.setupCompletedAt,
  };
  await transaction(db, async (tx) => {
    const current = await tx.get('students', student._id);
    if (!current) throw new AppError('NOT_FOUND', '该学生的记录不存在');
    await tx.update('students', student._id, {
      // The initial password again; the new version ends every session and unfinished step at once.
      ...passwordChange(current, null, now, true),
      setupCompletedAt: null,
      setupOpenid: null,
      boundOpenids: [],
      phoneHash: phone ? hash('phone', phoneKey('86', phone)) : null,
      phoneMasked: phone ? maskPhone(phone) : null,
      phoneVerifiedAt: null,
      activation: commands(db).set(activation?.record ?? null),
      officeResetAt: now,
      updatedAt: now,
    });
  });
  const sessionsEnded = await endStudentSessions(db, student._id);
  const after = { phone: phone ? maskPhone(phone) : null, phoneVerified: false, wechatAccounts: 0, setupCompletedAt: null, activationCodeIssued: activation !== null };
  await auditOffice(db, by, now, 'students.account.reset', { studentId: student._id, studentNo: student.studentNo, reason, before, after, sessionsEnded });
  return {
    studentNo: student.studentNo,
    activation: activation
      ? { studentNo: student.studentNo, activationCode: formatActivationCode(activation.code), expiresAt: activation.record.expiresAt }
      : null,
    phoneOnFile: phone ? maskPhone(phone) : null,
    sessionsEnded,
  };
}

export interface PasswordReset {
  studentNo: string;
  sessionsEnded: number;
  /** No phone on file: the first sign-in needs an activation code from the office. */
  needsActivationCode: boolean;
}

/**
 * 忘记密码 at the office, for a student who cannot use 忘记密码 in the mini program: the initial
 * password again and the first sign-in again (new password, then the phone on file verified
 * through WeChat). The phone on file stays, so knowing the ID number alone takes over nothing.
 */
export async function resetPasswordToInitial(db: Database, request: { studentNo: string; reason: string }, by: OfficeActor, now: Date): Promise<PasswordReset> {
  const reason = requireReason(request.reason);
  const student = await existingStudent(db, request.studentNo);
  await transaction(db, async (tx) => {
    const current = await tx.get('students', student._id);
    if (!current) throw new AppError('NOT_FOUND', '该学生的记录不存在');
    await tx.update('students', student._id, {
      ...passwordChange(current, null, now, true),
      setupCompletedAt: null,
      setupOpenid: null,
      boundOpenids: [],
      updatedAt: now,
    });
  });
  const sessionsEnded = await endStudentSessions(db, student._id);
  await auditOffice(db, by, now, 'students.password.reset', {
    studentId: student._id,
    studentNo: student.studentNo,
    reason,
    before: { setupCompletedAt: student.setupCompletedAt, wechatAccounts: (student.boundOpenids ?? []).length },
    after: { setupCompletedAt: null, wechatAccounts: 0, initialPassword: true },
    sessionsEnded,
  });
  return { studentNo: student.studentNo, sessionsEnded, needsActivationCode: student.phoneHash === null };
}
