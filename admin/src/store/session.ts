/**
 * Who is signed in, for the whole console. The token itself stays in sessionStorage (api/token);
 * the identity is kept in memory and asked of the server again after a reload.
 */
import { computed, reactive } from 'vue';
import { fetchIdentity, signOut as endSession } from '../api/sign-in';
import { clearToken, readToken, storeToken } from '../api/token';
import type { ConsoleIdentity, StaffRole } from '../api/types';

const state = reactive<{ identity: ConsoleIdentity | null }>({ identity: null });

export const session = {
  identity: computed(() => state.identity),

  hasToken(): boolean {
    return readToken() !== null;
  },

  signedIn(token: string, identity: ConsoleIdentity): void {
    storeToken(token);
    state.identity = identity;
  },

  /** After a reload: the token is still in this tab, the identity is asked of the server. */
  async restore(): Promise<ConsoleIdentity> {
    const identity = await fetchIdentity();
    state.identity = identity;
    return identity;
  },

  /** Forgets the session here, whether or not the server was told. */
  forget(): void {
    clearToken();
    state.identity = null;
  },

  /** 退出: the server ends the session; it is forgotten here even if the server cannot be reached. */
  async signOut(): Promise<void> {
    try {
      await endSession();
    } finally {
      session.forget();
    }
  },

  may(roles: readonly StaffRole[] | undefined): boolean {
    if (!roles) return true;
    return state.identity !== null && roles.includes(state.identity.role);
  },
};
