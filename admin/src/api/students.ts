/** Students: search and detail (every role); password reset and activation codes (管理员, 收费员; with a reason). */
import { call, type ConsoleRequest } from './client';
import type { StudentActivationCode, StudentPage, StudentSummary } from './types';

export type StudentSearch = ConsoleRequest<'searchStudents'>;

export function searchStudents(search: StudentSearch): Promise<StudentPage> {
  return call('searchStudents', search);
}

export function studentDetail(studentNo: string): Promise<StudentSummary> {
  return call('studentDetail', { studentNo });
}

export function resetStudentPassword(studentNo: string, reason: string): Promise<{ studentNo: string; needsActivationCode: boolean }> {
  return call('resetStudentPassword', { studentNo, reason });
}

export function issueStudentActivationCode(studentNo: string, reason: string): Promise<StudentActivationCode> {
  return call('issueStudentActivationCode', { studentNo, reason });
}
