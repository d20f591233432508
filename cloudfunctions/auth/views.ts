import type { MaskedIdentity } from '../shared/contracts/auth';
import type { StudentDoc } from '../shared/domain/student';
import { maskName } from '../shared/domain/mask';

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
