/**
 * A student record: what is stored, how one is made from an import row (the one code path for
 * admin import, demo data and tests), and the masked views that leave a function. Pure: hashing
 * and the clock are injected.
 */
import { normalizeEmail } from '../../kernel/email';
import { initialPasswordOf, parseIdNumber, type IdNumberProblem } from './id-number';
import type { PasswordContext } from './password-policy';

export interface StudentDoc {
  _id: string;
  /** 学号, canonical (half-width, upper-case); unique. */
  studentNo: string;
  name: string;
  /** Keyed hash of the canonical 18-character ID number; unique. The number itself is not stored. */
  idHash: string;
  /** e.g. 3706**********123X, for display. */
  idMasked: string;
  /** Keyed hashes of every 6-character run of the ID number and of its last 8 characters (password rules). */
  idRunHashes: string[];
  college: string;
  major: string;
  grade: string;
  className: string;
  /** Keyed hash of the phone number (imported or verified through WeChat), for matching. */
  phoneHash: string | null;
  phoneMasked: string | null;
  /** When WeChat confirmed the number; null for a number that only came with the import. */
  phoneVerifiedAt: Date | null;
  email: string | null;
  /**
   * scrypt hash of the password; null while the initial password (the ID number's last 8
   * characters) has never been used: it is then checked against its keyed hash in idRunHashes and
   * hashed with scrypt at the first successful sign-in. An import of ten thousand students would
   * otherwise spend ten thousand scrypt derivations (over an hour) on passwords most never type.
   */
  passwordHash: string | null;
  /** True while the initial password (last 8 characters of the ID) is the password. */
  mustChangePassword: boolean;
  /** When the first sign-in (identity, password, phone) was completed. */
  setupCompletedAt: Date | null;
  passwordChangedAt: Date | null;
  /**
   * Goes up by one with every password change (first sign-in, 修改密码, 忘记密码); sessions and
   * unfinished steps carry the version they started with. Absent on records that never changed it: 0.
   */
  passwordVersion?: number;
  /** WeChat accounts (OPENID) that verified the phone for this student. */
  boundOpenids: string[];
  /** The WeChat account (OPENID) that completed the first sign-in. */
  setupOpenid?: string | null;
  /**
   * A student with no phone on file completes the first sign-in only with an activation code from
   * the finance office (or a face-verified link): the ID number alone proves nothing.
   */
  activation?: ActivationCodeRecord | null;
  /**
   * When the office last reset the account (phone and WeChat accounts unbound, the initial
   * password back), e.g. because someone else had activated it; shown at the next sign-in.
   */
  officeResetAt?: Date | null;
  /** The import that created or last changed the record (null for demo data and tests). */
  importBatchId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type LookupHashFn = (purpose: 'id' | 'idRun' | 'phone', value: string) => string;

/** An issued activation code, stored as a keyed hash (the code itself is shown once, to the office). */
export interface ActivationCodeRecord {
  codeHash: string;
  issuedAt: Date;
  expiresAt: Date;
  /** The staff member who issued it, as written to the audit log. */
  issuedBy: string;
}

/** How long an activation code may be used: long enough to reach a student by post or in person. */
export const ACTIVATION_CODE_TTL_MS = 14 * 24 * 3600_000;

/** Symbols of an activation code: no 0/O, 1/I, so a code read out on the phone is not misheard. */
export const ACTIVATION_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const ACTIVATION_CODE_LENGTH = 10;

/** The code as stored and compared: what a student types (spaces, dashes, lower case, full-width) made canonical, or null. */
export function normalizeActivationCode(input: string): string | null {
  const code = input.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== ACTIVATION_CODE_LENGTH) return null;
  for (const char of code) if (!ACTIVATION_CODE_ALPHABET.includes(char)) return null;
  return code;
}

/** ABCDE-FGHJK: how a code is printed and read out. */
export const formatActivationCode = (code: string): string => `${code.slice(0, 5)}-${code.slice(5)}`;

/** One row of an import (or a demo student). */
export interface StudentInput {
  studentNo: string;
  name: string;
  idNumber: string;
  college: string;
  major: string;
  grade: string;
  className: string;
  phone?: string | null;
  email?: string | null;
}

export interface StudentPreparationDeps {
  lookupHash: LookupHashFn;
  /** The display forms stored beside the hashes (the runtime's masking, the same as in logs). */
  maskIdNumber(id18: string): string;
  maskPhone(phone: string): string;
  now: Date;
}

export type StudentField = keyof StudentInput;

/** A field of an import row that is not right (its message is the contract's: studentProblemMessage). */
export interface StudentProblem {
  field: StudentField;
  /** For idNumber: which rule failed. */
  reason?: IdNumberProblem;
}

export type PreparedStudent =
  | { ok: true; doc: Omit<StudentDoc, '_id'>; initialPassword: string }
  | { ok: false; problems: StudentProblem[] };

/** Half-width, no spaces, upper-case: what people type into a 学号 field, made comparable. */
export function normalizeStudentNo(input: string): string {
  let out = '';
  for (const char of input.normalize('NFKC')) {
    if (/\s/.test(char)) continue;
    out += char.toUpperCase();
  }
  return out;
}

