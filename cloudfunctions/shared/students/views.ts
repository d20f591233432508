import type { MaskedIdentity, SetupIdentity } from './contract';
import type { StudentDoc } from './domain/student';
import { maskName } from '../kernel/mask';

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
