/**
 * Runs in every page-test file before the tests: the mini program runtime as miniprogram-simulate
 * provides it, the wx fake (real HTTP to the local cloud), App()/getApp() with the real app.ts,
 * and the config pointed at the local cloud that global-setup.ts started.
 */
import path from 'node:path';
import { MINIPROGRAM_ROOT } from './paths';
import { config } from '../../miniprogram/config/index';
import { installWxFake } from './wx-fake';

// What a student in China sees, whatever the machine's zone.
process.env.TZ = 'Asia/Shanghai';

const g = globalThis as unknown as Record<string, unknown>;

// miniprogram-simulate defines the globals Component, Behavior and wx. It is required, not
// imported, so its mini program typings stay out of the Node type-check.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('miniprogram-simulate');
installWxFake(g.wx as Record<string, unknown>);

// App() and getApp(): the real app.ts registers itself; getApp() returns it.
let appInstance: Record<string, unknown> | undefined;
g.App = (options: Record<string, unknown>) => {
  appInstance = options;
};
g.getApp = () => {
  if (!appInstance) throw new Error('getApp() called before app.ts registered the App');
  return appInstance;
};
g.getCurrentPages = () => [];
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(MINIPROGRAM_ROOT, 'app'));
(appInstance?.onLaunch as ((opts: unknown) => void) | undefined)?.call(appInstance, { path: 'pages/bills/index', query: {}, scene: 1001 });

const localCloudUrl = process.env.PAGES_LOCAL_CLOUD_URL;
if (!localCloudUrl) {
  throw new Error('PAGES_LOCAL_CLOUD_URL is not set: run the page tests with tests/pages/jest.project.js (its globalSetup starts the local cloud).');
}
config.transport = 'local';
config.localCloudBaseUrl = localCloudUrl;
config.requestTimeoutMs = 10000;
