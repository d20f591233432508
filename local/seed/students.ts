import { collection, commands, isDuplicateKeyError, type Database } from '../../cloudfunctions/shared/runtime';
import {
  normalizeActivationCode,
  normalizeStudentNo,
  prepareStudent,
  type StudentInput,
  type StudentProblem,
} from '../../cloudfunctions/shared/students/domain/student';
import { studentProblemMessage } from '../../cloudfunctions/shared/students/contract';
import { activationRecord, issueActivationCode, resetStudentAccount, type OfficeActor } from '../../cloudfunctions/shared/students/office';
import { initialPasswordOf, parseIdNumber } from '../../cloudfunctions/shared/students/domain/id-number';
import { hashPassword, studentPreparationDeps } from '../../cloudfunctions/shared/students/credentials';
import { DEVELOPMENT_DEFAULTS } from '../../cloudfunctions/shared/runtime/environment';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';

/**
 * Defaults for secrets that production reads from the functions' environment variables. Declared
 * with the variables (cloudfunctions/shared/runtime/environment.ts), where production refuses them.
 */
export const LOCAL_SECRET_DEFAULTS: Readonly<Record<string, string>> = DEVELOPMENT_DEFAULTS;

/** Sets each secret that is not already set, so local functions and the seeder agree on them. */
export function applyLocalSecretDefaults(): void {
  for (const [name, value] of Object.entries(LOCAL_SECRET_DEFAULTS)) {
    if (!process.env[name]) process.env[name] = value;
  }
}

/** A student who has already completed the first sign-in: their password and verified phone. */
export interface CompletedSetup {
  password: string;
  phone: string;
}

export type CreatedStudent =
  | { ok: true; created: boolean; studentNo: string; initialPassword: string }
  | { ok: false; problems: StudentProblem[] };

/**
 * One student through `prepareStudent` (the admin import's code path), optionally with the first
 * sign-in already done. Does nothing when the 学号 exists.
 */
