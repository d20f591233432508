/**
 * Shared set-up for the auth integration suites: a local cloud, students made through the same
 * `prepareStudent` path as the admin import, getPhoneNumber codes from the local phone sandbox,
 * and the personal-data scan each suite ends with.
 */
// scrypt at OWASP cost takes ~0.6 s per hash; the suites hash hundreds of times. The cost is a
// parameter (stored in every hash), so the suites run it low; production uses the default.
process.env.PASSWORD_SCRYPT_LOG_N = '11';

import { startTestCloud, type TestCloud } from '../../support/local-cloud';
import { phoneSandboxOf } from '../../../local/wechat-openapi';
import { collection } from '../../../cloudfunctions/shared/runtime';
import { prepareStudent, type StudentDoc, type StudentInput } from '../../../cloudfunctions/shared/students/domain/student';
import { idCheckDigit } from '../../../cloudfunctions/shared/students/domain/id-number';
import { studentPreparationDeps } from '../../../cloudfunctions/shared/students/credentials';
import type { ApiResult } from '../../../cloudfunctions/shared/contracts';
import { issueActivationCode, type OfficeActor } from '../../../cloudfunctions/shared/students/office';

/** The staff member the suites' office steps are done by. */
export const OFFICE: OfficeActor = { staff: '收费管理科 测试员' };

export const START = new Date('2025-03-03T01:00:00.000Z');

export interface AuthCloud {
  t: TestCloud;
  /** Calls an auth action as the WeChat account `openid`. */
  auth<T = unknown>(openid: string, action: string, payload?: Record<string, unknown>): Promise<ApiResult<T>>;
  /** A getPhoneNumber code for this number, as the button would give it. */
  phoneCode(phone: string): string;
  /** Creates a student through prepareStudent and returns what a person would know about them. */
  addStudent(overrides?: Partial<StudentInput>): Promise<TestStudent>;
  /** An activation code the office issues for a student with no phone on file. */
  activationCode(studentNo: string): Promise<string>;
  /**
   * Signs in with the initial password, confirms the identity, activates with a code from the
   * office when no phone is on file, and sets the new password: the phone step is next.
   */
  atPhoneStep(student: TestStudent, openid: string, newPassword?: string): Promise<void>;
  /** Runs the whole first sign-in for `student` from `openid`. */
  completeFirstSignIn(student: TestStudent, openid: string, newPassword: string, phone: string): Promise<void>;
  student(studentNo: string): Promise<StudentDoc>;
  /** Every full ID number, phone number and password this suite used, for the leak scan. */
  secrets: Set<string>;
  stop(): Promise<void>;
}

export interface TestStudent {
  studentNo: string;
  name: string;
  idNumber: string;
  initialPassword: string;
  phone: string | null;
}

let serial = 0;

