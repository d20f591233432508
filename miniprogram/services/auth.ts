import type { ApiResponse } from '../../cloudfunctions/shared/contracts/index';
import { callFunction } from './call';

export type SessionStatus = ApiResponse<'auth', 'status'>;

/** Whether this WeChat account is signed in to a student session, and the server's clock. */
export function getSessionStatus(): Promise<SessionStatus> {
  return callFunction('auth', 'status', {});
}
