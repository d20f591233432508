import type { Handlers } from '../runtime';
import type { adminContract } from './contract';
import { acceptInvitation, describeInvitation, inviteStaff, listStaff, startFirstAdmin, updateStaff } from './members';
import { cancelSignIn, confirmSignIn, describeSignIn, me, pollSignIn, signOut, startSignIn } from './sign-in';
import { listAudit, startAuditExport } from './audit-log';

export { adminContract, ADMIN_ERRORS, ROLE_LABELS } from './contract';
export { STAFF_PAGES } from './mini-program-code';

/** The admin function's allowed browser origins (ADMIN_ALLOWED_ORIGINS), read at each request. */
export const ALLOWED_ORIGINS_ENV = 'ADMIN_ALLOWED_ORIGINS';
export const allowedOrigins = (): string[] =>
  (process.env[ALLOWED_ORIGINS_ENV] ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);

export const adminHandlers: Handlers<typeof adminContract> = {
  startSignIn,
  pollSignIn,
  me,
  signOut,
  startFirstAdmin,
  describeSignIn,
  confirmSignIn,
  cancelSignIn,
  listStaff,
  inviteStaff,
  updateStaff,
  listAudit,
  startAuditExport,
  describeInvitation,
  acceptInvitation,
};
