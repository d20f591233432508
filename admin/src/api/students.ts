/** Students: search and detail (every role); password reset, activation codes and account reset (管理员, 收费员; with a reason). */
import { call, type ConsoleRequest } from './client';
import type { StudentAccountReset, StudentActivationCode, StudentPage, StudentSummary } from './types';

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

/** The ID number as read from the student's card, checked by the server and never answered; no phone: an activation code is issued. */
export function resetStudentAccount(studentNo: string, request: { idNumber: string; phone: string; reason: string }): Promise<StudentAccountReset> {
  return call('resetStudentAccount', { studentNo, idNumber: request.idNumber, reason: request.reason, ...(request.phone ? { phone: request.phone } : {}) });
}
