/**
 * Demo finance staff, one per role, and the console's 模拟扫码: what a staff member's phone does
 * after scanning the console's code (opens 确认登录, taps 确认登录), done for a demo member.
 */
import type { StaffRole } from '../../cloudfunctions/shared/contracts';
import { collection, type Database } from '../../cloudfunctions/shared/runtime';
import type { LocalCloud } from '../cloud';
import { HttpError, type LocalCloudServer } from '../server';

export interface DemoStaffMember {
  openid: string;
  name: string;
  role: StaffRole;
}

export const DEMO_STAFF: readonly DemoStaffMember[] = [
  { openid: 'demo-staff-admin', name: '陈静', role: 'admin' },
  { openid: 'demo-staff-cashier', name: '李敏', role: 'cashier' },
  { openid: 'demo-staff-reviewer', name: '赵立', role: 'reviewer' },
  { openid: 'demo-staff-viewer', name: '孙悦', role: 'viewer' },
];

/** Idempotent: a member already there (perhaps disabled on purpose) is left as it is. */
export async function seedDemoStaff(db: Database, at: Date): Promise<readonly DemoStaffMember[]> {
  const staff = collection(db, 'staff');
  for (const member of DEMO_STAFF) {
    if (await staff.findById(member.openid)) continue;
    await staff.insert({ _id: member.openid, name: member.name, role: member.role, active: true, createdAt: at, invitedBy: null, updatedAt: at });
  }
  return DEMO_STAFF;
}

type FunctionAnswer = { ok: boolean; code?: string; message?: string };

/** Scans a console sign-in code as a demo staff member and confirms it, as the 确认登录 page would. */
export async function confirmConsoleSignInAs(cloud: LocalCloud, ticket: string, role: StaffRole): Promise<FunctionAnswer> {
  const member = DEMO_STAFF.find((candidate) => candidate.role === role);
  if (!member) throw new HttpError(400, 'UNKNOWN_ROLE', '没有这个角色的演示人员');
  const caller = { openid: member.openid, source: 'wx_client' };
  const seen = (await cloud.invoke('admin', { action: 'describeSignIn', ticket }, caller)) as FunctionAnswer;
  if (!seen.ok) return seen;
  return (await cloud.invoke('admin', { action: 'confirmSignIn', ticket }, caller)) as FunctionAnswer;
}

export function installStaffSandbox(cloud: LocalCloud, server: LocalCloudServer | null): void {
  /** `POST /sandbox/console-scan` `{ ticket, role }`: 模拟扫码 of the console (development only, as the whole local cloud). */
  server?.route('/sandbox/console-scan', async ({ body }) => {
    const { ticket, role } = (body ?? {}) as { ticket?: unknown; role?: unknown };
    if (typeof ticket !== 'string' || typeof role !== 'string') throw new HttpError(400, 'BAD_REQUEST', '需要 ticket 与 role');
    return confirmConsoleSignInAs(cloud, ticket, role as StaffRole);
  });
}
