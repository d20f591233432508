/** Finance staff: the list, invitations and changes of role or status (管理员 only, checked by the server). */
import { call } from './client';
import type { StaffInvitationCreated, StaffRole, StaffView } from './types';

export async function listStaff(): Promise<StaffView[]> {
  return (await call('listStaff', {})).items;
}

export function inviteStaff(name: string, role: StaffRole): Promise<StaffInvitationCreated> {
  return call('inviteStaff', { name, role });
}

export type StaffChange = { role: StaffRole } | { active: boolean };

export function updateStaff(staffId: string, change: StaffChange, reason: string): Promise<StaffView> {
  return call('updateStaff', { staffId, ...change, reason });
}