/** A valid 18-character ID number, unique per call: region 370602, a birth date, a serial. */
export function makeIdNumber(birth = '19990307', region = '370602'): string {
  serial += 1;
  const first17 = `${region}${birth}${String(serial % 1000).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

let studentSerial = 0;
let phoneSerial = 0;

/** A mobile number unique per call. */
export function makePhone(): string {
  phoneSerial += 1;
  return `1390535${String(phoneSerial).padStart(4, '0')}`;
}

export async function startAuthCloud(): Promise<AuthCloud> {
  const t = await startTestCloud({ startAt: START });
  const secrets = new Set<string>();
  const students = collection(t.cloud.sdkDatabase(), 'students');
  const cloud: AuthCloud = {
    t,
    secrets,
    auth: (openid, action, payload = {}) => t.call('auth', { action, ...payload }, { openid }),
    phoneCode(phone) {
      secrets.add(phone);
      return phoneSandboxOf(t.cloud).issueCode(phone);
    },
    async addStudent(overrides = {}) {
      studentSerial += 1;
      const input: StudentInput = {
        studentNo: `2024${String(process.pid % 100).padStart(2, '0')}${String(studentSerial).padStart(4, '0')}`,
        name: '赵子龙',
        idNumber: makeIdNumber(),
        college: '继续教育学院',
        major: '会计学',
        grade: '2024级',
        className: '会计学2401班',
        ...overrides,
      };
      const prepared = await prepareStudent(input, studentPreparationDeps(t.cloud.clock.now()));
      if (!prepared.ok) throw new Error(`test student invalid: ${JSON.stringify(prepared.problems)}`);
      await students.insert(prepared.doc);
      secrets.add(input.idNumber.toUpperCase());
      if (input.phone) secrets.add(input.phone);
      return {
        studentNo: prepared.doc.studentNo,
        name: prepared.doc.name,
        idNumber: input.idNumber,
        initialPassword: prepared.initialPassword,
        phone: input.phone ?? null,
      };
    },
    async activationCode(studentNo) {
      const issued = await issueActivationCode(t.cloud.sdkDatabase(), { studentNo, reason: '学生来电核实身份' }, OFFICE, t.cloud.clock.now());
      return issued.activationCode;
    },
    async atPhoneStep(student, openid, newPassword = 'Qiming#2025') {
      secrets.add(newPassword);
      // No phone on file: the office's activation code is the proof (see shared/students/office.ts).
      const activation: [string, Record<string, unknown>][] = student.phone
        ? []
        : [['setupActivate', { activationCode: await cloud.activationCode(student.studentNo) }]];
      const steps: [string, Record<string, unknown>][] = [
        ['signIn', { by: 'studentNo', account: student.studentNo, password: student.initialPassword }],
        ['setupConfirmIdentity', {}],
        ...activation,
        ['setupPassword', { newPassword, confirmPassword: newPassword }],
      ];
      for (const [action, payload] of steps) {
        const result = await cloud.auth(openid, action, payload);
        if (!result.ok) throw new Error(`${action} failed: ${result.code} ${result.message}`);
      }
    },
    async completeFirstSignIn(student, openid, newPassword, phone) {
      await cloud.atPhoneStep(student, openid, newPassword);
      const result = await cloud.auth(openid, 'setupPhone', { phoneCode: cloud.phoneCode(phone) });
      if (!result.ok) throw new Error(`setupPhone failed: ${result.code} ${result.message}`);
    },
    async student(studentNo) {
      const doc = await students.findOne({ studentNo });
      if (!doc) throw new Error(`no student ${studentNo}`);
      return doc;
    },
    stop: () => t.stop(),
  };
  return cloud;
}

/**
 * The suite's local cloud, started before its tests and stopped after them (`receive` gets it),
 * and a maker of WeChat accounts (OPENIDs) new to this suite, named after it.
 */
export function useAuthCloud(prefix: string, receive: (cloud: AuthCloud) => void): () => string {
  let cloud: AuthCloud | null = null;
  let serial = 0;
  beforeAll(async () => {
    cloud = await startAuthCloud();
    receive(cloud);
  });
  afterAll(async () => {
    await cloud?.stop();
  });
  return () => `${prefix}-${(serial += 1)}`;
}

export function expectOk<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.data;
}

export function expectError(result: ApiResult<unknown>, code: string): { message: string; details?: Record<string, unknown> } {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.data)}`);
  if (result.code !== code) throw new Error(`expected ${code}, got ${result.code}: ${result.message}`);
  return result;
}

const ID_LIKE = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/;
const MOBILE_LIKE = /(?<!\d)1[3-9]\d{9}(?!\d)/;

/**
 * Everything the suite's functions logged and returned, checked for any full ID number, phone
 * number or password it used, and for anything shaped like one.
 */
export function findPersonalData(cloud: AuthCloud): string[] {
  const found: string[] = [];
  const texts = [...cloud.t.logs, ...cloud.t.results.map((r) => JSON.stringify(r))];
  for (const text of texts) {
    for (const secret of cloud.secrets) if (text.includes(secret)) found.push(`${secret} in ${text.slice(0, 200)}`);
    if (ID_LIKE.test(text)) found.push(`ID-shaped number in ${text.slice(0, 200)}`);
    if (MOBILE_LIKE.test(text)) found.push(`phone-shaped number in ${text.slice(0, 200)}`);
  }
  return found;
}