export async function createStudent(db: Database, input: StudentInput, at: Date, completed?: CompletedSetup): Promise<CreatedStudent> {
  applyLocalSecretDefaults();
  const students = collection(db, 'students');
  const prepared = await prepareStudent({ ...input, ...(completed ? { phone: completed.phone } : {}) }, studentPreparationDeps(at));
  if (!prepared.ok) return prepared;
  const doc = completed
    ? {
        ...prepared.doc,
        passwordHash: await hashPassword(completed.password),
        mustChangePassword: false,
        passwordChangedAt: at,
        phoneVerifiedAt: at,
        setupCompletedAt: at,
      }
    : prepared.doc;
  let created = true;
  try {
    await students.insert(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    created = false;
  }
  return { ok: true, created, studentNo: prepared.doc.studentNo, initialPassword: prepared.initialPassword };
}

/** What `npm start` prints so a person can sign in as a demo student. */
export interface DemoAccount {
  studentNo: string;
  name: string;
  /** Shown in full only here, in the local demo: it is fake and the student needs it to sign in. */
  idNumber: string;
  initialPassword: string;
  note: string;
  /** The password to sign in with now (the initial one until the first sign-in is done). */
  password: string;
  /** The phone number to choose when the mini program asks for one (local phone sandbox). */
  phone: string | null;
  /** Whether the first sign-in (identity, new password, phone) is still to do. */
  firstSignInPending: boolean;
  /**
   * No phone on file: the activation code the office would have issued (here issued by the seed,
   * fixed so that it can be printed on every start; a real code is random and shown once).
   */
  activationCode: string | null;
}

/** Who issued the demo students' activation codes, as the audit log would name them. */
const DEMO_OFFICE: OfficeActor = { staff: '本地演示' };

interface DemoStudent {
  input: StudentInput;
  /** For a student with no phone on file who has not signed in yet. */
  activationCode?: string;
  /** Present for a student who has already completed the first sign-in. */
  completed?: { password: string; phone: string };
  note: string;
}

/**
 * Fictional students with valid-checksum (fake) ID numbers. One name has a rare character (䶮,
 * CJK Extension A), one ID ends in X, one has a phone number on file from the (imaginary) import,
 * one has already done the first sign-in.
 */
const DEMO_STUDENTS: readonly DemoStudent[] = [
  {
    input: {
      studentNo: '2023010101',
      name: '王䶮',
      idNumber: '370602199903072620',
      college: '继续教育学院',
      major: '会计学',
      grade: '2023级',
      className: '会计学2301班',
    },
    activationCode: 'DEMAZ-23456',
    note: '未完成首次登录；学校未登记手机号：首次登录先输入计划财务处发放的激活码，再验证的手机号即登记为本人手机号（本地可填任意手机号）',
  },
  {
    input: {
      studentNo: '2023020215',
      name: '李堃',
      idNumber: '37061220010915191X',
      college: '继续教育学院',
      major: '计算机科学与技术',
      grade: '2023级',
      className: '计算机2302班',
    },
    activationCode: 'DEMBZ-23456',
    note: '未完成首次登录；证件号以 X 结尾（可输入小写 x、全角字符或空格）；学校未登记手机号，须用激活码',
  },
  {
    input: {
      studentNo: '2022030307',
      name: '张晓雯',
      idNumber: '370683200002124626',
      college: '继续教育学院',
      major: '护理学',
      grade: '2022级',
      className: '护理2203班',
      phone: '13905350102',
    },
    note: '未完成首次登录；学校已登记手机号，首次登录须验证该号码',
  },
  {
    input: {
      studentNo: '2021040412',
      name: '欧阳子涵',
      idNumber: '370687199805213913',
      college: '继续教育学院',
      major: '工商管理',
      grade: '2021级',
      className: '工商管理2104班',
    },
    completed: { password: 'Yantai#2024', phone: '13705350103' },
    note: '已完成首次登录（初始密码已失效）；新的微信账号登录后须验证手机号，也可试“忘记密码”',
  },
];

/**
 * The demo student's fixed activation code stays usable: written while the student still needs
 * one and has none that holds (first seeding, or after it expired); otherwise nothing changes.
 */
async function keepDemoActivationCode(db: Database, studentNo: string, code: string, at: Date): Promise<void> {
  const canonical = normalizeActivationCode(code);
  if (!canonical) throw new Error(`demo activation code ${code} is not a valid code`);
  const students = collection(db, 'students');
  const student = await students.findOne({ studentNo });
  if (!student || student.setupCompletedAt || student.phoneHash) return;
  const wanted = activationRecord(canonical, DEMO_OFFICE, at);
  const current = student.activation;
  if (current && current.codeHash === wanted.codeHash && new Date(current.expiresAt).getTime() > at.getTime()) return;
  await students.updateById(student._id, { activation: commands(db).set(wanted), updatedAt: at });
}

/**
 * Creates the demo students through `prepareStudent` (the admin import's code path) unless they
 * exist. Idempotent: a second run changes nothing and returns the same accounts.
 */
export async function seedDemoStudents(db: Database, at: Date): Promise<DemoAccount[]> {
  const students = collection(db, 'students');
  const accounts: DemoAccount[] = [];
  for (const demo of DEMO_STUDENTS) {
    const studentNo = normalizeStudentNo(demo.input.studentNo);
    const parsed = parseIdNumber(demo.input.idNumber, at);
    if (!parsed.ok) throw new Error(`demo student ${studentNo}: invalid ID number (${parsed.problem})`);
    const initialPassword = initialPasswordOf(parsed.id);
    if (!(await students.findOne({ studentNo }))) {
      const created = await createStudent(db, demo.input, at, demo.completed);
      if (!created.ok) throw new Error(`demo student ${studentNo} is invalid: ${created.problems.map(studentProblemMessage).join('; ')}`);
    }
    if (demo.activationCode) await keepDemoActivationCode(db, studentNo, demo.activationCode, at);
    accounts.push({
      studentNo,
      name: demo.input.name,
      idNumber: parsed.id,
      initialPassword,
      password: demo.completed?.password ?? initialPassword,
      phone: demo.completed?.phone ?? demo.input.phone ?? null,
      firstSignInPending: !demo.completed,
      activationCode: demo.activationCode ?? null,
      note: demo.completed
        ? `${demo.note}。当前密码 ${demo.completed.password}，手机号 ${demo.completed.phone}`
        : `${demo.note}${demo.input.phone ? `。登记手机号 ${demo.input.phone}` : ''}`,
    });
  }
  return accounts;
}

/**
 * `POST /sandbox/students` — a test route (only on a server started for tests; the demo seed
 * writes its students directly): creates a student the way the admin import will (body
 * `{ student: StudentInput, completed?: { password, phone } }`), for page tests that need their
 * own accounts. Answers `{ studentNo, initialPassword, created }`, or 400 with the import's messages.
 */
export function installStudentSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  server?.testRoute('/sandbox/students', async ({ body }) => {
    const { student, completed } = (body ?? {}) as { student?: StudentInput; completed?: CompletedSetup };
    if (!student || typeof student !== 'object') throw new HttpError(400, 'INVALID_STUDENT', '请求体应为 { student: {...} }');
    const result = await createStudent(cloud.sdkDatabase(), student, cloud.clock.now(), completed);
    if (!result.ok) throw new HttpError(400, 'INVALID_STUDENT', result.problems.map(studentProblemMessage).join('；'));
    return { studentNo: result.studentNo, initialPassword: result.initialPassword, created: result.created };
  });
  /** `POST /sandbox/activation-code` `{ studentNo }` — a test route: the code the office would issue (shared/students/office.ts). */
  server?.testRoute('/sandbox/activation-code', async ({ body }) => {
    const { studentNo } = (body ?? {}) as { studentNo?: unknown };
    if (typeof studentNo !== 'string') throw new HttpError(400, 'INVALID_STUDENT', '请求体应为 { studentNo }');
    const issued = await issueActivationCode(cloud.sdkDatabase(), { studentNo, reason: '测试：核实身份后发放' }, { staff: '测试' }, cloud.clock.now());
    return { activationCode: issued.activationCode };
  });
  /** `POST /sandbox/reset-account` `{ studentNo, idNumber }` — a test route: the office's undo (shared/students/office.ts). */
  server?.testRoute('/sandbox/reset-account', async ({ body }) => {
    const { studentNo, idNumber } = (body ?? {}) as { studentNo?: unknown; idNumber?: unknown };
    if (typeof studentNo !== 'string' || typeof idNumber !== 'string') throw new HttpError(400, 'INVALID_STUDENT', '请求体应为 { studentNo, idNumber }');
    const reset = await resetStudentAccount(cloud.sdkDatabase(), { studentNo, idNumber, reason: '测试：本人来电称账号被他人激活' }, { staff: '测试' }, cloud.clock.now());
    return { studentNo: reset.studentNo, activationCode: reset.activation?.activationCode ?? null };
  });
}