export const STUDENT_NO_PATTERN = /^[0-9A-Z]{4,20}$/;

/** A mainland mobile number from how it is written (+86, spaces, dashes, full-width), or null. */
export function normalizeMainlandMobile(input: string): string | null {
  const digits = input.normalize('NFKC').replace(/[\s\-()]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

const NAME_PATTERN = /^[\p{Script=Han}A-Za-z·• .'-]+$/u;

function text(value: string | null | undefined): string {
  return (value ?? '').normalize('NFC').trim();
}

/** The hashes the password rules compare against, computed once from the ID number. */
export function idRunHashesOf(id18: string, lookupHash: LookupHashFn): string[] {
  const runs = new Set<string>([lookupHash('idRun', `last8:${initialPasswordOf(id18)}`)]);
  for (let i = 0; i + 6 <= id18.length; i += 1) runs.add(lookupHash('idRun', `run6:${id18.slice(i, i + 6)}`));
  return [...runs].sort();
}

/** The context the password rules need, from a stored student (which holds no ID number). */
export function passwordContextOf(student: Pick<StudentDoc, 'studentNo' | 'idRunHashes'>, lookupHash: LookupHashFn): PasswordContext {
  const known = new Set(student.idRunHashes);
  return {
    studentNo: student.studentNo,
    isInitialPassword: (candidate) => known.has(lookupHash('idRun', `last8:${candidate.toUpperCase()}`)),
    containsIdNumberRun: (candidate) => {
      const upper = candidate.toUpperCase();
      for (let i = 0; i + 6 <= upper.length; i += 1) {
        if (known.has(lookupHash('idRun', `run6:${upper.slice(i, i + 6)}`))) return true;
      }
      return false;
    },
  };
}

/**
 * Validates one student and builds the record to insert: ID number hashed and masked, the initial
 * password (last 8 characters of the ID) in force until the first sign-in changes it.
 */
export function prepareStudent(input: StudentInput, deps: StudentPreparationDeps): PreparedStudent {
  const problems: StudentProblem[] = [];
  const studentNo = normalizeStudentNo(input.studentNo ?? '');
  if (!STUDENT_NO_PATTERN.test(studentNo)) problems.push({ field: 'studentNo' });
  const name = text(input.name).replace(/\s+/g, ' ');
  if (name === '' || Array.from(name).length > 30 || !NAME_PATTERN.test(name)) {
    problems.push({ field: 'name' });
  }
  const parsed = parseIdNumber(input.idNumber ?? '', deps.now);
  if (!parsed.ok) problems.push({ field: 'idNumber', reason: parsed.problem });
  const org: Record<'college' | 'major' | 'grade' | 'className', string> = {
    college: text(input.college),
    major: text(input.major),
    grade: text(input.grade),
    className: text(input.className),
  };
  for (const field of ['college', 'major', 'grade', 'className'] as const) {
    if (org[field] === '' || org[field].length > 50) problems.push({ field });
  }
  let phone: string | null = null;
  if (text(input.phone) !== '') {
    phone = normalizeMainlandMobile(text(input.phone));
    if (!phone) problems.push({ field: 'phone' });
  }
  let email: string | null = null;
  if (text(input.email) !== '') {
    email = normalizeEmail(text(input.email));
    if (!email) problems.push({ field: 'email' });
  }
  if (problems.length > 0 || !parsed.ok) return { ok: false, problems };

  const initialPassword = initialPasswordOf(parsed.id);
  const doc: Omit<StudentDoc, '_id'> = {
    studentNo,
    name,
    idHash: deps.lookupHash('id', parsed.id),
    idMasked: deps.maskIdNumber(parsed.id),
    idRunHashes: idRunHashesOf(parsed.id, deps.lookupHash),
    ...org,
    phoneHash: phone ? deps.lookupHash('phone', phoneKey('86', phone)) : null,
    phoneMasked: phone ? deps.maskPhone(phone) : null,
    phoneVerifiedAt: null,
    email,
    passwordHash: null,
    mustChangePassword: true,
    setupCompletedAt: null,
    passwordChangedAt: null,
    boundOpenids: [],
    createdAt: deps.now,
    updatedAt: deps.now,
  };
  return { ok: true, doc, initialPassword };
}

/** The student's password version (see `passwordVersion`). */
export const passwordVersionOf = (student: Pick<StudentDoc, 'passwordVersion'>): number => student.passwordVersion ?? 0;

/**
 * What every password change writes: the new hash, when, whether it is the initial password (to be
 * changed at the next sign-in), and the next version, which ends every older session at once.
 */
export function passwordChange(
  current: Pick<StudentDoc, 'passwordVersion'>,
  passwordHash: string | null,
  at: Date,
  isInitialPassword = false,
): Pick<StudentDoc, 'passwordHash' | 'mustChangePassword' | 'passwordChangedAt' | 'passwordVersion'> {
  return { passwordHash, mustChangePassword: isInitialPassword, passwordChangedAt: at, passwordVersion: passwordVersionOf(current) + 1 };
}

/** The value hashed for a phone number: the same for an imported number and one WeChat returns. */
export function phoneKey(countryCode: string, number: string): string {
  return `+${countryCode.replace(/^\+/, '')} ${number}`;
}
