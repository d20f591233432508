export { LocalCloud, LocalClock, type LocalCloudOptions, type Caller, type InvocationStats, type WxApiHandler } from './cloud';
export { LocalCloudServer, OPENID_HEADER, HttpError, type RouteHandler } from './server';
export { startLocalCloud, type RunningLocalCloud, type StartOptions } from './start';
