/**
 * The staff pages (package-admin) and the admin function: a staff member's phone confirms or
 * cancels a sign-in to the finance console that a desktop browser started, and a WeChat user
 * accepts an invitation to join the finance staff. The caller is the WeChat account itself; the
 * server decides whether it is active staff.
 */
import type { ConsoleSignInRequest, StaffInvitationView, StaffView } from '../../cloudfunctions/shared/staff/contract';
import { callFunction } from './call';

export type { ConsoleSignInRequest, StaffInvitationView, StaffView };

/** What is being signed in (browser, when), after the console's code was scanned; marks the code as scanned. */
export function describeSignIn(ticket: string): Promise<ConsoleSignInRequest> {
  return callFunction('admin', 'describeSignIn', { ticket });
}

/** 确认登录: the console that showed the code receives its session. Asking again after it went through is harmless. */
export async function confirmSignIn(ticket: string): Promise<void> {
  await callFunction('admin', 'confirmSignIn', { ticket });
}

/** 取消: the console that showed the code is told so and never signs in with it. */
export async function cancelSignIn(ticket: string): Promise<void> {
  await callFunction('admin', 'cancelSignIn', { ticket });
}

/** The invitation a scanned 邀请码 names: who is invited, in which role, until when. */
export function describeInvitation(invitationId: string): Promise<StaffInvitationView> {
  return callFunction('admin', 'describeInvitation', { invitationId });
}

/** 接受邀请: this WeChat account becomes the staff member the invitation names. */
export function acceptInvitation(invitationId: string): Promise<StaffView> {
  return callFunction('admin', 'acceptInvitation', { invitationId });
}
