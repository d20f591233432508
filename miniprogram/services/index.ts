/**
 * services/ is the ONLY code that talks to the back end.
 *
 * Pages and components never call wx.cloud, never wx.request the back end and never call
 * wx.requestPayment: they call the typed functions exported here, which pick the transport from
 * config (WeChat Cloud Development or the local cloud), check the `{ ok, data | code, message }`
 * envelope and throw ServiceError with a Chinese message to show.
 */
export { callFunction } from './call';
export { ServiceError, isServiceError, isSignedOut, errorMessage } from './errors';
export type { ServiceErrorCode } from './errors';
export { getSessionStatus } from './auth';
export type { SessionStatus } from './auth';
export { describeSignIn, confirmSignIn, cancelSignIn, describeInvitation, acceptInvitation, type ConsoleSignInRequest, type StaffInvitationView, type StaffView } from './admin';
