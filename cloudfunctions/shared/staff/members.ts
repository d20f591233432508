/**
 * Who is staff: administrators invite by a mini program code (role, name, 24 hours, one use),
 * change roles and disable; the very first administrator joins with the environment's one-time
 * setup code, which works only while no active administrator exists.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StaffRole } from '../kernel/contract';
import {
  AppError,
  endConsoleSessionsOf,
  transaction,
  type ConsoleContext,
  type RequestContext,
  type StaffDoc,
  type WebContext,
} from '../runtime';
import type { VariableName } from '../runtime/environment';
import { readSecret } from '../runtime/secrets';
import { ROLE_DUTIES, ROLE_LABELS, type StaffInvitationCreated, type StaffInvitationView, type StaffView } from './contract';
import { miniProgramCode } from './mini-program-code';
import {
  countActiveAdmins,
  joinStaffIn,
  listStaffRecords,
  loadInvitation,
  loadStaffRecord,
  retireFirstAdminInvitations,
  saveInvitation,
  updateStaffRecord,
  type StaffInvitationDoc,
} from './store';

export const INVITATION_MS = 24 * 3600_000;
export const BOOTSTRAP_CODE_ENV = 'ADMIN_BOOTSTRAP_CODE' satisfies VariableName;

export const staffView = (doc: StaffDoc): StaffView => ({
  staffId: doc._id,
  name: doc.name,
  role: doc.role,
  roleLabel: ROLE_LABELS[doc.role],
  active: doc.active,
  createdAt: new Date(doc.createdAt).toISOString(),
});

async function issueInvitation(
  ctx: RequestContext,
  fields: { id: string; name: string; role: StaffRole; createdBy: string | null; firstAdmin: boolean },
): Promise<StaffInvitationCreated> {
  const at = ctx.now();
  const invitation: StaffInvitationDoc = {
    _id: fields.id,
    name: fields.name,
    role: fields.role,
    createdBy: fields.createdBy,
    firstAdmin: fields.firstAdmin,
    createdAt: at,
    expiresAt: new Date(at.getTime() + INVITATION_MS),
    usedAt: null,
    usedBy: null,
  };
  const codeImage = await miniProgramCode(ctx, 'join', invitation._id);
  await saveInvitation(ctx.db, invitation);
  return { invitationId: invitation._id, codeImage, expiresAt: invitation.expiresAt.toISOString() };
}

export async function listStaff(_request: Record<string, never>, ctx: ConsoleContext): Promise<{ items: StaffView[] }> {
  const records = await listStaffRecords(ctx.db);
  records.sort((a, b) => Number(b.active) - Number(a.active) || new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  return { items: records.map(staffView) };
}

export async function inviteStaff(request: { name: string; role: StaffRole }, ctx: ConsoleContext): Promise<StaffInvitationCreated> {
  const created = await issueInvitation(ctx, { id: randomBytes(12).toString('base64url'), name: request.name, role: request.role, createdBy: ctx.staff.id, firstAdmin: false });
  ctx.audit.record({ target: `staffInvitation:${created.invitationId}`, after: { name: request.name, role: request.role, expiresAt: created.expiresAt } });
  return created;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export async function startFirstAdmin(request: { code: string; name: string }, ctx: WebContext): Promise<StaffInvitationCreated> {
  if (!process.env[BOOTSTRAP_CODE_ENV]?.trim()) throw new AppError('FIRST_ADMIN_UNAVAILABLE');
  const expected = readSecret(BOOTSTRAP_CODE_ENV);
  if ((await countActiveAdmins(ctx.db)) > 0) throw new AppError('FIRST_ADMIN_EXISTS');
  // Compared as digests of equal length, in constant time.
  if (!timingSafeEqual(digest(request.code.trim()), digest(expected))) {
    ctx.log.warn('first administrator: wrong setup code', { address: ctx.http.address });
    throw new AppError('FIRST_ADMIN_CODE_WRONG');
  }
  // A random id like every invitation's (the code is the only way to it); a newer one retires the
  // earlier ones, so only the latest can be accepted.
  await retireFirstAdminInvitations(ctx.db, ctx.now());
  return issueInvitation(ctx, { id: randomBytes(12).toString('base64url'), name: request.name, role: 'admin', createdBy: null, firstAdmin: true });
}

function usableInvitation(invitation: StaffInvitationDoc | null, at: Date): StaffInvitationDoc {
  if (!invitation) throw new AppError('NOT_FOUND', '邀请不存在，请联系管理员重新邀请');
  if (invitation.usedAt) throw new AppError('INVITATION_USED');
  if (at.getTime() >= new Date(invitation.expiresAt).getTime()) throw new AppError('INVITATION_EXPIRED');
  return invitation;
}

export async function describeInvitation(request: { invitationId: string }, ctx: RequestContext): Promise<StaffInvitationView> {
  const invitation = usableInvitation(await loadInvitation(ctx.db, request.invitationId), ctx.now());
  return {
    name: invitation.name,
    role: invitation.role,
    roleLabel: ROLE_LABELS[invitation.role],
    roleDuties: ROLE_DUTIES[invitation.role],
    expiresAt: new Date(invitation.expiresAt).toISOString(),
    firstAdmin: invitation.firstAdmin,
  };
}

export async function acceptInvitation(request: { invitationId: string }, ctx: RequestContext): Promise<StaffView> {
  const openid = ctx.caller.openid as string;
  const at = ctx.now();
  const seen = usableInvitation(await loadInvitation(ctx.db, request.invitationId), at);
  if (seen.firstAdmin && (await countActiveAdmins(ctx.db)) > 0) throw new AppError('FIRST_ADMIN_EXISTS');
  const staff = await transaction(ctx.db, async (tx) => {
    const invitation = usableInvitation(await tx.get('staffInvitations', request.invitationId), at);
    const existing = await tx.get('staff', openid);
    if (existing?.active) throw new AppError('ALREADY_STAFF');
    const record: Omit<StaffDoc, '_id'> = {
      name: invitation.name,
      role: invitation.role,
      active: true,
      createdAt: existing ? existing.createdAt : at,
      invitedBy: invitation.createdBy,
      updatedAt: at,
    };
    await joinStaffIn(tx, openid, record, invitation._id, at);
    return { _id: openid, ...record };
  });
  ctx.audit.record({ target: `staff:${openid}`, after: { name: staff.name, role: staff.role, invitation: request.invitationId } });
  return staffView(staff);
}

export async function updateStaff(
  request: { staffId: string; role?: StaffRole; active?: boolean; reason: string },
  ctx: ConsoleContext,
): Promise<StaffView> {
  // Never on oneself: the caller is an active administrator, so another one always remains.
  if (request.staffId === ctx.staff.id) throw new AppError('STAFF_SELF_CHANGE');
  const before = await loadStaffRecord(ctx.db, request.staffId);
  if (!before) throw new AppError('NOT_FOUND', '没有这位财务人员');
  const patch: Partial<Pick<StaffDoc, 'role' | 'active'>> = {};
  if (request.role !== undefined && request.role !== before.role) patch.role = request.role;
  if (request.active !== undefined && request.active !== before.active) patch.active = request.active;
  if (Object.keys(patch).length === 0) return staffView(before);
  await updateStaffRecord(ctx.db, request.staffId, patch, ctx.now());
  // A disabled member is signed out at once; a new role starts with a new sign-in.
  await endConsoleSessionsOf(ctx.db, request.staffId);
  const after = { ...before, ...patch };
  ctx.audit.record({ target: `staff:${request.staffId}`, before: { role: before.role, active: before.active }, after: { role: after.role, active: after.active } });
  return staffView(after);
}
