import type { LocalCloud } from './cloud';
import type { LocalCloudServer } from './server';
import { installCloudPaySandbox } from './wechat-pay';
import { installOpenApiSandbox } from './wechat-openapi';
import { installLocalReceipts } from './receipts';
import { installBillingTestRoutes } from './seed/bills';
import { applyLocalSecretDefaults, installStudentSandbox } from './seed/students';
import { installStaffSandbox } from './seed/staff';
import { installOpenLinkSandbox } from './open-link';

/**
 * The local stand-ins for WeChat's servers (cloudPay, openapi), for WeChat opening a scanned link
 * and for the receipts' mail server, the development defaults of the functions' secrets, and the
 * routes that create test students, bills and paid orders. Each registers the SDK APIs it
 * implements on the cloud and its endpoints on the server. One list, so `npm start` and the tests
 * run the same set; the routes that make data are test routes (`LocalCloudServer.testRoute`),
 * served only when the server was started for tests.
 */
export function installSandboxes(cloud: LocalCloud, server: LocalCloudServer | null): void {
  applyLocalSecretDefaults();
  installStudentSandbox(cloud, server);
  installBillingTestRoutes(cloud, server);
  installOpenApiSandbox(cloud, server);
  installCloudPaySandbox(cloud, server);
  installLocalReceipts(cloud, server);
  installStaffSandbox(cloud, server);
  installOpenLinkSandbox(cloud, server);
}
