import type { Handlers } from '../runtime';
import { loadStaffMember, loadStudentSession } from '../runtime';
import type { authContract } from './contract';
import { checkIdNumber, signIn } from './sign-in';
import { setupActivate, setupConfirmIdentity, setupPassword, setupPhone, setupState, verifyDevice } from './setup';
import { forgotReset, forgotVerify } from './forgot';
import { changePassword, profile, signOut } from './account';
import { cleanup } from './cleanup';
import { redeemDesktopLink } from './desktop-link';

export const authHandlers: Handlers<typeof authContract> = {
  async status(_request, ctx) {
    const openid = ctx.caller.openid as string;
    const at = ctx.now();
    const [session, staff] = await Promise.all([loadStudentSession(ctx.db, openid, at), loadStaffMember(ctx.db, openid)]);
    return { signedIn: session !== null, staff: staff !== null, serverTime: at.toISOString() };
  },
  checkIdNumber,
  signIn,
  setupState,
  setupConfirmIdentity,
  setupActivate,
  setupPassword,
  setupPhone,
  verifyDevice,
  forgotVerify,
  forgotReset,
  profile,
  changePassword,
  redeemDesktopLink,
  signOut,
  cleanup,
};
