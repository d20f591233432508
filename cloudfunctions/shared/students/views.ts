import type { MaskedIdentity, SetupIdentity } from './contract';
import type { StudentDoc } from './domain/student';
import { maskName } from '../kernel/mask';
import { PASSWORD_MIN_LENGTH } from './domain/password-policy';

/** What a student is shown to confirm it is them (first sign-in) and on 我的: name and ID masked. */
export function maskedIdentityOf(student: StudentDoc): MaskedIdentity {
  return {
    name: maskName(student.name),
    studentNo: student.studentNo,
    idNumber: student.idMasked,
    college: student.college,
    major: student.major,
    grade: student.grade,
    className: student.className,
  };
}

/** The first sign-in's identity step: enough to recognise one's own account, nothing more (see SetupIdentity). */
export function setupIdentityOf(student: StudentDoc, signedInBy: 'studentNo' | 'idNumber'): SetupIdentity {
  return { name: maskName(student.name), idNumber: student.idMasked, studentNo: signedInBy === 'studentNo' ? student.studentNo : null };
}

/** The password rules as the password pages list them (the server sends them with each step). */
export const PASSWORD_RULES_TEXT = [
  `至少 ${PASSWORD_MIN_LENGTH} 位`,
  '不能是初始密码（证件号后 8 位）',
  '不能包含证件号或学号中连续 6 位',
  '不能是常见密码（如 12345678、生日、键盘连续字母）',
] as const;
